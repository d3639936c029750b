"""Credentials at rest: Fernet (AES-128-CBC + HMAC) with a key derived from the secret key.

A separate derivation (HKDF with its own `info`) keeps the encryption key distinct from
anything else the secret key signs; rotating FLOWPILOT_SECRET_KEY makes stored credentials
unreadable, and the admin page then asks for them again instead of failing obscurely."""

from __future__ import annotations

import base64
import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_INFO = b"flowpilot/integration-credentials/v1"


class CredentialsUnreadable(Exception):
    """Stored credentials were encrypted with another secret key."""


def _fernet(secret_key: str) -> Fernet:
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(
        secret_key.encode()
    )
    return Fernet(base64.urlsafe_b64encode(raw))


def encrypt_secrets(secret_key: str, secrets: dict[str, Any]) -> str:
    return _fernet(secret_key).encrypt(json.dumps(secrets).encode()).decode()


def decrypt_secrets(secret_key: str, token: str) -> dict[str, Any]:
    if not token:
        return {}
    try:
        data: dict[str, Any] = json.loads(_fernet(secret_key).decrypt(token.encode()))
    except InvalidToken as exc:
        raise CredentialsUnreadable(
            "Stored credentials cannot be decrypted (the secret key changed); enter them again"
        ) from exc
    return data
