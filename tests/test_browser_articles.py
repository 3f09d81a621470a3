"""The Articles page in a real browser: it stays on the tab the lead is working in."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Locator, expect

from tests.browser_helpers import ADMIN_PASSWORD, StreamlitPage, chromium, new_page, served_app

pytestmark = pytest.mark.browser


def open_tab(page: StreamlitPage, name: str) -> Locator:
    """Click a tab; wait for the rerun a stateful tab bar asks for (a stateless one asks none)."""
    tab = page.page.get_by_role("tab", name=name)
    before = page.requested
    tab.click()
    expect(tab).to_have_attribute("aria-selected", "true")
    page.page.wait_for_timeout(300)
    if page.requested > before:
        page._wait(lambda: page.done >= page.requested, 20)
    page.idle()
    return tab


def test_the_articles_page_keeps_its_tab_after_every_action(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'annotator.db'}"
    with served_app(db, tmp_path) as base, chromium() as browser:
        lead = new_page(browser)
        lead.goto(base)
        lead.log_in("admin", ADMIN_PASSWORD)
        lead.act(lambda: lead.page.get_by_role("link", name="Articles & sources").click())
        sources_tab = open_tab(lead, "Sources")
        lead.page.locator(".st-key-src_label input").fill("Harbour master")
        lead.act(lambda: lead.page.get_by_role("button", name="Add source").click())
        # The name is the lead's text: shown literally (a code span), never as markdown.
        expect(lead.page.get_by_text("Added source")).to_contain_text("Harbour master")
        expect(sources_tab).to_have_attribute("aria-selected", "true")
        lead.act(lambda: lead.page.get_by_role("button", name="Save source").click())
        expect(lead.page.get_by_text("Source saved.")).to_be_visible()
        expect(sources_tab).to_have_attribute("aria-selected", "true")
        queue_tab = open_tab(lead, "Work queue")
        lead.act(lambda: lead.page.locator(".st-key-save_queue button").click())
        expect(queue_tab).to_have_attribute("aria-selected", "true")
