"""Self-contained pages: no request leaves the app's own origin (icons, fonts and scripts are local)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.browser_helpers import ADMIN_PASSWORD, chromium, new_page, served_app

pytestmark = pytest.mark.browser

PAGES = [
    "Annotate",
    "My progress",
    "Agreement",
    "Review",
    "Exports",
    "Users",
    "Articles & sources",
    "My account",
]


def test_no_request_leaves_the_apps_origin(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'annotator.db'}"
    with served_app(db, tmp_path) as base, chromium() as browser:
        admin = new_page(browser)
        origin = urlsplit(base).netloc
        elsewhere: list[str] = []
        admin.page.on(
            "request",
            lambda request: (
                None
                if urlsplit(request.url).scheme in ("data", "blob") or urlsplit(request.url).netloc == origin
                else elsewhere.append(request.url)
            ),
        )
        admin.goto(base)
        admin.log_in("admin", ADMIN_PASSWORD)
        for name in PAGES:
            admin.act(lambda name=name: admin.page.get_by_role("link", name=name).click())
            admin.page.wait_for_timeout(300)
        admin.reload()
        admin.page.wait_for_load_state("networkidle")
    assert elsewhere == []
