"""Agreement on the evidence: token-level F1 on the source mention and the cue, exact agreement
on ``via``, wired through the store, ``agreement --json``, the text report and the page frames;
and the progress of ``annotator agreement``.

The span measure is positive specific agreement = F1 (Hripcsak & Rothschild 2005, "Agreement,
the F-measure, and reliability in information retrieval", JAMIA 12(3):296-298,
doi:10.1197/jamia.M1733). Its check is the worked example of Wikipedia's "Precision and recall"
(https://en.wikipedia.org/wiki/Precision_and_recall): a program picks 8 of the 22
animals in a picture as dogs, 5 of them rightly, and misses 7 of the 12 dogs: precision 5/8,
recall 5/12. F1 is their harmonic mean. Here annotator "b" marks 8 tokens (the program's
picks) and annotator "a" 12 (the dogs), 5 in common; the paper's claim that Cohen's κ
approaches F1 as the negatives (unmarked tokens both pass over) grow is checked with the
project's κ, itself checked against published tables in test_agreement_published.py.
"""

from __future__ import annotations

import contextlib
import json
import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import krippendorff
import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from annotator.cli import cli
from annotator.domain.agreement import cohen_kappa
from annotator.domain.agreement.evidence import (
    NO_SAME_SOURCE,
    TOKEN,
    EvidenceColumns,
    SpanAgreement,
    SpanColumns,
    TokenIndex,
    no_span_reason,
    span_agreement,
)
from annotator.domain.agreement.report import REPORT_STEPS
from annotator.reports.agreement import store_agreement
from annotator.reports.agreement_frames import NO_DATA, evidence_rows
from annotator.reports.report_text import agreement_text
from annotator.store.engine import create_tables, make_engine
from annotator.store.models import Label, Role, Sentence
from tests.helpers import TEXT, add_small_article, add_user, label
from tests.ui_helpers import app_as, app_engine

WORDS = " ".join(f"w{i}" for i in range(20))
STARTS = [m.start() for m in re.finditer(r"\S+", WORDS)]
ENDS = [m.end() for m in re.finditer(r"\S+", WORDS)]


def chars(first: int, stop: int) -> tuple[int, int]:
    """The character span of tokens ``first .. stop - 1`` of WORDS."""
    return STARTS[first], ENDS[stop - 1]


def evidence_of(spans: list[tuple[int, int] | None], texts: tuple[str, ...] = (WORDS,)) -> EvidenceColumns:
    """Source-mention spans (character offsets into the one document), one per table entry."""
    n = len(spans)
    start = np.array([-1 if s is None else s[0] for s in spans], dtype=np.int64)
    end = np.array([-1 if s is None else s[1] for s in spans], dtype=np.int64)
    none = np.full(n, -1, dtype=np.int64)
    return EvidenceColumns(
        spans={"source_mention": SpanColumns(start, end), "cue": SpanColumns(none, none)},
        document=np.where(start >= 0, 0, -1).astype(np.int64),
        texts=texts,
        via=np.zeros(n, dtype=np.int64),
        chains=((),),
    )


Span = tuple[int, int] | None


def mention_f1(
    unit: list[int], annotator: list[int], claim: list[int], spans: list[Span], names: list[str]
) -> SpanAgreement:
    return span_agreement(
        "source_mention",
        unit=np.array(unit, dtype=np.int64),
        annotator=np.array(annotator, dtype=np.int64),
        is_claim=np.array(claim, dtype=np.int64),
        evidence=evidence_of(spans),
        annotators=names,
        n_units=max(unit) + 1,
    )


# The published example, as two sentences: "a" marks 7 + 5 tokens, "b" 4 + 4, sharing 3 + 2.
DOGS = {
    "unit": [0, 0, 1, 1],
    "annotator": [0, 1, 0, 1],
    "claim": [1, 1, 1, 1],
    "spans": [chars(0, 7), chars(4, 8), chars(10, 15), chars(13, 17)],
}


def test_span_f1_is_the_published_precision_recall_example() -> None:
    precision, recall = 5 / 8, 5 / 12  # Wikipedia, "Precision and recall": the dog photograph
    published_f1 = 2 * precision * recall / (precision + recall)
    result = mention_f1(DOGS["unit"], DOGS["annotator"], DOGS["claim"], DOGS["spans"], ["a", "b"])
    assert result.pairs["a|b"].value == pytest.approx(published_f1)
    assert result.f1.value == pytest.approx(published_f1)
    assert result.labels_with_span == 4 and result.shared_claims == 2


def test_kappa_approaches_f1_as_negatives_grow() -> None:
    """Hripcsak & Rothschild: with d both-unmarked tokens, κ → F1 as d grows (and F1 ignores d)."""
    f1 = mention_f1(DOGS["unit"], DOGS["annotator"], DOGS["claim"], DOGS["spans"], ["a", "b"]).f1.require()
    gaps = []
    for negatives in (7, 100, 10_000):
        # Per token: a marked / b marked, as the 2 × 2 table 5 both, 7 a only, 3 b only.
        a = np.array([1] * 5 + [1] * 7 + [0] * 3 + [0] * negatives)
        b = np.array([1] * 5 + [0] * 7 + [1] * 3 + [0] * negatives)
        gaps.append(abs(cohen_kappa(a, b, 2).require() - f1))
    assert gaps[0] > gaps[1] > gaps[2] and gaps[2] < 0.002


