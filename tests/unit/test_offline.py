"""The offline guide: evidence in, the next check / fix / honest no-fit out."""

from __future__ import annotations

from typing import Any

from flowpilot.ai.base import ChatMessage
from flowpilot.guidance.compose import NO_FIT_MARK, compose
from flowpilot.guidance.plan import GuidePlan, build_plan
from flowpilot.guidance.ranking import Index, index_doc, playbook_fields
from flowpilot.library.playbook_format import validate

SPOOLER: dict[str, Any] = validate(
    {
        "slug": "print-spooler-stuck",
        "title": "Print spooler stuck or crashing",
        "domain": "Printing",
        "summary": "Jobs stuck in the queue; the Print Spooler service stops.",
        "aliases": ["0x0000011b", "event 7031"],
        "products": ["Print Spooler"],
        "keywords": ["spooler", "print queue", "stuck jobs"],
        "symptoms": ["print jobs stuck in the queue", "spooler keeps stopping"],
        "sources": [{"title": "Spooler", "url": "https://learn.microsoft.com/spooler"}],
        "causes": [
            {
                "id": "corrupt-job",
                "title": "A corrupt job in the spool folder",
                "confirm_if": ["shd file stuck", "corrupt spool file"],
                "fix": "Stop the spooler, delete spool\\PRINTERS\\*, start it.",
            },
            {
                "id": "bad-driver",
                "title": "A third-party driver crashes the spooler",
                "confirm_if": ["faulting module", "driver crash"],
                "fix": "Remove the driver with printui /s /t2 and install the Type 4 driver.",
            },
        ],
        "steps": [
            {
                "id": "restart",
                "title": "Restart the spooler",
                "check": "`Restart-Service Spooler`",
                "done_if": ["restarted the spooler", "spooler restart"],
                "tests": ["corrupt-job"],
            },
            {
                "id": "events",
                "title": "Read the PrintService log",
                "check": "Event Viewer > PrintService > Admin",
                "results": [
                    {
                        "if": "faulting module names a driver dll",
                        "means": "driver",
                        "cause": "bad-driver",
                    }
                ],
                "tests": ["bad-driver"],
            },
            {
                "id": "folder",
                "title": "Clear the spool folder",
                "check": "Delete C:\\Windows\\System32\\spool\\PRINTERS\\*",
                "tests": ["corrupt-job"],
            },
            {
                "id": "point-print",
                "title": "Check RpcAuthnLevelPrivacyEnabled",
                "check": "`reg query HKLM\\System\\CurrentControlSet\\Control\\Print`",
                "when": ["0x0000011b"],
            },
        ],
    }
)

VPN: dict[str, Any] = validate(
    {
        "slug": "fortigate-ssl-vpn",
        "title": "FortiClient SSL VPN will not connect",
        "domain": "Network / VPN",
        "summary": "FortiClient stops at 98% or fails with -14.",
        "aliases": ["-14", "98%"],
        "products": ["FortiClient", "FortiGate"],
        "keywords": ["vpn", "fortinet", "ssl vpn"],
        "symptoms": ["vpn stuck at 98", "forticlient cannot connect"],
        "causes": [{"id": "cert", "title": "Certificate", "fix": "Replace the certificate."}],
        "steps": [
            {"id": "a", "title": "Check version", "check": "Help > About"},
            {"id": "b", "title": "Check the user group", "check": "User & Authentication"},
            {"id": "c", "title": "Debug", "check": "`diagnose debug application sslvpn -1`"},
        ],
    }
)


def make_index(*playbooks: dict[str, Any]) -> Index:
    return Index(
        [
            index_doc(
                key=p["slug"],
                slug=p["slug"],
                title=p["title"],
                kind="flow",
                own=False,
                fields=playbook_fields(p),
                payload={"guide": p},
            )
            for p in playbooks
        ]
    )


