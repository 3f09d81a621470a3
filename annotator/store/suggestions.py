"""Suggestions as stored: one current row per sentence, and learnt models as data.

A suggestion is never a label: nothing here reads or writes the label tables.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import delete, insert
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from annotator.domain.article import SentenceSpan, SourceSpec
from annotator.domain.errors import InputError
from annotator.domain.label import LabelValue
from annotator.domain.suggestions import Suggestion
from annotator.domain.suggestions.anchoring import DEFAULT_AUDIT_SHARE, ShownRecord, hidden_for_audit
from annotator.domain.suggestions.evaluation import source_answer
from annotator.store import driver
from annotator.store.documents import list_sentences, list_sources, require_document
from annotator.store.models import (
    Document,
    GoldLabel,
    ProjectSetting,
    Sentence,
    SuggestionModelRow,
    SuggestionRow,
    SuggestionShown,
    User,
    utcnow,
)


@dataclass(frozen=True)
class ArticleInputs:
    """What the suggester reads of one stored article."""

    document_id: str
    text: str
    sentences: tuple[SentenceSpan, ...]
    sentence_ids: tuple[int, ...]
    sources: tuple[SourceSpec, ...]

    def digest(self, model: str) -> str:
        """Fingerprint of the inputs and the model: suggestions computed from other inputs
        (a merged sentence, an edited source list) or by another model are stale."""
        payload = orjson.dumps(
            [
                model,
                [(s.start, s.end, s.paragraph) for s in self.sentences],
                [(s.key, s.label, list(s.aliases)) for s in self.sources],
            ]
        )
        return hashlib.sha256(payload).hexdigest()


def article_inputs(*, session: Session, document_id: str) -> ArticleInputs:
    document = require_document(session=session, document_id=document_id)
    sentences = list_sentences(session=session, document_id=document_id)
    sources = list_sources(session=session, document_id=document_id)
    return ArticleInputs(
        document_id=document_id,
        text=document.text,
        sentences=tuple(SentenceSpan(s.char_start, s.char_end, s.paragraph) for s in sentences),
        sentence_ids=tuple(s.id for s in sentences if s.id is not None),
        sources=tuple(SourceSpec(s.key, s.label, tuple(s.aliases)) for s in sources),
    )


def stored_digests(*, session: Session) -> dict[str, set[str]]:
    """Per document, the digests its stored suggestions were computed from."""
    rows = session.exec(select(SuggestionRow.document_id, SuggestionRow.inputs_digest).distinct()).all()
    out: dict[str, set[str]] = {}
    for document_id, digest in rows:
        out.setdefault(document_id, set()).add(digest)
    return out


def document_ids(*, session: Session) -> list[str]:
    return list(session.exec(select(Document.id).order_by(col(Document.created_at), col(Document.id))).all())


def replace_suggestions(
    *, session: Session, inputs: ArticleInputs, suggestions: Sequence[Suggestion], model: str
) -> int:
    """Store one article's suggestions in place of its old ones, in one transaction."""
    if len(suggestions) != len(inputs.sentence_ids):
        raise ValueError(f"{len(suggestions)} suggestions for {len(inputs.sentence_ids)} sentences")
    digest = inputs.digest(model)
    now = utcnow()
    rows = [
        {
            "sentence_id": sentence_id,
            "document_id": inputs.document_id,
            "is_claim": s.is_claim,
            "source": s.source,
            "source_other": s.source_other,
            "score": s.score,
            "cue_start": s.cue.start if s.cue else None,
            "cue_end": s.cue.end if s.cue else None,
            "mention_start": s.source_mention.start if s.source_mention else None,
            "mention_end": s.source_mention.end if s.source_mention else None,
            "carried_from": s.carried_from,
            "reason": s.reason,
            "model": s.model,
            "inputs_digest": digest,
            "created_at": now,
        }
        for sentence_id, s in zip(inputs.sentence_ids, suggestions, strict=True)
    ]
    try:
        session.execute(delete(SuggestionRow).where(col(SuggestionRow.document_id) == inputs.document_id))
        if rows:
            session.execute(insert(SuggestionRow), rows)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return len(rows)


