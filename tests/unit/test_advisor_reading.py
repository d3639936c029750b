"""How the advisor reads the engineer's words: codes kept whole, what they saw versus what they
did, questions already answered, and a hypothesis said outright."""

from __future__ import annotations

from typing import Any

from flowpilot.guidance.advisor import Advice, BranchState, advise, step_done
from flowpilot.guidance.evidence import action_reports
from flowpilot.guidance.text import content_stems
from flowpilot.library.playbook_format import validate


def playbook(causes: list[dict[str, Any]], steps: list[dict[str, Any]]) -> dict[str, Any]:
    # A playbook has at least three steps; the padding comes last, so it is never the pick.
    padding = [
        {"id": f"vendor-case-{n}", "title": f"Open a vendor case ({n})", "check": "Call them."}
        for n in range(max(0, 3 - len(steps)))
    ]
    steps = [*steps, *padding]
    return validate(
        {
            "slug": "test-playbook",
            "title": "Test playbook",
            "domain": "Test",
            "summary": "A playbook for the advisor's tests.",
            "keywords": ["test"],
            "symptoms": ["test symptom"],
            "causes": causes,
            "steps": steps,
        }
    )


def advise_on(book: dict[str, Any], *messages: str) -> Advice:
    follow_ups = list(messages[1:])
    state = BranchState(
        user_text="\n".join(messages),
        latest=messages[-1],
        follow_up=len(messages) > 1,
        actions=[s for m in follow_ups for s in action_reports(m)],
    )
    return advise(book, state, common_words(book, *messages))


def common_words(book: dict[str, Any], *messages: str) -> dict[str, float]:
    """Word weights under which every word is common: only codes are specific on their own,
    as in a real-sized library for these everyday words."""
    return {stem: 1.0 for stem in content_stems(f"{book} {' '.join(messages)}")}


RELAY = playbook(
    causes=[
        {
            "id": "relay-pool",
            "title": "Relayed mail leaves from the relay pool (550 5.7.367 not permitted to relay)",
            "confirm_if": ["relaying denied", "relay pool"],
            "fix": "Make authentication pass on arrival.",
        },
        {
            "id": "connector-ip",
            "title": "The connector's IP no longer matches (5.7.64)",
            "confirm_if": ["ip changed", "5.7.64"],
            "fix": "Add the new public IP to the connector.",
        },
        {
            "id": "connector-cert",
            "title": "The connector's certificate name no longer matches (5.7.64)",
            "confirm_if": ["certificate renewed"],
            "fix": "Update TlsSenderCertificateName.",
        },
    ],
    steps=[{"id": "read-ndr", "title": "Read the NDR", "check": "Open the bounce."}],
)


def test_a_dotted_status_code_is_read_whole_and_confirms_its_cause() -> None:
    advice = advise_on(
        RELAY, "All relayed mail fails with '550 5.7.64 TenantAttribution; Relay Access Denied'."
    )
    assert advice.kind == "fix"
    assert advice.cause is not None and advice.cause["id"] == "connector-ip"
    assert advice.confirmed_by == "5.7.64"


def test_a_bounce_code_counts_against_causes_that_name_only_other_codes() -> None:
    # The IP cause was fixed already; "Relay Access Denied" says the relay-pool cause's
    # phrase outright, but its code is 5.7.367 and the bounce says 5.7.64.
    state = BranchState(
        user_text="Mail bounces: 550 5.7.64 TenantAttribution; Relay Access Denied.\n"
        "The public IP is unchanged and the connector lists it.",
        latest="The public IP is unchanged and the connector lists it.",
        fixes_given={"connector-ip"},
    )
    advice = advise(RELAY, state, common_words(RELAY, state.user_text))
    assert advice.hypothesis is not None
    assert advice.hypothesis["id"] == "connector-cert"
    assert [c["id"] for c in advice.other_causes][-1] == "relay-pool"


BACKUP = playbook(
    causes=[
        {
            "id": "snapshot-timeout",
            "title": "The guest snapshot times out on a busy VM",
            "confirm_if": ["snapshot timeout occurred"],
            "fix": "Raise the snapshot timeout.",
        },
        {
            "id": "wrong-credentials",
            "title": "Wrong guest credentials",
            "confirm_if": ["guest credentials", "access denied"],
            "fix": "Use a domain admin in the job's guest processing.",
        },
    ],
    steps=[
        {
            "id": "cache",
            "title": "Check whether the agent caches the job settings",
            "check": "Look at the agent's cache folder.",
            "when": ["cached settings"],
        },
        {"id": "logs", "title": "Read the job log", "check": "Open the job's session log."},
    ],
)


