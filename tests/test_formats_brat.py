"""brat standoff (PolNeAR/PARC shape): the span -> sentence-label rule, PolNeAR's own layout,
export -> import -> export of our labels, and bad input that names file, line and annotation."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from annotator.cli import cli
from annotator.domain.article import ArticleDraft, SentenceSpan, SourceSpec
from annotator.domain.errors import InputError
from annotator.domain.label import LabelValue, TextSpan
from annotator.exchange.formats.brat import ann_lines, export_brat, import_brat, parse_ann
from annotator.exchange.formats.records import Attribution, sentence_labels, stored_articles
from annotator.exchange.schemas import load_label_schema
from annotator.store.models import Document, Label
from tests.helpers import TEXT, add_small_article, fresh_engine, labelled_with_evidence

SCHEMA = load_label_schema()
SOURCES = (SourceSpec("alpha", "Alpha", ("A.",)), SourceSpec("beta", "Beta"))
ARTICLE = ArticleDraft(
    "doc", "Doc", TEXT, (SentenceSpan(0, 21, 0), SentenceSpan(22, 40, 0), SentenceSpan(41, 58, 0)), SOURCES
)
# "Alpha said one thing. Beta said another. Gamma was silent."
#  0     6    11  15    22   27   32     41    47  51


def _span(start: int, end: int) -> TextSpan:
    return TextSpan(start, end, TEXT[start:end])


def _labels(ann: str, article: ArticleDraft = ARTICLE) -> dict[int, LabelValue]:
    attributions, unlabelled = parse_ann(ann, text=article.text, file="a.ann")
    return sentence_labels(article, attributions, unlabelled=unlabelled, file="a.ann", schema=SCHEMA)


# ------------------------------------------------------------------ the rule


def test_content_makes_a_claim_and_the_source_span_is_matched_to_the_article_sources() -> None:
    ann = (
        "T1\tSource 0 5\tAlpha\n"
        "T2\tCue 6 10\tsaid\n"
        "T3\tContent 11 20\tone thing\n"
        "T4\tAttribution 6 10\tsaid\n"
        "E1\tAttribution:T4 Content:T3 Cue:T2 Source:T1\n"
    )
    assert _labels(ann) == {
        0: LabelValue(True, "alpha", cue=_span(6, 10), source_mention=_span(0, 5)),
        1: LabelValue(False),
        2: LabelValue(False),
    }


def test_an_unknown_source_name_becomes_other_with_the_name_and_no_source_span_no_source() -> None:
    ann = (
        "T1\tSource 41 46\tGamma\n"
        "T2\tContent 47 57\twas silent\n"
        "T3\tAttribution 41 46\tGamma\n"
        "E1\tAttribution:T3 Content:T2 Source:T1\n"
        "T4\tContent 27 39\tsaid another\n"
        "T5\tAttribution-no-source 27 39\tsaid another\n"
        "E2\tAttribution-no-source:T5 Content:T4\n"
    )
    labels = _labels(ann)
    assert labels[2] == LabelValue(True, "other", "Gamma", source_mention=_span(41, 46))
    assert labels[1] == LabelValue(True, None)


def test_alias_matching_ignores_case_and_surrounding_punctuation() -> None:
    article = ArticleDraft("d", "D", "a. said so.", (SentenceSpan(0, 11, 0),), SOURCES)
    ann = (
        "T1\tSource 0 2\ta.\nT2\tContent 3 10\tsaid so\nT3\tAttribution 3 10\tsaid so\n"
        "E1\tAttribution:T3 Content:T2 Source:T1\n"
    )
    assert _labels(ann, article)[0].source == "alpha"


def test_content_over_two_sentences_labels_both_and_keeps_the_cue_only_where_it_lies() -> None:
    ann = (
        "T1\tSource 0 5\tAlpha\n"
        "T2\tCue 6 10\tsaid\n"
        "T3\tContent 11 21;22 40\tone thing. Beta said another.\n"
        "T4\tAttribution 6 10\tsaid\n"
        "E1\tAttribution:T4 Content:T3 Cue:T2 Source:T1\n"
    )
    labels = _labels(ann)
    assert labels[0] == LabelValue(True, "alpha", cue=_span(6, 10), source_mention=_span(0, 5))
    # The mention in the sentence before is kept (a carried-over source); the cue is not in this sentence.
    assert labels[1] == LabelValue(True, "alpha", source_mention=_span(0, 5))
    assert labels[2] == LabelValue(False)


def test_a_mention_after_the_sentence_is_dropped_and_the_largest_overlap_wins() -> None:
    ann = (
        "T1\tSource 22 26\tBeta\n"
        "T2\tContent 15 20\tthing\n"
        "T3\tAttribution 15 20\tthing\n"
        "E1\tAttribution:T3 Content:T2 Source:T1\n"
        "T4\tSource 41 46\tGamma\n"
        "T5\tContent 0 14\tAlpha said one\n"
        "T6\tAttribution 0 14\tAlpha said one\n"
        "E2\tAttribution:T6 Content:T5 Source:T4\n"
    )
    # Both contents overlap sentence 0; E2's overlaps it more. Gamma is named after the sentence.
    assert _labels(ann)[0] == LabelValue(True, "other", "Gamma")


def test_a_tie_goes_to_the_first_attribution_in_the_file() -> None:
    ann = (
        "T1\tContent 0 5\tAlpha\nT2\tAttribution-no-source 0 5\tAlpha\n"
        "E1\tAttribution-no-source:T2 Content:T1\n"
        "T3\tSource 41 46\tGamma\nT4\tContent 6 11\tsaid \nT5\tAttribution 6 11\tsaid \n"
        "E2\tAttribution:T5 Content:T4 Source:T3\n"
    )
    assert _labels(ann)[0] == LabelValue(True, None)


@settings(max_examples=200, deadline=None)
@given(
    contents=st.lists(
        st.lists(st.tuples(st.integers(0, 57), st.integers(1, 20)), min_size=1, max_size=3), max_size=6
    ),
    unlabelled=st.lists(st.tuples(st.integers(0, 57), st.integers(1, 20)), max_size=2),
)
def test_the_rule_picks_as_trying_every_attribution_on_every_sentence(
    contents: list[list[tuple[int, int]]], unlabelled: list[tuple[int, int]]
) -> None:
    """The sweep over spans gives the rule as written: most overlap wins, a tie the first."""

    def common(span: tuple[int, int], sentence: SentenceSpan) -> int:
        return max(0, min(span[1], sentence.end) - max(span[0], sentence.start))

    def clip(start: int, length: int) -> tuple[int, int]:
        return start, min(len(TEXT), start + length)

    attributions = [
        Attribution(tuple(clip(*f) for f in fragments), None, None, {"note": str(n)}, f"E{n}")
        for n, fragments in enumerate(contents)
    ]
    skipped = [clip(*span) for span in unlabelled]
    expected: dict[int, str] = {}
    for index, sentence in enumerate(ARTICLE.sentences):
        if any(common(span, sentence) for span in skipped):
            continue
        overlaps = [sum(common(f, sentence) for f in a.content) for a in attributions]
        best = max(overlaps, default=0)
        expected[index] = "" if best == 0 else str(overlaps.index(best))
    labels = sentence_labels(ARTICLE, attributions, unlabelled=skipped, file="a.ann", schema=SCHEMA)
    assert {index: value.note for index, value in labels.items()} == expected


def test_a_relation_joins_source_and_content_and_a_split_cue_keeps_its_first_piece() -> None:
    ann = (
        "T1\tSource 0 5\tAlpha\nT2\tContent 11 20\tone thing\nR1\tAttribution Arg1:T1 Arg2:T2\n"
        "T3\tSource 22 26\tBeta\nT4\tCue 27 31;32 39\tsaid another\nT5\tContent 32 39\tanother\n"
        "T6\tAttribution 27 31\tsaid\nE1\tAttribution:T6 Content:T5 Cue:T4 Source:T3\n"
    )
    labels = _labels(ann)
    assert labels[0] == LabelValue(True, "alpha", source_mention=_span(0, 5))
    assert labels[1] == LabelValue(True, "beta", cue=_span(27, 31), source_mention=_span(22, 26))


def test_unlabelled_sentences_get_no_label() -> None:
    assert _labels("T1\tUnlabelled 22 40\tBeta said another.\n") == {
        0: LabelValue(False),
        2: LabelValue(False),
    }


def test_our_fields_round_trip_through_ann_lines() -> None:
    labels = {
        0: LabelValue(
            True,
            "alpha",
            confidence=4,
            note='a "note"\nwith a newline',
            flagged=True,
            cue=_span(6, 10),
            source_mention=_span(0, 5),
            via=("beta", "other:A neighbour"),
        ),
        # Carried over: the mention in sentence 0 (the same Source span is written once).
        1: LabelValue(True, "alpha", source_mention=_span(0, 5)),
        2: LabelValue(True, "other", "Gamma", confidence=1),
    }
    lines = ann_lines(TEXT, [(s.start, s.end) for s in ARTICLE.sentences], labels)
    assert sum(line.startswith("T") and "\tSource " in line for line in lines) == 1
    assert _labels("\n".join(lines) + "\n") == labels


def test_a_new_article_takes_via_keys_it_does_not_list_yet() -> None:
    bare = ArticleDraft("doc", "Doc", TEXT, ARTICLE.sentences)  # a new article: no source list yet
    labels = {0: LabelValue(True, "washington-post", via=("us-official", "other:A neighbour"))}
    lines = ann_lines(TEXT, [(s.start, s.end) for s in bare.sentences], labels)
    assert _labels("\n".join(lines), bare)[0] == labels[0]


def test_partly_labelled_round_trips() -> None:
    labels = {1: LabelValue(False), 2: LabelValue(True, "beta", confidence=3)}
    lines = ann_lines(TEXT, [(s.start, s.end) for s in ARTICLE.sentences], labels)
    assert _labels("\n".join(lines)) == labels


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    ("ann", "expected"),
    [
        ("T1\tSpeaker 0 5\tAlpha\n", "a.ann:1: field 'T1': T1: unknown span type 'Speaker'"),
        ("T1\tSource 0 5\tAlpha\nT2\tCue 50 99\tx\n", "a.ann:2: field 'T2': T2: offsets 50-99"),
        ("T1\tSource 0 5\tAlphA\n", "a.ann:1: field 'T1': T1: text 'AlphA' differs"),
        ("T1\tContent 0 5\tAlpha\nE1\tAttribution:T9 Content:T1\n", "a.ann:2: field 'E1': E1: trigger 'T9'"),
        (
            "T1\tContent 0 5\tAlpha\nT2\tAttribution 0 5\tAlpha\nE1\tAttribution:T2 Content:T1 Source:T7\n",
            "a.ann:3: field 'E1': E1: Source 'T7' is not",
        ),
        (
            "T1\tCue 0 5\tAlpha\nT2\tAttribution 0 5\tAlpha\nE1\tAttribution:T2 Content:T1\n",
            "a.ann:3: field 'E1': E1: Content T1 is a Cue span",
        ),
        ("X1\tsomething\n", "a.ann:1: unknown annotation 'X1'"),
        (
            "T1\tContent 0 5\tAlpha\nT2\tAttribution 0 5\tAlpha\nE1\tAttribution:T2 Speaker:T1\n",
            "a.ann:3: field 'E1': E1: unknown role",
        ),
    ],
)
def test_bad_ann_names_file_line_and_annotation(ann: str, expected: str) -> None:
    with pytest.raises(InputError) as error:
        _labels(ann)
    assert str(error.value).startswith(expected), str(error.value)


def test_a_bad_confidence_in_our_note_names_the_event() -> None:
    ann = (
        "T1\tContent 0 5\tAlpha\nT2\tAttribution-no-source 0 5\tAlpha\n"
        "E1\tAttribution-no-source:T2 Content:T1\n"
        '#1\tAnnotatorNotes E1\t{"source": "alpha", "confidence": 9}\n'
    )
    with pytest.raises(InputError, match=r"a\.ann: field 'confidence': line 3 \(E1\): confidence 9"):
        _labels(ann)


# ------------------------------------------------------------------ PolNeAR layout, store


POLNEAR_TEXT = (
    "Flynn says Trump right.\n\n"
    "Retired Lt. Gen. Michael Flynn said the generals were reduced to rubble. It was a dig. "
    "Nobody commented."
)


def _polnear(root: Path) -> Path:
    """PolNeAR's layout: text/ARTICLE.txt and attributions/ARTICLE_ANNOTATOR.ann."""
    (root / "text").mkdir(parents=True)
    (root / "attributions").mkdir()
    (root / "text" / "flynn.txt").write_text(POLNEAR_TEXT, encoding="utf-8")
    t = POLNEAR_TEXT
    src = t.index("Retired")
    said = t.index("said the")
    content = t.index("the generals")
    end = t.index(" It was")
    dig = t.index("It was")
    (root / "attributions" / "flynn_4b22.ann").write_text(
        f"T1\tSource 0 5\tFlynn\nT2\tCue 6 10\tsays\nT3\tContent 11 22\tTrump right\n"
        f"T4\tAttribution 6 10\tsays\nE1\tAttribution:T4 Content:T3 Cue:T2 Source:T1\n"
        f"T5\tSource {src} {src + 30}\t{t[src : src + 30]}\nT6\tCue {said} {said + 4}\tsaid\n"
        f"T7\tContent {content} {end}\t{t[content:end]}\nT8\tAttribution {said} {said + 4}\tsaid\n"
        f"E2\tAttribution:T8 Content:T7 Cue:T6 Source:T5\n"
        f"T9\tContent {dig} {dig + 13}\t{t[dig : dig + 13]}\n"
        f"T10\tAttribution-no-source {dig} {dig + 13}\t{t[dig : dig + 13]}\n"
        f"E3\tAttribution-no-source:T10 Content:T9\n"
        f"T11\tSource 0 5\tFlynn\n"  # a span no attribution uses: read past
        f"A1\tFactuality E1 asserted\n",
        encoding="utf-8",
    )
    (root / "attributions" / "flynn_ef2d.ann").write_text(
        "T1\tSource 0 5\tFlynn\nT2\tContent 11 22\tTrump right\nT3\tAttribution 0 5\tFlynn\n"
        "E1\tAttribution:T3 Content:T2 Source:T1\n",
        encoding="utf-8",
    )
    return root


