"""The evidence extractor on real error strings (as engineers paste them)."""

from flowpilot.guidance.evidence import code_keys, extract
from flowpilot.guidance.text import find_phrase


def test_windows_update_recovery_partition() -> None:
    ev = extract(
        "KB5034441 fails with 0x80070643 on Windows 10 22H2 for all users since Patch Tuesday. "
        "CBS.log mentions the recovery partition. I already ran `reagentc /info`."
    )
    assert {"KB5034441", "0x80070643"} <= set(ev.codes)
    assert "Windows 10" in ev.products
    assert any("22H2" in v for v in ev.versions)
    assert ev.scope == "all users"
    assert any("reagentc /info" in c for c in ev.commands)
    assert any("reagentc" in d for d in ev.done)


def test_entra_and_smtp_codes() -> None:
    ev = extract(
        "Sign-in fails with AADSTS53003. The copier's scan to email gets "
        "535 5.7.139 Authentication unsuccessful, basic authentication is disabled."
    )
    assert "AADSTS53003" in ev.codes
    assert "5.7.139" in ev.codes and "535" in ev.codes
    assert "53003" in code_keys("AADSTS53003")


def test_event_ids_keep_their_source() -> None:
    ev = extract("System log: Security-Kerberos event 4 KRB_AP_ERR_SKEW; also Event ID 1058.")
    assert "KRB_AP_ERR_SKEW" in ev.codes
    assert "event 4 (Security-Kerberos)" in ev.codes
    assert "event 1058" in ev.codes


def test_quickbooks_and_http_codes() -> None:
    ev = extract("Workstations get H202 and later -6000, -83 opening the file; API says HTTP 403.")
    assert "H202" in ev.codes and "-6000, -83" in ev.codes and "HTTP 403" in ev.codes
    assert {"-6000", "-6000 -83"} <= code_keys("-6000, -83")


def test_changes_and_not_done() -> None:
    ev = extract(
        "It started after the firewall was replaced last Friday. "
        "I haven't tried rebooting the switch yet."
    )
    assert any("firewall was replaced" in c for c in ev.changes)
    assert ev.not_done and not ev.done


def test_scope_one_user() -> None:
    assert extract("Only one user is affected, everyone else is fine").scope == "one user"


def test_phrase_matching_stems_and_negation() -> None:
    text = "I restarted the print spooler. The certificate has not expired."
    assert find_phrase(text, "restart the spooler")
    assert not find_phrase(text, "certificate expired")
    assert find_phrase("the certificate expired yesterday", "certificate expired")
    assert find_phrase("No change after restarting the spooler", "restart the spooler")


def test_a_phrase_that_says_not_matches_that_text() -> None:
    text = "The connection was denied because the user account is not authorized for remote login."
    assert find_phrase(text, "not authorized for remote login")
    assert not find_phrase("The user is authorized for remote login", "not authorized")


def test_vendor_codes_scope_on_every_device_and_changes_named_by_event() -> None:
    ev = extract(
        "LabTrack shows LT-4012 licence server not found on every PC since Friday's server move"
    )
    assert ev.codes == ["LT-4012"]
    assert ev.scope == "all users"
    assert ev.changes, "a change named by what happened (a server move) is a recent change"
    assert extract("CVE-2024-21412 patched, see KB-12345").codes == ["CVE-2024-21412"]


def test_the_digits_of_a_vendor_code_are_not_a_second_code() -> None:
    from flowpilot.guidance.ranking import build_query

    text = "LabTrack shows LT-4012 licence server not found"
    keys = build_query(text, extract(text).codes).codes
    assert "lt-4012" in keys and "4012" not in keys
    assert "4012" in build_query("DFSR event 4012 on DC2", []).codes
