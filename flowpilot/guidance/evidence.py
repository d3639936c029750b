"""Evidence: what the engineer has reported on a branch, reduced to facts the guide can use.

Deterministic: error codes (0x…, AADSTS…, SMTP/HTTP status, event ids with their source,
KB numbers, named errors such as KRB_AP_ERR_SKEW), products and versions, scope, recent
changes, commands run, checks already done (and ones explicitly not done), and findings.
Each message's evidence is extracted once, when it is saved, and kept with the message.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

MAX_ITEMS = 12
MAX_SENTENCE = 180

_CODE_PATTERNS = [
    re.compile(r"\b0x[0-9a-f]{4,8}\b", re.I),
    re.compile(r"\baadsts\d{5,7}\b", re.I),
    re.compile(r"\b[245]\.\d{1,2}\.\d{1,3}\b"),  # SMTP enhanced status 5.7.57
    re.compile(r"\bkb\d{6,7}\b", re.I),
    re.compile(r"\b[A-Z][A-Z0-9]+(?:_[A-Z0-9]+){2,}\b"),  # KRB_AP_ERR_SKEW, ERROR_…
    re.compile(r"\b(?:caa|cbb)[0-9a-f]{5}\b", re.I),  # Office/Teams client codes
    re.compile(r"\bH\d{3}\b"),  # QuickBooks H202/H505
    re.compile(r"(?<![\w.])-6\d{3}(?:,?\s*-\d{1,4})?\b"),  # QuickBooks -6000, -83
    re.compile(r"\bCVE-\d{4}-\d{4,7}\b", re.I),
    re.compile(r"\b(?!CVE-|KB-)[A-Z]{2,6}-\d{3,6}\b"),  # vendor codes: LT-4012, ERR-1203
]
_NUMBERED = re.compile(
    r"\b(?:error|err|code|status|stop code|bug ?check|reason code)\s*(?:code)?\s*[:#=]?\s*"
    r"(-?[0-9a-f]{3,8}|\d{2,6})\b",
    re.I,
)
_HTTP = re.compile(r"\b(?:http\s*(?:error|status)?\s*)([1-5]\d\d)\b", re.I)
_SMTP_BASIC = re.compile(r"\b([45]\d\d)[ -](?=[245]\.\d)")
_EVENT = re.compile(
    r"(?:(?-i:(?P<src>[A-Z][\w-]{2,40}(?:[- ][A-Z][\w-]+)?))\s+)?"
    r"\bevent(?:\s*id)?\s*[:#]?\s*(?P<id>\d{1,5})\b"
    r"(?:\s*\((?P<src2>[\w -]{3,40})\))?",
    re.I,
)
_NOT_SOURCES = {
    "the",
    "an",
    "a",
    "this",
    "that",
    "and",
    "in",
    "see",
    "also",
    "same",
    "system log",
    "log",
    "shows",
    "with",
    "got",
    "get",
    "there",
    "another",
}
_HEX8 = re.compile(r"\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{8}\b", re.I)

PRODUCTS = [
    "Windows 11",
    "Windows 10",
    "Windows Server",
    "Microsoft 365",
    "Office 365",
    "Exchange Online",
    "Exchange Server",
    "Exchange",
    "Outlook",
    "Teams",
    "OneDrive",
    "SharePoint",
    "Intune",
    "Autopilot",
    "Entra ID",
    "Entra Connect",
    "Azure AD Connect",
    "Azure AD",
    "Azure",
    "Active Directory",
    "Group Policy",
    "DNS",
    "DHCP",
    "Hyper-V",
    "VMware",
    "ESXi",
    "vCenter",
    "Remote Desktop",
    "RD Gateway",
    "RDS",
    "Citrix",
    "BitLocker",
    "TPM",
    "Defender",
    "Edge",
    "Chrome",
    "Firefox",
    "FortiGate",
    "FortiClient",
    "FortiOS",
    "SonicWall",
    "NetExtender",
    "Meraki",
    "WatchGuard",
    "Cisco",
    "AnyConnect",
    "Ubiquiti",
    "UniFi",
    "pfSense",
    "Sophos",
    "Veeam",
    "Datto",
    "Acronis",
    "Backup Exec",
    "QuickBooks",
    "Sage 50",
    "Sage 100",
    "Sage",
    "Pervasive",
    "Actian",
    "SQL Server",
    "SQL Express",
    "Synology",
    "QNAP",
    "NAS",
    "macOS",
    "Mac",
    "iPhone",
    "iPad",
    "Android",
    "Jamf",
    "HP",
    "Ricoh",
    "Canon",
    "Xerox",
    "Kyocera",
    "Konica Minolta",
    "Brother",
    "Epson",
    "Sharp",
    "Lexmark",
    "Dell",
    "Lenovo",
    "Surface",
    "Umbrella",
    "Mimecast",
    "Proofpoint",
    "ConnectWise",
    "Datto RMM",
    "NinjaOne",
    "Kaseya",
    "Zoom",
    "Adobe Acrobat",
    "Chromebook",
    "Linux",
    "Ubuntu",
    "IIS",
    "Apache",
    "nginx",
    "WSUS",
    "SCCM",
    "Configuration Manager",
    "NPS",
    "RADIUS",
    "Windows Hello",
]
_PRODUCT_RES = [(p, re.compile(rf"(?<![\w-]){re.escape(p)}(?![\w-])", re.I)) for p in PRODUCTS]
_VERSION = re.compile(
    r"\b(?:windows (?:server )?(?:20\d\d|1[01])(?: r2)?(?: (?:pro|home|enterprise))?"
    r"(?: \d\d[hH]\d)?|\d\d[hH]\d|macos (?:\d+(?:\.\d+)*|sonoma|sequoia|ventura|monterey|tahoe)"
    r"|(?:version|build|firmware|fortios|dsm|qts|v)\s?\d+(?:\.\d+)+[a-z]?|build \d{4,5})\b",
    re.I,
)
_SCOPES = [
    (
        "one user",
        re.compile(
            r"\b(one|a single|single|only one|just one) (user|person|employee|laptop|pc|computer|"
            r"machine|device|mac)\b|\bonly (affects|happens to|on) (one|her|his|this|that|the)\b|"
            r"\bother users are fine\b|\beveryone else (is fine|works)\b",
            re.I,
        ),
    ),
    (
        "all users",
        re.compile(
            r"\b(all|every) (users?|staff|employees?|machines?|pcs?|computers?|workstations?|"
            r"clients?|laptops?|desktops?|devices?|phones?)\b|"
            r"\beveryone\b|\bwhole (office|company|site)\b|"
            r"\bentire (office|company|site|network)\b|"
            r"\bcompany[- ]wide\b|\bnobody can\b|\bno one can\b",
            re.I,
        ),
    ),
    (
        "several users",
        re.compile(
            r"\b(several|some|multiple|a few|many|two|three) (users|people|staff|machines|pcs|"
            r"computers|laptops)\b",
            re.I,
        ),
    ),
    ("one site", re.compile(r"\b(one|single|branch|remote) (site|office|location)\b", re.I)),
]
_CHANGE = re.compile(
    r"\b(since|after) (the|a|an|we|they|i|last|yesterday|installing|updating|upgrading|"
    r"migrating|changing|replacing|moving|patch|update|upgrade|migration|reboot|power)\b|"
    r"\brecent(ly)?\b|\byesterday\b|\blast (week|night|month|friday|monday)\b|"
    r"\bthis morning\b|\bstarted (on|after|when|happening)\b|\b(was|were|got|been) "
    r"(changed|replaced|migrated|upgraded|updated|installed|moved|renamed|reset|demoted|"
    r"decommissioned|removed)\b|\bnew (router|firewall|switch|printer|copier|server|isp|laptop|"
    r"pc|modem|certificate|domain controller|dc)\b|"
    r"\b(since|after|from) (monday|tuesday|wednesday|thursday|friday|saturday|sunday|the weekend|"
    r"january|february|march|april|may|june|july|august|september|october|november|december)\b|"
    r"\b(since|after)\b[^.;\n]{0,30}\b(move|migration|update|upgrade|installation|install|"
    r"change|patch|reboot|outage|replacement|cutover|rollout|renewal)\b",
    re.I,
)
_DONE_VERBS = (
    r"tried|restarted|rebooted|reinstalled|cleared|reset|checked|verified|confirmed|ran|"
    r"replaced|updated|disabled|enabled|removed|recreated|deleted|renamed|flushed|re-?added|"
    r"rolled back|uninstalled|installed|repaired|rebuilt|reconfigured|moved|tested|"
    r"power[- ]cycled|re-?joined|rejoined|unjoined|created|set|changed|forced|synced|"
    r"re-?registered|re-?created|pinged|added|granted|assigned|upgraded|downgraded|"
    r"switched|toggled|compared|ticked|unticked|rolled|re-?entered|renewed|rebuilt|cleaned"
)
# "We restarted X", and the engineer's note style without a subject: "Reset X and cleared Y".
_DONE = re.compile(
    r"\b(i|we|i've|we've|user|client|they|he|she|tech|technician|vendor|engineer|contractor|"
    rf"isp|provider|support|already|also)\b[^.;\n]{{0,40}}?\b({_DONE_VERBS})\b|"
    rf"^\W*(?:already\s+|also\s+|then\s+)?({_DONE_VERBS})\b(?!\s+(?:is|was|are|were|does|did|"
    r"has|button|option|link)\b)",
    re.I,
)
_NOT_DONE = re.compile(
    r"\b(have not|haven't|didn't|did not|not yet|never|not)\s+(tried|done|restarted|rebooted|"
    r"checked|run|ran|touched)\b",
    re.I,
)
_FINDING = re.compile(
    r"\b(shows?|showing|says|returns?|returned|reports?|logged|log|fails?|failed|failing|"
    r"works?|worked|working|succeeds?|succeeded|running|stopped|expired|missing|denied|"
    r"timed out|timeout|unreachable|reachable|offline|online|found|error|warning)\b",
    re.I,
)
_COMMANDS = re.compile(
    r"`([^`\n]{2,120})`|\b((?:ipconfig|nslookup|ping|tracert|pathping|dcdiag|repadmin|gpresult|"
    r"gpupdate|w32tm|sfc|dism|chkdsk|netsh|dsregcmd|klist|vssadmin|reagentc|manage-bde|"
    r"certutil|setspn|nltest|netstat|telnet|Test-NetConnection|Test-ComputerSecureChannel|"
    r"Get-[A-Za-z]+|Set-[A-Za-z]+|Restart-Service|Start-ADSyncSyncCycle|net (?:stop|start|use)|"
    r"sc query|lpstat|cupsctl|sntp|dsconfigad|profiles|tmutil|diskutil|ping6|dig|curl|"
    r"Invoke-WebRequest|msiexec|slmgr|wevtutil)\b[^\n.;]{0,80})",
    re.I,
)
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+|;\s*|\s+[-–—]\s+")


LIST_FIELDS = (
    "codes",
    "products",
    "versions",
    "changes",
    "commands",
    "done",
    "not_done",
    "findings",
)


@dataclass
class Evidence:
    codes: list[str] = field(default_factory=list)
    products: list[str] = field(default_factory=list)
    versions: list[str] = field(default_factory=list)
    scope: str | None = None
    changes: list[str] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)
    done: list[str] = field(default_factory=list)
    not_done: list[str] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Evidence:
        if not isinstance(data, dict):
            return cls()
        out = cls()
        for key in LIST_FIELDS:
            value = data.get(key)
            if isinstance(value, list):
                setattr(out, key, [str(v) for v in value if isinstance(v, (str, int))])
        scope = data.get("scope")
        out.scope = scope if isinstance(scope, str) else None
        return out

    def enriched_by(self, model: Evidence) -> Evidence:
        """This (deterministic) evidence with a model's reading of the same message: identifiers
        are joined; the model's sentences replace the extractor's where it gave any (the same
        report in other words would only repeat it)."""
        out = self.merge(model)
        for key in ("done", "not_done", "findings", "changes"):
            if getattr(model, key):
                setattr(out, key, getattr(model, key))
        return out

    def merge(self, other: Evidence) -> Evidence:
        """Newer evidence (other) wins for the scope; lists keep order, without repeats."""
        merged = Evidence(scope=other.scope or self.scope)
        for key in LIST_FIELDS:
            setattr(merged, key, _union(getattr(self, key), getattr(other, key)))
        return merged

    def known_so_far(self) -> list[str]:
        """A compact list for the engineer (and the model): what is established."""
        lines = []
        if self.codes:
            lines.append("Error codes: " + ", ".join(self.codes[:8]))
        if self.products or self.versions:
            lines.append("Product / version: " + ", ".join((self.products + self.versions)[:8]))
        if self.scope:
            lines.append(f"Scope: {self.scope}")
        lines += [f"Recent change: {c}" for c in self.changes[:3]]
        lines += [f"Already done: {d}" for d in self.done[:6]]
        lines += [f"Not done yet: {d}" for d in self.not_done[:3]]
        lines += [f"Ran: {c}" for c in self.commands[:4] if not _mentioned(c, self.done)]
        lines += [f"Seen: {f}" for f in self.findings[-4:]]
        return lines


def _mentioned(command: str, sentences: list[str]) -> bool:
    return any(command.lower() in s.lower() for s in sentences)


def _union(a: list[str], b: list[str]) -> list[str]:
    seen = {x.lower() for x in a}
    out = list(a)
    for x in b:
        if x.lower() not in seen:
            seen.add(x.lower())
            out.append(x)
    return out[-MAX_ITEMS * 2 :]


def _clip(sentence: str) -> str:
    sentence = " ".join(sentence.split())
    return sentence if len(sentence) <= MAX_SENTENCE else sentence[: MAX_SENTENCE - 1] + "…"


def _change_clause(sentence: str, at: int) -> str:
    """The few words around a change cue ("since the firewall was replaced")."""
    start = max(sentence.rfind(",", 0, at), sentence.rfind(";", 0, at)) + 1
    end_match = re.search(r"[,;.!?]", sentence[at:])
    end = at + end_match.start() if end_match else len(sentence)
    clause = sentence[start:end].strip()
    if len(clause) > 90:
        clause = sentence[at : at + 90].strip() + "…"
    return clause


def extract_codes(text: str) -> list[str]:
    found: list[str] = []
    for pattern in _CODE_PATTERNS:
        found += [m.group(0) for m in pattern.finditer(text)]
    found += [m.group(1) for m in _NUMBERED.finditer(text)]
    found += [f"HTTP {m.group(1)}" for m in _HTTP.finditer(text)]
    found += [m.group(1) for m in _SMTP_BASIC.finditer(text)]
    found += [m.group(0) for m in _HEX8.finditer(text)]
    for m in _EVENT.finditer(text):
        source = (m.group("src2") or m.group("src") or "").strip()
        if not source[:1].isupper() or source.lower() in _NOT_SOURCES:
            source = ""
        found.append(f"event {m.group('id')}" + (f" ({source})" if source else ""))
    return _union([], [normalise_code(c) for c in found if c.strip()])


def normalise_code(code: str) -> str:
    code = code.strip()
    if re.fullmatch(r"0x[0-9a-fA-F]+", code):
        return "0x" + code[2:].upper()
    if re.fullmatch(r"(?i)aadsts\d+|kb\d+|h\d{3}|cve-[\d-]+", code):
        return code.upper()
    return code


def code_keys(code: str) -> set[str]:
    """The forms a code is matched under: 0x80070643 ~ 80070643, AADSTS53003 ~ 53003."""
    c = code.lower().strip()
    keys = {c}
    if c.startswith("0x"):
        keys.add(c[2:])
    elif re.fullmatch(r"[0-9a-f]{8}", c):
        keys.add("0x" + c)
    if c.startswith("aadsts"):
        keys.add(c[6:])
    if c.startswith("event "):
        keys.add(c.split(" (")[0])
    if c.startswith("http "):
        keys.add(c[5:])
    match = re.fullmatch(r"(-6\d{3}),?\s*(-\d+)", c)
    if match:
        keys |= {match.group(1), f"{match.group(1)} {match.group(2)}"}
    return keys


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(text) if s.strip()]


def action_reports(text: str) -> list[str]:
    """The sentences of a report that say what the engineer did ("switched cached mode off
    and on again"), as written."""
    return [s for s in _sentences(text) if not _NOT_DONE.search(s) and _DONE.search(s)]


def extract(text: str) -> Evidence:
    """Evidence from one engineer message or upload description."""
    ev = Evidence(codes=extract_codes(text))
    ev.products = _union([], [name for name, rx in _PRODUCT_RES if rx.search(text)])
    ev.versions = _union([], [_clip(m.group(0)) for m in _VERSION.finditer(text)])
    for scope, rx in _SCOPES:
        if rx.search(text):
            ev.scope = scope
            break
    ev.commands = _union(
        [], [_clip((m.group(1) or m.group(2)).strip()) for m in _COMMANDS.finditer(text)]
    )
    for sentence in _sentences(text):
        clipped = _clip(sentence)
        if _NOT_DONE.search(sentence):
            ev.not_done.append(clipped)
        elif _DONE.search(sentence):
            ev.done.append(clipped)
        elif _FINDING.search(sentence):
            ev.findings.append(clipped)
        change = _CHANGE.search(sentence)
        if change:
            ev.changes.append(_change_clause(sentence, change.start()))
    for key in ("done", "not_done", "changes", "findings"):
        setattr(ev, key, _union([], getattr(ev, key))[:MAX_ITEMS])
    return ev


SCOPES = tuple(label for label, _ in _SCOPES)

# What a model is asked to return for one message (the same fields as `extract`).
EVIDENCE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        **{
            key: {
                "type": "array",
                "items": {"type": "string", "maxLength": MAX_SENTENCE},
                "maxItems": MAX_ITEMS,
                "description": description,
            }
            for key, description in (
                ("codes", "Error codes, event ids with source, status codes, exactly as written"),
                ("products", "Products and services named (e.g. 'Exchange Online', 'FortiClient')"),
                ("versions", "Versions and builds named (e.g. 'Windows 11 23H2', 'FortiOS 7.2.5')"),
                ("changes", "Recent changes the message mentions (what changed, when)"),
                ("commands", "Commands or tools the engineer ran"),
                ("done", "Checks or fixes the engineer reports having done, with their result"),
                ("not_done", "Things the engineer says they have not tried yet"),
                (
                    "findings",
                    "Observed results and facts (what works, what fails, what a log says)",
                ),
            )
        },
        "scope": {"type": "string", "enum": [*SCOPES, "unknown"]},
    },
    "required": [*LIST_FIELDS, "scope"],
}


def from_model(data: dict[str, Any]) -> Evidence:
    """A model's structured reading, bounded and normalised like the extractor's output."""
    ev = Evidence.from_dict(data)
    for key in LIST_FIELDS:
        values = [_clip(v) for v in getattr(ev, key) if v.strip()]
        setattr(ev, key, _union([], values)[:MAX_ITEMS])
    ev.codes = _union([], [normalise_code(c) for c in ev.codes])
    ev.scope = ev.scope if ev.scope in SCOPES else None
    return ev


def merge_all(items: list[Evidence]) -> Evidence:
    total = Evidence()
    for item in items:
        total = total.merge(item)
    return total
