"""Proposed sources: keys from names, and a lead's accept / rename / merge / reject, labels following."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from annotator.domain.article import ArticleDraft, SentenceSpan, SourceSpec
from annotator.domain.errors import InputError
from annotator.domain.label import TextSpan
from annotator.domain.names import MAX_OTHER_SOURCE_NAME
from annotator.store import documents, gold, labels, sources
from annotator.store.models import Source, SourceOrigin
from tests.helpers import add_small_article, add_user, label


def _propose(engine: Engine, name: str, user_id: int) -> Source:
    with Session(engine, expire_on_commit=False) as session:
        return sources.add_named_source(
            session=session,
            document_id="doc",
            name=name,
            origin=SourceOrigin.proposed,
            proposed_by_id=user_id,
        )


def _awaiting(session: Session) -> list[Source]:
    """The article's sources waiting for a lead, as the Articles page lists them."""
    return [
        s for s in documents.list_sources(session=session, document_id="doc") if documents.awaits_decision(s)
    ]


def _label_sources(engine: Engine) -> list[tuple[int, str | None, str | None, int]]:
    with Session(engine) as session:
        rows = []
        for sentence in documents.list_sentences(session=session, document_id="doc"):
            assert sentence.id is not None
            for _, lab in labels.labels_of_sentence(session=session, sentence_id=sentence.id):
                rows.append((sentence.index, lab.source, lab.source_other, lab.version))
        return rows


def test_a_proposed_source_gets_a_key_from_its_name_and_waits_for_a_lead(engine: Engine) -> None:
    add_small_article(engine)
    ana = add_user(engine, "ana")
    first = _propose(engine, "Harbour Master", ana)
    second = _propose(engine, "harbour master!", ana)
    other = _propose(engine, "Other", ana)
    assert (first.key, second.key, other.key) == ("harbour-master", "harbour-master-2", "other-2")
    with Session(engine) as session:
        assert [s.key for s in _awaiting(session)] == [
            "harbour-master",
            "harbour-master-2",
            "other-2",
        ]
        assert first.id is not None
        accepted = sources.accept_source(session=session, source_id=first.id, name="Harbour master Jan Berg")
        assert (accepted.key, accepted.label, accepted.origin) == (
            "harbour-master",
            "Harbour master Jan Berg",
            SourceOrigin.article,
        )
        assert [s.key for s in _awaiting(session)] == [
            "harbour-master-2",
            "other-2",
        ]
        with pytest.raises(InputError, match="not waiting for a decision"):
            sources.accept_source(session=session, source_id=first.id)
        with pytest.raises(InputError, match="no name"):
            sources.add_named_source(session=session, document_id="doc", name="  ")


def test_merge_moves_labels_and_gold_to_the_other_source(engine: Engine) -> None:
    add_small_article(engine)
    ana, ben = add_user(engine, "ana"), add_user(engine, "ben")
    proposed = _propose(engine, "A. (alpha's alias)", ana)
    label(engine, ana, 0, is_claim=True, source=proposed.key, confidence=4)
    label(engine, ben, 0, is_claim=True, source=proposed.key, confidence=5)
    label(engine, ben, 1, is_claim=True, source="beta", confidence=5)
    with Session(engine) as session:
        gold.settle_gold(session=session, document_id="doc", min_annotators=2)
        alpha = next(
            s for s in documents.list_sources(session=session, document_id="doc") if s.key == "alpha"
        )
        assert proposed.id is not None and alpha.id is not None
        assert sources.merge_source(session=session, source_id=proposed.id, into_source_id=alpha.id) == 2
        keys = [s.key for s in documents.list_sources(session=session, document_id="doc")]
        sentence = documents.get_sentence(session=session, document_id="doc", index=0)
        assert sentence is not None and sentence.id is not None
        settled = gold.get_gold(session=session, sentence_id=sentence.id)
        history = labels.label_history(session=session, sentence_id=sentence.id, user_id=ana)
    assert keys == ["alpha", "beta"]
    assert _label_sources(engine) == [(0, "alpha", None, 2), (0, "alpha", None, 2), (1, "beta", None, 1)]
    assert settled is not None and settled.source == "alpha" and not settled.needs_review
    assert {vote["source"] for vote in settled.votes.values()} == {"alpha"}
    assert [(h.action, h.source) for h in history] == [("save", proposed.key), ("source-merge", "alpha")]


