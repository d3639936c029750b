"""An e-mail address is unique within an account only: adding a user never tells one MSP's
admin that the address is in use at another MSP, and sign-in finds the right account."""

from __future__ import annotations

import httpx

from tests.conftest import PASSWORD, Tenant

OTHER_PASSWORD = "another long passphrase 7"


async def add_user(
    client: httpx.AsyncClient, admin_headers: dict[str, str], email: str, password: str
) -> httpx.Response:
    body = {"email": email, "password": password, "full_name": "Sam", "role": "engineer"}
    return await client.post("/api/v1/users", json=body, headers=admin_headers)


async def sign_in(
    client: httpx.AsyncClient, email: str, password: str, **extra: str
) -> httpx.Response:
    return await client.post(
        "/api/v1/auth/login", json={"email": email, "password": password, **extra}
    )


async def account_of(client: httpx.AsyncClient, login: httpx.Response) -> str:
    token = login.json()["access_token"]
    me = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    return str(me.json()["account"]["name"])


async def test_adding_an_address_used_at_another_msp_reveals_nothing(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    theirs = other_tenant.engineer.user.email
    added = await add_user(client, tenant.admin.headers, theirs, OTHER_PASSWORD)
    assert added.status_code == 201, added.text
    assert added.json()["email"] == theirs
    # The same address twice in one account is still a conflict.
    again = await add_user(client, tenant.admin.headers, theirs.upper(), OTHER_PASSWORD)
    assert again.status_code == 409 and again.json()["code"] == "email_taken"
    # The other account's user is untouched and lists no stranger.
    listed = await client.get("/api/v1/users", headers=other_tenant.admin.headers)
    assert [u["email"] for u in listed.json()].count(theirs) == 1


async def test_sign_in_finds_the_account_the_password_opens(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    email = other_tenant.engineer.user.email
    assert (await add_user(client, tenant.admin.headers, email, OTHER_PASSWORD)).status_code == 201

    theirs = await sign_in(client, email, PASSWORD)
    assert theirs.status_code == 200, theirs.text
    assert await account_of(client, theirs) == other_tenant.account.name
    ours = await sign_in(client, email, OTHER_PASSWORD)
    assert ours.status_code == 200, ours.text
    assert await account_of(client, ours) == tenant.account.name
    wrong = await sign_in(client, email, "not the password at all")
    assert wrong.status_code == 401


async def test_one_password_for_two_accounts_asks_which(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    email = other_tenant.engineer.user.email
    assert (await add_user(client, tenant.admin.headers, email, PASSWORD)).status_code == 201

    ambiguous = await sign_in(client, email, PASSWORD)
    assert ambiguous.status_code == 409 and ambiguous.json()["code"] == "choose_account"
    assert sorted(ambiguous.json()["accounts"]) == sorted(
        [tenant.account.name, other_tenant.account.name]
    )
    chosen = await sign_in(client, email, PASSWORD, account=tenant.account.name.upper())
    assert chosen.status_code == 200
    assert await account_of(client, chosen) == tenant.account.name
    # Naming an account the password does not open is a plain wrong sign-in.
    assert (await sign_in(client, email, PASSWORD, account="Nobody MSP")).status_code == 401
