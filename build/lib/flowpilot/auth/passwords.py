"""The password policy: long enough, not one repeated character, not a well-known password
(a list shipped with the project, checked case-insensitively)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

MIN_LENGTH = 12


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    path = Path(__file__).with_name("common_passwords.txt")
    return frozenset(line.strip() for line in path.read_text().splitlines() if line.strip())


def password_problem(password: str) -> str | None:
    if len(password) < MIN_LENGTH:
        return f"The password needs at least {MIN_LENGTH} characters"
    if len(set(password.strip())) <= 1:
        return "The password cannot be one character repeated"
    if password.lower() in common_passwords():
        return "This password is on the list of common passwords; choose another"
    return None