def test_what_the_engineer_did_is_not_evidence_for_a_cause() -> None:
    advice = advise_on(
        BACKUP,
        "The backup job fails during application-aware processing.",
        "I re-entered the guest credentials in the job and the retry fails the same way.",
    )
    assert advice.hypothesis is not None
    assert advice.hypothesis["id"] == "snapshot-timeout"


def test_what_the_engineer_saw_still_is() -> None:
    advice = advise_on(
        BACKUP,
        "The backup job fails during application-aware processing.",
        "The job log says access denied for the guest credentials.",
    )
    assert advice.hypothesis is not None
    assert advice.hypothesis["id"] == "wrong-credentials"


def test_a_check_only_the_engineers_own_actions_point_to_is_not_proposed() -> None:
    advice = advise_on(
        BACKUP,
        "The backup job fails during application-aware processing.",
        "Cleared the cached settings on the agent and reran it, same failure.",
    )
    assert advice.step is not None and advice.step["id"] == "logs"
    assert "Check whether the agent caches the job settings" in advice.skipped_done


def test_a_check_the_engineers_observation_points_to_is_proposed() -> None:
    advice = advise_on(
        BACKUP,
        "The backup job fails during application-aware processing.",
        "The agent shows cached settings from last year.",
    )
    assert advice.step is not None and advice.step["id"] == "cache"


PRINT = playbook(
    causes=[
        {
            "id": "driver-admin",
            "title": "Driver install needs admin",
            "confirm_if": ["driver install prompt"],
            "fix": "Deploy the driver centrally.",
        },
        {
            "id": "rpc-privacy",
            "title": "RPC privacy mismatch",
            "confirm_if": ["0x0000011b"],
            "fix": "Patch both sides.",
        },
    ],
    steps=[
        {
            "id": "exact-error",
            "title": "Get the exact error",
            "kind": "question",
            "check": "Ask for the exact message or code.",
            "tests": ["driver-admin", "rpc-privacy"],
            "results": [
                {
                    "if": "UAC prompt for admin credentials",
                    "means": "driver",
                    "cause": "driver-admin",
                },
                {"if": "0x0000011b", "means": "rpc", "cause": "rpc-privacy"},
            ],
        },
        {
            "id": "driver-type",
            "title": "Check the server's driver type",
            "check": "Print Management > Drivers.",
            "tests": ["driver-admin"],
        },
    ],
)


def test_a_question_the_engineer_has_already_answered_is_not_asked() -> None:
    advice = advise_on(
        PRINT, "Standard users get a UAC prompt for admin credentials when they add the printer."
    )
    assert advice.step is not None and advice.step["id"] == "driver-type"
    assert "Get the exact error" in advice.skipped_done


def test_an_unanswered_question_is_asked() -> None:
    advice = advise_on(PRINT, "Users cannot add the shared printer from the print server.")
    assert advice.step is not None and advice.step["id"] == "exact-error"


MAILBOX = playbook(
    causes=[
        {
            "id": "automapping",
            "title": "Mailbox does not auto-map",
            "confirm_if": ["granted via group", "new outlook"],
            "fix": "Grant Full Access directly with AutoMapping.",
        },
        {
            "id": "sent-items-copy",
            "title": "Sent items go to the sender's own mailbox",
            "confirm_if": ["sent items"],
            "fix": "Set-Mailbox -MessageCopyForSentAsEnabled $true.",
        },
    ],
    steps=[
        {
            "id": "owa",
            "title": "Test in Outlook on the web",
            "check": "Send from OWA.",
            "tests": ["automapping"],
        },
    ],
)


def test_a_cause_said_outright_ranks_above_half_a_phrase_and_stays_the_hypothesis() -> None:
    advice = advise_on(
        MAILBOX,
        "Sent messages from the shared mailbox land in each sender's own Sent Items in Outlook.",
    )
    # "Outlook" is half of "new Outlook"; "Sent Items" is said outright. The next check
    # tests the other cause, but does not replace the hypothesis the evidence speaks for.
    assert advice.hypothesis is not None
    assert advice.hypothesis["id"] == "sent-items-copy"
    assert advice.step is not None and advice.step["id"] == "owa"


def test_a_phrase_with_one_content_word_is_matched_word_for_word() -> None:
    step = {"title": "Check the Outlook version", "done_if": ["about outlook", "stuck at"]}
    assert not step_done(step, "Outlook keeps asking for a password on one laptop")
    assert not step_done(step, "The upgrade is stuck and fails at 40%")
    assert step_done(step, "File > Office Account > About Outlook shows build 2408")
    assert step_done(step, "FortiClient is stuck at 40%")
