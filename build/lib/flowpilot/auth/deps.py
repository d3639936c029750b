"""Who is calling: bearer token or the httpOnly cookie (with a CSRF check for cookie writes)."""

from __future__ import annotations

import hashlib
import hmac
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from flowpilot.auth.service import Principal, principal_for_token
from flowpilot.db.deps import DBSession
from flowpilot.errors import Forbidden, Unauthorized

SESSION_COOKIE = "fp_session"
CSRF_COOKIE = "fp_csrf"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def csrf_token_for(session_token: str, secret_key: str) -> str:
    digest = hmac.new(secret_key.encode(), f"csrf:{session_token}".encode(), hashlib.sha256)
    return digest.hexdigest()[:43]


bearer = HTTPBearer(auto_error=False, description="Token from POST /api/v1/auth/login")


async def current_principal(
    request: Request,
    db: DBSession,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    if credentials is not None:
        return await principal_for_token(db, credentials.credentials, via_cookie=False)
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        raise Unauthorized("Not signed in")
    if request.method not in SAFE_METHODS:
        # The token is derived from this sign-in's session token: one planted by someone
        # else (or left from another sign-in) does not match.
        expected = csrf_token_for(cookie, request.app.state.settings.resolved_secret_key())
        sent = request.headers.get(CSRF_HEADER, "")
        if not hmac.compare_digest(expected, sent):
            raise Forbidden("Missing or wrong CSRF token", code="csrf_failed")
    return await principal_for_token(db, cookie, via_cookie=True)


CurrentUser = Annotated[Principal, Depends(current_principal)]


async def require_admin(principal: CurrentUser) -> Principal:
    if not principal.is_admin:
        raise Forbidden("Only an account admin can do this")
    return principal


AdminUser = Annotated[Principal, Depends(require_admin)]
