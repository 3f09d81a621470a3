"""The layers only look one way: domain <- store <- exchange, reports <- shells (cli, ui).

Every import form counts: ``import a.b``, ``from a import b`` (``b`` may be a module),
relative imports (``from .. import store``, resolved against the file's own package) and
dynamic ones (``importlib.import_module``, ``__import__``: forbidden outright, they hide what a
module depends on). Shells also may not build or run SQL: no ``import sqlalchemy``/``sqlmodel``
as a whole, no SQL-building names, no ``exec_driver_sql``/``execute``, no SQL in strings.
The checker's own rules are tested by planting each violation in a file.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "annotator"

# What each layer may not import (prefix match on the module name).
FORBIDDEN = {
    "domain": (
        "streamlit",
        "sqlmodel",
        "sqlalchemy",
        "annotator.store",
        "annotator.exchange",
        "annotator.reports",
        "annotator.ui",
        "annotator.cli",
        "annotator.settings",
    ),
    "store": ("streamlit", "annotator.exchange", "annotator.reports", "annotator.ui", "annotator.cli"),
    # Files in and out; reports (figures for people) may read files, files never need reports.
    "exchange": ("streamlit", "annotator.reports", "annotator.ui", "annotator.cli"),
    "reports": ("streamlit", "annotator.ui", "annotator.cli"),
}
# Shells are glue: no SQL building and no maths of their own.
SHELL_FORBIDDEN_NAMES = {"select", "text", "func", "insert", "update", "delete"}
SHELL_FORBIDDEN_MODULES = ("numpy", "scipy", "sqlite3", "psycopg")
SHELL_WHOLE_MODULES = ("sqlalchemy", "sqlmodel")
"""``import sqlalchemy as sa`` hands a shell every SQL builder: shells import types only."""
SHELL_SQL_METHODS = {"exec_driver_sql", "execute", "exec", "executemany"}
# Upper case, as every statement in this code is written: "Delete article" on a button is not SQL.
SQL_STRING = re.compile(r"^\s*(SELECT|INSERT|UPDATE|DELETE|WITH)\s")

KNOWN_EXCEPTIONS: dict[str, str] = {
    "ui/launch.py": "imports the UI package's own modules by name before the server starts (pkgutil "
    "over annotator.ui); each of those modules is checked here itself",
}
"""file -> why: real violations whose fix lies in a file this change may not edit."""


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(source: str, module: str, *, is_package: bool = False) -> list[tuple[str, list[str]]]:
    """(module, names) of every import in ``source``, relative ones resolved; ``from a import
    b`` also yields ``a.b``, which may be a module."""
    found: list[tuple[str, list[str]]] = []
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.extend((alias.name, []) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            names = [alias.name for alias in node.names]
            found.append((base, names))
            found.extend((f"{base}.{name}", []) for name in names if name != "*")
    return found


def dynamic_imports(source: str) -> list[str]:
    """Calls that import by name at run time."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            called = node.func
            name = called.attr if isinstance(called, ast.Attribute) else getattr(called, "id", "")
            if name in ("import_module", "__import__"):
                found.append(f"calls {name}")
    return found


def layer_violations(source: str, module: str, layer: str, *, is_package: bool = False) -> list[str]:
    bad = [
        f"imports {m}"
        for m, _ in imported_modules(source, module, is_package=is_package)
        if m.startswith(FORBIDDEN[layer])
    ]
    return bad + dynamic_imports(source)


def shell_violations(source: str, module: str, *, is_package: bool = False) -> list[str]:
    bad = dynamic_imports(source)
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            bad += [f"imports {a.name} whole" for a in node.names if a.name in SHELL_WHOLE_MODULES]
    for found, names in imported_modules(source, module, is_package=is_package):
        if found.startswith(SHELL_FORBIDDEN_MODULES):
            bad.append(f"imports {found}")
        if found.startswith(SHELL_WHOLE_MODULES) and SHELL_FORBIDDEN_NAMES & set(names):
            bad.append(f"builds SQL with {sorted(SHELL_FORBIDDEN_NAMES & set(names))}")
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in SHELL_SQL_METHODS:
            bad.append(f"runs SQL with .{node.attr}")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL_STRING.match(node.value):
            bad.append(f"holds SQL: {node.value.strip()[:40]!r}")
    return bad


