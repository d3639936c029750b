"""The playbook format: a decision guide, not a numbered list.

A playbook names the problem it covers (title, aliases such as error codes, products, symptom
phrasings), the causes it knows with their fixes, and the checks that tell those causes apart.
Each check says what to run, what to look for, what each result means, when it applies
(`when`: phrases that must appear in the evidence) and when it is already answered
(`done_if`: phrases in the engineer's reports). A cause has `confirm_if` phrases: once the
evidence says so, the answer goes straight to its fix.

Standard library only, so `python -m flowpilot.library.playbook_format FILE…` validates files
on any machine (authors run it before committing). See docs/playbooks.md for the guide.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path
from typing import Any

STEP_KINDS = {"question", "action", "verification", "info_request", "script_generation", "note"}
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{2,118}$")
ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,60}$")
URL = re.compile(r"^https://[^\s]+$")
MAX_PHRASE = 120
MAX_ITEMS = 100  # per list, and steps / causes per playbook
MAX_TEXT = 4000


class PlaybookError(ValueError):
    pass


def _strings(data: dict[str, Any], key: str, where: str, *, required: bool = False) -> list[str]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise PlaybookError(f"{where}: '{key}' must be a list of non-empty strings")
    if required and not value:
        raise PlaybookError(f"{where}: '{key}' must not be empty")
    if len(value) > MAX_ITEMS:
        raise PlaybookError(f"{where}: '{key}' has more than {MAX_ITEMS} entries")
    for v in value:
        if len(v) > MAX_PHRASE:
            raise PlaybookError(f"{where}: '{key}' entry too long ({len(v)} > {MAX_PHRASE})")
    return value


def _text(data: dict[str, Any], key: str, where: str, *, required: bool = True) -> str:
    value = data.get(key, "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise PlaybookError(f"{where}: '{key}' must be a non-empty string")
    if len(value) > MAX_TEXT:
        raise PlaybookError(f"{where}: '{key}' is longer than {MAX_TEXT} characters")
    return value


def validate(data: dict[str, Any], name: str = "playbook") -> dict[str, Any]:
    """Raise PlaybookError with a precise message, or return the playbook normalised."""
    for key in ("slug", "title", "domain", "summary"):
        _text(data, key, name)
    if not SLUG.match(data["slug"]):
        raise PlaybookError(f"{name}: slug must be lowercase letters, digits and dashes")
    if len(data["title"]) > 300:
        raise PlaybookError(f"{name}: title is longer than 300 characters")
    for key in ("aliases", "products", "keywords", "symptoms"):
        _strings(data, key, name)
    _strings(data, "symptoms", name, required=True)
    sources = data.get("sources", [])
    if not isinstance(sources, list):
        raise PlaybookError(f"{name}: 'sources' must be a list of {{title, url}} tables")
    for src in sources:
        if not isinstance(src, dict) or not URL.match(str(src.get("url", ""))):
            raise PlaybookError(f"{name}: every source needs an https url")
        _text(src, "title", f"{name} source")

    causes = data.get("causes", [])
    if not isinstance(causes, list):
        raise PlaybookError(f"{name}: 'causes' must be a list of tables")
    cause_ids: set[str] = set()
    for cause in causes:
        if not isinstance(cause, dict):
            raise PlaybookError(f"{name}: each cause is a table with id, title and fix")
        where = f"{name} cause {cause.get('id', '?')}"
        cid = _text(cause, "id", where)
        if not ID.match(cid) or cid in cause_ids:
            raise PlaybookError(f"{where}: id must be unique, lowercase, dashes")
        cause_ids.add(cid)
        _text(cause, "title", where)
        _text(cause, "fix", where)
        _text(cause, "disprove", where, required=False)
        _strings(cause, "confirm_if", where)

    steps = data.get("steps", [])
    if not isinstance(steps, list) or len(steps) < 3:
        raise PlaybookError(f"{name}: a playbook needs at least 3 steps")
    if len(steps) > MAX_ITEMS or len(causes) > MAX_ITEMS:
        raise PlaybookError(f"{name}: more than {MAX_ITEMS} steps or causes")
    step_ids: set[str] = set()
    for index, step in enumerate(steps):
        if not isinstance(step, dict):
            raise PlaybookError(f"{name}: each step is a table with title and check")
        where = f"{name} step {step.get('id', index + 1)}"
        sid = step.get("id") or f"step-{index + 1}"
        if not isinstance(sid, str) or not ID.match(sid) or sid in step_ids:
            raise PlaybookError(f"{where}: id must be unique, lowercase, dashes")
        step_ids.add(sid)
        step["id"] = sid
        _text(step, "title", where)
        # `instruction` is the old name of `check`.
        if "check" not in step and "instruction" in step:
            step["check"] = step.pop("instruction")
        if "look_for" not in step and "expect" in step:
            step["look_for"] = step.pop("expect")
        _text(step, "check", where)
        _text(step, "look_for", where, required=False)
        _text(step, "caution", where, required=False)
        if step.get("kind", "action") not in STEP_KINDS:
            raise PlaybookError(f"{where}: unknown kind {step.get('kind')!r}")
        for key in ("when", "done_if", "tests"):
            _strings(step, key, where)
        unknown = set(step.get("tests", [])) - cause_ids
        if unknown:
            raise PlaybookError(f"{where}: tests unknown causes {sorted(unknown)}")
        results = step.get("results", [])
        if not isinstance(results, list):
            raise PlaybookError(f"{where}: 'results' must be a list of {{if, means}} tables")
        for result in results:
            if not isinstance(result, dict):
                raise PlaybookError(f"{where}: each result is a table with 'if' and 'means'")
            _text(result, "if", where)
            _text(result, "means", where)
            if result.get("cause") and result["cause"] not in cause_ids:
                raise PlaybookError(f"{where}: result names unknown cause {result['cause']!r}")
    return data


def read_file(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise PlaybookError(f"{path.name}: not valid TOML ({exc})") from exc
    return validate(data, path.name)


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or sorted((Path(__file__).parent / "data").glob("*.toml"))
    failed = 0
    slugs: dict[str, Path] = {}
    for path in paths:
        try:
            data = read_file(path)
        except PlaybookError as exc:
            print(f"FAIL {exc}")
            failed += 1
            continue
        if data["slug"] in slugs:
            print(f"FAIL {path.name}: slug {data['slug']} also in {slugs[data['slug']].name}")
            failed += 1
        slugs[data["slug"]] = path
        warnings = quality_warnings(data)
        status = "ok  " if not warnings else "warn"
        print(f"{status} {path.name}" + "".join(f"\n     - {w}" for w in warnings))
    print(f"{len(paths) - failed} of {len(paths)} valid")
    return 1 if failed else 0


def quality_warnings(data: dict[str, Any]) -> list[str]:
    """What a reviewer would send back, short of invalid."""
    out = []
    if not data.get("sources"):
        out.append("no sources (vendor KB / documentation URLs)")
    if len(data.get("causes", [])) < 2:
        out.append("fewer than 2 causes with fixes")
    if len(data.get("symptoms", [])) < 3:
        out.append("fewer than 3 symptom phrasings")
    if not any(s.get("done_if") for s in data["steps"]):
        out.append("no step has done_if")
    if not any(s.get("results") for s in data["steps"]):
        out.append("no step says what its results mean")
    return out


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
