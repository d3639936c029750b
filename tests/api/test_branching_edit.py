"""Edit-and-resend and regenerate: a new branch with a sibling version; nothing is lost."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import text

from tests.api.test_branches import JSON, Api
from tests.conftest import Tenant
from tests.fakes.recording import RecordingProvider


@pytest.fixture
def provider() -> RecordingProvider:
    return RecordingProvider()


@pytest.fixture
def api(client: httpx.AsyncClient, tenant: Tenant) -> Api:
    return Api(client, tenant.engineer.headers)


async def _edit(api: Api, message_id: str, content: str) -> httpx.Response:
    return await api.client.post(
        f"{api.base}/messages/{message_id}/edit",
        json={"content": content},
        headers={**api.h, **JSON},
    )


async def _regenerate(api: Api, message_id: str) -> httpx.Response:
    return await api.client.post(
        f"{api.base}/messages/{message_id}/regenerate", headers={**api.h, **JSON}
    )


async def _story(api: Api) -> list[dict]:  # type: ignore[type-arg]
    await api.create()
    return [
        await api.say("Outlook keeps asking for a password"),
        await api.say("Only this laptop, since Monday"),
        await api.say("Password changed last week"),
    ]


async def test_edit_creates_a_sibling_and_both_versions_stay_reachable(api: Api) -> None:
    turns = await _story(api)
    original = turns[1]["user_message"]
    main = (await api.tree())["active_branch_id"]
    main_head = (await api.tree())["branches"][0]["head_message_id"]

    r = await _edit(api, original["id"], "Only this laptop, since the Windows update")
    assert r.status_code == 200, r.text
    edited = r.json()["user_message"]
    answer = r.json()["assistant_message"]
    assert edited["parent_id"] == original["parent_id"]
    assert edited["id"] != original["id"]
    assert edited["content"] == "Only this laptop, since the Windows update"
    assert answer["parent_id"] == edited["id"] and answer["branch_id"] == edited["branch_id"]

    tree = await api.tree()
    new = next(b for b in tree["branches"] if b["id"] == edited["branch_id"])
    assert tree["active_branch_id"] == new["id"] != main
    assert new["parent_branch_id"] == main and new["status"] == "active"
    assert new["label"].startswith("Edited: Only this laptop")
    assert new["head_message_id"] == answer["id"]
    # The original branch still ends where it did, with the original text on it.
    old = next(b for b in tree["branches"] if b["id"] == main)
    assert old["head_message_id"] == main_head
    old_path = [m["content"] for m in await api.messages(main)]
    assert "Only this laptop, since Monday" in old_path
    assert "Password changed last week" in old_path
    new_path = [m["content"] for m in await api.messages(new["id"])]
    assert new_path[0] == "Outlook keeps asking for a password"
    assert "Only this laptop, since the Windows update" in new_path
    assert "Only this laptop, since Monday" not in new_path
    assert "Password changed last week" not in new_path

    # Switching back shows the original version.
    assert (await api.switch(main)).status_code == 200
    assert (await api.tree())["active_branch_id"] == main


async def test_editing_the_first_message_makes_a_second_root(api: Api) -> None:
    turns = await _story(api)
    first = turns[0]["user_message"]
    r = await _edit(api, first["id"], "Outlook asks for a password every hour")
    assert r.status_code == 200, r.text
    edited = r.json()["user_message"]
    assert edited["parent_id"] is None and first["parent_id"] is None
    assert [m["content"] for m in await api.messages(edited["branch_id"])] == [
        "Outlook asks for a password every hour",
        r.json()["assistant_message"]["content"],
    ]


async def test_regenerate_creates_a_sibling_answer(api: Api) -> None:
    turns = await _story(api)
    old_answer = turns[2]["assistant_message"]
    asked = turns[2]["user_message"]
    main = (await api.tree())["active_branch_id"]

    r = await _regenerate(api, old_answer["id"])
    assert r.status_code == 200, r.text
    new_answer = r.json()["assistant_message"]
    assert r.json()["user_message"]["id"] == asked["id"]
    assert new_answer["id"] != old_answer["id"]
    assert new_answer["parent_id"] == old_answer["parent_id"] == asked["id"]
    assert new_answer["reply_to_id"] == asked["id"]

    tree = await api.tree()
    new = next(b for b in tree["branches"] if b["id"] == new_answer["branch_id"])
    assert tree["active_branch_id"] == new["id"] != main
    assert new["label"].startswith("Regenerated: Password changed")
    old = next(b for b in tree["branches"] if b["id"] == main)
    assert old["head_message_id"] == old_answer["id"]
    assert [m["id"] for m in await api.messages(new["id"])][-2:] == [asked["id"], new_answer["id"]]


async def test_regenerate_streams_like_a_message(api: Api) -> None:
    turns = await _story(api)
    r = await api.client.post(
        f"{api.base}/messages/{turns[0]['assistant_message']['id']}/regenerate", headers=api.h
    )
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/event-stream")
    assert "event: message" in r.text and "event: done" in r.text


async def test_wrong_role_off_path_and_empty_are_refused(api: Api, db) -> None:  # type: ignore[no-untyped-def]
    turns = await _story(api)
    branches_before = await db.scalar(text("SELECT count(*) FROM session_branches"))
    messages_before = await db.scalar(text("SELECT count(*) FROM session_messages"))

    r = await _edit(api, turns[0]["assistant_message"]["id"], "x")
    assert r.status_code == 409 and r.json()["code"] == "wrong_role"
    r = await _regenerate(api, turns[0]["user_message"]["id"])
    assert r.status_code == 409 and r.json()["code"] == "wrong_role"
    for content in ("", "   "):
        r = await _edit(api, turns[0]["user_message"]["id"], content)
        assert r.status_code == 422, r.text
    assert await db.scalar(text("SELECT count(*) FROM session_branches")) == branches_before
    assert await db.scalar(text("SELECT count(*) FROM session_messages")) == messages_before

    # After an edit, the original's later messages are no longer on the active path.
    assert (await _edit(api, turns[1]["user_message"]["id"], "Edited")).status_code == 200
    r = await _edit(api, turns[2]["user_message"]["id"], "again")
    assert r.status_code == 409 and r.json()["code"] == "not_on_active_path"
    r = await _regenerate(api, turns[2]["assistant_message"]["id"])
    assert r.status_code == 409 and r.json()["code"] == "not_on_active_path"


async def test_another_accounts_ids_are_404(
    api: Api, client: httpx.AsyncClient, other_tenant: Tenant
) -> None:
    turns = await _story(api)
    stranger = Api(client, other_tenant.engineer.headers, api.sid)
    assert (await _edit(stranger, turns[0]["user_message"]["id"], "x")).status_code == 404
    assert (await _regenerate(stranger, turns[0]["assistant_message"]["id"])).status_code == 404
    # Their own session, our message id.
    await stranger.create("Printer offline")
    assert (await _edit(stranger, turns[0]["user_message"]["id"], "x")).status_code == 404


async def test_branch_limit_applies(client: httpx.AsyncClient, make_tenant, db) -> None:  # type: ignore[no-untyped-def]
    free = await make_tenant(plan="free")
    api = Api(client, free.engineer.headers)
    turns = await _story(api)
    assert (await _regenerate(api, turns[2]["assistant_message"]["id"])).status_code == 200
    second = await _regenerate(api, (await api.tree())["branches"][-1]["head_message_id"])
    assert second.status_code == 200, second.text
    branches_before = await db.scalar(text("SELECT count(*) FROM session_branches"))
    messages_before = await db.scalar(text("SELECT count(*) FROM session_messages"))
    r = await _edit(api, turns[0]["user_message"]["id"], "one more")
    assert r.status_code == 402
    assert r.json()["code"] == "plan_limit" and "free plan allows 2" in r.json()["detail"]
    assert await db.scalar(text("SELECT count(*) FROM session_branches")) == branches_before
    assert await db.scalar(text("SELECT count(*) FROM session_messages")) == messages_before


async def test_retry_still_refuses_answered_messages(api: Api) -> None:
    turns = await _story(api)
    r = await api.client.post(
        f"{api.base}/messages/{turns[0]['user_message']['id']}/retry", headers={**api.h, **JSON}
    )
    assert r.status_code == 409 and r.json()["code"] == "already_answered"
