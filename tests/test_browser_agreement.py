"""The Agreement page in a real browser: charts for reviewers, nothing for annotators."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

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


def _tile(figure: object, style: str) -> str:
    """An evidence tile as the page shows it: the figure, or "no data" when it is undefined."""
    return style.format(figure) if isinstance(figure, float) else "no data"


def test_reviewer_sees_charts_and_annotator_does_not(tmp_path: Path) -> None:
    db = labelled_store(tmp_path)
    run_cli(db, tmp_path, "users", "password", "ana", "--password-stdin", stdin="ana-password\n")
    expected = json.loads(run_cli(db, tmp_path, "agreement", "--json", "--bootstrap", "0"))
    with served_app(db, tmp_path) as base, chromium() as browser:
        rita = new_page(browser)
        rita.goto(base)
        rita.log_in(REVIEWER, REVIEWER_PASSWORD)
        rita.act(lambda: rita.page.get_by_role("link", name="Agreement").click())
        # The tiles come from a cached computation that can finish a rerun after the page
        # switch itself: wait for them (bounded) rather than read whatever is drawn first.
        evidence = expected["evidence"]
        expect(rita.page.locator('[data-testid="stMetricValue"]')).to_have_text(
            [f"{expected[f]['krippendorff_alpha']:.3f}" for f in ("is_claim", "source")]
            + [f"{expected['confidence']['krippendorff_alpha_ordinal']:.3f}"]
            + [_tile(evidence[f]["f1"], "{:.3f}") for f in ("source_mention", "cue")]
            + [_tile(evidence["via"]["percent_agreement"], "{:.0%}")],
            timeout=20_000,
        )
        expect(rita.page.locator(".vega-embed").first).to_be_visible()
        rita.page.get_by_role("tab", name="Disagreements").click()
        expect(rita.page.get_by_text("Open a disputed sentence")).to_be_visible()

        ana = new_page(browser)
        ana.goto(base)
        ana.log_in("ana", "ana-password")
        assert not ana.page.get_by_role("link", name="Agreement").count()
        ana.goto(f"{base}/agreement")
        assert not ana.page.locator('[data-testid="stMetricValue"]').count()
        assert not ana.page.locator(".vega-embed").count()
