from __future__ import annotations

import httpx

from tests.conftest import PASSWORD, Tenant


async def test_login_returns_bearer_and_cookies(client: httpx.AsyncClient, tenant: Tenant) -> None:
    r = await client.post(
        "/api/v1/auth/login",
        json={"email": tenant.engineer.user.email.upper(), "password": PASSWORD},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["token_type"] == "bearer" and body["access_token"]
    assert "fp_session" in r.cookies and "fp_csrf" in r.cookies
    assert "httponly" in r.headers.get_list("set-cookie")[0].lower()

    me = await client.get(
        "/api/v1/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert me.status_code == 200
    assert me.json()["email"] == tenant.engineer.user.email
    assert me.json()["offline"] is True
    assert [t["name"] for t in me.json()["teams"]] == ["Service Desk"]


async def test_cookie_writes_need_csrf_header(client: httpx.AsyncClient, tenant: Tenant) -> None:
    r = await client.post(
        "/api/v1/auth/login", json={"email": tenant.engineer.user.email, "password": PASSWORD}
    )
    assert r.status_code == 200
    assert (await client.get("/api/v1/auth/me")).status_code == 200  # cookie read: fine
    body = {"problem_summary": "Printer offline in reception"}
    blocked = await client.post("/api/v1/ai-sessions", json=body)
    assert blocked.status_code == 403 and blocked.json()["code"] == "csrf_failed"
    ok = await client.post(
        "/api/v1/ai-sessions", json=body, headers={"X-CSRF-Token": client.cookies["fp_csrf"]}
    )
    assert ok.status_code == 201, ok.text
    # A token planted by someone else (or from another sign-in) does not fit this sign-in.
    planted = {"X-CSRF-Token": "x" * 43}
    client.cookies.set("fp_csrf", "x" * 43)
    refused = await client.post("/api/v1/ai-sessions", json=body, headers=planted)
    assert refused.status_code == 403 and refused.json()["code"] == "csrf_failed"


async def test_wrong_password_then_throttled(client: httpx.AsyncClient, tenant: Tenant) -> None:
    email = tenant.engineer.user.email
    for _ in range(5):
        r = await client.post("/api/v1/auth/login", json={"email": email, "password": "nope"})
        assert r.status_code == 401
        assert r.json() == {"detail": "Wrong e-mail or password", "code": "invalid_credentials"}
    r = await client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert r.status_code == 429
    assert int(r.headers["retry-after"]) > 0


async def test_unknown_email_is_the_same_401(client: httpx.AsyncClient) -> None:
    r = await client.post(
        "/api/v1/auth/login", json={"email": "ghost@example.com", "password": "x"}
    )
    assert r.status_code == 401 and r.json()["code"] == "invalid_credentials"


async def test_logout_revokes_token(client: httpx.AsyncClient, tenant: Tenant) -> None:
    h = tenant.engineer.headers
    assert (await client.post("/api/v1/auth/logout", headers=h)).status_code == 204
    r = await client.get("/api/v1/auth/me", headers=h)
    assert r.status_code == 401


async def test_no_token_is_401(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/v1/ai-sessions")
    assert r.status_code == 401 and r.json()["code"] == "unauthorized"
    r = await client.get("/api/v1/ai-sessions", headers={"Authorization": "Bearer forged"})
    assert r.status_code == 401


async def test_admin_manages_users_and_teams(client: httpx.AsyncClient, tenant: Tenant) -> None:
    h = tenant.admin.headers
    team = await client.post("/api/v1/teams", json={"name": "Escalations"}, headers=h)
    assert team.status_code == 201
    dup = await client.post("/api/v1/teams", json={"name": "Escalations"}, headers=h)
    assert dup.status_code == 409
    created = await client.post(
        "/api/v1/users",
        json={
            "email": "new.hire@example.com",
            "password": "long-enough-pw",
            "role": "lead",
            "team_ids": [team.json()["id"]],
        },
        headers=h,
    )
    assert created.status_code == 201, created.text
    assert created.json()["teams"][0]["name"] == "Escalations"
    login = await client.post(
        "/api/v1/auth/login", json={"email": "new.hire@example.com", "password": "long-enough-pw"}
    )
    assert login.status_code == 200
    uid = created.json()["id"]
    off = await client.patch(f"/api/v1/users/{uid}", json={"is_active": False}, headers=h)
    assert off.status_code == 200 and off.json()["is_active"] is False
    again = await client.post(
        "/api/v1/auth/login", json={"email": "new.hire@example.com", "password": "long-enough-pw"}
    )
    assert again.status_code == 401
    teams = await client.get("/api/v1/teams", headers=h)
    assert {t["name"]: t["member_count"] for t in teams.json()}["Escalations"] == 1


async def test_engineers_cannot_manage_users(client: httpx.AsyncClient, tenant: Tenant) -> None:
    h = tenant.engineer.headers
    r = await client.post(
        "/api/v1/users", json={"email": "x@example.com", "password": "long-enough-pw"}, headers=h
    )
    assert r.status_code == 403
    assert (await client.post("/api/v1/teams", json={"name": "X"}, headers=h)).status_code == 403


async def test_admin_cannot_lock_themselves_out(client: httpx.AsyncClient, tenant: Tenant) -> None:
    r = await client.patch(
        f"/api/v1/users/{tenant.admin.user.id}",
        json={"role": "engineer"},
        headers=tenant.admin.headers,
    )
    assert r.status_code == 409


async def test_bad_input_is_4xx(client: httpx.AsyncClient, tenant: Tenant) -> None:
    h = tenant.admin.headers
    assert (
        await client.post(
            "/api/v1/auth/login", content=b"{not json", headers={"content-type": "application/json"}
        )
    ).status_code == 422
    assert (
        await client.post(
            "/api/v1/users", json={"email": "bad", "password": "long-enough-pw"}, headers=h
        )
    ).status_code == 422
    assert (
        await client.post(
            "/api/v1/users",
            json={"email": "a@b.co", "password": "long-enough-pw", "role": "god"},
            headers=h,
        )
    ).status_code == 422
    assert (await client.get("/api/v1/users/not-a-uuid", headers=h)).status_code == 422


async def test_cannot_join_another_accounts_team(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    outsider = other_tenant.admin
    r = await client.post(
        "/api/v1/users",
        json={
            "email": "sneaky@example.com",
            "password": "long-enough-pw",
            "team_ids": [str(tenant.team.id)],
        },
        headers=outsider.headers,
    )
    assert r.status_code == 404
    listed = await client.get("/api/v1/users", headers=outsider.headers)
    assert all(u["email"] != "sneaky@example.com" for u in listed.json())
