"""Computing, exporting and evaluating suggestions over the store.

The suggester is the rules (``annotator.domain.suggestions``), or the newest model learnt
from the team's labels when one is stored and loads; a model that does not load is
refused with a warning and the rules take over.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

import orjson
from sqlalchemy.engine import Engine
from sqlmodel import Session

from annotator.domain.agreement import Interval
from annotator.domain.article import ArticleDraft
from annotator.domain.errors import InputError
from annotator.domain.suggestions import (
    OTHER,
    RULES_MODEL,
    ReferenceLabel,
    Suggestion,
    SuggestionScores,
    TextSpan,
    evaluate_suggestions,
    suggest_labels,
)
from annotator.domain.suggestions.anchoring import AnchoringReport, Proportion, anchoring_report
from annotator.domain.suggestions.learnt import (
    FORMAT_VERSION,
    Answer,
    LearntModel,
    ModelFormatError,
    suggest_with_model,
)
from annotator.domain.suggestions.source_lists import propose_sources
from annotator.domain.suggestions.training import TrainingArticle, TrainingResult, train_model
from annotator.store import gold as gold_store
from annotator.store import suggestions as store
from annotator.store.models import Sentence, SuggestionRow

Progress = Callable[[int, int], None]  # (documents done, documents to do)
Against = Literal["gold", "labels"]


@dataclass(frozen=True)
class Suggester:
    """The rules, or a learnt model on top of them."""

    name: str
    model: LearntModel | None = None
    warning: str | None = None

    def suggest(self, inputs: store.ArticleInputs) -> list[Suggestion]:
        if self.model is None:
            return suggest_labels(inputs.text, inputs.sentences, inputs.sources)
        return suggest_with_model(self.model, inputs.text, inputs.sentences, inputs.sources)


def current_suggester(session: Session) -> Suggester:
    """The newest stored model if it loads, else the rules (with the reason in ``warning``)."""
    row = store.newest_model(session=session)
    if row is None:
        return Suggester(RULES_MODEL)
    try:
        model = LearntModel.from_parameters(row.parameters, version=row.id or 0)
    except ModelFormatError as error:
        return Suggester(
            RULES_MODEL, warning=f"stored model {row.id} refused ({error}); using the rules alone"
        )
    return Suggester(model.name, model)


@dataclass(frozen=True)
class SuggestReport:
    documents: int
    sentences: int
    model: str
    warning: str | None


def suggest_documents(
    engine: Engine, *, document_ids: Sequence[str] = (), on_progress: Progress | None = None
) -> SuggestReport:
    """Compute and store suggestions for the given articles, or for every article whose
    suggestions are missing or stale (other sentences, sources or model)."""
    with Session(engine) as session:
        suggester = current_suggester(session)
        if document_ids:
            todo = [store.article_inputs(session=session, document_id=d) for d in document_ids]
        else:
            stored = store.stored_digests(session=session)
            todo = [
                inputs
                for inputs in (
                    store.article_inputs(session=session, document_id=d)
                    for d in store.document_ids(session=session)
                )
                if stored.get(inputs.document_id) != {inputs.digest(suggester.name)}
            ]
        sentences = 0
        for done, inputs in enumerate(todo, start=1):
            sentences += store.replace_suggestions(
                session=session, inputs=inputs, suggestions=suggester.suggest(inputs), model=suggester.name
            )
            if on_progress is not None:
                on_progress(done, len(todo))
    return SuggestReport(len(todo), sentences, suggester.name, suggester.warning)


# --- export -----------------------------------------------------------------------


def suggestion_records(engine: Engine, document_id: str | None = None) -> Iterator[dict[str, Any]]:
    """One export record per stored suggestion, in document and sentence order."""
    with Session(engine) as session:
        ids = [document_id] if document_id else store.document_ids(session=session)
        for doc in ids:
            text = store.article_inputs(session=session, document_id=doc).text
            for sentence, row in store.suggestions_of(session=session, document_id=doc):
                yield _record(text, sentence, row)


def _record(text: str, sentence: Sentence, row: SuggestionRow) -> dict[str, Any]:
    return {
        "document_id": sentence.document_id,
        "sentence_index": sentence.index,
        "text": sentence.text,
        "char_start": sentence.char_start,
        "char_end": sentence.char_end,
        "is_claim": row.is_claim,
        "source": row.source,
        "source_other": row.source_other,
        "score": row.score,
        "cue": _span_record(text, row.cue_start, row.cue_end),
        "source_mention": _span_record(text, row.mention_start, row.mention_end),
        "carried_from": row.carried_from,
        "reason": row.reason,
        "model": row.model,
    }


def _span_record(text: str, start: int | None, end: int | None) -> dict[str, Any] | None:
    if start is None or end is None:
        return None
    return {"char_start": start, "char_end": end, "text": text[start:end]}


# --- evaluation ---------------------------------------------------------------------


@dataclass(frozen=True)
class Evaluation:
    """The suggestions against each reference (``gold``, an annotator, or a file's labels)."""

    against: str
    scores: dict[str, SuggestionScores]


def evaluate_stored(
    engine: Engine,
    *,
    against: Against | Path = "gold",
    document_id: str | None = None,
    resamples: int = 1000,
    seed: int = 1,
) -> Evaluation:
    """Compare the stored suggestions (computed now, unstored, for articles without current
    ones) with the reference labels of the same sentences."""
    with Session(engine) as session:
        if isinstance(against, Path):
            references = _file_references(session, against, document_id)
        elif against == "gold":
            references = {"gold": _gold(session, document_id)}
        else:
            references = _annotators(session, document_id)
        sentence_ids = {sid for refs in references.values() for sid in refs}
        suggested = _suggestions_by_sentence(session, sentence_ids)
    scores = {
        name: evaluate_suggestions(
            [(suggested[sid], ref) for sid, ref in refs.items() if sid in suggested],
            resamples=resamples,
            seed=seed,
        )
        for name, refs in sorted(references.items())
        if refs
    }
    if not scores:
        raise InputError(
            f"no reference labels to compare with ({against})",
            hint="settle gold first ('annotator gold settle'), or use --against labels or a labels file",
        )
    return Evaluation(str(against), scores)


def _gold(session: Session, document_id: str | None) -> dict[int, ReferenceLabel]:
    return {
        sid: ReferenceLabel(claim, source, other)
        for sid, (claim, source, other) in store.gold_references(
            session=session, document_id=document_id
        ).items()
    }


def _annotators(session: Session, document_id: str | None) -> dict[str, dict[int, ReferenceLabel]]:
    out: dict[str, dict[int, ReferenceLabel]] = {}
    for sid, votes in gold_store.votes_by_sentence(session=session, document_id=document_id).items():
        for vote in votes:
            out.setdefault(vote.annotator, {})[sid] = ReferenceLabel(
                vote.value.is_claim, vote.value.source, vote.value.source_other
            )
    return out


def _file_references(
    session: Session, path: Path, document_id: str | None
) -> dict[str, dict[int, ReferenceLabel]]:
    """Labels or gold lines (JSONL): ``document_id``, ``sentence_index``, ``is_claim``,
    ``source``, ``source_other``, and optionally ``annotator``, ``cue``, ``source_mention``."""
    positions = store.sentence_positions(session=session, document_id=document_id)
    texts: dict[str, str] = {}
    out: dict[str, dict[int, ReferenceLabel]] = {}
    try:
        lines = path.read_bytes().splitlines()
    except OSError as error:
        raise InputError(f"cannot read the file: {error.strerror}", file=str(path)) from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = orjson.loads(line)
        except orjson.JSONDecodeError as error:
            raise InputError(f"not valid JSON: {error}", file=str(path), line=number) from None
        if not isinstance(record, dict):
            raise InputError("a line must be a JSON object", file=str(path), line=number)
        for field in ("document_id", "sentence_index", "is_claim"):
            if field not in record:
                raise InputError("missing", file=str(path), line=number, field=field)
        doc = record["document_id"]
        if document_id is not None and doc != document_id:
            continue
        sid = positions.get((doc, record["sentence_index"]))
        if sid is None:
            raise InputError(
                f"no sentence {record['sentence_index']} in document {doc!r}",
                file=str(path),
                line=number,
                field="sentence_index",
            )
        spans_known = "cue" in record or "source_mention" in record
        if spans_known and doc not in texts:
            texts[doc] = store.article_inputs(session=session, document_id=doc).text
        reference = ReferenceLabel(
            is_claim=bool(record["is_claim"]),
            source=record.get("source"),
            source_other=record.get("source_other"),
            cue=_file_span(record.get("cue"), texts.get(doc, ""), path, number, "cue"),
            source_mention=_file_span(
                record.get("source_mention"), texts.get(doc, ""), path, number, "source_mention"
            ),
            spans_known=spans_known,
        )
        out.setdefault(str(record.get("annotator") or path.name), {})[sid] = reference
    return out


def _file_span(value: object, text: str, path: Path, line: int, field: str) -> TextSpan | None:
    if value is None:
        return None
    if (
        isinstance(value, Mapping)
        and isinstance(value.get("char_start"), int)
        and isinstance(value.get("char_end"), int)
    ):
        start, end = value["char_start"], value["char_end"]
        if 0 <= start <= end <= len(text):
            return TextSpan(start, end, text[start:end])
    raise InputError(
        'expected null or {"char_start", "char_end", "text"} in document offsets',
        file=str(path),
        line=line,
        field=field,
    )


def _suggestions_by_sentence(session: Session, sentence_ids: set[int]) -> dict[int, Suggestion]:
    suggester: Suggester | None = None
    out: dict[int, Suggestion] = {}
    documents = {doc for doc, _ in _documents_of(session, sentence_ids)}
    for doc in sorted(documents):
        inputs = store.article_inputs(session=session, document_id=doc)
        stored = store.suggestions_of(session=session, document_id=doc)
        if len(stored) == len(inputs.sentence_ids):
            for sentence, row in stored:
                out[sentence.id or 0] = _suggestion(inputs.text, sentence.index, row)
            continue
        suggester = suggester or current_suggester(session)
        for sentence_id, suggestion in zip(inputs.sentence_ids, suggester.suggest(inputs), strict=True):
            out[sentence_id] = suggestion
    return out


def _documents_of(session: Session, sentence_ids: set[int]) -> set[tuple[str, int]]:
    positions = store.sentence_positions(session=session)
    return {(doc, sid) for (doc, _), sid in positions.items() if sid in sentence_ids}


def _suggestion(text: str, index: int, row: SuggestionRow) -> Suggestion:
    def span(start: int | None, end: int | None) -> TextSpan | None:
        return None if start is None or end is None else TextSpan(start, end, text[start:end])

    return Suggestion(
        sentence_index=index,
        is_claim=row.is_claim,
        source=row.source,
        source_other=row.source_other,
        score=row.score,
        cue=span(row.cue_start, row.cue_end),
        source_mention=span(row.mention_start, row.mention_end),
        carried_from=row.carried_from,
        reason=row.reason,
        model=row.model,
    )


# --- learning ----------------------------------------------------------------------


@dataclass(frozen=True)
class TrainReport:
    model: str
    result: TrainingResult


def train_from_store(engine: Engine, *, learn_from: Against = "labels", folds: int = 3) -> TrainReport:
    """Fit a model on the store's labels (every annotator's) or its gold, store it as the
    newest model, and report cross-validated agreement with those labels."""
    with Session(engine) as session:
        if learn_from == "gold":
            by_sentence: dict[int, list[Answer]] = {
                sid: [_answer(claim, source, other)]
                for sid, (claim, source, other) in store.gold_references(session=session).items()
            }
        else:
            by_sentence = {
                sid: [_answer(v.value.is_claim, v.value.source, v.value.source_other) for v in votes]
                for sid, votes in gold_store.votes_by_sentence(session=session).items()
            }
        positions = {sid: key for key, sid in store.sentence_positions(session=session).items()}
        per_document: dict[str, dict[int, list[Answer]]] = {}
        for sid, answers in by_sentence.items():
            doc, index = positions[sid]
            per_document.setdefault(doc, {})[index] = answers
        articles = []
        for doc, answers_by_index in sorted(per_document.items()):
            inputs = store.article_inputs(session=session, document_id=doc)
            articles.append(TrainingArticle(inputs.text, inputs.sentences, inputs.sources, answers_by_index))
        result = train_model(articles, folds=folds)
        row = store.save_model(
            session=session,
            format_version=FORMAT_VERSION,
            trained_from=learn_from,
            sentences=result.sentences,
            parameters=result.parameters,
            evaluation=result.evaluation(),
        )
    return TrainReport(f"learnt-{row.id}", result)


def _answer(is_claim: bool, source: str | None, source_other: str | None) -> Answer:
    if not is_claim:
        return (False, None, None)
    return (True, source, source_other if source == OTHER else None)


# --- import and report ---------------------------------------------------------------


def with_suggested_sources(drafts: Sequence[ArticleDraft]) -> tuple[list[ArticleDraft], frozenset[str]]:
    """Articles without a source list get one proposed from their text; returns the drafts
    and the ids of those whose sources are suggested."""
    out: list[ArticleDraft] = []
    suggested: set[str] = set()
    for draft in drafts:
        if draft.sources:
            out.append(draft)
            continue
        proposed = propose_sources(draft.text, draft.sentences)
        if proposed:
            suggested.add(draft.id)
        out.append(replace(draft, sources=tuple(proposed)))
    return out, frozenset(suggested)


def evaluation_text(evaluation: Evaluation) -> str:
    """The evaluation as a few plain lines per reference."""
    lines: list[str] = []
    for name, scores in evaluation.scores.items():
        lines.append(f"Suggestions against {name} ({scores.is_claim.units} sentences):")
        for label, field in (("is_claim", scores.is_claim), ("source", scores.source)):
            lines.append(
                f"  {label:9} accuracy {_number(field.accuracy)} {_interval(field.accuracy_interval)}"
                f"  kappa {_number(field.kappa.value) if field.kappa.defined else field.kappa.reason}"
                f" {_interval(field.kappa_interval)}"
            )
        for label, span in (("cue", scores.cue), ("mention", scores.mention)):
            if span.with_span:
                lines.append(
                    f"  {label:9} exact {span.exact}/{span.with_span} ({_number(span.exact_share)})"
                    f"  overlap F1 {_number(span.f1)}"
                )
        lines.append("  per source (reference answer: suggested right / sentences):")
        for source, (right, total) in scores.per_source.items():
            lines.append(f"    {source:30} {right}/{total}")
    return "\n".join(lines)


def _number(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _interval(interval: Interval) -> str:
    if interval.low is None or interval.high is None:
        return "[no interval]"
    return f"[{interval.low:.3f}, {interval.high:.3f}]"


def anchoring(engine: Engine, *, document_id: str | None = None) -> tuple[float, AnchoringReport]:
    """The audit share and how labels agree with suggestions shown versus hidden."""
    with Session(engine) as session:
        share = store.get_audit_share(session=session)
        return share, anchoring_report(store.shown_records(session=session, document_id=document_id))


def anchoring_text(share: float, report: AnchoringReport) -> str:
    def line(name: str, p: Proportion) -> str:
        if p.value is None or p.low is None or p.high is None:
            return f"  {name:32} no labels"
        return f"  {name:32} {p.count}/{p.total} = {p.value:.3f} [{p.low:.3f}, {p.high:.3f}]"

    lines = [
        f"Anchoring audit: {share:.0%} of sentences are shown to each annotator without a suggestion.",
        "Labels equal to the suggestion:",
        line("when it was shown", report.shown),
        line("when it was hidden (audit)", report.hidden),
    ]
    pull = report.pull
    if pull.value is not None and pull.low is not None and pull.high is not None:
        lines.append(f"  {'pull (shown − hidden)':32} {pull.value:+.3f} [{pull.low:+.3f}, {pull.high:+.3f}]")
    lines.append("Acceptance per annotator (shown) and agreement when hidden:")
    for name in report.acceptance:
        lines.append(line(f"{name}, shown", report.acceptance[name]))
        lines.append(line(f"{name}, hidden", report.hidden_agreement[name]))
    return "\n".join(lines)


def set_audit_share(engine: Engine, share: float) -> None:
    with Session(engine) as session:
        store.set_audit_share(session=session, share=share)
