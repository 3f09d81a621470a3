"""Draw the README's screenshot of the Annotate page from a real `annotator serve`.

    .venv/bin/python tests/make_screenshot.py   # writes annotator/ui/static/annotate-page.png

An annotator has labelled the sample's first sentences and is on the nested sentence (the
Post citing an unnamed official citing intercepts) with its source, the words naming the
source, the cue and the chain marked. Not a test: nothing is asserted.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from sqlmodel import Session

from annotator.store import users
from annotator.store.engine import create_tables, make_engine
from annotator.store.models import Role, UserCreate
from tests.browser_helpers import chromium, new_page, served_app

PASSWORD = "ana-pass-12"
OUT = Path(__file__).resolve().parents[1] / "annotator" / "ui" / "static" / "annotate-page.png"


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        workdir = Path(folder)
        db_url = f"sqlite:///{workdir / 'annotator.db'}"
        with served_app(db_url, workdir) as base, chromium() as browser:
            engine = make_engine(db_url)
            create_tables(engine)
            with Session(engine) as session:
                users.create_user(
                    session=session,
                    user_in=UserCreate(name="ana", role=Role.annotator, password=PASSWORD),
                )
            page = new_page(browser, viewport={"width": 1280, "height": 900})
            page.goto(base)
            page.log_in("ana", PASSWORD)
            page.caption()
            page.focus_page()
            shortcut = {
                key: page.page.locator(f'[data-key="src_{key}"] kbd').inner_text()
                for key in ("intercepts", "washington-post", "us-official", "us-officials")
            }
            # Sentences 1-3: the intercepts, the officials, the intercepts again.
            page.keys(shortcut["intercepts"], "4", shortcut["us-officials"], "5", shortcut["intercepts"], "4")
            page.keys(
                shortcut["washington-post"], "M", "ArrowRight", "ArrowRight", *["Control+ArrowLeft"] * 5
            )
            page.keys("Enter", "C", "Enter", "V", shortcut["us-official"], shortcut["intercepts"], "Enter")
            page.wait_saved()
            page.page.evaluate("() => document.activeElement && document.activeElement.blur()")
            page.page.screenshot(path=str(OUT))
            engine.dispose()
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
