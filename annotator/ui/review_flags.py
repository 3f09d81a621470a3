"""The Review page's "Flags and notes" tab: every flagged sentence and every note, in context."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from annotator.store import documents, gold
from annotator.ui.common import db_session
from annotator.ui.sentence_view import reading_column_html


def show_flags_and_notes(document_id: str | None, *, hide_names: bool) -> None:
    """Filtered by the page's article and by annotator (the filter and the annotator column
    are off while names are hidden, as everywhere on the page)."""
    chosen: list[str] = []
    if hide_names:
        st.caption("Annotator names are hidden: the annotator column and filter are off.")
    else:
        with db_session() as session:
            everyone = gold.annotator_names(session=session)
        chosen = st.multiselect("Annotators (none = everyone)", everyone, key="rev_flag_annotators")
    with db_session() as session:
        notes = gold.flags_and_notes(session=session, document_id=document_id, annotators=chosen)
    if not notes:
        st.info("No flagged sentence and no note here.")
        return
    table = pd.DataFrame(
        [
            {
                "article": n.document_id,
                "sentence": n.index + 1,
                "annotator": n.annotator,
                "flagged": n.flagged,
                "note": n.note,
                "text": n.text,
            }
            for n in notes
        ]
    )
    st.dataframe(table.drop(columns=["annotator"]) if hide_names else table, hide_index=True)
    places = {n.sentence_id: f"{n.document_id} #{n.index + 1}: {n.text[:90]}" for n in notes}
    opened = st.selectbox(
        "Read a sentence in context", list(places), format_func=places.__getitem__, key="rev_flag_open"
    )
    if opened is None:
        return
    with db_session() as session:
        sentence = documents.sentences_by_id(session=session, sentence_ids=[opened]).get(opened)
        if sentence is None:
            st.warning("That sentence no longer exists.")
            return
        context = documents.list_sentences(session=session, document_id=sentence.document_id)
    st.html(reading_column_html(context, sentence.index))
