"""Merging and splitting sentences keeps offsets exact and never loses a label or gold: gold's
evidence still names words of its sentence afterwards, and every change of gold is in its history."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from annotator.domain.errors import InputError
from annotator.domain.label import LabelValue, TextSpan
from annotator.store import documents, gold, labels
from annotator.store.models import GoldHistory, GoldLabel, LabelHistory, Role, Sentence
from annotator.store.resegment import merge_with_next, split_sentence
from tests.helpers import add_small_article, add_user, label


def _texts(session: Session) -> list[tuple[int, str]]:
    doc = documents.require_document(session=session, document_id="doc")
    rows = documents.list_sentences(session=session, document_id="doc")
    for s in rows:
        assert doc.text[s.char_start : s.char_end] == s.text
    return [(s.index, s.text) for s in rows]


def test_merge_moves_labels_and_keeps_conflicting_ones_in_history(engine: Engine) -> None:
    add_small_article(engine)
    alice, bob = add_user(engine, "alice"), add_user(engine, "bob")
    label(engine, alice, 0, is_claim=True, source="alpha", confidence=5)
    label(engine, alice, 1, is_claim=True, source="beta", confidence=4)
    label(engine, bob, 1, is_claim=True, source="beta", confidence=3)
    label(engine, bob, 2, is_claim=False)
    with Session(engine) as session:
        merge_with_next(session=session, document_id="doc", index=0)
        assert _texts(session) == [(0, "Alpha said one thing. Beta said another."), (1, "Gamma was silent.")]
        merged = documents.list_sentences(session=session, document_id="doc")[0]
        assert merged.id is not None
        assert labels.get_label(session=session, sentence_id=merged.id, user_id=alice).source == "alpha"  # type: ignore[union-attr]
        assert labels.get_label(session=session, sentence_id=merged.id, user_id=bob).confidence == 3  # type: ignore[union-attr]
        closed = session.exec(select(LabelHistory).where(LabelHistory.action == "merged-away")).all()
        assert [(h.user_id, h.source, h.confidence) for h in closed] == [(alice, "beta", 4)]
        assert labels.labels_by_index(session=session, document_id="doc", user_id=bob)[1].is_claim is False


def test_split_keeps_labels_on_the_first_part(engine: Engine) -> None:
    add_small_article(engine)
    alice = add_user(engine, "alice")
    label(engine, alice, 0, is_claim=True, source="alpha", confidence=5)
    label(engine, alice, 1, is_claim=True, source="beta", confidence=2)
    with Session(engine) as session:
        split_sentence(session=session, document_id="doc", index=0, at=len("Alpha said"))
        assert _texts(session) == [
            (0, "Alpha said"),
            (1, "one thing."),
            (2, "Beta said another."),
            (3, "Gamma was silent."),
        ]
        mine = labels.labels_by_index(session=session, document_id="doc", user_id=alice)
        assert (mine[0].source, mine[2].source) == ("alpha", "beta") and 1 not in mine


def test_split_that_leaves_an_empty_part_is_refused(engine: Engine) -> None:
    add_small_article(engine)
    with Session(engine) as session, pytest.raises(InputError, match="empty"):
        split_sentence(session=session, document_id="doc", index=0, at=0)
    with Session(engine) as session:
        assert len(_texts(session)) == 3


# In the small article: "Alpha said one thing." [0, 21), "Beta said another." [22, 40), ...
ALPHA, ALPHA_SAID = TextSpan(0, 5, "Alpha"), TextSpan(6, 10, "said")
BETA, BETA_SAID, ANOTHER = TextSpan(22, 26, "Beta"), TextSpan(27, 31, "said"), TextSpan(32, 39, "another")


def _decide(engine: Engine, index: int, value: LabelValue) -> int:
    """Gold on sentence ``index`` decided by a reviewer; its sentence id."""
    reviewer = add_user(engine, f"reviewer-{index}", Role.reviewer)
    with Session(engine) as session:
        sentence = documents.get_sentence(session=session, document_id="doc", index=index)
        assert sentence is not None and sentence.id is not None
        gold.decide(session=session, sentence_id=sentence.id, reviewer_id=reviewer, value=value)
        return sentence.id


def _evidence(row: GoldLabel | GoldHistory) -> tuple[int | None, ...]:
    return (row.cue_start, row.cue_end, row.mention_start, row.mention_end)


def _gold_evidence_fits_its_sentence(session: Session) -> None:
    """The store's rule on evidence: a cue lies in its sentence; a mention in it or before it."""
    for settled in session.exec(select(GoldLabel)).all():
        sentence = session.get(Sentence, settled.sentence_id)
        assert sentence is not None
        if settled.cue_start is not None and settled.cue_end is not None:
            assert sentence.char_start <= settled.cue_start and settled.cue_end <= sentence.char_end
        if settled.mention_end is not None:
            assert settled.mention_end <= sentence.char_end


