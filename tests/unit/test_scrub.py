"""Client identifiers out of library text; plain language for clients."""

from __future__ import annotations

from flowpilot.privacy.scrub import Identifiers, scrub, without_placeholders
from flowpilot.resolutions.plain import flesch, needs_rewrite, plain, short_sentences

IDS = Identifiers.of(
    {
        "client": "Acme Dental",
        "psa_ticket": {
            "company": "Acme Dental Group",
            "contact": "Jane Miller",
            "contact_email": "jane@acmedental.com",
        },
    },  # fmt: skip
    ["Bright Smiles LLC"],
)


def test_identifiers_are_scrubbed_and_technical_facts_kept() -> None:
    text = (
        "Acme Dental Group (Jane Miller, jane@acmedental.com, +1 (555) 201-3344) reports "
        "SRV-DC01 at 10.0.4.12 and fs1.acme.local fail; mail.acmedental.com too; ticket #48213 "
        "and T20231105.0012; share \\\\srv-fs1\\scans; server FS01 down; Bright Smiles LLC too. "
        "KB5034441 0x80070643 on Windows 11 23H2 build 19045.3803, CVE-2024-21412, ports "
        "55393-55397, H202 in QuickBooks 2024, 2024-11-28 10:15."
    )
    out = scrub(text, IDS)
    for gone in ("Acme", "Jane", "acmedental", "555", "SRV-DC01", "10.0.4.12", "acme.local",
                 "48213", "T20231105", "srv-fs1", "FS01", "Bright Smiles"):  # fmt: skip
        assert gone not in out.text, gone
    for kept in ("KB5034441", "0x80070643", "Windows 11 23H2", "19045.3803", "CVE-2024-21412",
                 "55393-55397", "H202", "QuickBooks 2024", "2024-11-28 10:15"):  # fmt: skip
        assert kept in out.text, kept
    assert out.removed["client"] >= 3 and out.removed["host"] >= 3 and out.removed["ip"] == 1


def test_titles_lose_placeholders_gracefully() -> None:
    scrubbed = scrub("Acme Dental: scans to \\\\SRV-FS01\\scans fail on SRV-FS01", IDS).text
    assert without_placeholders(scrubbed) == "Scans to a network share fail on the server"


def test_plain_language_and_readability() -> None:
    technical = (
        "The PDC emulator lost its time source (event 129, KRB_AP_ERR_SKEW) so Kerberos "
        "tickets were rejected; we configured w32tm to use pool.ntp.org and resynchronised."
    )
    assert needs_rewrite(technical) and not needs_rewrite("We fixed the printer.")
    simple = short_sentences(plain(technical))
    assert "KRB_AP_ERR_SKEW" not in simple and "event 129" not in simple
    assert "main server clock" in simple and "sign-in system" in simple.lower()
    assert flesch("We fixed the printer. It works now.") > 80
    assert flesch(technical) < 60 <= flesch(simple)
