"""What surrounds every page: the pages each role may open, and the account in the sidebar.

It lives here rather than in the entry file because the entry file is compiled on each run
by Streamlit's test harness; a module is compiled once.
"""

from __future__ import annotations

import base64
from pathlib import Path

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from annotator.store.models import Role
from annotator.ui.common import log_out
from annotator.ui.text import md_literal

# (file, title, icon). The folder is not called "pages": Streamlit would take that for an
# old-style multipage app and list the folder on every rerun.
PAGES = {
    "login": ("app_pages/login.py", "Log in", ":material/login:"),
    "annotate": ("app_pages/annotate.py", "Annotate", ":material/edit_note:"),
    "progress": ("app_pages/progress.py", "My progress", ":material/trending_up:"),
    "agreement": ("app_pages/agreement.py", "Agreement", ":material/handshake:"),
    "review": ("app_pages/review.py", "Review", ":material/gavel:"),
    "exports": ("app_pages/exports.py", "Exports", ":material/download:"),
    "users": ("app_pages/users.py", "Users", ":material/group:"),
    "articles": ("app_pages/articles.py", "Articles & sources", ":material/newspaper:"),
    "account": ("app_pages/account.py", "My account", ":material/key:"),
}
PAGES_MADE = "pages_made"
FAVICON = "data:image/png;base64," + base64.b64encode(
    (Path(__file__).parent / "static" / "favicon.png").read_bytes()
).decode("ascii")
"""The tab's icon, from the app itself: a ":material/…:" page icon is fetched by every browser
from fonts.gstatic.com (51 console errors a session behind a firewall). A data URL (550 bytes),
not the image's bytes: Streamlit passes a URL on as it is, but opens bytes with PIL (format and
size) and stores them in its media manager on every run, i.e. on every exchange of the panel."""
BY_ROLE = {
    Role.annotator: ["annotate", "progress", "account"],
    Role.reviewer: ["annotate", "progress", "agreement", "review", "exports", "account"],
    Role.admin: ["annotate", "progress", "agreement", "review", "exports", "users", "articles", "account"],
}


def pages_for(user: tuple[int, str, Role] | None) -> list[StreamlitPage]:
    """Only the pages the user's role may open: other pages are not reachable by URL either."""
    keys = tuple(["login"] if user is None else BY_ROLE[user[2]])
    # Made once per session and role: st.Page resolves and checks its file, and this runs on
    # every key press. (Page objects, not database rows: nothing here can go stale.)
    made: dict[tuple[str, ...], list[StreamlitPage]] = st.session_state.setdefault(PAGES_MADE, {})
    if keys not in made:
        made[keys] = [_page(key) for key in keys]
    return made[keys]


def _page(key: str) -> StreamlitPage:
    path, title, icon = PAGES[key]
    return st.Page(path, title=title, icon=icon, default=key == "annotate")


def account_sidebar(user: tuple[int, str, Role] | None) -> None:
    if user is None:
        return
    _, name, role = user
    # One element, not a caption and a button: this runs on every key press.
    st.sidebar.button(
        f"Log out {md_literal(name)} ({role.value})",
        on_click=log_out,
        key="logout",
    )
