"""Articles & sources (admins): import with a preview, source lists, work queue, sentence fixes."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from annotator.settings import get_settings
from annotator.store import documents, queue
from annotator.store.models import Role
from annotator.ui import articles_actions as actions
from annotator.ui.common import db_session, require_role
from annotator.ui.text import md_literal, show_message, show_table

require_role(Role.admin)
st.title("Articles & sources")
show_message(st.session_state.get(actions.MESSAGE))

tab_import, tab_sources, tab_sentences, tab_queue = st.tabs(
    ["Import", "Sources", "Fix sentence splits", "Work queue"]
)

with tab_import:
    st.file_uploader(
        "Articles (.txt, .html, .json, .jsonl)",
        type=["txt", "html", "htm", "json", "jsonl"],
        accept_multiple_files=True,
        key="article_files",
        help=f"Up to {get_settings().max_upload_mb} MB per file.",
    )
    st.file_uploader(
        "Sources for .txt/.html articles (JSON or YAML list of key, label, aliases)",
        type=["json", "yaml", "yml"],
        key="sources_file",
    )
    st.button("Preview", on_click=actions.preview_upload, key="preview")
    for draft in st.session_state.get(actions.PREVIEW) or []:
        st.markdown(
            f"{md_literal(draft.title)} — {md_literal(draft.id)}: "
            f"{len(draft.sentences)} sentences, {len(draft.sources)} sources"
        )
        show_table(pd.DataFrame({"kept sentence": draft.sentence_texts()}), hide_index=False)
        if draft.dropped:
            show_table(
                pd.DataFrame(
                    {"dropped": [b.text for b in draft.dropped], "why": [b.reason for b in draft.dropped]}
                ),
                hide_index=True,
            )
    if st.session_state.get(actions.PREVIEW):
        st.button("Import these articles", type="primary", on_click=actions.import_preview, key="do_import")

with db_session() as session:
    docs = documents.list_documents(session=session)
    per_sentence = queue.get_annotators_per_sentence(session=session)
if not docs:
    st.info("No articles yet: import some above.")
    st.stop()
titles = {d.id: d.title for d in docs}
document_id = st.sidebar.selectbox("Article", list(titles), format_func=lambda d: titles[d], key="admin_doc")
with db_session() as session:
    sources = documents.list_sources(session=session, document_id=document_id)
    sentences = documents.list_sentences(session=session, document_id=document_id)

with tab_sources:
    show_table(
        pd.DataFrame(
            {
                "key": [s.key for s in sources],
                "label": [s.label for s in sources],
                "aliases": [", ".join(s.aliases) for s in sources],
                "origin": [s.origin.value for s in sources],
            }
        ),
        hide_index=True,
    )
    if sources:
        by_key = {s.key: s for s in sources}
        chosen = by_key[st.selectbox("Edit source", list(by_key), key="edit_src")]
        assert chosen.id is not None
        st.text_input("Label", value=chosen.label, key="edit_src_label")
        st.text_input("Aliases (comma-separated)", value=", ".join(chosen.aliases), key="edit_src_aliases")
        st.button("Save source", on_click=actions.save_source, args=(chosen.id,), key="save_src")
    st.markdown("**Add a source**")
    st.text_input("Key", key="src_key", placeholder="e.g. doj-spokeswoman")
    st.text_input("Label", key="src_label", placeholder="e.g. DoJ spokeswoman")
    st.text_input("Aliases (comma-separated)", key="src_aliases")
    st.button("Add source", on_click=actions.add_source, args=(document_id,), key="add_src")

with tab_sentences:
    st.caption(
        "Merge a sentence with the next one, or split one in two. Labels already made are kept: "
        "on a merge they move to the merged sentence; on a split they stay on the first part."
    )
    index = (
        st.number_input(
            "Sentence number", min_value=1, max_value=max(len(sentences), 1), step=1, key="fix_index"
        )
        - 1
    )
    if sentences:
        st.text(sentences[index].text)
        st.button(
            "Merge with next",
            on_click=actions.merge,
            args=(document_id, index),
            disabled=index >= len(sentences) - 1,
            key="merge",
        )
        st.number_input(
            "Split at character",
            min_value=1,
            max_value=max(len(sentences[index].text) - 1, 1),
            key="split_at",
            value=max(len(sentences[index].text) // 2, 1),
        )
        st.button("Split", on_click=actions.split, args=(document_id, index), key="split")

with tab_queue:
    st.number_input(
        "Annotators per sentence (0 = everyone labels everything)",
        min_value=0,
        step=1,
        value=per_sentence or 0,
        key="per_sentence",
    )
    st.button("Save", on_click=actions.set_annotators_per_sentence, key="save_queue")
