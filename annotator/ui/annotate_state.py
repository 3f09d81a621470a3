"""Session state and callbacks of the annotate page.

Keys are initialised once and changed only in callbacks (Streamlit's own pattern), so a
key press is handled before the page is drawn again. Only ids live in session state.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import streamlit as st
from sqlmodel import Session

from annotator.domain.article import SourceSpec
from annotator.domain.errors import AnnotatorError
from annotator.store import documents, labels, queue
from annotator.store.models import LabelCreate, Sentence, SourceOrigin
from annotator.ui.common import db_session, schema

DOC, INDEX, STAGE, SOURCE, CONFIDENCE = "ann_doc", "ann_index", "ann_stage", "ann_source", "ann_confidence"
NOTE, FLAGGED, OTHER, MESSAGE = "ann_note", "ann_flagged", "ann_other", "ann_message"
TOAST = "ann_toast"  # a passing confirmation; a toast does not push the buttons down
CONTEXT_SENTENCES = 3


def init_state(user_id: int) -> bool:
    """Place the annotator on their first unlabelled sentence; False when nothing is left."""
    if DOC in st.session_state:
        return True
    with db_session() as session:
        target = queue.next_in_queue(session=session, user_id=user_id)
        if target is None:
            docs = documents.list_document_ids(session=session)
            if not docs:
                return False
            target = (docs[0], 0)
    st.session_state[MESSAGE] = None
    open_sentence(user_id, *target)
    return True


def open_sentence(user_id: int, document_id: str, index: int) -> None:
    """Show a sentence with the annotator's saved label (if any) in the form."""
    with db_session() as session:
        sentence = _sentence_id(session, document_id, index)
        saved = labels.get_label(session=session, sentence_id=sentence, user_id=user_id) if sentence else None
    state = st.session_state
    state[DOC], state[INDEX], state[STAGE] = document_id, index, "source"
    state["ann_doc_select"] = document_id
    state[SOURCE] = saved.source if saved and saved.is_claim else None
    state[CONFIDENCE] = saved.confidence if saved else None
    state[NOTE] = saved.note if saved else ""
    state[FLAGGED] = saved.flagged if saved else False
    state[OTHER] = (saved.source_other or "") if saved else ""


def _sentence_id(session: Session, document_id: str, index: int) -> int | None:
    sentence = documents.get_sentence(session=session, document_id=document_id, index=index)
    return None if sentence is None else sentence.id


def pick_source(source: str) -> None:
    if source == "other" and not st.session_state.get(OTHER, "").strip():
        st.session_state[MESSAGE] = (
            "warning",
            "Type the source's name in “Other source”, then pick Other again.",
        )
        return
    st.session_state[SOURCE] = source
    st.session_state[STAGE] = "confidence"
    st.session_state[MESSAGE] = None


def same_as_previous(user_id: int) -> None:
    state = st.session_state
    with db_session() as session:
        mine = labels.labels_by_index(session=session, document_id=state[DOC], user_id=user_id)
    previous = mine.get(state[INDEX] - 1)
    if previous is None or not previous.is_claim or previous.source is None:
        state[MESSAGE] = ("warning", "The previous sentence has no source of yours to repeat.")
        return
    state[OTHER] = previous.source_other or ""
    pick_source(previous.source)


def cancel() -> None:
    st.session_state[STAGE] = "source"
    st.session_state[MESSAGE] = None


def pick_confidence(user_id: int, total: int, confidence: int) -> None:
    state = st.session_state
    if state.get(SOURCE) is None:
        state[MESSAGE] = ("warning", "Pick a source first (or N: not a claim).")
        return
    state[CONFIDENCE] = confidence
    _save(user_id, total, is_claim=True, source=state[SOURCE], confidence=confidence)


def not_a_claim(user_id: int, total: int) -> None:
    _save(user_id, total, is_claim=False, source=None, confidence=None)


def save_and_next(user_id: int, total: int, saved: bool) -> None:
    """Enter: save what the form holds and move on; an untouched labelled sentence just moves on."""
    state = st.session_state
    if state.get(SOURCE) is not None:
        _save(user_id, total, is_claim=True, source=state[SOURCE], confidence=state.get(CONFIDENCE))
    elif saved:
        go(user_id, total, +1)
    else:
        state[MESSAGE] = ("warning", "Nothing to save yet: pick a source, or N for not a claim.")


