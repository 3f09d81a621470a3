"""Review in a real browser: a reviewer turns three annotators' labels into a gold file."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from playwright.sync_api import expect

from tests.browser_helpers import (
    REVIEWER,
    REVIEWER_PASSWORD,
    chromium,
    labelled_store,
    new_page,
    served_app,
)

pytestmark = pytest.mark.browser


def test_reviewer_adjudicates_from_the_keyboard_and_exports_gold(tmp_path: Path) -> None:
    db = labelled_store(tmp_path)
    with served_app(db, tmp_path) as base, chromium() as browser:
        rita = new_page(browser)
        rita.goto(base)
        rita.log_in(REVIEWER, REVIEWER_PASSWORD)
        rita.act(lambda: rita.page.get_by_role("link", name="Review").click())
        rita.page.get_by_text("unanimous", exact=True).click()
        rita.act(lambda: rita.page.get_by_role("button", name="Settle agreeing sentences").click())
        expect(rita.page.get_by_text("Settled 9: 9 unanimous")).to_be_visible()
        expect(rita.page.get_by_text("Item 1 of 8")).to_be_visible()
        rita.focus_page()
        rita.press("1")  # accept ana's label on the most disputed sentence
        expect(rita.page.get_by_text("Item 1 of 7")).to_be_visible()
        rita.focus_page()
        rita.press("3")  # accept chloe's label on the next one
        expect(rita.page.get_by_text("Item 1 of 6")).to_be_visible()
        expect(rita.page.get_by_text("Gold on 11 of 17 labelled sentences")).to_be_visible()
        expect(rita.page.get_by_role("heading", name="Annotators against gold")).to_be_visible()
        expect(rita.page.locator('[data-testid="stDataFrame"]').last).to_be_visible()
        rita.act(lambda: rita.page.get_by_role("button", name="Prepare gold export").click())
        with rita.page.expect_download() as download:
            rita.page.get_by_role("button", name="Download gold.jsonl").click()
        path = tmp_path / "gold.jsonl"
        download.value.save_as(path)
    records = [orjson.loads(line) for line in path.read_bytes().splitlines()]
    assert len(records) == 11
    provenance = sorted(r["provenance"] for r in records)
    assert provenance == ["adjudicated"] * 2 + ["unanimous"] * 9
    for record in records:
        assert set(record["votes"]) == {"ana", "ben", "chloe"}
        if record["provenance"] == "adjudicated":
            assert record["decided_by"] == "rita"
