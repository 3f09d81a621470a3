"""The CLI as a newcomer meets it: every command explains itself with an example, and the
README's walk-through works end to end."""

from __future__ import annotations

from pathlib import Path

import click
import orjson
import pytest
from click.testing import CliRunner

from annotator.cli import cli

SAMPLE = Path(__file__).resolve().parents[1] / "annotator/data/sample"


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found: list[tuple[str, ...]] = []
    for name, command in sorted(group.commands.items()):
        found.append((*prefix, name))
        if isinstance(command, click.Group):
            found.extend(_commands(command, (*prefix, name)))
    return found


@pytest.mark.parametrize("path", _commands(cli), ids=lambda p: " ".join(p))
def test_every_command_has_help_with_an_example(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0
    command = cli
    for name in path:
        assert isinstance(command, click.Group)
        command = command.commands[name]
    if not isinstance(command, click.Group):
        assert "Example:" in result.output, f"'annotator {' '.join(path)} --help' has no example"


def test_readme_walkthrough(tmp_path: Path) -> None:
    db = ["--db", f"sqlite:///{tmp_path / 'annotator.db'}"]
    runner = CliRunner()

    def run(*args: str, stdin: str | None = None) -> str:
        result = runner.invoke(cli, [*db, *args], input=stdin)
        assert result.exit_code == 0, result.output
        return result.output

    assert "Imported the sample article" in run("init")
    assert "france24-sessions-kislyak\t17 sentences\t8 sources" in run("documents")
    assert "Password:" in run("users", "add", "alice", "--role", "annotator")
    run("users", "add", "rita", "--role", "reviewer", "--password-stdin", stdin="rita-password\n")
    assert "51 new" in run("import-labels", str(SAMPLE / "france24-sessions-kislyak.labels.jsonl"))
    out = tmp_path / "labels.jsonl"
    run("export", "--what", "labels", "-o", str(out))
    again = tmp_path / "again.jsonl"
    db2 = ["--db", f"sqlite:///{tmp_path / 'second.db'}"]
    assert runner.invoke(cli, [*db2, "import-labels", str(out)]).exit_code == 0
    assert runner.invoke(cli, [*db2, "export", "--what", "labels", "-o", str(again)]).exit_code == 0
    assert [orjson.loads(x) for x in again.read_bytes().splitlines()] == [
        orjson.loads(x) for x in out.read_bytes().splitlines()
    ]
    # Human output counts sentences from 1: the article's last sentence (index 16) is sentence 17.
    assert "france24-sessions-kislyak, sentence 17:" in run("agreement", "--bootstrap", "0")
    assert "Settled 9: 9 unanimous" in run("gold", "settle", "--policy", "unanimous")
    assert "8 in the review queue" in run("gold", "status")
    users = run("users", "list")
    assert "alice" in users and "rita" in users and "ana" in users


def test_bad_input_exits_non_zero_with_a_one_line_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"document_id": 3}\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["--db", f"sqlite:///{tmp_path / 'a.db'}", "import-labels", str(bad)])
    assert result.exit_code == 1
    assert result.output.strip() == f"Error: {bad}:1: field 'document_id': must be a string, got 3"


def test_import_articles_dry_run_lists_what_was_dropped(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "--db",
            f"sqlite:///{tmp_path / 'a.db'}",
            "import-articles",
            "--dry-run",
            "--sources",
            str(SAMPLE / "france24-sessions-kislyak.sources.json"),
            str(SAMPLE / "france24-sessions-kislyak.txt"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "france24-sessions-kislyak: 17 sentences, 8 sources" in result.output
    assert "dropped" in result.output and "Read more" in result.output
    assert "Dry run: nothing stored." in result.output
