"""The layers only look one way: domain <- store <- io <- shells (cli, ui)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "annotator"

# What each layer may not import (prefix match on the module name).
FORBIDDEN = {
    "domain": (
        "streamlit",
        "sqlmodel",
        "sqlalchemy",
        "annotator.store",
        "annotator.io",
        "annotator.ui",
        "annotator.cli",
        "annotator.settings",
    ),
    "store": ("streamlit", "annotator.io", "annotator.ui", "annotator.cli"),
    "io": ("streamlit", "annotator.ui", "annotator.cli"),
}
# Shells are glue: no SQL building and no maths of their own.
SHELL_FORBIDDEN_NAMES = {"select", "text", "func", "insert", "update", "delete"}
SHELL_FORBIDDEN_MODULES = ("numpy", "scipy", "sqlite3", "psycopg")


def _imports(path: Path) -> list[tuple[str, list[str]]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[str, list[str]]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((alias.name, []) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.module, [alias.name for alias in node.names]))
    return found


def _files(layer: str) -> list[Path]:
    if layer == "shells":
        return [PACKAGE / "cli.py", *sorted((PACKAGE / "ui").rglob("*.py"))]
    return sorted((PACKAGE / layer).rglob("*.py"))


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_lower_layers_do_not_import_upper_ones(layer: str) -> None:
    files = _files(layer)
    assert files, f"no files in annotator/{layer}"
    bad = [
        f"{path.relative_to(PACKAGE)} imports {module}"
        for path in files
        for module, _ in _imports(path)
        if module.startswith(FORBIDDEN[layer])
    ]
    assert bad == []


def test_shells_hold_no_sql_and_no_maths() -> None:
    bad = []
    for path in _files("shells"):
        for module, names in _imports(path):
            if module.startswith(SHELL_FORBIDDEN_MODULES):
                bad.append(f"{path.relative_to(PACKAGE)} imports {module}")
            if module.startswith(("sqlmodel", "sqlalchemy")) and SHELL_FORBIDDEN_NAMES & set(names):
                names_used = sorted(SHELL_FORBIDDEN_NAMES & set(names))
                bad.append(f"{path.relative_to(PACKAGE)} builds SQL with {names_used}")
    assert bad == []


def test_the_checker_sees_a_violation(tmp_path: Path) -> None:
    # Guard against a checker that silently finds nothing.
    sample = tmp_path / "x.py"
    sample.write_text("from sqlmodel import select\nimport streamlit as st\n", encoding="utf-8")
    assert ("sqlmodel", ["select"]) in _imports(sample)
    assert ("streamlit", []) in _imports(sample)
