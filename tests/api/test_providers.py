"""Anthropic and OpenAI adapters against HTTP-level fakes of the vendors' real wire formats."""

from __future__ import annotations

import httpx
import pytest

from flowpilot.ai.anthropic import AnthropicProvider
from flowpilot.ai.base import (
    ChatMessage,
    ChatRequest,
    ProviderError,
    StructuredRequest,
    SystemBlock,
    TextDelta,
)
from flowpilot.ai.openai_compat import OpenAIProvider
from tests.conftest import Tenant, parse_sse
from tests.fakes.llm import (
    anthropic_error,
    anthropic_tool_message,
    openai_completion,
    openai_error,
)
from tests.fakes.server import Canned, anthropic_ok, openai_ok

FAST_RETRY = {"retry-after-ms": "5"}


def anthropic_provider(vendors, max_retries: int = 2) -> AnthropicProvider:  # type: ignore[no-untyped-def]
    return AnthropicProvider(
        api_key="sk-ant-test",
        model="claude-test",
        base_url=vendors.url,
        max_retries=max_retries,
        timeout=5,
    )


def openai_provider(vendors, max_retries: int = 2) -> OpenAIProvider:  # type: ignore[no-untyped-def]
    return OpenAIProvider(
        api_key=None,
        model="local-model",
        base_url=f"{vendors.url}/v1",
        max_retries=max_retries,
        timeout=5,
    )


def request(*texts: str) -> ChatRequest:
    history = [
        ChatMessage(role="user" if i % 2 == 0 else "assistant", text=t) for i, t in enumerate(texts)
    ]
    return ChatRequest(
        system=[SystemBlock("You are FlowPilot."), SystemBlock("Session: VPN")],
        history=history,
        volatile_context="Relevant playbooks: VPN will not connect",
    )


async def collect(provider, req):  # type: ignore[no-untyped-def]
    deltas, done = [], None
    async for event in provider.stream_chat(req):
        if isinstance(event, TextDelta):
            deltas.append(event.text)
        else:
            done = event
    return "".join(deltas), done


async def test_anthropic_streams_text_and_usage_with_cache_breakpoints(vendors) -> None:  # type: ignore[no-untyped-def]
    vendors.anthropic.push(
        anthropic_ok(
            "Check ",
            "the VPN log.",
            input_tokens=30,
            output_tokens=9,
            cache_read=120,
            cache_write=40,
        )
    )
    text, done = await collect(
        anthropic_provider(vendors),
        request("VPN fails", "Which client?", "FortiClient, password: hunter2"),
    )
    assert text == "Check the VPN log."
    assert (
        done.usage.input_tokens,
        done.usage.output_tokens,
        done.usage.cache_read_tokens,
        done.usage.cache_write_tokens,
    ) == (30, 9, 120, 40)
    sent = vendors.anthropic.requests[-1]
    assert sent["stream"] is True and sent["model"] == "claude-test"
    # Breakpoints: end of the stable system text, and the new turn's text; the volatile
    # context follows as its own block, after everything that is cached.
    assert sent["system"][-1]["cache_control"] == {"type": "ephemeral"}
    text_block, context_block = sent["messages"][-1]["content"]
    assert text_block["cache_control"] == {"type": "ephemeral"}
    assert "cache_control" not in context_block
    assert context_block["text"].startswith("Relevant playbooks")
    # Secrets are masked before anything leaves.
    assert "hunter2" not in text_block["text"] and "[REDACTED]" in text_block["text"]
    # The key travels as x-api-key or a bearer header, depending on the SDK version.
    auth = sent["_headers"].get("x-api-key") or sent["_headers"].get("authorization", "")
    assert auth.endswith("sk-ant-test") and "anthropic-version" in sent["_headers"]


async def test_anthropic_retries_overloaded_then_succeeds(vendors) -> None:  # type: ignore[no-untyped-def]
    vendors.anthropic.push(
        Canned(529, anthropic_error("overloaded_error", "Overloaded"), FAST_RETRY),
        Canned(429, anthropic_error("rate_limit_error", "Slow down"), FAST_RETRY),
        anthropic_ok("ok"),
    )
    text, _ = await collect(anthropic_provider(vendors, max_retries=2), request("hi"))
    assert text == "ok" and len(vendors.anthropic.requests) == 3


async def test_anthropic_errors_become_clear_messages(vendors) -> None:  # type: ignore[no-untyped-def]
    vendors.anthropic.push(
        Canned(401, anthropic_error("authentication_error", "invalid x-api-key"))
    )
    with pytest.raises(ProviderError) as err:
        await collect(anthropic_provider(vendors), request("hi"))
    assert "rejected the API key" in err.value.detail and err.value.retryable is False


