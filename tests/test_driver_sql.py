"""The fast driver paths live in one module, ``store.driver``: statements written once with
``?`` (a question mark or a percent sign inside a quoted literal stays a character on every
driver), column lists checked against the models, and no other module runs driver SQL.

The checker's own rule is tested by planting violations, as ``test_layering`` does.
"""

from __future__ import annotations

import ast
import doctest
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from annotator.domain.label import STORED_FIELDS
from annotator.store import driver
from annotator.store.driver import (
    UnknownColumnError,
    bound_values,
    columns_of,
    driver_sql,
    fetch_rows,
    run,
)
from annotator.store.models import GoldHistory, GoldLabel, Label, LabelHistory

PACKAGE = Path(__file__).resolve().parents[1] / "annotator"
DRIVER_MODULE = "store/driver.py"
DRIVER_METHODS = {"exec_driver_sql"}
"""Methods that run a statement given as text on a SQLAlchemy connection."""
CURSOR_METHODS = {"execute", "executemany", "executescript"}
"""Methods that run text on a DB-API cursor (or a sqlite3 connection, which has them too)."""


def driver_sql_calls(source: str) -> list[str]:
    """Where ``source`` runs SQL text on the driver: ``.exec_driver_sql(...)``, or ``execute``
    and its kin on something called a cursor (``cursor.execute``, ``connection.cursor().execute``)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        method, owner = node.func.attr, node.func.value
        if method in DRIVER_METHODS:
            found.append(f"line {node.lineno}: .{method}")
        elif method in CURSOR_METHODS and "cursor" in ast.unparse(owner).lower():
            found.append(f"line {node.lineno}: {ast.unparse(owner)}.{method}")
    return found


def test_only_the_driver_module_runs_driver_sql() -> None:
    files = sorted(PACKAGE.rglob("*.py"))
    assert len(files) > 20, "the scan found too few modules to mean anything"
    bad = [
        f"{path.relative_to(PACKAGE)} {call}"
        for path in files
        if str(path.relative_to(PACKAGE)) != DRIVER_MODULE
        for call in driver_sql_calls(path.read_text(encoding="utf-8"))
    ]
    assert bad == [], "run driver statements through annotator/store/driver.py (run, fetch_rows)"


def test_the_driver_module_is_where_the_driver_sql_is() -> None:
    """Control: the scan does see the driver module's own calls (else it would see nothing)."""
    assert driver_sql_calls((PACKAGE / DRIVER_MODULE).read_text(encoding="utf-8")) != []


PLANTED = {
    "exec_driver_sql": "def f(connection):\n    connection.exec_driver_sql('SELECT 1')\n",
    "exec_driver_sql on a session's connection": (
        "def f(session):\n    return session.connection().exec_driver_sql('SELECT 1').all()\n"
    ),
    "cursor.execute": "def f(cursor):\n    cursor.execute('SELECT 1')\n",
    "a raw cursor made inline": "def f(c):\n    c.connection.cursor().execute('SELECT 1')\n",
    "cursor.executemany": "def f(db):\n    db.cursor.executemany('INSERT INTO t VALUES (?)', [(1,)])\n",
}


@pytest.mark.parametrize("source", PLANTED.values(), ids=PLANTED.keys())
def test_the_checker_reports_planted_driver_sql(source: str) -> None:
    assert driver_sql_calls(source) != []


def test_the_checker_lets_built_statements_through() -> None:
    """Control: SQLAlchemy-built statements and Alembic's ``op.execute`` are not driver SQL."""
    source = (
        "def f(session, op, query):\n"
        "    session.execute(query)\n"
        "    session.exec(query)\n"
        "    op.execute('ALTER TABLE t ADD c INT')\n"
    )
    assert driver_sql_calls(source) == []


# --- column lists come from the models --------------------------------------------------------


@pytest.mark.parametrize("model", [Label, LabelHistory])
def test_a_labels_stored_fields_are_columns_of_its_tables(model: type) -> None:
    assert columns_of(model, STORED_FIELDS) == STORED_FIELDS


@pytest.mark.parametrize("model", [Label, LabelHistory, GoldLabel, GoldHistory])
def test_a_name_the_model_lacks_is_refused_with_the_table_named(model: type) -> None:
    with pytest.raises(UnknownColumnError) as refused:
        columns_of(model, ("is_claim", "certainty"))
    message = str(refused.value)
    assert "'certainty'" in message
    assert model.__table__.name in message  # type: ignore[attr-defined]
    assert "'is_claim'" not in message.split(":")[0]  # only the missing name is blamed


def test_gold_has_no_annotator_note() -> None:
    """Gold keeps the settled answer, not an annotator's note: the check tells the tables apart."""
    with pytest.raises(UnknownColumnError, match="'note'"):
        columns_of(GoldLabel, ("note",))


# --- parameters and literals ------------------------------------------------------------------


def test_marks_in_literals_are_characters_and_marks_outside_are_parameters(engine: Engine) -> None:
    with Session(engine) as session:
        rows = fetch_rows(session, "SELECT 'why?', '100%', 'it''s ?', ? || '!'", "bound")
    assert rows == [("why?", "100%", "it's ?", "bound!")]


def test_run_binds_marks_outside_literals_on_every_driver(engine: Engine) -> None:
    with Session(engine) as session:
        connection = session.connection()
        row = run(connection, "SELECT 'a ? b', ?, '50%'", ("x",)).one()
        unbound = run(connection, "SELECT '50%', 'why?'").one()
    assert tuple(row) == ("a ? b", "x", "50%")
    assert tuple(unbound) == ("50%", "why?")  # a statement without parameters too


def test_the_driver_modules_examples_hold() -> None:
    """Its docstrings' examples (``driver_sql``'s literals, ``marks``, ``columns_of``) are run."""
    result = doctest.testmod(driver)
    assert (result.failed, result.attempted >= 3) == (0, True)


def test_the_postgresql_style_leaves_literals_alone() -> None:
    assert driver_sql("postgresql", "SELECT 'why?' WHERE a = ? AND b LIKE 'x%'") == (
        "SELECT 'why?' WHERE a = %s AND b LIKE 'x%%'"
    )
    assert driver_sql("sqlite", "SELECT '?' WHERE a = ?") == "SELECT '?' WHERE a = ?"


def test_via_binds_as_the_compact_json_imports_have_always_written() -> None:
    """The stored text of ``via`` is what ``import-labels`` wrote before the driver module: an
    import of the same file again compares it to tell unchanged labels."""
    *plain, via = bound_values((True, "a", None, 3, "", False, None, None, 0, 4, ["a", "other:Zoë"]))
    assert via == '["a","other:Zoë"]'
    assert bound_values((False, None, None, None, "", False, None, None, None, None, None))[-1] is None
    assert bound_values((False, None, None, None, "", False, None, None, None, None, []))[-1] is None
    assert len(plain) == len(STORED_FIELDS) - 1
