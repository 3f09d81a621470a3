"""The annotate page's dialogs: choosing an article, proposing a source, the guidelines.

Dialogs run only while open, so what they read (every article id) is not read on each key press.
The page draws the one the panel asked for until it is done (then it closes itself) or dismissed.
"""

from __future__ import annotations

import streamlit as st

from annotator.store.documents import document_titles
from annotator.ui import annotate_actions as s
from annotator.ui.common import db_session, schema


@st.dialog("Choose an article", on_dismiss=s.close_dialog)
def choose_article(user_id: int, current: str) -> None:
    with db_session() as session:
        titles = dict(document_titles(session=session))
    ids = list(titles)
    # Titles can repeat across articles: the id tells them apart.
    choice = st.selectbox(
        "Article",
        ids,
        index=ids.index(current) if current in ids else 0,
        format_func=lambda document_id: f"{titles[document_id]} · {document_id}",
    )
    if st.button("Open article", type="primary"):
        s.choose_document(user_id, choice)
        s.close_dialog()
        st.rerun()


@st.dialog("Propose a new source for this article", on_dismiss=s.close_dialog)
def propose_source(user_id: int) -> None:
    name = st.text_input("Name", placeholder="e.g. White House press office")
    aliases = st.text_input("Aliases, comma-separated (optional)")
    st.caption("A lead accepts, renames, merges or rejects it; until then it is marked *proposed*.")
    if st.button("Add source", type="primary"):
        refused = s.propose_source(user_id, name=name, aliases=aliases)
        if refused:
            st.warning(refused)
        else:
            s.close_dialog()
            st.rerun()


@st.dialog("Guidelines", width="large", on_dismiss=s.close_dialog)
def guidelines() -> None:
    # The lead's own text from the label schema (markdown), not article text.
    st.markdown(schema().guidelines)