async def test_anthropic_structured_output_uses_a_forced_tool(vendors) -> None:  # type: ignore[no-untyped-def]
    vendors.anthropic.push(
        Canned(
            200,
            anthropic_tool_message(
                "intake_analysis", {"problem_domain": "VPN", "summary": "s", "first_checks": []}
            ),
        )
    )
    result = await anthropic_provider(vendors).structured(
        StructuredRequest(
            system="sys", prompt="VPN down", schema={"type": "object"}, name="intake_analysis"
        )
    )
    assert result.data["problem_domain"] == "VPN" and result.usage.input_tokens == 40
    assert vendors.anthropic.requests[-1]["tool_choice"] == {
        "type": "tool",
        "name": "intake_analysis",
    }


async def test_openai_compatible_streams_with_usage(vendors) -> None:  # type: ignore[no-untyped-def]
    vendors.openai.push(
        openai_ok("Run ", "ipconfig /all", prompt_tokens=50, completion_tokens=7, cached=20)
    )
    text, done = await collect(
        openai_provider(vendors), request("DNS fails", "What OS?", "Windows 11")
    )
    assert text == "Run ipconfig /all"
    assert (done.usage.input_tokens, done.usage.cache_read_tokens, done.usage.output_tokens) == (
        30,
        20,
        7,
    )
    sent = vendors.openai.requests[-1]
    assert sent["stream"] is True and sent["stream_options"] == {"include_usage": True}
    assert sent["messages"][0]["role"] == "system"
    # The turn's words first, then the volatile context after a separator.
    last = sent["messages"][-1]["content"]
    assert last.startswith("Windows 11\n\n---\n") and last.endswith("VPN will not connect")


async def test_openai_retries_5xx_then_reports_failure(vendors) -> None:  # type: ignore[no-untyped-def]
    vendors.openai.reset(Canned(503, openai_error("model loading"), FAST_RETRY))
    with pytest.raises(ProviderError) as err:
        await collect(openai_provider(vendors, max_retries=2), request("hi"))
    assert len(vendors.openai.requests) == 3
    assert "unavailable or overloaded (503)" in err.value.detail


async def test_openai_connection_refused_is_clear() -> None:
    from tests.fakes.server import _free_port

    provider = OpenAIProvider(
        api_key=None,
        model="m",
        base_url=f"http://127.0.0.1:{_free_port()}/v1",
        max_retries=0,
        timeout=2,
    )
    with pytest.raises(ProviderError) as err:
        await collect(provider, request("hi"))
    assert "Could not reach the model server" in err.value.detail


@pytest.mark.parametrize("base_url", ["https://api.openai.com/v1", None])
async def test_openais_own_api_gets_max_completion_tokens(vendors, base_url, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Reasoning models on api.openai.com refuse `max_tokens`; the fake's official route
    answers it with OpenAI's 400."""
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)  # no base URL means OpenAI's
    provider = OpenAIProvider(api_key="sk-test", model="gpt-5", base_url=base_url, timeout=5)
    provider.client = provider.client.with_options(base_url=f"{vendors.url}/openai-official/v1")
    text, _ = await collect(provider, request("hi"))
    assert text == "Fake OpenAI reply."
    sent = vendors.openai.requests[-1]
    assert sent["max_completion_tokens"] == request("hi").max_tokens and "max_tokens" not in sent
    vendors.openai.push(Canned(200, openai_completion('{"problem_domain": "VPN"}')))
    result = await provider.structured(
        StructuredRequest(
            system="s", prompt="p", schema={"type": "object"}, name="x", max_tokens=99
        )
    )
    assert result.data == {"problem_domain": "VPN"}
    assert vendors.openai.requests[-1]["max_completion_tokens"] == 99


async def test_other_openai_compatible_servers_keep_max_tokens(vendors) -> None:  # type: ignore[no-untyped-def]
    """Ollama, vLLM, llama.cpp and older Azure deployments know only `max_tokens`."""
    await collect(openai_provider(vendors), request("hi"))
    sent = vendors.openai.requests[-1]
    assert sent["max_tokens"] == request("hi").max_tokens and "max_completion_tokens" not in sent


# ── through the API: failure keeps the user's message, retry answers it ─────────────────────


@pytest.fixture
def provider(vendors):  # type: ignore[no-untyped-def]
    return anthropic_provider(vendors, max_retries=1)