def test_reject_moves_labels_to_other_with_the_proposed_name(engine: Engine) -> None:
    add_small_article(engine)
    ana = add_user(engine, "ana")
    proposed = _propose(engine, "Port authority", ana)
    label(engine, ana, 2, is_claim=True, source=proposed.key, confidence=3)
    with Session(engine) as session:
        assert proposed.id is not None
        assert sources.reject_source(session=session, source_id=proposed.id) == 1
        assert [s.key for s in documents.list_sources(session=session, document_id="doc")] == [
            "alpha",
            "beta",
        ]
        alpha = documents.list_sources(session=session, document_id="doc")[0]
        assert alpha.id is not None
        with pytest.raises(InputError, match="not waiting"):
            sources.reject_source(session=session, source_id=alpha.id)
    assert _label_sources(engine) == [(2, "other", "Port authority", 2)]


def test_merge_refuses_a_source_of_another_article(engine: Engine) -> None:
    add_small_article(engine)
    add_small_article(engine, "elsewhere")
    proposed = _propose(engine, "Someone", add_user(engine, "ana"))
    with Session(engine) as session:
        foreign = documents.list_sources(session=session, document_id="elsewhere")[0]
        assert proposed.id is not None and foreign.id is not None
        with pytest.raises(InputError, match="same article"):
            sources.merge_source(session=session, source_id=proposed.id, into_source_id=foreign.id)


def test_a_merge_or_reject_renames_the_source_in_via_chains_and_history_keeps_the_evidence(
    engine: Engine,
) -> None:
    add_small_article(engine)  # "Alpha said one thing. Beta said another. Gamma was silent."
    ana, ben = add_user(engine, "ana"), add_user(engine, "ben")
    wire, agency = _propose(engine, "The wire", ana), _propose(engine, "Agency", ana)
    said = TextSpan(27, 31, "said")
    label(
        engine,
        ana,
        1,
        is_claim=True,
        source="beta",
        confidence=4,
        cue=said,
        via=(wire.key, "alpha", agency.key),
    )
    label(
        engine,
        ben,
        1,
        is_claim=True,
        source="beta",
        confidence=4,
        cue=said,
        via=(wire.key, "alpha", agency.key),
    )
    with Session(engine) as session:
        gold.settle_gold(session=session, document_id="doc")
        alpha = next(
            s for s in documents.list_sources(session=session, document_id="doc") if s.key == "alpha"
        )
        assert wire.id is not None and agency.id is not None and alpha.id is not None
        assert sources.merge_source(session=session, source_id=wire.id, into_source_id=alpha.id) == 0
        assert sources.reject_source(session=session, source_id=agency.id) == 0
        sentence = documents.get_sentence(session=session, document_id="doc", index=1)
        assert sentence is not None and sentence.id is not None
        current = labels.get_label(session=session, sentence_id=sentence.id, user_id=ana)
        history = labels.label_history(session=session, sentence_id=sentence.id, user_id=ana)
        settled = gold.get_gold(session=session, sentence_id=sentence.id)
    chain = ["alpha", "other:Agency"]  # the wire merged into alpha, named once; the agency rejected
    assert current is not None and (current.via, current.version) == (chain, 3)
    assert [(h.action, h.via, h.cue_start) for h in history] == [
        ("save", [wire.key, "alpha", agency.key], 27),
        ("source-merge", ["alpha", agency.key], 27),
        ("source-reject", chain, 27),
    ]
    assert settled is not None and settled.via == chain and not settled.needs_review
    assert {tuple(vote["via"]) for vote in settled.votes.values()} == {tuple(chain)}