def _store_labels(engine: Engine) -> dict[tuple[str, int, str], LabelValue]:
    return {
        (item.article.id, index, annotator): value
        for item in stored_articles(engine)
        for annotator, labels in item.labels.items()
        for index, value in labels.items()
    }


def test_polnear_layout_imports_articles_and_every_sentence_of_each_annotator(
    engine: Engine, tmp_path: Path
) -> None:
    report = import_brat(engine, _polnear(tmp_path / "dev"))
    assert report.documents_created == ["flynn"]
    assert sorted(report.users_created) == ["4b22", "ef2d"]
    labels = _store_labels(engine)
    assert len(labels) == 2 * 4  # four sentences, two annotators
    assert labels[("flynn", 0, "4b22")].source_other == "Flynn"
    assert labels[("flynn", 1, "4b22")].source_other == "Retired Lt. Gen. Michael Flynn"
    assert labels[("flynn", 2, "4b22")] == LabelValue(True, None)
    assert labels[("flynn", 3, "4b22")] == LabelValue(False)
    assert labels[("flynn", 1, "ef2d")] == LabelValue(False)
    with Session(engine) as session:
        assert session.exec(select(Document.text)).one() == POLNEAR_TEXT


def test_cli_imports_a_corpus_and_agreement_runs_on_it(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'a.db'}"
    runner = CliRunner()
    result = runner.invoke(
        cli, ["--db", db, "import-labels", "--format", "brat", str(_polnear(tmp_path / "dev"))]
    )
    assert result.exit_code == 0, result.output
    assert "8 records: 8 new" in result.output
    agreement = runner.invoke(cli, ["--db", db, "agreement", "--bootstrap", "0", "--json"])
    assert agreement.exit_code == 0, agreement.output
    assert '"is_claim"' in agreement.output


