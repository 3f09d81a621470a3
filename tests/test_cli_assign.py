"""`annotator assign`: a lead gives articles to annotators from the shell and lists the progress."""

from __future__ import annotations

from pathlib import Path

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
