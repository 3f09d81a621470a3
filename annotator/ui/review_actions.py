"""Session state and callbacks of the Review page: walk the queue, accept or decide, settle.

The decision form's widgets are keyed by sentence (``form_key``): each item gets a form of
its own that starts empty, and nothing typed or chosen on one sentence can be applied to
the next.
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st
from sqlmodel import Session

from annotator.domain.errors import AnnotatorError
from annotator.domain.label import LabelValue
from annotator.store import documents, gold
from annotator.ui.common import db_session, schema
from annotator.ui.text import md_literal

CURRENT, MESSAGE, TOAST, REVEAL = "rev_sentence", "rev_message", "rev_toast", "rev_reveal"
NOT_A_CLAIM = "__not_a_claim__"


def form_key(field: str, sentence_id: int) -> str:
    """The widget key of one field of the decision form for one sentence."""
    return f"rev_{field}_{sentence_id}"


FIELD_WORDS = {"is_claim": "claim or not", "source": "source", "confidence": "confidence"}
EVIDENCE_WORDS = {"cue": "cue", "source_mention": "source mention", "via": "chain (via)"}


def item_caption(item: gold.QueueItem, position: int, total: int) -> str:
    """Where the reviewer is and why the sentence is a review item, e.g.
    "Item 1 of 8 · label pairs differing on source 67%, confidence 100% · flagged"."""
    if item.labels == 1:
        status = " · one annotator only"
    else:
        differ = ", ".join(f"{FIELD_WORDS[field]} {share:.0%}" for field, share in item.differs)
        status = f" · label pairs differing on {differ}" if differ else " · the labels agree"
    if item.evidence_split:
        split = ", ".join(EVIDENCE_WORDS[name] for name in item.evidence_split)
        status += f" · the labels agree but no majority marked the same {split}"
    status += " · re-opened: an annotator changed a label" if item.reopened else ""
    status += " · flagged" if item.flagged else ""
    return f"Item {position} of {total}{status}"


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


def accept(
    reviewer_id: int, queue_ids: list[int], sentence_id: int, annotator: str, hidden_order: Sequence[str]
) -> None:
    """Take one annotator's label as gold, its evidence with it. ``hidden_order`` is the order
    the names were hidden in (empty when names are shown), revealed once the decision is saved."""
    with db_session() as session:
        chosen = next(
            (
                vote
                for vote in gold.votes_by_sentence_id(session=session, sentence_id=sentence_id)
                if vote.annotator == annotator
            ),
            None,
        )
        if chosen is None:
            st.session_state[MESSAGE] = ("warning", "That label changed meanwhile; look again.")
            return
        _decide(session, reviewer_id, queue_ids, sentence_id, hidden_order, chosen.value)


def decide_own(reviewer_id: int, queue_ids: list[int], sentence_id: int, hidden_order: Sequence[str]) -> None:
    state = st.session_state
    choice = state.get(form_key("source", sentence_id))
    if choice is None:
        state[MESSAGE] = ("warning", "Choose a source (or Not a claim) for your own decision.")
        return
    is_claim = choice != NOT_A_CLAIM
    other = (state.get(form_key("other", sentence_id)) or "").strip() or None
    value = LabelValue(
        is_claim,
        choice if is_claim else None,
        other if choice == "other" else None,
        state.get(form_key("confidence", sentence_id)) if is_claim else None,
    )
    with db_session() as session:
        _decide(session, reviewer_id, queue_ids, sentence_id, hidden_order, value)


def _decide(
    session: Session,
    reviewer_id: int,
    queue_ids: list[int],
    sentence_id: int,
    hidden_order: Sequence[str],
    value: LabelValue,
) -> None:
    state = st.session_state
    try:
        gold.decide(
            session=session,
            sentence_id=sentence_id,
            reviewer_id=reviewer_id,
            value=value,
            rationale=state.get(form_key("rationale", sentence_id)) or "",
            schema=schema(),
        )
    except AnnotatorError as error:
        state[MESSAGE] = ("error", md_literal(str(error)))
        return
    state[MESSAGE] = None
    state[TOAST] = "Gold saved."
    state[REVEAL] = _reveal(session, sentence_id, hidden_order) if hidden_order else None
    _after_decision(queue_ids, sentence_id)


def _reveal(session: Session, sentence_id: int, hidden_order: Sequence[str]) -> str:
    """Who was who on the sentence just decided (names were hidden while deciding)."""
    sentence = documents.sentences_by_id(session=session, sentence_ids=[sentence_id]).get(sentence_id)
    where = f"sentence {sentence.index + 1} of {sentence.document_id}" if sentence else "the last sentence"
    who = ", ".join(f"annotator {n} was {name}" for n, name in enumerate(hidden_order, start=1))
    return f"Decided {where}: {who}."


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
        f"majority. {report.to_review} to review"
        + (
            f" ({report.evidence_split} of them: the labels agree, their marked words do not)"
            if report.evidence_split
            else ""
        )
        + f", {report.waiting} waiting for more labels.",
    )