def _save(user_id: int, total: int, *, is_claim: bool, source: str | None, confidence: int | None) -> None:
    state = st.session_state
    other = state.get(OTHER, "").strip() or None
    label_in = LabelCreate(
        is_claim=is_claim,
        source=source,
        confidence=confidence,
        note=state.get(NOTE, ""),
        flagged=bool(state.get(FLAGGED)),
        source_other=other if source == "other" else None,
    )
    with db_session() as session:
        sentence_id = _sentence_id(session, state[DOC], state[INDEX])
        if sentence_id is None:
            state[MESSAGE] = ("error", "This sentence no longer exists (an admin re-split the article).")
            return
        try:
            labels.save_label(
                session=session, sentence_id=sentence_id, user_id=user_id, label_in=label_in, schema=schema()
            )
        except AnnotatorError as error:
            state[MESSAGE] = ("error", str(error))
            return
    state[MESSAGE] = None
    state[TOAST] = f"Saved sentence {state[INDEX] + 1}."
    go(user_id, total, +1)


def go(user_id: int, total: int, step: int) -> None:
    """Move within the article; past its end, on to the next sentence that needs this annotator."""
    state = st.session_state
    target = state[INDEX] + step
    if 0 <= target < total:
        open_sentence(user_id, state[DOC], target)
    elif target >= total:
        next_needed(user_id)


def next_needed(user_id: int) -> None:
    with db_session() as session:
        target = queue.next_in_queue(session=session, user_id=user_id, document_id=st.session_state[DOC])
    if target is None:
        st.session_state[MESSAGE] = ("success", "All done: no sentence needs you right now. Thank you!")
        return
    open_sentence(user_id, *target)


def choose_document(user_id: int) -> None:
    document_id = st.session_state["ann_doc_select"]
    with db_session() as session:
        index = labels.first_unlabelled_index(session=session, document_id=document_id, user_id=user_id)
    st.session_state[MESSAGE] = None
    open_sentence(user_id, document_id, index or 0)


def propose_source(user_id: int) -> None:
    state = st.session_state
    name = state.get("prop_label", "").strip()
    key = state.get("prop_key", "").strip().lower()
    aliases = tuple(a.strip() for a in state.get("prop_aliases", "").split(",") if a.strip())
    if not name or not key:
        state[MESSAGE] = ("warning", "A new source needs a key and a name.")
        return
    if not schema().is_valid_source_key(key) or key in schema().special_keys:
        state[MESSAGE] = ("warning", f"Key {key!r} is not allowed: use lower-case letters, digits, - and _.")
        return
    with db_session() as session:
        try:
            documents.add_source(
                session=session,
                document_id=state[DOC],
                spec=SourceSpec(key, name, aliases),
                origin=SourceOrigin.proposed,
                proposed_by_id=user_id,
            )
        except AnnotatorError as error:
            state[MESSAGE] = ("error", str(error))
            return
    state.update(prop_label="", prop_key="", prop_aliases="")
    state[MESSAGE] = ("success", f"Added source “{name}” to this article for everyone.")


def reading_column_html(sentences: Sequence[Sentence], index: int) -> str:
    """The current sentence with a few around it, as escaped text: article text is never markup."""
    low, high = max(0, index - CONTEXT_SENTENCES), min(len(sentences), index + CONTEXT_SENTENCES + 1)
    paragraphs: list[list[str]] = []
    last_paragraph = None
    for sentence in sentences[low:high]:
        if sentence.paragraph != last_paragraph:
            paragraphs.append([])
            last_paragraph = sentence.paragraph
        text = html.escape(sentence.text)
        if sentence.index == index:
            text = f'<mark class="current" id="current-sentence">{text}</mark>'
        else:
            text = f'<span class="context">{text}</span>'
        paragraphs[-1].append(text)
    body = "".join(f"<p>{' '.join(parts)}</p>" for parts in paragraphs)
    return (
        "<style>.reading{font-family:Georgia,serif;font-size:1.12rem;line-height:1.65;max-width:46rem}"
        ".reading .context{color:#6b7280}.reading mark.current{background:#fde68a;color:#111;"
        "padding:.1em .2em;border-radius:.2em}</style>"
        f'<div class="reading" data-testid="reading-column">{body}</div>'
    )