def filler(n: int) -> dict[str, Any]:
    """Other playbooks, so that word weights are those of a real-sized library."""
    words = ["mailbox", "licence", "tenant", "backup", "switch", "laptop", "scanner", "firewall"]
    topic = f"{words[n % len(words)]} topic{n}"
    return validate(
        {
            "slug": f"filler-{n}",
            "title": f"{topic} problem",
            "domain": "Other",
            "summary": f"{topic} fails for users",
            "keywords": [topic, f"keyword{n}"],
            "symptoms": [f"{topic} not working"],
            "steps": [{"title": f"Check {topic} {i}", "check": "look"} for i in range(3)],
        }
    )


INDEX = make_index(SPOOLER, VPN, *(filler(n) for n in range(30)))


def turns(*messages: str, hypothesis: str | None = None) -> list[tuple[GuidePlan, str]]:
    """Work a branch turn by turn, feeding each reply's recorded guide back in."""
    history: list[ChatMessage] = []
    out = []
    for text in messages:
        history.append(ChatMessage("user", text))
        plan = build_plan(
            INDEX,
            problem_summary=messages[0],
            history=history,
            own_history=history,
            hypothesis=hypothesis,
        )
        reply, _ = compose(plan)
        history.append(ChatMessage("assistant", reply, meta={"guide": plan.meta()}))
        out.append((plan, reply))
    return out


def test_a_step_reported_done_is_skipped() -> None:
    [(plan, reply)] = turns("Print jobs stuck in the queue. I already restarted the spooler.")
    assert plan.focus is not None and plan.focus.slug == "print-spooler-stuck"
    assert plan.advice is not None and plan.advice.step is not None
    assert plan.advice.step["id"] != "restart"
    assert "Restart the spooler" in plan.advice.skipped_done
    assert "Next check: Restart the spooler" not in reply


def test_a_negated_report_is_not_done() -> None:
    [(plan, _)] = turns("Print jobs stuck in the queue; I have not restarted the spooler yet.")
    assert plan.advice is not None and plan.advice.step is not None
    assert plan.advice.step["id"] == "restart"


def test_steps_are_never_repeated_on_a_branch() -> None:
    seen = [
        p.advice.step["id"]
        for p, _ in turns("print jobs stuck in the queue", "nothing changed", "still stuck")
        if p.advice and p.advice.step
    ]
    assert len(seen) == len(set(seen)) == 3


def test_a_when_condition_brings_its_step_forward() -> None:
    [(plan, _)] = turns("Print jobs stuck in the queue, clients get 0x0000011b")
    assert plan.advice is not None and plan.advice.step is not None
    assert plan.advice.step["id"] == "point-print"
    [(plan, _)] = turns("Print jobs stuck in the queue")
    assert plan.advice is not None and plan.advice.step is not None
    assert plan.advice.step["id"] != "point-print"


def test_a_confirmed_cause_jumps_to_its_fix() -> None:
    (_, first), (plan, reply) = turns(
        "Print jobs stuck in the queue",
        "The PrintService log shows a faulting module, a driver crash in the HP driver",
    )
    assert plan.advice is not None and plan.advice.kind == "fix"
    assert plan.advice.cause is not None and plan.advice.cause["id"] == "bad-driver"
    assert "Cause confirmed" in reply and "printui /s /t2" in reply