def test_bad_file_in_a_corpus_changes_nothing(tmp_path: Path) -> None:
    engine = fresh_engine()
    root = _polnear(tmp_path / "dev")
    (root / "attributions" / "flynn_zz99.ann").write_text("T1\tContent 0 5\tFlynX\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"flynn_zz99\.ann:1: field 'T1'"):
        import_brat(engine, root)
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Document)).one() == 0
        assert session.exec(select(func.count()).select_from(Label)).one() == 0


def test_a_stored_article_with_another_text_is_refused(tmp_path: Path) -> None:
    engine = fresh_engine()
    add_small_article(engine, "flynn")
    with pytest.raises(InputError, match="stored with another text"):
        import_brat(engine, _polnear(tmp_path / "dev"))


def test_ann_without_its_text_is_named(tmp_path: Path) -> None:
    (tmp_path / "ana").mkdir()
    (tmp_path / "ana" / "doc.ann").write_text("", encoding="utf-8")
    with pytest.raises(InputError, match=r"doc\.ann: no text for these annotations"):
        import_brat(fresh_engine(), tmp_path)


# ------------------------------------------------------------------ export -> import -> export


def test_export_import_export_is_lossless(engine: Engine, tmp_path: Path) -> None:
    """From SQLite or PostgreSQL (the ``engine`` fixture) into a fresh SQLite store and out again."""
    engine = labelled_with_evidence(engine)
    assert export_brat(engine, tmp_path / "one") == 2
    assert sorted(p.relative_to(tmp_path / "one").as_posix() for p in (tmp_path / "one").rglob("*.*")) == [
        "ana/doc.ann",
        "ana/doc.txt",
        "annotation.conf",
        "ben/doc.ann",
        "ben/doc.txt",
    ]
    again = fresh_engine()
    import_brat(again, tmp_path / "one")
    assert _store_labels(again) == _store_labels(engine)
    export_brat(again, tmp_path / "two")
    for name in ("ana/doc.ann", "ben/doc.ann", "ana/doc.txt"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()


def test_reimport_onto_the_stored_article_changes_nothing(tmp_path: Path) -> None:
    engine = labelled_with_evidence()
    export_brat(engine, tmp_path / "out")
    before = _store_labels(engine)
    report = import_brat(engine, tmp_path / "out")
    assert (report.inserted, report.documents_created) == (0, [])
    assert _store_labels(engine) == before


def test_export_refuses_a_directory_that_holds_files(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(InputError, match="not an empty directory"):
        export_brat(labelled_with_evidence(), tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]


def test_cli_export_brat_and_back(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'a.db'}"
    runner = CliRunner()
    assert (
        runner.invoke(
            cli, ["--db", db, "import-labels", "--format", "brat", str(_polnear(tmp_path / "dev"))]
        ).exit_code
        == 0
    )
    result = runner.invoke(cli, ["--db", db, "export", "--format", "brat", "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "4b22" / "flynn.ann").is_file()
    assert runner.invoke(cli, ["--db", db, "export", "--format", "brat", "-o", "-"]).exit_code == 2
    assert runner.invoke(cli, ["--db", db, "import-labels", str(tmp_path / "out")]).exit_code == 2
    assert (
        runner.invoke(cli, ["--db", db, "export", "--format", "brat", "--what", "gold", "-o", "x"]).exit_code
        == 2
    )


def test_the_seed_nested_sentence_keeps_its_chain(tmp_path: Path) -> None:
    from annotator.exchange.articles import load_sample_article

    draft = load_sample_article()
    text = draft.text
    index = next(
        i for i, s in enumerate(draft.sentences) if text[s.start : s.end].startswith("The Washington Post")
    )
    sentence = draft.sentences[index]
    post = text.index("The Washington Post", sentence.start)
    cue = text.index("cited", sentence.start)
    value = LabelValue(
        True,
        "washington-post",
        confidence=5,
        cue=TextSpan(cue, cue + 5, "cited"),
        source_mention=TextSpan(post, post + 19, "The Washington Post"),
        via=("us-official", "intercepts"),
    )
    article = ArticleDraft(draft.id, draft.title, text, draft.sentences, draft.sources)
    lines = ann_lines(text, [(s.start, s.end) for s in draft.sentences], {index: value})
    assert any('"via":["us-official","intercepts"]' in line for line in lines)
    attributions, unlabelled = parse_ann("\n".join(lines), text=text, file="seed.ann")
    assert (
        sentence_labels(article, attributions, unlabelled=unlabelled, file="seed.ann", schema=SCHEMA)[index]
        == value
    )


def test_spans_survive_the_store_import_export(tmp_path: Path) -> None:
    engine = fresh_engine()
    root = _polnear(tmp_path / "dev")
    import_brat(engine, root)
    export_brat(engine, tmp_path / "out")
    again = fresh_engine()
    import_brat(again, tmp_path / "out")
    labels = _store_labels(again)
    assert labels[("flynn", 0, "4b22")].cue == TextSpan(6, 10, "says")
    assert labels[("flynn", 0, "4b22")].source_mention == TextSpan(0, 5, "Flynn")
    assert labels == _store_labels(engine)