def suggestions_of(*, session: Session, document_id: str) -> list[tuple[Sentence, SuggestionRow]]:
    """An article's stored suggestions with their sentences, in sentence order."""
    query = (
        select(Sentence, SuggestionRow)
        .join(SuggestionRow, col(SuggestionRow.sentence_id) == col(Sentence.id))
        .where(Sentence.document_id == document_id)
        .order_by(col(Sentence.index))
    )
    return [(sentence, row) for sentence, row in session.exec(query).all()]


def save_model(
    *,
    session: Session,
    format_version: int,
    trained_from: str,
    sentences: int,
    parameters: dict[str, Any],
    evaluation: dict[str, Any],
) -> SuggestionModelRow:
    row = SuggestionModelRow(
        format_version=format_version,
        trained_from=trained_from,
        sentences=sentences,
        parameters=parameters,
        evaluation=evaluation,
    )
    session.add(row)
    session.commit()
    session.refresh(row)
    return row


def newest_model(*, session: Session) -> SuggestionModelRow | None:
    """The model every server uses: the one stored last."""
    return session.exec(select(SuggestionModelRow).order_by(col(SuggestionModelRow.id).desc())).first()


def gold_references(
    *, session: Session, document_id: str | None = None
) -> dict[int, tuple[bool, str | None, str | None]]:
    """Settled gold by sentence id: (is_claim, source, source_other)."""
    query = select(GoldLabel.sentence_id, GoldLabel.is_claim, GoldLabel.source, GoldLabel.source_other)
    if document_id is not None:
        query = query.join(Sentence, col(Sentence.id) == col(GoldLabel.sentence_id)).where(
            Sentence.document_id == document_id
        )
    return {sid: (bool(claim), source, other) for sid, claim, source, other in session.exec(query).all()}


def sentence_positions(*, session: Session, document_id: str | None = None) -> dict[tuple[str, int], int]:
    """Sentence ids by (document id, sentence index), for reference labels read from a file."""
    query = select(Sentence.document_id, Sentence.index, Sentence.id)
    if document_id is not None:
        query = query.where(Sentence.document_id == document_id)
    return {(doc, index): sid for doc, index, sid in session.exec(query).all() if sid is not None}


# --- the anchoring audit ----------------------------------------------------------

AUDIT_SHARE = "suggestion_audit_share"
AUDIT_SALT = "suggestion_audit_salt"


def get_audit_share(*, session: Session) -> float:
    """The share of sentences each annotator sees without a suggestion (default 10 %)."""
    setting = session.get(ProjectSetting, AUDIT_SHARE)
    return _audit_share(None if setting is None else setting.value)


def _audit_share(stored: str | None) -> float:
    return DEFAULT_AUDIT_SHARE if stored is None else float(stored)


def set_audit_share(*, session: Session, share: float) -> None:
    if not 0.0 <= share <= 1.0:
        raise InputError(
            f"audit share {share} is not between 0 and 1", field="share", hint="e.g. 0.1 for 10 %"
        )
    setting = session.get(ProjectSetting, AUDIT_SHARE) or ProjectSetting(key=AUDIT_SHARE, value="")
    setting.value = repr(float(share))
    session.add(setting)
    session.commit()


def audit_salt(*, session: Session) -> str:
    """The project's random salt for the audit draw, created once and kept."""
    setting = session.get(ProjectSetting, AUDIT_SALT)
    if setting is None:
        session.add(ProjectSetting(key=AUDIT_SALT, value=secrets.token_hex(16)))
        try:
            session.commit()
        except IntegrityError:
            # Another server or session made it first (two first visits at once): take theirs.
            session.rollback()
        setting = session.get(ProjectSetting, AUDIT_SALT)
        assert setting is not None
    return setting.value


def suggestion_hidden(*, session: Session, user_id: int, sentence_id: int) -> bool:
    """Whether the panel shows this annotator this sentence without its suggestion."""
    return hidden_for_audit(
        user_id=user_id,
        sentence_id=sentence_id,
        share=get_audit_share(session=session),
        salt=audit_salt(session=session),
    )


def record_shown(
    *,
    session: Session,
    sentence_id: int,
    user_id: int,
    label_version: int,
    model: str,
    shown: bool,
    agrees: bool,
) -> None:
    """Record what was on screen when a label version was saved. Written in the session's
    transaction, not committed: call it inside the label's own transaction, so both are stored
    or neither. A driver statement: it runs with every save of a suggested sentence."""
    connection = session.connection()
    driver.run(
        connection,
        driver.INSERT_SHOWN,
        (
            sentence_id,
            user_id,
            label_version,
            model,
            shown,
            agrees,
            driver.stored_time(connection.dialect.name, utcnow()),
        ),
    )


