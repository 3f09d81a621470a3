"""Two `annotator serve` processes on one PostgreSQL store: annotators on both, one queue."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from annotator.store import labels, queue, users
from annotator.store.engine import make_engine
from annotator.store.models import Role, UserCreate
from tests.browser_helpers import chromium, new_page, run_cli, served_app
from tests.conftest import drop_pg_schema, pg_schema_url

pytestmark = pytest.mark.browser


@pytest.fixture
def team_store(pg_admin: Engine) -> Iterator[str]:
    schema, url = pg_schema_url(pg_admin)
    try:
        yield url
    finally:
        drop_pg_schema(pg_admin, schema)


def test_two_servers_share_one_queue_and_one_store(team_store: str, tmp_path: Path) -> None:
    run_cli(team_store, tmp_path, "db", "upgrade")
    run_cli(team_store, tmp_path, "init")
    engine = make_engine(team_store)
    with Session(engine) as session:
        for name in ("alice", "bob"):
            users.create_user(
                session=session,
                user_in=UserCreate(name=name, role=Role.annotator, password=f"{name}-password"),
            )
        queue.set_annotators_per_sentence(session=session, value=1)
    with (
        served_app(team_store, tmp_path) as first,
        served_app(team_store, tmp_path) as second,
        chromium() as browser,
    ):
        alice, bob = new_page(browser), new_page(browser)
        alice.goto(first)
        alice.log_in("alice", "alice-password")
        bob.goto(second)
        bob.log_in("bob", "bob-password")
        # With one annotator per sentence, the queue hands them different sentences.
        assert alice.caption().startswith("Sentence 1 of 17")
        assert bob.caption().startswith("Sentence 2 of 17")
        alice.focus_page()
        alice.keys("1", "5")
        alice.wait_saved()
        bob.focus_page()
        bob.keys("N")
        bob.wait_saved()
    with Session(engine) as session:
        totals = {
            name: labels.overall_progress(
                session=session, user_id=users.get_user_by_name(session=session, name=name).id
            ).done
            for name in ("alice", "bob")
        }  # type: ignore[union-attr]
    assert totals == {"alice": 1, "bob": 1}
    report = run_cli(team_store, tmp_path, "agreement", "--bootstrap", "0")
    assert "17 sentences" not in report and "2 sentences, 2 annotators, 2 labels" in report
    engine.dispose()
