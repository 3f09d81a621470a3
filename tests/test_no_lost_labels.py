"""No acknowledged label is lost or duplicated when annotator processes are SIGKILLed mid-save.

Several annotator *processes* save labels at once through ``save_label`` (new labels and
edits of their own), each logging an intent before and an fsynced acknowledgement after
every save; then all are SIGKILLed mid-run and the database is compared with the logs
(see ``tests/loadtest.py``): every acknowledged save is there with its history row, each
current label is the last acknowledged save (or the one unacknowledged save in flight after
it), history versions run 1..n, and no worker saw an exception ("database is locked" included).

The PostgreSQL run needs ``ANNOTATOR_TEST_PG_URL`` (e.g.
``postgresql+psycopg://postgres@127.0.0.1:5432/test``); it works in a schema of its own,
dropped afterwards.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.loadtest import LoadResult, run_load

PG_URL = os.environ.get("ANNOTATOR_TEST_PG_URL")


def _check(result: LoadResult) -> None:
    detail = result.summary() + "".join(f"\n  - {p}" for p in result.problems)
    assert result.errors == 0, detail
    assert result.lost == 0, detail
    assert result.duplicated == 0, detail
    assert result.mismatched == 0, detail
    # The kill came mid-run (otherwise this test proves nothing about it) after real work.
    assert result.killed > 0, detail
    assert result.acknowledged >= result.workers * 5, detail
    assert result.labels > 0 and result.history >= result.labels, detail


def test_sqlite_file_keeps_every_acknowledged_label_through_sigkill(tmp_path: Path) -> None:
    result = run_load(
        f"sqlite:///{tmp_path / 'labels.db'}",
        workers=8,
        saves_per_worker=60,
        kill_after_s=1.5,
        kill_at_fraction=0.5,
        seed=1,
        log_dir=tmp_path / "logs",
        ready_timeout_s=60,
        run_timeout_s=60,
    )
    _check(result)


@pytest.mark.postgres
def test_postgres_keeps_every_acknowledged_label_through_sigkill(tmp_path: Path) -> None:
    if not PG_URL:
        pytest.skip("set ANNOTATOR_TEST_PG_URL (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)")
    result = run_load(
        PG_URL,
        workers=20,
        saves_per_worker=60,
        kill_after_s=2.0,
        kill_at_fraction=0.5,
        seed=2,
        log_dir=tmp_path / "logs",
        ready_timeout_s=90,
        run_timeout_s=60,
    )
    _check(result)