def test_f1_is_the_mean_over_pairs_and_a_pair_without_shared_claims_is_left_out() -> None:
    # a and b as in the example; c shares only sentence 0 with them, and marks what a marks.
    result = mention_f1(
        [0, 0, 1, 1, 0, 2],
        [0, 1, 0, 1, 2, 2],
        [1, 1, 1, 1, 1, 1],
        [*DOGS["spans"], chars(0, 7), chars(18, 20)],
        ["a", "b", "c"],
    )
    ab, ac, bc = (result.pairs[k].value for k in ("a|b", "a|c", "b|c"))
    assert ac == 1.0 and bc == pytest.approx(2 * 3 / (4 + 7))
    assert result.f1.value == pytest.approx((ab + ac + bc) / 3)
    # A sentence only one annotator calls a claim is not compared at all.
    no_claim = mention_f1([0, 0], [0, 1], [1, 0], [chars(0, 3), None], ["a", "b"])
    assert no_claim.f1.value is None and "no sentence a claim in common" in str(no_claim.f1.reason)


def test_a_span_only_one_annotator_marks_counts_against_them() -> None:
    spans = [chars(0, 2), chars(0, 2), chars(5, 7), None]
    result = mention_f1([0, 0, 1, 1], [0, 1, 0, 1], [1, 1, 1, 1], spans, ["a", "b"])
    assert result.f1.value == pytest.approx(2 * 2 / (4 + 2))


def test_tokens_are_words_and_punctuation_and_a_span_covers_what_it_overlaps() -> None:
    text = "The Washington Post, citing officials, said so."
    index = TokenIndex.of(["Another article.", text])
    first, stop = index.ranges(np.array([1, 1, 1]), np.array([4, 4, 0]), np.array([19, 20, 6]))
    assert (stop - first).tolist() == [2, 3, 2]  # "Washington Post", "+ ,", "The Wa|shington"


@given(st.lists(st.text(max_size=30), min_size=1, max_size=3), st.data())
def test_token_index_counts_what_the_pattern_finds_in_a_span(texts: list[str], data: st.DataObject) -> None:
    """The vectorised index agrees with the regular expression: the tokens a span overlaps."""
    index = TokenIndex.of(texts)
    k = data.draw(st.integers(0, len(texts) - 1))
    if not texts[k]:
        return
    start = data.draw(st.integers(0, len(texts[k]) - 1))
    end = data.draw(st.integers(start + 1, len(texts[k])))
    tokens = [m.span() for m in TOKEN.finditer(texts[k])]
    overlapped = [n for n, (a, b) in enumerate(tokens) if a < end and b > start]
    first, stop = index.ranges(np.array([k]), np.array([start]), np.array([end]))
    assert int(stop[0] - first[0]) == len(overlapped)
    if overlapped:  # numbered in order across the texts
        earlier = sum(len(TOKEN.findall(t)) for t in texts[:k])
        assert int(first[0]) == earlier + overlapped[0]


# --- through the store --------------------------------------------------------------------


def set_evidence(engine: Engine, user_id: int, index: int, **columns: object) -> None:
    """tests.helpers.label cannot set evidence: write it on the stored label."""
    with Session(engine) as session:
        row = session.exec(
            select(Label).join(Sentence).where(Sentence.index == index, Label.user_id == user_id)
        ).one()
        for name, value in columns.items():
            setattr(row, name, value)
        session.add(row)
        session.commit()


def span(word: str, occurrence: int = 0) -> tuple[int, int]:
    start = [m.start() for m in re.finditer(re.escape(word), TEXT)][occurrence]
    return start, start + len(word)


def add_evidence_labels(engine: Engine) -> None:
    """TEXT = "Alpha said one thing. Beta said another. Gamma was silent." """
    add_small_article(engine)
    a, b, c = add_user(engine, "a"), add_user(engine, "b"), add_user(engine, "c")
    for user in (a, b):
        label(engine, user, 0, is_claim=True, source="alpha")
        label(engine, user, 1, is_claim=True, source="beta")
    label(engine, c, 2, is_claim=False)
    (m0, m1), (cue0, _) = span("Alpha"), span("said")
    set_evidence(
        engine, a, 0, mention_start=m0, mention_end=m1, cue_start=cue0, cue_end=cue0 + 4, via=["beta"]
    )
    # b marks "said one" as the cue: 1 token shared of 1 + 2.
    set_evidence(
        engine, b, 0, mention_start=m0, mention_end=m1, cue_start=cue0, cue_end=cue0 + 8, via=["beta"]
    )
    set_evidence(engine, b, 1, via=["other:Reuters"])


@pytest.fixture
def evidence_store(engine: Engine) -> Engine:
    add_evidence_labels(engine)
    return engine


