"""The annotate page's dialogs: choosing an article, proposing a source, the guidelines.

Dialogs run only while open, so what they read (every article id) is not read on each key press.
The page draws the one the panel asked for until it is done (then it closes itself) or dismissed.
"""

from __future__ import annotations

import streamlit as st

from annotator.store.documents import list_document_ids
from annotator.ui import annotate_state as s
from annotator.ui.common import db_session, schema


@st.dialog("Choose an article", on_dismiss=s.close_dialog)
def choose_article(user_id: int, current: str) -> None:
    with db_session() as session:
        ids = list_document_ids(session=session)
    choice = st.selectbox("Article", ids, index=ids.index(current) if current in ids else 0)
    if st.button("Open article", type="primary"):
        s.choose_document(user_id, choice)
        s.close_dialog()
        st.rerun()


@st.dialog("Propose a new source for this article", on_dismiss=s.close_dialog)
def propose_source(user_id: int) -> None:
    name = st.text_input("Name", placeholder="e.g. White House press office")
    key = st.text_input("Key", placeholder="e.g. white-house")
    aliases = st.text_input("Aliases, comma-separated (optional)")
    if st.button("Add source", type="primary"):
        refused = s.propose_source(user_id, name=name, key=key, aliases=aliases)
        if refused:
            st.warning(refused)
        else:
            s.close_dialog()
            st.rerun()


@st.dialog("Guidelines", width="large", on_dismiss=s.close_dialog)
def guidelines() -> None:
    # The lead's own text from the label schema (markdown), not article text.
    st.markdown(schema().guidelines)
