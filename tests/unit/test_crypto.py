import pytest

from flowpilot.integrations.crypto import CredentialsUnreadable, decrypt_secrets, encrypt_secrets


def test_round_trip_hides_the_secret() -> None:
    token = encrypt_secrets("key-one", {"private_key": "s3cr3t-value"})
    assert "s3cr3t-value" not in token
    assert decrypt_secrets("key-one", token) == {"private_key": "s3cr3t-value"}


def test_another_key_cannot_read_it() -> None:
    token = encrypt_secrets("key-one", {"private_key": "x"})
    with pytest.raises(CredentialsUnreadable):
        decrypt_secrets("key-two", token)


def test_tampering_is_detected() -> None:
    token = encrypt_secrets("key-one", {"private_key": "x"})
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    with pytest.raises(CredentialsUnreadable):
        decrypt_secrets("key-one", tampered)