def test_store_reads_spans_and_chains(evidence_store: Engine) -> None:
    report = store_agreement(evidence_store)
    assert report.spans["source_mention"].f1.value == 1.0
    assert report.spans["cue"].f1.value == pytest.approx(2 * 1 / (1 + 2))
    assert report.spans["cue"].labels_with_span == 2 and report.spans["cue"].shared_claims == 2
    via = report.via
    # Sentence 0: both "beta"; sentence 1: (none) vs "other:Reuters".
    assert via.percent_agreement.value == 0.5 and via.units == 2 and via.labels_with_chain == 3
    chains = {(): 0, ("beta",): 1, ("other:Reuters",): 2}
    reliability = np.array([[chains[("beta",)], chains[()]], [chains[("beta",)], chains[("other:Reuters",)]]])
    expected = krippendorff.alpha(reliability_data=reliability, level_of_measurement="nominal")
    assert via.alpha.value == pytest.approx(expected)


def test_no_spans_and_no_shared_source_report_no_data(engine: Engine) -> None:
    add_small_article(engine)
    a, b = add_user(engine, "a"), add_user(engine, "b")
    label(engine, a, 0, is_claim=True, source="alpha")
    label(engine, b, 0, is_claim=True, source="beta")
    report = store_agreement(engine)
    assert report.spans["cue"].f1.reason == no_span_reason("cue")
    assert report.via.percent_agreement.reason == NO_SAME_SOURCE
    evidence = report.to_dict()["evidence"]
    assert evidence["cue"]["f1"] == {"value": None, "undefined": "because no label marks a cue"}  # type: ignore[index,call-overload]
    assert "NaN" not in json.dumps(evidence)
    assert [row["value_text"] for row in evidence_rows(report)] == [NO_DATA, NO_DATA, NO_DATA]
    text = agreement_text(report, [])
    assert "cue" in text and "because no label marks a cue" in text and "nan" not in text.lower()


def test_cli_json_and_text_carry_the_evidence(file_db_url: str) -> None:
    engine = make_engine(file_db_url)
    create_tables(engine)
    add_evidence_labels(engine)
    engine.dispose()
    db_url = file_db_url
    runner = CliRunner()
    out = runner.invoke(cli, ["--db", db_url, "agreement", "--json", "--bootstrap", "0"])
    assert out.exit_code == 0, out.output
    evidence = json.loads(out.stdout)["evidence"]
    assert set(evidence) == {"source_mention", "cue", "via"}
    assert evidence["cue"]["f1"] == pytest.approx(2 / 3) and evidence["cue"]["pairs"]["a|b"] == pytest.approx(
        2 / 3
    )
    assert evidence["via"]["percent_agreement"] == 0.5 and evidence["via"]["pairable_units"] == 2
    # Not a terminal: no progress bar, nothing on stderr.
    assert out.stderr == ""
    text = runner.invoke(cli, ["--db", db_url, "agreement", "--bootstrap", "0"])
    assert text.exit_code == 0 and text.stderr == ""
    assert re.search(r"source mention\s+1\.000", text.stdout)
    assert re.search(r"cue\s+0\.667", text.stdout)


def test_progress_callback_counts_every_step(evidence_store: Engine) -> None:
    calls: list[tuple[int, int]] = []
    store_agreement(evidence_store, on_progress=lambda done, total: calls.append((done, total)))
    assert calls == [(done, REPORT_STEPS + 1) for done in range(1, REPORT_STEPS + 2)]


def _run_agreement(db_url: str, stderr: int) -> subprocess.CompletedProcess[bytes]:
    command = [sys.executable, "-c", "from annotator.cli import main; main()"]
    return subprocess.run(
        [*command, "--db", db_url, "agreement", "--bootstrap", "0"],
        stdout=subprocess.PIPE,
        stderr=stderr,
        timeout=120,
        check=True,
    )


def test_progress_bar_on_a_terminal_and_quiet_in_a_pipe(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'store.db'}"
    engine = make_engine(db_url)
    create_tables(engine)
    add_evidence_labels(engine)
    engine.dispose()
    piped = _run_agreement(db_url, subprocess.PIPE)
    assert piped.stderr == b"" and b"source mention" in piped.stdout
    controller, terminal = pty.openpty()
    try:
        shown = _run_agreement(db_url, terminal)
        os.close(terminal)
        drawn = b""
        with contextlib.suppress(OSError):  # Linux: reading a closed pty's controller ends so
            while chunk := os.read(controller, 4096):
                drawn += chunk
    finally:
        os.close(controller)
    assert b"Computing agreement" in drawn and b"100%" in drawn
    assert shown.stdout == piped.stdout  # the report itself is the same


def test_page_has_a_tile_per_evidence_field(file_db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = app_engine(file_db_url, monkeypatch)
    add_evidence_labels(engine)
    at = app_as(add_user(engine, "rita", Role.reviewer), "app_pages/agreement.py")
    assert not at.exception
    tiles = {m.label: m.value for m in at.metric}
    assert tiles["Words naming the source: token F1"] == "1.000"
    assert tiles["Cue: token F1"] == "0.667"
    assert tiles["Chain (via): exact agreement"] == "50%"
