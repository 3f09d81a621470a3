"""Session state and callbacks of the annotate page.

Keys are initialised once and changed only in callbacks (Streamlit's own pattern), so a
key press is handled before the page is drawn again. Only ids live in session state.
The labelling panel (``labeller``) sends one action per finished key press; ``apply_action``
checks it as untrusted input (it comes from the browser) before anything is saved.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping
from typing import Any

import streamlit as st
from sqlmodel import Session

from annotator.domain import keys
from annotator.domain.article import SourceSpec
from annotator.domain.errors import AnnotatorError
from annotator.domain.label_schema import LabelSchema
from annotator.store import documents, labels, queue, users
from annotator.store.models import LabelCreate, Sentence, SourceOrigin
from annotator.store.views import AnnotateView, annotate_view
from annotator.ui.common import db_session, schema
from annotator.ui.labeller import last_action

DOC, INDEX, MESSAGE = "ann_doc", "ann_index", "ann_message"
TOAST = "ann_toast"  # a passing confirmation; a toast does not push the buttons down
# A new random token whenever the server opens a sentence (a move, or a save): the panel
# then drops what was typed into it and shows the label as stored; an action made on an
# older revision is not applied.
REVISION = "ann_revision"
ACK = "ann_ack"  # counts the panel's actions: each one changes what the panel is given
# The dialog the panel asked for: the page draws it on each run until it is done or dismissed.
DIALOG, DIALOGS = "ann_dialog", ("choose_article", "propose_source", "guidelines")
# (read at, Progress): the count runs over all of the annotator's labels, so a plain rerun
# reads it at most this often; the annotator's own save reads it again.
OVERALL = "ann_overall"
OVERALL_TTL_S = 30.0


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
    open_sentence(*target)
    return True


def open_sentence(document_id: str, index: int) -> None:
    """Show a sentence; the panel's form shows the annotator's stored label on it (the view)."""
    state = st.session_state
    state[DOC], state[INDEX] = document_id, index
    # Random, not a counter: a panel left from an earlier session in the same browser tab
    # (log out, log in as someone else) must never match.
    state[REVISION] = secrets.token_hex(8)


def handle_action(user_id: int) -> None:
    """Callback of the labelling panel."""
    action = last_action()
    if action is not None:
        apply_action(user_id, action)


def apply_action(user_id: int, action: Mapping[str, Any]) -> None:
    """Carry out what the panel sent, checked as untrusted input.

    A save goes to the sentence the panel showed (its id comes with the action), never to
    "the current sentence" in session state: Streamlit may stop a callback midway when the
    next key press arrives, and an admin may re-split the article meanwhile. A save and a move
    are idempotent, so an action carried out twice changes nothing more.
    """
    state = st.session_state
    state[ACK] = state.get(ACK, 0) + 1  # the panel's data changes, so it unlocks
    if action.get("revision") != state.get(REVISION):
        # Pressed before the sentence it meant was on screen: applying it would label
        # a sentence the annotator has not read.
        state[TOAST] = "A key pressed before the next sentence was shown was ignored."
        return
    with db_session() as session:
        if users.active_identity(session=session, user_id=user_id) is None:
            state[MESSAGE] = ("error", "This account is no longer active; nothing was saved.")
            return
        shown = _shown_sentence(session, action)
    kind = action.get("kind")
    if shown is None and kind in ("save", "go"):
        state[MESSAGE] = ("error", "This sentence no longer exists (an admin re-split the article).")
    elif kind == "save":
        fields = _label_fields(action)
        if fields is None:
            state[MESSAGE] = (
                "error",
                "The label sent by the page was incomplete or inconsistent; not saved.",
            )
            return
        assert shown is not None
        if _save(user_id, shown, fields):
            go(user_id, shown, +1)
    elif kind == "go" and action.get("step") in (-1, 1) and not isinstance(action.get("step"), bool):
        assert shown is not None
        state[MESSAGE] = None
        go(user_id, shown, int(action["step"]))
    elif kind == "next_needed":
        state[MESSAGE] = None
        next_needed(user_id)
    elif kind == "open" and action.get("dialog") in DIALOGS:
        state[DIALOG] = action["dialog"]
    else:
        state[MESSAGE] = ("error", "The page sent a request this version does not know: reload the page.")


def _shown_sentence(session: Session, action: Mapping[str, Any]) -> Sentence | None:
    sentence_id = action.get("sentence_id")
    if not isinstance(sentence_id, int) or isinstance(sentence_id, bool):
        return None
    return documents.sentences_by_id(session=session, sentence_ids=[sentence_id]).get(sentence_id)


def close_dialog() -> None:
    st.session_state.pop(DIALOG, None)


MAX_NOTE = 10_000


def _label_fields(action: Mapping[str, Any]) -> LabelCreate | None:
    """The label in the action, if every field has its type and they agree with each other."""
    is_claim, source, confidence = action.get("is_claim"), action.get("source"), action.get("confidence")
    note, flagged, other = action.get("note", ""), action.get("flagged", False), action.get("other", "")
    well_typed = (
        isinstance(is_claim, bool)
        and (source is None or isinstance(source, str))
        and (confidence is None or (isinstance(confidence, int) and not isinstance(confidence, bool)))
        and isinstance(note, str)
        and len(note) <= MAX_NOTE
        and isinstance(flagged, bool)
        and isinstance(other, str)
    )
    if not well_typed or (not is_claim and (source is not None or confidence is not None)):
        return None
    other_name = other.strip() or None
    return LabelCreate(
        is_claim=is_claim,
        source=source,
        confidence=confidence,
        note=note,
        flagged=flagged,
        source_other=other_name if source == "other" else None,
    )


def _save(user_id: int, sentence: Sentence, label_in: LabelCreate) -> bool:
    state = st.session_state
    assert sentence.id is not None
    with db_session() as session:
        if label_in.source is not None and label_in.source not in schema().special_keys:
            known = {
                src.key for src in documents.list_sources(session=session, document_id=sentence.document_id)
            }
            if label_in.source not in known:
                state[MESSAGE] = (
                    "error",
                    f"{label_in.source!r} is not a source of this article: propose it first.",
                )
                return False
        try:
            labels.save_label(
                session=session, sentence_id=sentence.id, user_id=user_id, label_in=label_in, schema=schema()
            )
        except AnnotatorError as error:
            state[MESSAGE] = ("error", str(error))
            return False
    state.pop(OVERALL, None)  # the annotator's own save shows in their count at once
    state[MESSAGE] = None
    state[TOAST] = f"Saved sentence {sentence.index + 1}."
    return True


def go(user_id: int, sentence: Sentence, step: int) -> None:
    """Move from ``sentence`` within its article; past the end, on to the next sentence that
    needs this annotator. When there is none, the saved sentence is shown again as stored."""
    with db_session() as session:
        total = documents.count_sentences(session=session, document_id=sentence.document_id)
    target = sentence.index + step
    if 0 <= target < total:
        open_sentence(sentence.document_id, target)
    elif target >= total and not next_needed(user_id):
        open_sentence(sentence.document_id, sentence.index)


def next_needed(user_id: int) -> bool:
    with db_session() as session:
        target = queue.next_in_queue(session=session, user_id=user_id, document_id=st.session_state[DOC])
    if target is None:
        st.session_state[MESSAGE] = ("success", "All done: no sentence needs you right now. Thank you!")
        return False
    open_sentence(*target)
    return True


def choose_document(user_id: int, document_id: str) -> None:
    with db_session() as session:
        index = labels.first_unlabelled_index(session=session, document_id=document_id, user_id=user_id)
    st.session_state[MESSAGE] = None
    open_sentence(document_id, index or 0)


def propose_source(user_id: int, *, name: str, key: str, aliases: str) -> str | None:
    """Add a source to the open article for everyone; the reason it was refused, if it was."""
    name, key = name.strip(), key.strip().lower()
    if not name or not key:
        return "A new source needs a key and a name."
    if not schema().is_valid_source_key(key) or key in schema().special_keys:
        return f"Key {key!r} is not allowed: use lower-case letters, digits, - and _."
    spec = SourceSpec(key, name, tuple(a.strip() for a in aliases.split(",") if a.strip()))
    with db_session() as session:
        try:
            documents.add_source(
                session=session,
                document_id=st.session_state[DOC],
                spec=spec,
                origin=SourceOrigin.proposed,
                proposed_by_id=user_id,
            )
        except AnnotatorError as error:
            return str(error)
    st.session_state[MESSAGE] = ("success", f"Added source “{name}” to this article for everyone.")
    return None


def current_view(user_id: int) -> AnnotateView:
    state = st.session_state
    with db_session() as session:
        return annotate_view(session=session, document_id=state[DOC], user_id=user_id, index=state[INDEX])


def overall_progress(user_id: int) -> labels.Progress:
    cached = st.session_state.get(OVERALL)
    now = time.monotonic()
    if cached is None or now - cached[0] > OVERALL_TTL_S:
        with db_session() as session:
            cached = (now, labels.overall_progress(session=session, user_id=user_id))
        st.session_state[OVERALL] = cached
    return cached[1]


def labeller_data(view: AnnotateView, overall: labels.Progress, label_schema: LabelSchema) -> dict[str, Any]:
    """What the labelling panel draws: only this annotator's own labels (blind labelling)."""
    state = st.session_state
    index, total = view.index, view.total
    saved = view.my_labels.get(index)
    previous = view.my_labels.get(index - 1)
    names = dict(view.sources)
    names.update({sp.key: sp.label for sp in label_schema.special_sources})
    shortcut = {
        b.source: b.key
        for b in keys.source_shortcuts(
            [key for key, _ in view.sources], [sp.key for sp in label_schema.special_sources]
        )
    }
    message = state.get(MESSAGE)
    return {
        "revision": state[REVISION],
        "ack": state.get(ACK, 0),
        "sentence_id": view.sentence_id,
        "document_id": view.document_id,
        "title": view.title,
        "position": f"Sentence {index + 1} of {total}" + (" · labelled" if saved else " · not labelled yet"),
        "index": index,
        "total": total,
        "context": [
            {"text": s.text, "paragraph": s.paragraph, "current": s.index == index} for s in view.context
        ],
        # Every source, with its key where it has one: past the keys, a source takes a click.
        "sources": [{"key": key, "label": names[key], "shortcut": shortcut.get(key)} for key in names],
        "confidence": [
            {"value": c.value, "label": c.label, "description": c.description}
            for c in label_schema.confidence
        ],
        "form": {
            "is_claim": None if saved is None else saved.is_claim,
            "source": saved.source if saved and saved.is_claim else None,
            "confidence": saved.confidence if saved else None,
            "note": saved.note if saved else "",
            "flagged": saved.flagged if saved else False,
            "other": (saved.source_other or "") if saved else "",
        },
        "saved": saved is not None,
        "previous": (
            {"source": previous.source, "other": previous.source_other or ""}
            if previous is not None and previous.is_claim and previous.source is not None
            else None
        ),
        "progress": {
            "article": [view.article_progress.done, view.article_progress.total],
            "overall": [overall.done, overall.total],
        },
        "message": None if message is None else {"kind": message[0], "text": message[1]},
        "keys": {
            "not_claim": keys.NOT_A_CLAIM_KEY,
            "same_as_previous": keys.SAME_AS_PREVIOUS_KEY,
            "next_needed": keys.NEXT_NEEDED_KEY,
        },
        "key_help": KEY_HELP,
    }


KEY_HELP = [
    ("1–9, 0, letters", "pick the source shown on its button"),
    ("1–5", "after a source: confidence; saves and moves on"),
    (keys.NOT_A_CLAIM_KEY, "not a claim (saves and moves on)"),
    (keys.SAME_AS_PREVIOUS_KEY, "same source as your label on the previous sentence"),
    ("Enter", "save & next"),
    ("← / →", "previous / next sentence"),
    ("Esc", "back to the source (or leave a text box)"),
    (keys.NEXT_NEEDED_KEY, "next sentence that needs you, across articles"),
]