def test_a_fix_stays_the_answer_until_the_engineer_reports_trying_it() -> None:
    # More signs of the same cause are no reason to move on to the playbook's other causes.
    _, (held, reply), (tried, _) = turns(
        "Print jobs stuck in the queue",
        "Event log: faulting module, a driver crash in the HP driver",
        "Every job to the HP takes the spooler down, the third-party HP driver again",
    )
    _, _, (elsewhere, _) = turns(
        "Print jobs stuck in the queue",
        "Event log: faulting module, a driver crash in the HP driver",
        "Jobs to the Kyocera on the same server print fine",
    )
    _, _, (after_trying, _) = turns(
        "Print jobs stuck in the queue",
        "Event log: faulting module, a driver crash in the HP driver",
        "Removed it with printui and put the Type 4 driver on, same result",
    )
    assert held.advice is not None and held.advice.kind == "fix"
    assert held.advice.cause is not None and held.advice.cause["id"] == "bad-driver"
    assert tried.advice is not None and tried.advice.kind == "fix" and tried.advice.still_pending
    assert "Cause confirmed" in reply
    # A report about something else is no sign of the same cause: the usual order resumes.
    assert elsewhere.advice is not None and not elsewhere.advice.still_pending
    assert after_trying.advice is not None
    assert not (
        after_trying.advice.kind == "fix" and after_trying.advice.cause["id"] == "bad-driver"
    )  # type: ignore[index]


def test_a_new_report_confirming_another_cause_replaces_the_held_fix() -> None:
    _, _, (plan, reply) = turns(
        "Print jobs stuck in the queue",
        "Event log: faulting module, a driver crash in the HP driver",
        "Found an SHD file stuck in the spool folder from last week",
    )
    assert plan.advice is not None and plan.advice.cause is not None
    assert plan.advice.cause["id"] == "corrupt-job" and not plan.advice.still_pending
    assert "Cause confirmed" in reply


def test_a_result_of_the_last_check_is_interpreted() -> None:
    history = [ChatMessage("user", "print jobs stuck in the queue, spooler restart done")]
    plan = build_plan(INDEX, problem_summary="", history=history, own_history=history)
    suggested = {**plan.meta(), "step_id": "events"}  # the PrintService log check was asked for
    history += [
        ChatMessage("assistant", "…", meta={"guide": suggested}),
        ChatMessage("user", "Yes, the faulting module names a driver dll from Kyocera"),
    ]
    plan = build_plan(INDEX, problem_summary="", history=history, own_history=history)
    assert plan.advice is not None and plan.advice.kind == "fix"
    assert plan.advice.interpreted is not None


def test_a_weak_match_gets_the_honest_no_fit_answer() -> None:
    [(plan, reply)] = turns("The coffee machine in the kitchen is leaking water on the floor")
    assert plan.no_fit and plan.advice is None
    assert NO_FIT_MARK in reply
    assert "Next check" not in reply and "Playbook:" not in reply
    assert "exact error message" in reply


def test_no_fit_does_not_ask_for_what_was_given() -> None:
    [(_, reply)] = turns("Everyone gets error 0x80049dd3 in the accounting tool since the update")
    assert NO_FIT_MARK in reply
    assert "exact error message" not in reply and "Who is affected" not in reply


def test_contradicting_evidence_switches_the_playbook_and_says_why() -> None:
    (first, _), (second, reply) = turns(
        "Jobs stuck, the spooler keeps stopping",
        "Correction: it is not printing at all, it is FortiClient SSL VPN stuck at 98% with "
        "error -14 on the FortiGate, users cannot connect to the vpn",
    )
    assert first.focus is not None and first.focus.slug == "print-spooler-stuck"
    assert second.focus is not None and second.focus.slug == "fortigate-ssl-vpn"
    assert second.switched_from is not None and "Switched from" in reply


def test_a_hypothesis_branch_follows_its_own_playbook() -> None:
    [(plan, _)] = turns(
        "Users cannot work this morning: jobs stuck and the VPN drops",
        hypothesis="FortiClient SSL VPN stuck at 98%",
    )
    assert plan.focus is not None and plan.focus.slug == "fortigate-ssl-vpn"


def test_an_exhausted_playbook_says_so_instead_of_drifting() -> None:
    *_, (plan, reply) = turns(
        "FortiClient SSL VPN stuck at 98%", "no luck", "same", "still the same"
    )
    assert plan.focus is not None and plan.focus.slug == "fortigate-ssl-vpn"
    assert plan.advice is not None and plan.advice.kind == "exhausted"
    assert "No checks left" in reply and "won't drift" in reply


