"""Every package kbsmith's code imports is a declared, pinned dependency of its own.

A package that only arrives as another's dependency (or through an extra that an older pip
skips) can vanish from a fresh install: `pip install -e .` must give a kbsmith that imports.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from collections.abc import Iterator
from importlib.metadata import packages_distributions
from pathlib import Path

from tests.support.processes import REPO_ROOT

SOURCE = REPO_ROOT / "src" / "kbsmith"
NEEDED_WITHOUT_AN_IMPORT = {
    "lxml-html-clean": "justext (trafilatura's) imports lxml.html.clean, which lxml moved there; "
    "the lxml[html_clean] extra that brings it is skipped by older pips",
}


def normalized(distribution: str) -> str:
    return re.sub(r"[-_.]+", "-", distribution).lower()


def declared() -> dict[str, str]:
    """Declared dependencies by normalized name, each with its requirement as written."""
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    found = {}
    for requirement in project["dependencies"]:
        name = re.split(r"[\[=<>!~; ]", requirement, maxsplit=1)[0]
        found[normalized(name)] = requirement
    return found


def imported_modules(path: Path) -> Iterator[str]:
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module.split(".")[0]


def third_party_imports() -> dict[str, set[Path]]:
    """Top-level modules imported anywhere in src/, outside the standard library and kbsmith."""
    found: dict[str, set[Path]] = {}
    for path in SOURCE.rglob("*.py"):
        for module in imported_modules(path):
            if module not in sys.stdlib_module_names and module != "kbsmith":
                found.setdefault(module, set()).add(path.relative_to(REPO_ROOT))
    return found


def test_every_imported_package_is_a_pinned_dependency() -> None:
    dependencies = declared()
    providers = packages_distributions()
    undeclared = {
        module: sorted(map(str, paths))[:3]
        for module, paths in third_party_imports().items()
        if not {normalized(d) for d in providers.get(module, [])} & dependencies.keys()
    }
    assert not undeclared, f"imported but not in pyproject's dependencies: {undeclared}"
    unpinned = [r for r in dependencies.values() if "==" not in r]
    assert not unpinned, f"dependencies without a pinned version: {unpinned}"


def test_packages_needed_without_an_import_are_declared() -> None:
    missing = NEEDED_WITHOUT_AN_IMPORT.keys() - declared().keys()
    assert not missing, {name: NEEDED_WITHOUT_AN_IMPORT[name] for name in missing}
