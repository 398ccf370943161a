"""The shape of the packages, read from the code: who may import whom, who writes which table.

docs/design.md draws the same picture; these tests keep the code to it.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.processes import REPO_ROOT

SOURCE = REPO_ROOT / "src" / "kbsmith"
DOMAINS = (
    "answers",
    "connectors",
    "console",
    "generation",
    "knowledge",
    "schedules",
    "sources",
    "webhooks",
)


def package_of(path: Path) -> str:
    parts = path.relative_to(SOURCE).parts
    return parts[0] if len(parts) > 1 else parts[0].removesuffix(".py")


def python_files() -> Iterator[Path]:
    yield from sorted(SOURCE.rglob("*.py"))


def kbsmith_imports(path: Path) -> Iterator[str]:
    """Every kbsmith module a file imports, at any depth (imports inside functions too)."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("kbsmith"):
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            yield from (a.name for a in node.names if a.name.startswith("kbsmith"))


def imported_packages(package: str) -> set[str]:
    found = set()
    for path in python_files():
        if package_of(path) == package:
            for module in kbsmith_imports(path):
                parts = module.split(".")
                if len(parts) > 1:
                    found.add(parts[1])
    return found - {package}


@dataclass(frozen=True)
class Rule:
    package: str
    must_not_import: tuple[str, ...]
    why: str


RULES = {
    "the job engine runs kinds it is given": Rule(
        "jobs", (*DOMAINS, "composition"), "registration happens in kbsmith/composition.py"
    ),
    "connectors know no source records": Rule(
        "connectors", ("sources",), "they share kbsmith/providers.py, not each other"
    ),
    "services know no HTTP": Rule(
        "sources", ("api", "console"), "api/ maps domain errors to wire names"
    ),
}


@pytest.mark.parametrize("rule", RULES.values(), ids=RULES.keys())
def test_package_imports(rule: Rule) -> None:
    forbidden = imported_packages(rule.package) & set(rule.must_not_import)
    assert not forbidden, f"{rule.package} imports {sorted(forbidden)}: {rule.why}"


def table_owners() -> dict[str, str]:
    """Model class name → the package that defines it (and alone writes its table)."""
    owners = {}
    for path in python_files():
        if path.name != "models.py":
            continue
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.ClassDef) and any(
                isinstance(item, ast.Assign)
                and any(getattr(t, "id", "") == "__tablename__" for t in item.targets)
                for item in node.body
            ):
                owners[node.name] = package_of(path)
    return owners


WRITES = {"update", "delete", "insert", "table_of"}


def table_writes(path: Path, models: set[str]) -> Iterator[tuple[str, int]]:
    """``update(Model)``, ``delete(Model)``, ``insert(Model)`` and ``table_of(Model)``."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if (
            isinstance(node, ast.Call)
            and getattr(node.func, "id", getattr(node.func, "attr", "")) in WRITES
            and node.args
            and isinstance(node.args[0], ast.Name)
            and node.args[0].id in models
        ):
            yield node.args[0].id, node.lineno


def test_every_table_is_written_by_the_package_that_defines_it() -> None:
    owners = table_owners()
    assert {"Source", "Article", "Job", "Connection"} <= owners.keys(), owners
    strays = [
        f"{path.relative_to(REPO_ROOT)}:{line} writes {model} (owned by {owners[model]}/)"
        for path in python_files()
        if package_of(path) not in ("db",)
        for model, line in table_writes(path, set(owners))
        if owners[model] != package_of(path)
    ]
    assert not strays, "\n".join(strays)


def test_handlers_get_their_collaborators_typed() -> None:
    """No service locator: a handler's runtime is bound when its domain registers it."""
    untyped = [
        f"{path.relative_to(REPO_ROOT)}: {needle}"
        for path in python_files()
        for needle in ('services["', "extensions[", "extensions.get(")
        if needle in path.read_text()
        and not (needle.startswith("extensions") and package_of(path) == "fetching")
    ]
    assert not untyped, untyped


def test_workspace_scoping_is_spelled_in_one_place() -> None:
    """Isolation lives in db/scoping.py: no query states ``Model.workspace_id == …`` itself."""
    pattern = re.compile(r"\.workspace_id(\.expression)? [=!]=|unindexed\(\w+\.workspace_id")
    scoping = SOURCE / "db" / "scoping.py"
    hand_written = [
        f"{path.relative_to(REPO_ROOT)}:{number}: {line.strip()}"
        for path in python_files()
        if path != scoping
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if pattern.search(line)
    ]
    assert not hand_written, "\n".join(hand_written)
