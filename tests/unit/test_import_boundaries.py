"""Each domain writes only its own tables: a model class imported from another domain's
`models` module is never constructed, inserted, updated or deleted outside its domain (reads
are allowed; writes go through the owning domain's service). The layering itself (no cycles
between domains) is import-linter's contract in pyproject.toml, run by `make lint`."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "flowpilot"
WRITES = {"insert", "update", "delete"}


def _foreign_models(tree: ast.Module, domain: str) -> dict[str, str]:
    """Names bound to another domain's model classes in this module: name → owning domain."""
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            parts = node.module.split(".")
            owner = parts[1] if len(parts) == 3 and parts[::2] == ["flowpilot", "models"] else None
            if owner is not None and owner != domain:
                for alias in node.names:
                    names[alias.asname or alias.name] = owner
    return names


def _writes(tree: ast.Module, foreign: dict[str, str]) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id in foreign:
            found.append((node.lineno, f"{func.id}(…) constructs {foreign[func.id]}'s row"))
        called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if called in WRITES and node.args:
            target = node.args[0]
            if isinstance(target, ast.Name) and target.id in foreign:
                found.append((node.lineno, f"{called}({target.id}) writes {foreign[target.id]}'s"))
    return found


def domain_write_violations() -> list[str]:
    violations = []
    for path in sorted(PACKAGE.glob("*/**/*.py")):
        domain = path.relative_to(PACKAGE).parts[0]
        if domain in {"db", "static"}:
            continue
        tree = ast.parse(path.read_text())
        foreign = _foreign_models(tree, domain)
        for line, what in _writes(tree, foreign):
            violations.append(f"{path.relative_to(PACKAGE.parent)}:{line}: {what}")
    return violations


def test_no_domain_writes_another_domains_tables() -> None:
    assert domain_write_violations() == []


@pytest.mark.parametrize(
    "source",
    [
        "from flowpilot.library.models import LibraryEntry\nx = LibraryEntry(slug='a')\n",
        "from flowpilot.library.models import LibraryEntry as E\nfrom sqlalchemy import update\n"
        "q = update(E).values(slug='b')\n",
    ],
)
def test_the_check_sees_a_write(source: str) -> None:
    tree = ast.parse(source)
    assert _writes(tree, _foreign_models(tree, "resolutions"))