def test_the_engineer_saying_it_is_fixed_ends_the_checks() -> None:
    *_, (plan, reply) = turns("print jobs stuck in the queue", "That fixed it, printing again now")
    assert plan.advice is not None and plan.advice.kind == "fixed"
    assert "solved" in reply and "Next check" not in reply


def test_is_deterministic() -> None:
    assert turns("print jobs stuck in the queue") == turns("print jobs stuck in the queue")


def test_a_clean_result_rules_a_cause_out_and_its_checks_are_not_proposed() -> None:
    [(plan, reply)] = turns(
        "Print jobs stuck in the queue. I read the event log: no driver crash, "
        "the faulting module check came back fine."
    )
    advice = plan.advice
    assert advice is not None and advice.kind == "step"
    assert [c["id"] for c, _ in advice.ruled_out] == ["bad-driver"]
    assert all(c["id"] != "bad-driver" for c in advice.other_causes)
    assert advice.step is not None and advice.step["id"] != "events"
    assert "Ruled out by your results:** A third-party driver crashes the spooler" in reply


def test_a_phrase_in_a_clean_result_does_not_confirm_its_cause() -> None:
    [(plan, _)] = turns("Print jobs stuck in the queue. Driver crash test passed, all good.")
    assert plan.advice is not None and plan.advice.kind != "fix"
    [(plan, _)] = turns(
        "Print jobs stuck in the queue; the log shows a driver crash in the spooler."
    )
    assert plan.advice is not None and plan.advice.kind == "fix"
    assert plan.advice.cause is not None and plan.advice.cause["id"] == "bad-driver"


def test_clean_and_failed_results_are_read_per_clause() -> None:
    [(plan, _)] = turns(
        "Print jobs stuck in the queue. The driver crash check passed but the queue still hangs."
    )
    assert plan.advice is not None
    assert [c["id"] for c, _ in plan.advice.ruled_out] == ["bad-driver"]
    [(plan, _)] = turns("Print jobs stuck in the queue. The driver crash check did not pass.")
    assert plan.advice is not None and plan.advice.ruled_out == []
    assert plan.advice.kind == "fix"


def test_fix_clauses_the_engineer_reported_doing_are_left_out() -> None:
    from flowpilot.guidance.compose import DoneFilter, without_done
    from flowpilot.guidance.text import content_stems

    done = DoneFilter(stems=frozenset(content_stems("We already reset the user's password.")))
    fix = (
        "Block sign-in; reset the password (strong, not reused); revoke sessions with "
        "`Revoke-MgUserSignInSession`. Then review inbox rules."
    )
    kept, dropped = without_done(fix, done)
    assert "reset the password" not in kept
    assert "Block sign-in;" in kept and "revoke sessions" in kept and "inbox rules" in kept
    assert dropped == ["reset the password (strong, not reused)"]


RELAY: dict[str, Any] = validate(
    {
        "slug": "smtp-relay-to-exchange-online",
        "title": "Relay to Exchange Online refused",
        "domain": "Microsoft 365",
        "summary": "Devices relaying through a connector get refused.",
        "aliases": ["5.7.64", "TenantAttribution"],
        "products": ["Exchange Online"],
        "keywords": ["relay", "connector", "smtp relay"],
        "symptoms": ["relay refused by exchange online"],
        "causes": [
            {
                "id": "ip-changed",
                "title": "The connector trusts an IP address and the public IP changed",
                "confirm_if": ["ip changed", "new isp", "relay"],
                "fix": "Add the new egress IP to the connector.",
            },
            {
                "id": "chain",
                "title": "The relay's certificate chain is incomplete",
                "confirm_if": ["800b0109", "chain terminated in an untrusted root"],
                "fix": "Import the intermediate CA certificate on the relay.",
            },
        ],
        "steps": [
            {"id": "trace", "title": "Read the NDR", "check": "Message trace", "tests": ["chain"]},
            {"id": "ip", "title": "Find the egress IP", "check": "ifconfig.me", "tests": []},
            {"id": "conn", "title": "Read the connector", "check": "Get-InboundConnector"},
        ],
    }
)
RELAY_INDEX = make_index(RELAY, SPOOLER, *(filler(n) for n in range(30)))


