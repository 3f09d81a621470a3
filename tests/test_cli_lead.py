"""The lead's commands: `annotator assign` and `annotator export` scoped to an article and annotators."""

from __future__ import annotations

from pathlib import Path

import orjson
from click.testing import CliRunner

from annotator.cli import cli
from tests.test_cli import SAMPLE


def test_assign_and_list(tmp_path: Path) -> None:
    db = ["--db", f"sqlite:///{tmp_path / 'annotator.db'}"]
    runner = CliRunner()
    assert runner.invoke(cli, [*db, "init"]).exit_code == 0
    labels = str(SAMPLE / "france24-sessions-kislyak.labels.jsonl")
    assert runner.invoke(cli, [*db, "import-labels", labels]).exit_code == 0
    done = runner.invoke(cli, [*db, "assign", "france24-sessions-kislyak", "--to", "ana", "--to", "zed"])
    assert done.exit_code != 0 and "no user 'zed'" in done.output
    done = runner.invoke(cli, [*db, "assign", "france24-sessions-kislyak", "--to", "ana", "--to", "ben"])
    assert done.exit_code == 0, done.output
    assert "2 new assignment(s); 0 already there." in done.output
    listed = runner.invoke(cli, [*db, "assign", "--list"])
    lines = [line.split("\t")[:3] for line in listed.output.splitlines()]
    assert lines == [
        ["france24-sessions-kislyak", "ana", "17/17 labelled"],
        ["france24-sessions-kislyak", "ben", "17/17 labelled"],
    ]
    assert runner.invoke(cli, [*db, "assign"]).exit_code == 2  # nothing to do: usage error


def test_export_scoped_to_an_article_and_annotators(tmp_path: Path) -> None:
    db = ["--db", f"sqlite:///{tmp_path / 'annotator.db'}"]
    runner = CliRunner()
    runner.invoke(cli, [*db, "init"])
    runner.invoke(cli, [*db, "import-labels", str(SAMPLE / "france24-sessions-kislyak.labels.jsonl")])
    args = ["export", "--what", "labels", "--document", "france24-sessions-kislyak"]
    done = runner.invoke(cli, [*db, *args, "--annotator", "ben", "--annotator", "chloe", "-o", "-"])
    assert done.exit_code == 0, done.output
    records = [orjson.loads(line) for line in done.stdout.splitlines()]
    assert len(records) == 34 and {r["annotator"] for r in records} == {"ben", "chloe"}
    refused = runner.invoke(cli, [*db, "export", "--what", "gold", "--annotator", "ben"])
    assert refused.exit_code == 2 and "labels only" in refused.output
