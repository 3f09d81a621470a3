"""Long CLI work draws a progress bar on stderr when it is a terminal, and nothing otherwise;
the library functions report growing counts to a callback (no UI code below the shells)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy.engine import Engine

from annotator import cli as cli_module
from annotator.cli import cli, progress_bar
from annotator.exchange import export
from annotator.exchange.articles import read_articles
from annotator.exchange.import_labels import import_labels_file

SAMPLE = Path(__file__).resolve().parents[1] / "annotator/data/sample"
LABELS = SAMPLE / "france24-sessions-kislyak.labels.jsonl"


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_cli_with_stderr_not_a_terminal_draws_no_bar(tmp_path: Path) -> None:
    db = ["--db", f"sqlite:///{tmp_path / 'a.db'}"]
    runner = CliRunner()
    article = tmp_path / "harbour.txt"
    article.write_text("Harbour fire.\n\nThe chief said it started at noon. Nobody was hurt, police said.\n")
    steps = [
        ["import-articles", str(article)],
        ["import-labels", str(LABELS)],
        ["export", "--what", "labels", "-o", str(tmp_path / "out.jsonl")],
    ]
    for step in steps:
        result = runner.invoke(cli, [*db, *step])
        assert result.exit_code == 0, result.output
        # click would still print a hidden bar's label: no label, no bar.
        for label in ("Reading articles", "Importing labels", "Exporting", "%"):
            assert label not in result.stderr, result.stderr


def test_bar_is_drawn_on_a_terminal_up_to_its_end(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = _Terminal()
    monkeypatch.setattr(cli_module.sys, "stderr", terminal)
    with progress_bar("Importing labels", 200) as advance:
        advance(50)
        advance(200)
    drawn = terminal.getvalue()
    assert "Importing labels" in drawn and "100%" in drawn


def test_import_and_export_report_growing_counts(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("annotator.exchange.import_labels.CHUNK_LINES", 10)
    read: list[int] = []
    import_labels_file(engine, LABELS, on_progress=read.append)
    assert len(read) > 2 and read == sorted(read) and read[-1] == LABELS.stat().st_size

    monkeypatch.setattr(export, "PROGRESS_EVERY", 10)
    written: list[int] = []
    result = export.export_jsonl(
        engine, what="labels", out=tmp_path / "out.jsonl", on_progress=written.append
    )
    assert len(written) > 2 and written == sorted(written) and written[-1] == result.records


def test_reading_articles_reports_each_file(tmp_path: Path) -> None:
    paths = []
    for name in ("one", "two", "three"):
        path = tmp_path / f"{name}.txt"
        path.write_text(f"Story {name}.\n\nThe mayor said it was fine.\n")
        paths.append(path)
    done: list[int] = []
    assert len(read_articles(paths, on_progress=done.append)) == 3
    assert done == [1, 2, 3]