def relay_plan(*messages: str) -> GuidePlan:
    history = [ChatMessage("user", m) for m in messages]
    return build_plan(
        RELAY_INDEX, problem_summary=messages[0], history=history, own_history=history
    )


def test_a_word_that_only_names_the_problem_does_not_confirm_a_cause() -> None:
    plan = relay_plan("SMTP relay from the copier to Exchange Online is refused by the connector")
    assert plan.advice is not None and plan.advice.kind == "step"
    plan = relay_plan("Relay to Exchange Online refused; the relay logs 800B0109")
    assert plan.advice is not None and plan.advice.kind == "fix"
    assert plan.advice.cause is not None and plan.advice.cause["id"] == "chain"


def test_the_engineer_denying_a_cause_rules_it_out_until_they_say_otherwise() -> None:
    plan = relay_plan(
        "Relay to Exchange Online refused since the new ISP went live",
        "Checked again: the public IP hasn't changed, the ISP only swapped the router.",
    )
    assert plan.advice is not None
    assert [c["id"] for c, _ in plan.advice.ruled_out] == ["ip-changed"]
    assert plan.advice.kind != "fix" or plan.advice.cause["id"] != "ip-changed"  # type: ignore[index]
    plan = relay_plan(
        "Relay to Exchange Online refused. The public IP hasn't changed as far as I know.",
        "Correction: the IP changed last night, the firewall now leaves through a new ISP.",
    )
    assert plan.advice is not None and plan.advice.ruled_out == []
    assert plan.advice.cause is not None and plan.advice.cause["id"] == "ip-changed"


def test_other_causes_leave_out_alternatives_the_engineer_already_did() -> None:
    from flowpilot.guidance.compose import DoneFilter, _title_without_done
    from flowpilot.guidance.text import content_stems

    done = DoneFilter(stems=frozenset(content_stems("Re-entered the guest OS credentials")))
    title = "Guest processing can't connect: RPC 1722, wrong guest credentials, admin$ blocked"
    assert (
        _title_without_done(title, done)
        == "Guest processing can't connect: RPC 1722, admin$ blocked"
    )
    assert _title_without_done("Wrong guest credentials", done) == "Wrong guest credentials"


VERSIONS_STEP: dict[str, Any] = {
    "id": "versions",
    "title": "Versions of license server, CALs and hosts",
    "check": "Record the OS of the license server and of each session host",
    "results": [{"if": "License server older than CALs/hosts", "means": "Move it", "cause": "old"}],
}


def test_a_result_is_recognised_by_what_sets_it_apart_from_the_check() -> None:
    from flowpilot.guidance.advisor import interpret

    # Every answer to this check names the license server, CALs and hosts: those words
    # alone do not say the server is older.
    assert (
        interpret(VERSIONS_STEP, "The license server is activated with CALs for all hosts") is None
    )
    found = interpret(VERSIONS_STEP, "The license server runs 2016, older than the 2019 CALs")
    assert found is not None and found.cause_id == "old"


def test_a_result_of_a_check_the_engineer_ran_unasked_is_interpreted() -> None:
    from flowpilot.guidance.advisor import interpret_report

    events = SPOOLER["steps"][1]
    report = "I read the PrintService log and the faulting module names a driver dll"
    found = interpret_report(SPOOLER["steps"], None, report)
    assert events["id"] == "events" and found is not None and found.cause_id == "bad-driver"
    # The check must be named with its result, and the problem statement is no result.
    assert (
        interpret_report(SPOOLER["steps"], None, "The faulting module names a driver dll") is None
    )
    assert interpret_report(SPOOLER["steps"], None, report, follow_up=False) is None