# The store's rules on an article's source list hold on every path that adds or renames a source,
# not only where the Articles page or the articles import happened to check them.

BAD_KEYS = ["Bad Key", "-dash-first", "x" * 65, "wp/../x", "", "author", "other"]
"""Broken key syntax, and the special sources' keys: a label saying ``other`` could not tell the
special from an article's source of that key."""


@pytest.mark.parametrize("key", BAD_KEYS)
def test_add_source_refuses_a_key_that_breaks_the_key_syntax(engine: Engine, key: str) -> None:
    add_small_article(engine)
    with Session(engine) as session, pytest.raises(InputError) as caught:
        documents.add_source(session=session, document_id="doc", spec=SourceSpec(key, "Some source"))
    assert caught.value.field == "source.key"
    with Session(engine) as session:
        assert [s.key for s in documents.list_sources(session=session, document_id="doc")] == [
            "alpha",
            "beta",
        ]


@pytest.mark.parametrize("bad_key", ["Not OK", "other", "author"])
def test_add_articles_refuses_a_source_key_that_breaks_the_syntax_and_stores_nothing(
    engine: Engine, bad_key: str
) -> None:
    draft = ArticleDraft(
        id="other-doc",
        title="T",
        text="One. Two.",
        sentences=(SentenceSpan(0, 4, 0), SentenceSpan(5, 9, 0)),
        sources=(SourceSpec("fine", "Fine"), SourceSpec(bad_key, "Not OK")),
        origin="articles.jsonl",
    )
    with Session(engine) as session, pytest.raises(InputError) as caught:
        documents.add_articles(session=session, drafts=[draft])
    assert (caught.value.file, caught.value.field) == ("articles.jsonl", "sources[1].key")
    with Session(engine) as session:
        assert documents.list_document_ids(session=session) == []


@pytest.mark.parametrize("name", ["   ", "x" * (MAX_OTHER_SOURCE_NAME + 1), "bell\x07"])
def test_every_path_that_names_a_source_refuses_a_name_a_label_could_not_carry(
    engine: Engine, name: str
) -> None:
    """A rejected proposal leaves its name in labels (``source_other``, ``via: other:NAME``),
    which are bounded and printable: so is every source name, however it is given."""
    add_small_article(engine)
    ana = add_user(engine, "ana")
    proposed = _propose(engine, "Harbour Master", ana)
    assert proposed.id is not None
    with Session(engine) as session:
        alpha = documents.list_sources(session=session, document_id="doc")[0]
        assert alpha.id is not None
        attempts = [
            lambda: documents.add_source(session=session, document_id="doc", spec=SourceSpec("new", name)),
            lambda: documents.update_source(session=session, source_id=alpha.id, label=name, aliases=[]),
            lambda: sources.add_named_source(session=session, document_id="doc", name=name),
            lambda: sources.accept_source(session=session, source_id=proposed.id, name=name),
        ]
        if name.strip():  # a blank alias is dropped where aliases are typed, not refused
            attempts.append(
                lambda: documents.update_source(
                    session=session, source_id=alpha.id, label="A", aliases=[name]
                )
            )
        for attempt in attempts:
            with pytest.raises(InputError):
                attempt()
            session.rollback()
    with Session(engine) as session:
        stored = documents.list_sources(session=session, document_id="doc")
        assert [(s.key, s.label, s.aliases) for s in stored] == [
            ("alpha", "Alpha", ["A."]),
            ("beta", "Beta", []),
            ("harbour-master", "Harbour Master", []),
        ]


def test_the_reserved_keys_are_the_label_schemas_special_sources_and_have_shortcuts() -> None:
    from annotator.domain import keys
    from annotator.domain.source_keys import RESERVED_KEYS
    from annotator.exchange.schemas import load_label_schema

    assert load_label_schema().special_keys == RESERVED_KEYS == set(keys.SPECIAL_KEYS)