def shown_records(*, session: Session, document_id: str | None = None) -> list[ShownRecord]:
    """Each annotator's latest record per sentence, for the anchoring report."""
    query = sa_select(
        col(SuggestionShown.sentence_id),
        col(User.name),
        col(SuggestionShown.label_version),
        col(SuggestionShown.shown),
        col(SuggestionShown.agrees),
    ).join(User, col(User.id) == col(SuggestionShown.user_id))
    if document_id is not None:
        query = query.join(Sentence, col(Sentence.id) == col(SuggestionShown.sentence_id)).where(
            col(Sentence.document_id) == document_id
        )
    latest: dict[tuple[int, str], tuple[int, bool, bool]] = {}
    for sentence_id, name, version, shown, agrees in session.execute(query).all():
        key = (sentence_id, name)
        if key not in latest or version > latest[key][0]:
            latest[key] = (version, bool(shown), bool(agrees))
    return [ShownRecord(name, shown, agrees) for (_, name), (_, shown, agrees) in sorted(latest.items())]


@dataclass(frozen=True)
class PanelSuggestion:
    """What the labelling panel pre-selects and highlights for one annotator and sentence.

    Spans are offsets into the sentence's own text (what the panel renders); ``hidden``
    is the anchoring audit's draw: show nothing, but record ``shown=False`` on save.
    """

    sentence_id: int
    is_claim: bool
    source: str | None
    source_other: str | None
    score: float
    cue: tuple[int, int] | None
    source_mention: tuple[int, int] | None
    reason: str
    model: str
    hidden: bool


def panel_suggestions(*, session: Session, document_id: str, user_id: int) -> dict[int, PanelSuggestion]:
    """The stored suggestions of an article as the panel shows them to ``user_id``, by
    sentence index (a sentence without a stored suggestion is absent)."""
    share = get_audit_share(session=session)
    salt = audit_salt(session=session) if share > 0 else ""
    out: dict[int, PanelSuggestion] = {}
    for sentence, row in suggestions_of(session=session, document_id=document_id):
        assert sentence.id is not None
        out[sentence.index] = PanelSuggestion(
            sentence_id=sentence.id,
            is_claim=row.is_claim,
            source=row.source,
            source_other=row.source_other,
            score=row.score,
            cue=_relative(sentence, row.cue_start, row.cue_end),
            source_mention=_relative(sentence, row.mention_start, row.mention_end),
            reason=row.reason,
            model=row.model,
            hidden=hidden_for_audit(user_id=user_id, sentence_id=sentence.id, share=share, salt=salt),
        )
    return out


def _relative(sentence: Sentence, start: int | None, end: int | None) -> tuple[int, int] | None:
    if start is None or end is None:
        return None
    return (start - sentence.char_start, end - sentence.char_start)


def record_labels_against_suggestions(
    *, session: Session, user_id: int, saved: Sequence[tuple[int, int, LabelValue]]
) -> None:
    """For each saved label version (sentence id, version, value) of a sentence with a stored
    suggestion: whether the annotator was shown it (the audit's draw) and agrees with it.

    Decided here, from the store, not from what the browser says: inside the caller's
    transaction, so a label and its record are stored together or not at all.
    """
    if not saved:
        return
    ids = sorted({sentence_id for sentence_id, _, _ in saved})
    suggested = {
        row[0]: row for row in driver.fetch_rows(session, driver.suggestions_of_sentences(len(ids)), *ids)
    }
    if not suggested:
        return
    settings = dict(driver.fetch_rows(session, driver.project_settings(2), AUDIT_SHARE, AUDIT_SALT))
    share = _audit_share(settings.get(AUDIT_SHARE))
    salt = settings.get(AUDIT_SALT, "") if share > 0 else ""
    for sentence_id, version, value in saved:
        if sentence_id not in suggested:
            continue
        _, model, is_claim, source, source_other = suggested[sentence_id]
        record_shown(
            session=session,
            sentence_id=sentence_id,
            user_id=user_id,
            label_version=version,
            model=model,
            shown=not hidden_for_audit(user_id=user_id, sentence_id=sentence_id, share=share, salt=salt),
            agrees=source_answer(value.is_claim, value.source, value.source_other)
            == source_answer(bool(is_claim), source, source_other),
        )
