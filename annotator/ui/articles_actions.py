"""Callbacks of the Articles page: import uploads, edit sources, fix sentence splits, set the queue."""

from __future__ import annotations

import streamlit as st

from annotator.domain.article import ArticleDraft
from annotator.domain.errors import AnnotatorError
from annotator.exchange.articles import read_sources, read_upload
from annotator.exchange.export import delete_article
from annotator.settings import get_settings
from annotator.store import assignments, documents, queue, resegment, sources
from annotator.ui.common import db_session, engine
from annotator.ui.text import md_literal

MESSAGE = "articles_message"
PREVIEW = "articles_preview"
TAB = "articles_tab"
TABS = ("Articles", "Import", "Sources", "Assignments", "Fix sentence splits", "Work queue")


def preview_upload() -> None:
    """Read the uploaded files as the CLI would; keep the drafts for the lead to check."""
    state = st.session_state
    uploads = state.get("article_files") or []
    sources_upload = state.get("sources_file")
    state[PREVIEW] = None
    if not uploads:
        state[MESSAGE] = ("warning", "Choose one or more files first.")
        return
    try:
        sources = read_sources(sources_upload.name, sources_upload.getvalue()) if sources_upload else []
        drafts = [
            draft
            for upload in uploads
            for draft in read_upload(upload.name, upload.getvalue(), sources=sources)
        ]
    except AnnotatorError as error:
        state[MESSAGE] = ("error", f"Nothing imported: {md_literal(str(error))}")
        return
    state[PREVIEW] = drafts
    state[MESSAGE] = None


def import_preview() -> None:
    state = st.session_state
    drafts: list[ArticleDraft] = state.get(PREVIEW) or []
    with db_session() as session:
        try:
            stored = documents.add_articles(session=session, drafts=drafts)
        except AnnotatorError as error:
            state[MESSAGE] = ("error", f"Nothing imported: {md_literal(str(error))}")
            return
    state[PREVIEW] = None
    skipped = len(drafts) - len(stored)
    state[MESSAGE] = (
        "success",
        f"Imported {len(stored)} article(s)" + (f"; {skipped} already there, unchanged." if skipped else "."),
    )


def set_annotators_per_sentence() -> None:
    value = int(st.session_state["per_sentence"])
    with db_session() as session:
        queue.set_annotators_per_sentence(session=session, value=value or None)
    st.session_state[MESSAGE] = (
        "success",
        "Everyone labels every sentence."
        if not value
        else f"Each sentence now goes to {value} annotator(s).",
    )


def add_source(document_id: str) -> None:
    state = st.session_state
    aliases = [a.strip() for a in state.get("src_aliases", "").split(",") if a.strip()]
    with db_session() as session:
        try:
            source = sources.add_named_source(
                session=session, document_id=document_id, name=state.get("src_label", ""), aliases=aliases
            )
        except AnnotatorError as error:
            state[MESSAGE] = ("error", md_literal(str(error)))
            return
    state.update(src_label="", src_aliases="")
    state[MESSAGE] = ("success", f"Added source {md_literal(source.label)} (key {source.key}).")


def accept_proposal(source_id: int) -> None:
    state = st.session_state
    with db_session() as session:
        try:
            source = sources.accept_source(
                session=session, source_id=source_id, name=state.get(f"proposal_name_{source_id}")
            )
        except AnnotatorError as error:
            state[MESSAGE] = ("error", str(error))
            return
    state[MESSAGE] = ("success", f"Accepted source {md_literal(source.label)}.")


def merge_proposal(source_id: int, into_source_id: int) -> None:
    with db_session() as session:
        try:
            moved = sources.merge_source(session=session, source_id=source_id, into_source_id=into_source_id)
        except AnnotatorError as error:
            st.session_state[MESSAGE] = ("error", str(error))
            return
    st.session_state[MESSAGE] = ("success", f"Merged the proposed source; {moved} label(s) moved.")


def reject_proposal(source_id: int) -> None:
    with db_session() as session:
        try:
            moved = sources.reject_source(session=session, source_id=source_id)
        except AnnotatorError as error:
            st.session_state[MESSAGE] = ("error", str(error))
            return
    st.session_state[MESSAGE] = (
        "success",
        f"Rejected the proposed source; {moved} label(s) are now “other”.",
    )


def save_source(source_id: int) -> None:
    state = st.session_state
    aliases = [a.strip() for a in state.get("edit_src_aliases", "").split(",") if a.strip()]
    with db_session() as session:
        try:
            documents.update_source(
                session=session, source_id=source_id, label=state["edit_src_label"], aliases=aliases
            )
        except AnnotatorError as error:  # the store refuses a name a label could not carry
            state[MESSAGE] = ("error", md_literal(str(error)))
            return
    state[MESSAGE] = ("success", "Source saved.")


def merge(document_id: str, index: int) -> None:
    with db_session() as session:
        try:
            resegment.merge_with_next(session=session, document_id=document_id, index=index)
        except AnnotatorError as error:
            st.session_state[MESSAGE] = ("error", md_literal(str(error)))
            return
    st.session_state[MESSAGE] = ("success", f"Merged sentences {index + 1} and {index + 2}; labels kept.")


def split(document_id: str, index: int) -> None:
    at = int(st.session_state["split_at"])
    with db_session() as session:
        try:
            resegment.split_sentence(session=session, document_id=document_id, index=index, at=at)
        except AnnotatorError as error:
            st.session_state[MESSAGE] = ("error", md_literal(str(error)))
            return
    st.session_state[MESSAGE] = ("success", f"Split sentence {index + 1}; its labels stay on the first part.")


def rename(document_id: str) -> None:
    state = st.session_state
    with db_session() as session:
        try:
            document = documents.rename_document(
                session=session, document_id=document_id, title=state.get(f"rename_{document_id}", "")
            )
        except AnnotatorError as error:
            state[MESSAGE] = ("error", str(error))
            return
    state[MESSAGE] = ("success", f"Renamed {document_id!r} to “{document.title}”.")


def delete(document_id: str) -> None:
    state = st.session_state
    try:
        deleted = delete_article(
            engine(),
            document_id=document_id,
            exports_dir=get_settings().exports_dir,
            confirmed=bool(state.get(f"delete_confirmed_{document_id}")),
        )
    except AnnotatorError as error:
        state[MESSAGE] = ("error", str(error))
        return
    saved = f" Its {deleted.labels} label(s) are in {deleted.labels_export}." if deleted.labels_export else ""
    state[MESSAGE] = ("success", f"Deleted article {document_id!r}.{saved}")


def assign() -> None:
    state = st.session_state
    docs, names = state.get("assign_docs") or [], state.get("assign_names") or []
    if not docs or not names:
        state[MESSAGE] = ("warning", "Choose one or more articles and one or more annotators.")
        return
    with db_session() as session:
        try:
            new = assignments.assign_articles(
                session=session, document_ids=docs, annotators=names, assigned_by_id=state.get("user_id")
            )
        except AnnotatorError as error:
            state[MESSAGE] = ("error", str(error))
            return
    state.update(assign_docs=[], assign_names=[])
    state[MESSAGE] = ("success", f"{new} new assignment(s).")


def unassign(document_id: str, annotator: str) -> None:
    with db_session() as session:
        assignments.unassign_article(session=session, document_id=document_id, annotator=annotator)
    st.session_state[MESSAGE] = ("success", f"Took {document_id!r} back from {annotator}; their labels stay.")
