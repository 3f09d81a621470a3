"""Review in a real browser: a reviewer with annotator names hidden turns three annotators'
labels into a gold file, from the keyboard, with Esc leaving the rationale box."""

from __future__ import annotations

import re
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

ANNOTATORS = ("ana", "ben", "chloe")


def test_reviewers_blind_pass_from_the_keyboard_to_a_gold_file(tmp_path: Path) -> None:
    db = labelled_store(tmp_path)
    with served_app(db, tmp_path) as base, chromium() as browser:
        rita = new_page(browser)
        page = rita.page
        rita.goto(base)
        rita.log_in(REVIEWER, REVIEWER_PASSWORD)
        rita.act(lambda: page.get_by_role("link", name="Review").click())
        rita.act(lambda: page.get_by_text("Hide annotator names").click())
        page.get_by_text("unanimous", exact=True).click()
        rita.act(lambda: page.get_by_role("button", name="Settle agreeing sentences").click())
        expect(page.get_by_text("Settled 9: 9 unanimous")).to_be_visible()
        expect(page.get_by_text(re.compile(r"^Item 1 of 8"))).to_be_visible()
        shown = page.locator('[data-testid="stMain"]').inner_text()
        shown += page.locator('[data-testid="stSidebar"]').inner_text()
        assert not [name for name in ANNOTATORS if re.search(rf"\b{name}\b", shown)]
        expect(page.get_by_role("button", name="Accept annotator 3")).to_be_visible()
        expect(page.get_by_text("Hidden while annotator names are hidden.")).to_be_visible()

        # Type a rationale, Esc out of the box, and the next key is a shortcut again.
        page.get_by_label("Rationale (optional)").click()
        page.keyboard.type("test")
        rita.press("Escape")  # leaving the box commits the text: a rerun
        rita.press("1")
        expect(page.get_by_text(re.compile(r"^Item 1 of 7"))).to_be_visible()
        reveal = page.locator('[data-testid="stAlertContentInfo"]').inner_text()
        first = re.search(r"annotator 1 was (\w+)", reveal)
        assert first is not None, reveal
        # The next item's rationale box starts empty.
        expect(page.get_by_label("Rationale (optional)")).to_have_value("")
        rita.focus_page()
        rita.press("3")
        expect(page.get_by_text(re.compile(r"^Item 1 of 6"))).to_be_visible()
        expect(page.get_by_text("Gold on 11 of 17 labelled sentences")).to_be_visible()

        with page.expect_download() as download:  # one click: the file is read at the click
            page.locator(".st-key-rev_download button").click()
        path = tmp_path / "gold.jsonl"
        download.value.save_as(path)
    records = [orjson.loads(line) for line in path.read_bytes().splitlines()]
    assert len(records) == 11
    assert sorted(r["provenance"] for r in records) == ["adjudicated"] * 2 + ["unanimous"] * 9
    decided = [r for r in records if r["provenance"] == "adjudicated"]
    assert {r["decided_by"] for r in decided} == {REVIEWER}
    assert sorted(r["rationale"] for r in decided) == ["", "test"]
    with_rationale = next(r for r in decided if r["rationale"] == "test")
    accepted = with_rationale["votes"][first.group(1)]
    assert (accepted["is_claim"], accepted["source"]) == (
        with_rationale["is_claim"],
        with_rationale["source"],
    )
    for record in records:
        assert set(record["votes"]) == set(ANNOTATORS)