async def test_failed_turn_keeps_message_and_retry_answers(
    client: httpx.AsyncClient, tenant: Tenant, vendors
) -> None:  # type: ignore[no-untyped-def]
    h = tenant.engineer.headers
    vendors.anthropic.reset(Canned(500, anthropic_error("api_error", "boom"), FAST_RETRY))
    s = (
        await client.post(
            "/api/v1/ai-sessions", json={"problem_summary": "VPN drops every hour"}, headers=h
        )
    ).json()
    r = await client.post(
        f"/api/v1/ai-sessions/{s['id']}/messages",
        json={"content": "VPN drops every hour"},
        headers=h,
    )
    events = parse_sse(r.text)
    assert [e for e, _ in events] == ["message", "error"]
    error = events[-1][1]
    assert "unavailable or overloaded (500)" in error["detail"] and error["retryable"] is True
    msgs = (await client.get(f"/api/v1/ai-sessions/{s['id']}/messages", headers=h)).json()
    assert [m["role"] for m in msgs] == ["user"] and msgs[0]["awaiting_reply"] is True

    # JSON clients get a 502 that names the saved message.
    j = await client.post(
        f"/api/v1/ai-sessions/{s['id']}/messages/{msgs[0]['id']}/retry",
        headers={**h, "Accept": "application/json"},
    )
    assert j.status_code == 502 and j.json()["user_message_id"] == msgs[0]["id"]

    vendors.anthropic.reset(
        anthropic_ok("Check ", "the tunnel lifetime.", input_tokens=11, output_tokens=5)
    )
    retry = await client.post(
        f"/api/v1/ai-sessions/{s['id']}/messages/{msgs[0]['id']}/retry", headers=h
    )
    done = parse_sse(retry.text)[-1]
    assert (
        done[0] == "done"
        and done[1]["assistant_message"]["content"] == "Check the tunnel lifetime."
    )
    assert done[1]["usage"] == {
        "input_tokens": 11,
        "output_tokens": 5,
        "cache_read_tokens": 0,
        "cache_write_tokens": 0,
    }
    again = await client.post(
        f"/api/v1/ai-sessions/{s['id']}/messages/{msgs[0]['id']}/retry", headers=h
    )
    assert again.status_code == 409
    got = (await client.get(f"/api/v1/ai-sessions/{s['id']}", headers=h)).json()
    assert got["usage"]["input_tokens"] == 11 and got["turn_count"] == 1


def test_images_go_in_each_vendors_format(vendors) -> None:  # type: ignore[no-untyped-def]
    from flowpilot.ai.base import ImagePart

    img = ImagePart(media_type="image/png", data_b64="iVBORw0KGgo=")
    req = ChatRequest(
        system=[SystemBlock("s")],
        history=[ChatMessage(role="user", text="see screenshot", images=[img])],
    )
    anthropic_msg = anthropic_provider(vendors).build_payload(req)["messages"][0]["content"]
    assert anthropic_msg[0] == {
        "type": "image",
        "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="},
    }
    openai_msg = openai_provider(vendors).build_messages(req)[1]["content"]
    assert openai_msg[1] == {
        "type": "image_url",
        "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="},
    }


async def test_model_suggested_forks_are_cut_from_the_text_and_kept(
    client: httpx.AsyncClient, tenant: Tenant, vendors
) -> None:  # type: ignore[no-untyped-def]
    block = (
        '<fork_options>[{"label": "Client DNS suffix", "description": "GPO changed"}, '
        '{"label": "Split tunnel routes", "description": "VPN profile"}]</fork_options>'
    )
    pieces = ["Two causes fit. ", block[:9], block[9:40], block[40:]]
    vendors.anthropic.reset(anthropic_ok(*pieces))
    h = tenant.engineer.headers
    s = (
        await client.post(
            "/api/v1/ai-sessions", json={"problem_summary": "Intranet names fail on VPN"}, headers=h
        )
    ).json()
    r = await client.post(
        f"/api/v1/ai-sessions/{s['id']}/messages", json={"content": "names fail"}, headers=h
    )
    events = parse_sse(r.text)
    streamed = "".join(d["text"] for e, d in events if e == "delta")
    assert streamed == "Two causes fit. " and "fork_options" not in r.text.split("event: done")[0]
    reply = events[-1][1]["assistant_message"]
    assert reply["content"] == "Two causes fit."
    assert [o["label"] for o in reply["meta"]["fork_suggestions"]] == [
        "Client DNS suffix",
        "Split tunnel routes",
    ]
