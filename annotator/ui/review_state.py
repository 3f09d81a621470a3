"""Session state and callbacks of the Review page: walk the queue, accept or decide, settle."""

from __future__ import annotations

import streamlit as st
from sqlmodel import Session

from annotator.domain.errors import AnnotatorError
from annotator.store import gold, labels
from annotator.ui.common import db_session, schema
from annotator.ui.text import md_literal

CURRENT, MESSAGE, TOAST = "rev_sentence", "rev_message", "rev_toast"
NOT_A_CLAIM = "__not_a_claim__"


def current(queue_ids: list[int]) -> int | None:
    """The sentence under review: kept while it is in the queue, else the first one."""
    chosen = st.session_state.get(CURRENT)
    if chosen in queue_ids:
        return int(chosen)
    return queue_ids[0] if queue_ids else None


def step(queue_ids: list[int], by: int) -> None:
    now = current(queue_ids)
    if now is None:
        return
    position = min(max(queue_ids.index(now) + by, 0), len(queue_ids) - 1)
    st.session_state[CURRENT] = queue_ids[position]


def _after_decision(queue_ids: list[int], sentence_id: int) -> None:
    """Move to the sentence after the one just decided (it leaves the queue)."""
    position = queue_ids.index(sentence_id)
    rest = queue_ids[position + 1 :] or queue_ids[:position]
    st.session_state[CURRENT] = rest[0] if rest else None


def accept(reviewer_id: int, queue_ids: list[int], sentence_id: int, annotator: str) -> None:
    with db_session() as session:
        chosen = next(
            (
                label
                for name, label in labels.labels_of_sentence(session=session, sentence_id=sentence_id)
                if name == annotator
            ),
            None,
        )
        if chosen is None:
            st.session_state[MESSAGE] = ("warning", "That label changed meanwhile; look again.")
            return
        _decide(
            session,
            reviewer_id,
            queue_ids,
            sentence_id,
            chosen.is_claim,
            chosen.source,
            chosen.confidence,
            chosen.source_other,
        )


def decide_own(reviewer_id: int, queue_ids: list[int], sentence_id: int) -> None:
    state = st.session_state
    choice = state.get("rev_source")
    if choice is None:
        state[MESSAGE] = ("warning", "Choose a source (or Not a claim) for your own decision.")
        return
    is_claim = choice != NOT_A_CLAIM
    other = (state.get("rev_other") or "").strip() or None
    with db_session() as session:
        _decide(
            session,
            reviewer_id,
            queue_ids,
            sentence_id,
            is_claim,
            choice if is_claim else None,
            state.get("rev_confidence"),
            other if choice == "other" else None,
        )


def _decide(
    session: Session,
    reviewer_id: int,
    queue_ids: list[int],
    sentence_id: int,
    is_claim: bool,
    source: str | None,
    confidence: int | None,
    source_other: str | None,
) -> None:
    state = st.session_state
    try:
        gold.adjudicate(
            session=session,
            sentence_id=sentence_id,
            reviewer_id=reviewer_id,
            is_claim=is_claim,
            source=source,
            confidence=confidence,
            source_other=source_other,
            rationale=state.get("rev_rationale", ""),
            schema=schema(),
        )
    except AnnotatorError as error:
        state[MESSAGE] = ("error", md_literal(str(error)))
        return
    state[MESSAGE] = None
    state[TOAST] = "Gold saved."
    state["rev_rationale"] = ""
    _after_decision(queue_ids, sentence_id)


def settle(reviewer_id: int, document_id: str | None) -> None:
    state = st.session_state
    with db_session() as session:
        report = gold.settle_gold(
            session=session,
            document_id=document_id,
            min_annotators=int(state["rev_min"]),
            policy=state["rev_policy"],
            decided_by_id=reviewer_id,
        )
    state[MESSAGE] = (
        "success",
        f"Settled {report.settled}: {report.unanimous} unanimous, {report.majority} "
        f"majority. {report.to_review} to review, {report.waiting} waiting for more labels.",
    )