def _files(layer: str) -> list[Path]:
    if layer == "shells":
        return [PACKAGE / "cli.py", *sorted((PACKAGE / "ui").rglob("*.py"))]
    return sorted((PACKAGE / layer).rglob("*.py"))


def _check(path: Path, layer: str) -> list[str]:
    source = path.read_text(encoding="utf-8")
    module, is_package = module_name(path), path.name == "__init__.py"
    if layer == "shells":
        return shell_violations(source, module, is_package=is_package)
    return layer_violations(source, module, layer, is_package=is_package)


@pytest.mark.parametrize("layer", [*sorted(FORBIDDEN), "shells"])
def test_layers_keep_their_rules(layer: str) -> None:
    files = _files(layer)
    assert files, f"no files in annotator/{layer}"
    bad = [
        f"{path.relative_to(PACKAGE)} {problem}"
        for path in files
        if str(path.relative_to(PACKAGE)) not in KNOWN_EXCEPTIONS
        for problem in _check(path, layer)
    ]
    assert bad == []


# --- the checker's own rules: each planted violation is reported ------------------------------

PLANTED = {
    "relative import of the store": ("domain", "annotator.domain.x", "from .. import store\n"),
    "relative import, one level": ("domain", "annotator.domain.x", "from ..store import labels\n"),
    "absolute 'from' of a module": ("domain", "annotator.domain.x", "from annotator import store\n"),
    "plain import": ("store", "annotator.store.x", "import annotator.ui.common\n"),
    "importlib": (
        "exchange",
        "annotator.exchange.x",
        "import importlib\nm = importlib.import_module('annotator.ui')\n",
    ),
    "__import__": ("domain", "annotator.domain.x", "m = __import__('sqlalchemy')\n"),
    "streamlit in exchange": ("exchange", "annotator.exchange.x", "import streamlit as st\n"),
    "sqlalchemy in domain via alias": ("domain", "annotator.domain.x", "import sqlalchemy as sa\n"),
}
PLANTED_IN_SHELLS = {
    "import sqlalchemy as sa": "import sqlalchemy as sa\n",
    "import sqlmodel": "import sqlmodel\n",
    "exec_driver_sql": "def f(connection):\n    connection.exec_driver_sql('x')\n",
    "session.execute": "def f(session, query):\n    return session.execute(query)\n",
    "text( from sqlalchemy": "from sqlalchemy import text\nq = text('x')\n",
    "SQL in a string": "QUERY = 'SELECT id FROM label'\n",
    "numpy": "import numpy as np\n",
    "importlib in a shell": "import importlib\nimportlib.import_module('numpy')\n",
}


@pytest.mark.parametrize(("layer", "module", "source"), PLANTED.values(), ids=PLANTED.keys())
def test_the_checker_reports_a_planted_layer_violation(
    tmp_path: Path, layer: str, module: str, source: str
) -> None:
    planted = tmp_path / "x.py"
    planted.write_text(source, encoding="utf-8")
    assert layer_violations(planted.read_text(encoding="utf-8"), module, layer) != []


@pytest.mark.parametrize("source", PLANTED_IN_SHELLS.values(), ids=PLANTED_IN_SHELLS.keys())
def test_the_checker_reports_a_planted_shell_violation(tmp_path: Path, source: str) -> None:
    planted = tmp_path / "x.py"
    planted.write_text(source, encoding="utf-8")
    assert shell_violations(planted.read_text(encoding="utf-8"), "annotator.ui.x") != []


def test_the_checker_lets_allowed_imports_through() -> None:
    """Control: what the layers do use is not reported (so the reports above mean something)."""
    assert (
        layer_violations("from ..domain import names\nfrom . import engine\n", "annotator.store.x", "store")
        == []
    )
    assert (
        shell_violations(
            "from sqlmodel import Session\nfrom sqlalchemy.engine import Engine\n", "annotator.ui.x"
        )
        == []
    )


def test_relative_imports_resolve_against_the_files_package() -> None:
    assert ("annotator.store", ["labels"]) in imported_modules(
        "from ..store import labels\n", "annotator.domain.x"
    )
    assert ("annotator.store", []) in imported_modules("from .. import store\n", "annotator.domain.x")
    assert ("annotator.domain.names", []) in imported_modules(
        "from . import names\n", "annotator.domain", is_package=True
    )
