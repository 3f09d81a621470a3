"""Exports: the JSONL datasets as one-click downloads, for reviewers and admins."""

from __future__ import annotations

import streamlit as st

from annotator.exchange.export import EXPORT_KINDS
from annotator.store.documents import list_document_ids
from annotator.store.exports import annotators_with_labels
from annotator.store.models import Role
from annotator.ui.common import db_session, require_role
from annotator.ui.downloads import export_button

ALL_ARTICLES = "all articles"

require_role(Role.reviewer, Role.admin)
st.title("Exports")
st.caption(
    "One JSON object per line; load with `pandas.read_json(path, lines=True)`. "
    "The formats are described in the README and in `schemas/`. Each file is read from the "
    "store when you click, so it holds every label saved until then."
)
with db_session() as session:
    doc_ids = list_document_ids(session=session)
scope = st.selectbox("Articles", [ALL_ARTICLES, *doc_ids], key="export_scope")
document_id = None if scope == ALL_ARTICLES else scope
with db_session() as session:
    names = annotators_with_labels(session=session, document_id=document_id)
chosen = st.multiselect(
    "Annotators (labels only)",
    names,
    key="export_annotators",
    placeholder="all annotators",
    help="Leave empty for everyone's labels.",
)
annotators = chosen or None
for kind in EXPORT_KINDS:
    export_button(
        kind,
        document_id=document_id,
        annotators=annotators if kind == "labels" else None,
        key=f"download_{kind}",
    )
