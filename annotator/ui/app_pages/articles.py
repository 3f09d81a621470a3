"""Articles & sources (admins): the articles, import with a preview, sources, work queue, split fixes."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from annotator.settings import get_settings
from annotator.store import assignments, documents, queue, users
from annotator.store.models import Role
from annotator.ui import articles_actions as actions
from annotator.ui.common import db_session, require_role
from annotator.ui.text import md_literal, show_message, show_table

require_role(Role.admin)
st.title("Articles & sources")
show_message(st.session_state.get(actions.MESSAGE))

# A keyed, stateful tab bar: the tab chosen survives every action's rerun (an unkeyed one
# went back to the first tab when a message appeared above it and moved it).
tab_articles, tab_import, tab_sources, tab_assignments, tab_sentences, tab_queue = st.tabs(
    list(actions.TABS), key=actions.TAB, on_change="rerun"
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
        kept = draft.sentence_texts()
        # Numbered from 1, as everywhere people read sentence numbers.
        show_table(pd.DataFrame({"kept sentence": kept}, index=range(1, len(kept) + 1)), hide_index=False)
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
    overview = documents.article_overview(session=session)
    per_sentence = queue.get_annotators_per_sentence(session=session)
    assigned = assignments.assignment_progress(session=session)
    annotator_names = [
        u.name for u in users.list_users(session=session) if u.active and u.role == Role.annotator
    ]
if not overview:
    tab_articles.info("No articles yet: import some in the Import tab.")
    st.stop()
titles = {row.document_id: row.title for row in overview}


def title_and_id(document_id: str) -> str:
    # Titles may repeat; the id keeps each choice distinct.
    return f"{titles[document_id]} · {document_id}"


with tab_articles:
    st.dataframe(
        pd.DataFrame(
            {
                "title": [row.title for row in overview],
                "id": [row.document_id for row in overview],
                "sentences": [row.sentences for row in overview],
                "sources": [row.sources for row in overview],
                "proposed": [row.proposed_sources for row in overview],
                "labels": [row.labels for row in overview],
                "annotators": [row.annotators for row in overview],
                "gold": [row.gold_fraction for row in overview],
                "imported (UTC)": [row.imported_at.strftime("%Y-%m-%d %H:%M") for row in overview],
            }
        ),
        hide_index=True,
        column_config={
            "gold": st.column_config.ProgressColumn(
                "gold",
                help="Share of sentences with a settled label",
                min_value=0.0,
                max_value=1.0,
                format="percent",
            )
        },
    )
    managed = st.selectbox("Article", list(titles), format_func=title_and_id, key="manage_doc")
    st.text_input("Title", value=titles[managed], key=f"rename_{managed}")
    st.button("Rename", on_click=actions.rename, args=(managed,), key="rename")
    labelled = next(row.labels for row in overview if row.document_id == managed)
    if labelled:
        st.checkbox(
            f"Delete its {labelled} label(s) too (they are exported to exports/ first)",
            key=f"delete_confirmed_{managed}",  # a tick for one article never deletes another
        )
    st.button("Delete article", on_click=actions.delete, args=(managed,), key="delete_doc")
document_id = st.sidebar.selectbox("Article", list(titles), format_func=title_and_id, key="admin_doc")
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
                "status": ["proposed" if documents.awaits_decision(s) else "decided" for s in sources],
            }
        ),
        hide_index=True,
    )
    pending = {s.key: s for s in sources if documents.awaits_decision(s)}
    if pending:
        st.markdown(f"**Proposed sources ({len(pending)})** — annotators can already pick them")
        proposal = pending[st.selectbox("Proposed source", list(pending), key="proposal")]
        assert proposal.id is not None
        st.text_input("Name", value=proposal.label, key=f"proposal_name_{proposal.id}")
        st.button(
            "Accept (with this name)", on_click=actions.accept_proposal, args=(proposal.id,), key="accept_src"
        )
        others = {s.key: s for s in sources if s.key != proposal.key}
        if others:
            into = others[st.selectbox("Merge into", list(others), key="merge_into")]
            st.button(
                "Merge (its labels move there)",
                on_click=actions.merge_proposal,
                args=(proposal.id, into.id),
                key="merge_src",
            )
        st.button(
            "Reject (its labels become “other” with this name)",
            on_click=actions.reject_proposal,
            args=(proposal.id,),
            key="reject_src",
        )
    if sources:
        by_key = {s.key: s for s in sources}
        chosen = by_key[st.selectbox("Edit source", list(by_key), key="edit_src")]
        assert chosen.id is not None
        st.text_input("Label", value=chosen.label, key="edit_src_label")
        st.text_input("Aliases (comma-separated)", value=", ".join(chosen.aliases), key="edit_src_aliases")
        st.button("Save source", on_click=actions.save_source, args=(chosen.id,), key="save_src")
    st.markdown("**Add a source** (its key is made from the name)")
    st.text_input("Name", key="src_label", placeholder="e.g. DoJ spokeswoman")
    st.text_input("Aliases (comma-separated)", key="src_aliases")
    st.button("Add source", on_click=actions.add_source, args=(document_id,), key="add_src")

with tab_assignments:
    st.caption("An annotator's work queue (and J on Annotate) serves the articles assigned to them first.")
    st.multiselect("Articles", list(titles), format_func=title_and_id, key="assign_docs")
    st.multiselect("Annotators", annotator_names, key="assign_names")
    st.button("Assign", on_click=actions.assign, key="assign")
    if assigned:
        st.dataframe(
            pd.DataFrame(
                {
                    "article": [row.title for row in assigned],
                    "id": [row.document_id for row in assigned],
                    "annotator": [row.annotator for row in assigned],
                    "labelled": [f"{row.labelled} of {row.sentences}" for row in assigned],
                    "progress": [row.fraction for row in assigned],
                    "assigned (UTC)": [row.assigned_at.strftime("%Y-%m-%d %H:%M") for row in assigned],
                }
            ),
            hide_index=True,
            column_config={
                "progress": st.column_config.ProgressColumn(min_value=0.0, max_value=1.0, format="percent")
            },
        )
        pairs = {f"{row.document_id} → {row.annotator}": (row.document_id, row.annotator) for row in assigned}
        taken_back = st.selectbox("Assignment", list(pairs), key="unassign_pick")
        st.button("Take back", on_click=actions.unassign, args=pairs[taken_back], key="unassign")

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
