"""Entry file: declares the pages each role may open. Run with ``annotator serve``."""

from __future__ import annotations

import streamlit as st

from annotator.store.models import Role
from annotator.ui.common import current_user, log_out
from annotator.ui.text import md_escape

st.set_page_config(page_title="annotator — who says so?", page_icon=":material/format_quote:", layout="wide")

PAGES = {
    "login": st.Page("pages/login.py", title="Log in", icon=":material/login:"),
    "annotate": st.Page("pages/annotate.py", title="Annotate", icon=":material/edit_note:", default=True),
    "progress": st.Page("pages/progress.py", title="My progress", icon=":material/trending_up:"),
    "agreement": st.Page("pages/agreement.py", title="Agreement", icon=":material/handshake:"),
    "review": st.Page("pages/review.py", title="Review", icon=":material/gavel:"),
    "exports": st.Page("pages/exports.py", title="Exports", icon=":material/download:"),
    "users": st.Page("pages/users.py", title="Users", icon=":material/group:"),
    "articles": st.Page("pages/articles.py", title="Articles & sources", icon=":material/newspaper:"),
}
BY_ROLE = {
    Role.annotator: ["annotate", "progress"],
    Role.reviewer: ["annotate", "progress", "agreement", "review", "exports"],
    Role.admin: ["annotate", "progress", "agreement", "review", "exports", "users", "articles"],
}

user = current_user()
if user is None:
    navigation = st.navigation([PAGES["login"]], position="hidden")
else:
    _, name, role = user
    navigation = st.navigation([PAGES[key] for key in BY_ROLE[role]])
    with st.sidebar:
        st.caption(f"Logged in as **{md_escape(name)}** ({role.value})")
        st.button("Log out", on_click=log_out, key="logout")
navigation.run()
