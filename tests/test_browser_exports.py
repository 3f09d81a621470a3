"""Exports in a real browser: one click per file, the file is what the page says, read at the click."""

from __future__ import annotations

import re
from pathlib import Path

import orjson
import pytest

from tests.browser_helpers import (
    REVIEWER,
    REVIEWER_PASSWORD,
    chromium,
    labelled_store,
    new_page,
    run_cli,
    served_app,
)

pytestmark = pytest.mark.browser

SAMPLE = "france24-sessions-kislyak"


def _label_line(
    document_id: str, index: int, text: str, annotator: str, updated_at: str, **values: object
) -> str:
    record = {
        "document_id": document_id,
        "sentence_index": index,
        "text": text,
        "char_start": 0 if index == 0 else 20,
        "char_end": len(text) if index == 0 else 20 + len(text),
        "annotator": annotator,
        "is_claim": True,
        "source": None,
        "source_other": None,
        "confidence": None,
        "note": "",
        "flagged": False,
        "created_at": "2026-11-20T09:00:00Z",
        "updated_at": updated_at,
        "schema_version": 1,
        **values,
    }
    return orjson.dumps(record).decode()


def test_one_click_downloads_the_chosen_scope_as_of_the_click(tmp_path: Path) -> None:
    db = labelled_store(tmp_path)  # the sample article labelled by ana, ben and chloe
    other = tmp_path / "harbour.jsonl"
    other.write_text(
        _label_line("harbour", 0, "The harbour closed.", "ana", "2026-11-20T09:00:00Z", confidence=3)
        + "\n"
        + _label_line("harbour", 1, "Boats waited.", "ben", "2026-11-20T09:00:00Z", is_claim=False)
        + "\n"
    )
    run_cli(db, tmp_path, "import-labels", str(other))
    sample = [
        orjson.loads(line)
        for line in run_cli(db, tmp_path, "export", "--what", "labels", "-o", "-").splitlines()
    ]
    first_of_ana = next(r for r in sample if r["annotator"] == "ana" and r["document_id"] == SAMPLE)
    with served_app(db, tmp_path) as base, chromium() as browser:
        rita = new_page(browser)
        rita.goto(base)
        rita.log_in(REVIEWER, REVIEWER_PASSWORD)
        rita.act(lambda: rita.page.get_by_role("link", name="Exports").click())
        assert rita.page.get_by_role("button", name=re.compile("Prepare")).count() == 0
        rita.page.locator(".st-key-export_scope [data-testid='stSelectbox']").click()
        rita.act(lambda: rita.page.get_by_role("option", name=SAMPLE, exact=True).click())
        rita.page.locator(".st-key-export_annotators [data-testid='stMultiSelect']").click()
        rita.act(lambda: rita.page.get_by_role("option", name="ana", exact=True).click())
        rita.page.keyboard.press("Escape")
        # An annotator changes a label after the page was drawn.
        changed = {
            **first_of_ana,
            "confidence": 1,
            "note": "changed after the page was drawn",
            "updated_at": "2026-11-29T10:00:00Z",
        }
        (tmp_path / "change.jsonl").write_text(orjson.dumps(changed).decode() + "\n")
        run_cli(db, tmp_path, "import-labels", str(tmp_path / "change.jsonl"))
        with rita.page.expect_download() as download:
            rita.page.locator(".st-key-download_labels button").click()
        path = tmp_path / "downloaded.jsonl"
        download.value.save_as(path)
        name = download.value.suggested_filename
    assert re.fullmatch(rf"labels-{SAMPLE}-ana-\d{{8}}T\d{{6}}Z\.jsonl", name), name
    records = [orjson.loads(line) for line in path.read_bytes().splitlines()]
    assert len(records) == 17
    assert {(r["document_id"], r["annotator"]) for r in records} == {(SAMPLE, "ana")}
    first = next(r for r in records if r["sentence_index"] == first_of_ana["sentence_index"])
    assert (first["confidence"], first["note"]) == (1, "changed after the page was drawn")
