"""Reviewers read each annotator's evidence: the words naming the source, the cue, and the
chain of sources cited, as words and names rather than offsets and keys."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from annotator.domain.label import TextSpan
from annotator.store import labels
from annotator.store.models import Sentence
from annotator.ui.sentence_view import label_row
from tests.helpers import TEXT, add_small_article, add_user, label


def test_each_annotators_evidence_comes_back_with_its_words_and_reads_as_names(engine: Engine) -> None:
    add_small_article(engine)
    ana, ben = add_user(engine, "ana"), add_user(engine, "ben")
    mention, cue = TextSpan(22, 26, "Beta"), TextSpan(27, 31, "said")
    assert TEXT[22:26] == "Beta" and TEXT[27:31] == "said"
    label(
        engine,
        ana,
        1,
        is_claim=True,
        source="beta",
        confidence=4,
        source_mention=mention,
        cue=cue,
        via=("alpha", "other:The Harbour Gazette"),
    )
    label(engine, ben, 1, is_claim=True, source="beta", confidence=3)
    with Session(engine) as session:
        sentence = session.exec(select(Sentence).where(Sentence.index == 1)).one()
        assert sentence.id is not None
        values = dict(labels.label_values_of_sentence(session=session, sentence_id=sentence.id))
    assert values["ana"].source_mention == mention and values["ana"].cue == cue
    assert values["ana"].via == ("alpha", "other:The Harbour Gazette")
    assert values["ben"].cue is None and values["ben"].via == ()

    names = {"alpha": "Alpha", "beta": "Beta"}
    shown = label_row(values["ana"], names)
    assert (shown["source words"], shown["cue"], shown["citing"]) == (
        "Beta",
        "said",
        "Alpha ← The Harbour Gazette",
    )
    assert (label_row(values["ben"], names)["cue"], label_row(values["ben"], names)["citing"]) == ("", "")