@pytest.mark.parametrize(
    ("at", "mention", "after_split"),
    [
        # "Beta" | "said another.": the cue goes; a mention in an earlier sentence stays.
        (len("Beta"), ALPHA, (None, None, 0, 5)),
        # "Beta said" | "another.": the cue stays; the mention, now in the second part, goes.
        (len("Beta said"), ANOTHER, (27, 31, None, None)),
    ],
)
def test_split_clears_gold_evidence_past_the_first_part_and_keeps_it_in_gold_history(
    engine: Engine, at: int, mention: TextSpan, after_split: tuple[int | None, ...]
) -> None:
    add_small_article(engine)
    sentence_id = _decide(
        engine,
        1,
        LabelValue(True, "beta", confidence=4, cue=BETA_SAID, source_mention=mention, via=("alpha",)),
    )
    with Session(engine) as session:
        split_sentence(session=session, document_id="doc", index=1, at=at)
        settled = gold.get_gold(session=session, sentence_id=sentence_id)
        assert settled is not None
        assert (_evidence(settled), settled.via, settled.source) == (after_split, ["alpha"], "beta")
        assert settled.needs_review and settled.version == 2
        history = gold.gold_history(session=session, sentence_id=sentence_id)
        assert [(h.action, h.version) for h in history] == [("adjudicate", 1), ("split", 2)]
        assert _evidence(history[0]) == (27, 31, mention.start, mention.end)
        assert _evidence(history[-1]) == after_split
        _gold_evidence_fits_its_sentence(session)


def test_split_reopens_gold_and_makes_a_new_version_only_when_its_evidence_changes(engine: Engine) -> None:
    add_small_article(engine)
    first = _decide(engine, 0, LabelValue(True, "alpha", confidence=5, cue=ALPHA_SAID, source_mention=ALPHA))
    second = _decide(engine, 1, LabelValue(True, "beta", confidence=4, cue=BETA_SAID, source_mention=BETA))
    with Session(engine) as session:
        split_sentence(session=session, document_id="doc", index=0, at=len("Alpha said"))
        split_sentence(session=session, document_id="doc", index=2, at=len("Beta"))
        kept, cleared = (
            gold.get_gold(session=session, sentence_id=first),
            gold.get_gold(session=session, sentence_id=second),
        )
        assert kept is not None and cleared is not None
        assert (_evidence(kept), kept.version, kept.needs_review) == ((6, 10, 0, 5), 1, True)
        assert [h.action for h in gold.gold_history(session=session, sentence_id=first)] == ["adjudicate"]
        assert (_evidence(cleared), cleared.version, cleared.needs_review) == ((None, None, 22, 26), 2, True)
        _gold_evidence_fits_its_sentence(session)


def test_merge_moves_gold_of_the_second_sentence_when_the_first_has_none(engine: Engine) -> None:
    # Before: the second sentence's gold went with its sentence (ON DELETE CASCADE), unrecorded.
    add_small_article(engine)
    second = _decide(engine, 1, LabelValue(True, "beta", confidence=4, cue=BETA_SAID, source_mention=BETA))
    with Session(engine) as session:
        merged = merge_with_next(session=session, document_id="doc", index=0)
        assert merged.id is not None
        moved = gold.get_gold(session=session, sentence_id=merged.id)
        assert moved is not None
        assert (moved.source, _evidence(moved), moved.provenance) == ("beta", (27, 31, 22, 26), "adjudicated")
        assert moved.needs_review and moved.version == 2
        history = session.exec(
            select(GoldHistory).where(GoldHistory.gold_id == moved.id).order_by(col(GoldHistory.version))
        ).all()
        assert [(h.action, h.sentence_id) for h in history] == [("adjudicate", second), ("merged", merged.id)]
        assert session.exec(select(GoldLabel)).all() == [moved]
        _gold_evidence_fits_its_sentence(session)


def test_merge_keeps_the_first_sentences_gold_and_closes_the_seconds_in_history(engine: Engine) -> None:
    add_small_article(engine)
    first = _decide(engine, 0, LabelValue(True, "alpha", confidence=5, cue=ALPHA_SAID, source_mention=ALPHA))
    second = _decide(engine, 1, LabelValue(True, "beta", confidence=4, cue=BETA_SAID, via=("alpha",)))
    with Session(engine) as session:
        merge_with_next(session=session, document_id="doc", index=0)
        kept = session.exec(select(GoldLabel)).one()
        assert (kept.sentence_id, kept.source, kept.version, kept.needs_review) == (first, "alpha", 1, True)
        closed = gold.gold_history(session=session, sentence_id=second)
        assert [(h.action, h.version) for h in closed] == [("adjudicate", 1), ("merged-away", 2)]
        assert (closed[-1].source, _evidence(closed[-1]), closed[-1].via) == (
            "beta",
            (27, 31, None, None),
            ["alpha"],
        )
