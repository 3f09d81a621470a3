"""What a key press costs on the wire (issue 15): the tab's icon is the app's own and comes as a
URL, the labelling panel's JavaScript and CSS are files the browser fetches once, not part of
every exchange, and labels go to the save route, not through a rerun of the page."""

from __future__ import annotations

import base64
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from annotator.ui import labeller, save_route
from tests.browser_helpers import REVIEWER, REVIEWER_PASSWORD, chromium, labelled_store, new_page, served_app

pytestmark = pytest.mark.browser

UI = Path(labeller.__file__).parent
ASSETS = f"/_stcore/bidi-components/{labeller.NAME}/"


def test_the_icon_is_the_apps_own_and_the_panels_assets_are_fetched_once(tmp_path: Path) -> None:
    db = labelled_store(tmp_path)
    with served_app(db, tmp_path) as base, chromium() as browser:
        reviewer = new_page(browser)
        frames: list[bytes] = []
        assets: list[tuple[str, int]] = []
        posts: list[int] = []
        reviewer.page.on(
            "websocket",
            lambda socket: socket.on(
                "framereceived",
                lambda payload: frames.append(payload if isinstance(payload, bytes) else payload.encode()),
            ),
        )
        reviewer.page.on(
            "response",
            lambda response: (
                assets.append((urlsplit(response.url).path, response.status))
                if ASSETS in response.url
                else posts.append(response.status)
                if response.url.endswith(save_route.PATH)
                else None
            ),
        )
        reviewer.goto(base)
        reviewer.log_in(REVIEWER, REVIEWER_PASSWORD)
        assert reviewer.caption().startswith("Sentence 1 of ")
        reviewer.focus_page()
        reviewer.keys("n", "n", "n", gap_ms=300)
        reviewer.wait_saved()
        assert reviewer.caption().startswith("Sentence 4 of ")
        assert posts and set(posts) == {200}  # the labels went to the save route
        # A request still goes as the panel's value: an exchange over the websocket.
        before_exchange = len(frames)
        reviewer.page.locator('[data-key="guidelines"]').click()
        reviewer.page.get_by_role("dialog").wait_for()

        icon = reviewer.page.locator("link[rel='shortcut icon']").get_attribute("href")
        assert icon is not None and icon.startswith("data:image/png;base64,")
        assert base64.b64decode(icon.split(",", 1)[1]) == (UI / "static" / "favicon.png").read_bytes()

    # The panel drew itself from the files (one fetch each), and its exchanges did not carry them.
    assert sorted(assets) == [(ASSETS + "labeller.css", 200), (ASSETS + "labeller.js", 200)]
    script = (UI / "labeller" / "labeller.js").read_bytes()
    style = (UI / "labeller" / "labeller.css").read_bytes()
    assert len(frames) > before_exchange
    assert not any(script[:200] in frame or style[:200] in frame for frame in frames)
