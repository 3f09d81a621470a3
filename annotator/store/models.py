"""SQLModel tables, one model family per entity (Base / table, and Create where a form makes one).

Times are stored as timezone-aware UTC. Labels are the current value per
(sentence, annotator); every change also appends a LabelHistory row, which is
never updated or deleted.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes even for timezone-aware columns: they are UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _utc_column(**kwargs: object) -> Column:  # type: ignore[type-arg]
    return Column(DateTime(timezone=True), **kwargs)  # type: ignore[arg-type]


class Role(StrEnum):
    annotator = "annotator"
    reviewer = "reviewer"
    admin = "admin"


class SourceOrigin(StrEnum):
    article = "article"
    proposed = "proposed"
    imported = "imported"
    suggested = "suggested"  # read from the article's text by the suggester; the lead reviews it


# --- documents -------------------------------------------------------------


class DocumentBase(SQLModel):
    id: str = Field(primary_key=True, max_length=200)
    title: str
    text: str
    url: str | None = None
    published: str | None = None


class Document(DocumentBase, table=True):
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column(nullable=False))


# --- sentences -------------------------------------------------------------


class SentenceBase(SQLModel):
    document_id: str = Field(foreign_key="document.id", ondelete="CASCADE")
    index: int = Field(ge=0)
    char_start: int = Field(ge=0)
    char_end: int = Field(ge=0)
    text: str
    paragraph: int = 0


class Sentence(SentenceBase, table=True):
    __table_args__ = (UniqueConstraint("document_id", "index", name="uq_sentence_position"),)
    id: int | None = Field(default=None, primary_key=True)


# --- sources ---------------------------------------------------------------


class SourceBase(SQLModel):
    key: str = Field(max_length=64)
    label: str
    aliases: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class Source(SourceBase, table=True):
    __table_args__ = (UniqueConstraint("document_id", "key", name="uq_source_key"),)
    id: int | None = Field(default=None, primary_key=True)
    document_id: str = Field(foreign_key="document.id", ondelete="CASCADE", index=True)
    origin: SourceOrigin = SourceOrigin.article
    proposed_by_id: int | None = Field(default=None, foreign_key="user.id")


# --- users -----------------------------------------------------------------


class UserBase(SQLModel):
    name: str = Field(unique=True, index=True, max_length=100)
    role: Role = Role.annotator
    active: bool = True


class User(UserBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    password_hash: str
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column(nullable=False))
    failed_logins: int = 0


class UserCreate(UserBase):
    password: str


# --- labels ----------------------------------------------------------------


class LabelBase(SQLModel):
    is_claim: bool
    source: str | None = Field(default=None, max_length=64)
    source_other: str | None = None
    """Free-text name when ``source`` is the schema's "other" choice."""
    confidence: int | None = None
    note: str = ""
    flagged: bool = False
    # Evidence (#12). Offsets into the document's text; the words themselves are read from
    # the document, never stored twice. ``via`` is NULL when the source cites nobody.
    cue_start: int | None = None
    cue_end: int | None = None
    mention_start: int | None = None
    mention_end: int | None = None
    via: list[str] | None = Field(default=None, sa_type=JSON(none_as_null=True))


class Label(LabelBase, table=True):
    __table_args__ = (
        UniqueConstraint("sentence_id", "user_id", name="uq_label_sentence_user"),
        # "Which sentences has this annotator labelled?" drives the work queue.
        Index("ix_label_user_sentence", "user_id", "sentence_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    sentence_id: int = Field(foreign_key="sentence.id", ondelete="CASCADE")
    user_id: int = Field(foreign_key="user.id")
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column(nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column(nullable=False))


class LabelHistory(LabelBase, table=True):
    """Append-only: one row per acknowledged change of a label."""

    __tablename__ = "label_history"
    __table_args__ = (
        Index("ix_label_history_label", "label_id", "version"),
        # A sentence's history for one annotator (the annotate page, reviews).
        Index("ix_label_history_sentence_user", "sentence_id", "user_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    # Not a foreign key: history outlives a label merged away with its sentence.
    label_id: int
    sentence_id: int
    user_id: int
    version: int
    action: str = "save"
    changed_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column(nullable=False))


class SubmissionReceipt(SQLModel, table=True):
    """What became of each label the labelling panel sent, by the id the browser gave it.

    The panel resends what it has not seen acknowledged (after a lost connection, a reload, a
    server restart); the receipt makes that resend change nothing, even when later labels of
    the same batch have changed the sentence since.
    """

    __tablename__ = "submission_receipt"
    user_id: int = Field(foreign_key="user.id", ondelete="CASCADE", primary_key=True)
    client_id: str = Field(primary_key=True, max_length=64)
    sentence_id: int
    outcome: str  # "saved" or "unchanged": a refused label is checked afresh when it comes again
    received_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column(nullable=False))


# --- gold --------------------------------------------------------------------


class Provenance(StrEnum):
    unanimous = "unanimous"
    majority = "majority"
    adjudicated = "adjudicated"


class GoldBase(SQLModel):
    is_claim: bool
    source: str | None = Field(default=None, max_length=64)
    source_other: str | None = None
    confidence: int | None = None
    cue_start: int | None = None
    cue_end: int | None = None
    mention_start: int | None = None
    mention_end: int | None = None
    via: list[str] | None = Field(default=None, sa_type=JSON(none_as_null=True))
    provenance: Provenance
    votes: dict[str, Any] = Field(default_factory=dict, sa_type=JSON, nullable=False)
    """Each annotator's label it was settled from: {name: {is_claim, source, source_other,
    confidence, cue, source_mention, via}} (``Vote.to_json``; older gold lacks the evidence keys)."""
    agreement: int = 0
    """How many annotators gave the settled answer."""
    decided_by_id: int | None = Field(default=None, foreign_key="user.id")
    rationale: str = ""


class GoldLabel(GoldBase, table=True):
    """The settled label of a sentence. Never silently overwritten: a later label change by an
    annotator sets ``needs_review`` instead."""

    __tablename__ = "gold_label"
    id: int | None = Field(default=None, primary_key=True)
    sentence_id: int = Field(foreign_key="sentence.id", ondelete="CASCADE", unique=True)
    needs_review: bool = False
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column(nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column(nullable=False))


class GoldHistory(GoldBase, table=True):
    """Append-only: one row per change of a gold label."""

    __tablename__ = "gold_history"
    id: int | None = Field(default=None, primary_key=True)
    gold_id: int = Field(index=True)
    sentence_id: int
    version: int
    action: str
    changed_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column(nullable=False))


class LoginSession(SQLModel, table=True):
    """A login that survives a page reload: the browser keeps the token, we keep its hash."""

    __tablename__ = "login_session"
    token_hash: str = Field(primary_key=True)
    user_id: int = Field(foreign_key="user.id", ondelete="CASCADE", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column(nullable=False))
    expires_at: datetime = Field(sa_column=_utc_column(nullable=False))


class Assignment(SQLModel, table=True):
    """A sentence handed to an annotator by the work queue; it counts towards the sentence's
    annotators until labelled or until it expires, so that several app servers never hand one
    sentence to more annotators than asked for."""

    sentence_id: int = Field(foreign_key="sentence.id", ondelete="CASCADE", primary_key=True)
    user_id: int = Field(foreign_key="user.id", ondelete="CASCADE", primary_key=True)
    assigned_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column(nullable=False))


# --- work settings ---------------------------------------------------------


class ProjectSetting(SQLModel, table=True):
    """Small key/value settings a lead changes in the app (e.g. annotators per sentence)."""

    __tablename__ = "project_setting"
    key: str = Field(primary_key=True)
    value: str


class ArticleAssignment(SQLModel, table=True):
    """A lead gave this article to this annotator: it comes first in their work queue."""

    __tablename__ = "article_assignment"
    document_id: str = Field(foreign_key="document.id", ondelete="CASCADE", primary_key=True, max_length=200)
    user_id: int = Field(foreign_key="user.id", ondelete="CASCADE", primary_key=True, index=True)
    assigned_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column(nullable=False))
    assigned_by_id: int | None = Field(default=None, foreign_key="user.id")


# --- suggestions -------------------------------------------------------------


class SuggestionRow(SQLModel, table=True):
    """The suggester's current label of a sentence with its evidence (never a label itself).

    ``inputs_digest`` fingerprints what it was computed from (the sentences and the source
    list): when either changes, the document's suggestions are stale and recomputed.
    """

    __tablename__ = "suggestion"
    sentence_id: int = Field(foreign_key="sentence.id", ondelete="CASCADE", primary_key=True)
    document_id: str = Field(foreign_key="document.id", ondelete="CASCADE", index=True, max_length=200)
    is_claim: bool
    source: str | None = Field(default=None, max_length=64)
    source_other: str | None = None
    score: float
    cue_start: int | None = None
    cue_end: int | None = None
    mention_start: int | None = None
    mention_end: int | None = None
    carried_from: int | None = None
    """Index of the sentence the source carries over from."""
    reason: str = ""
    model: str = Field(max_length=64)
    inputs_digest: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column(nullable=False))


class SuggestionModelRow(SQLModel, table=True):
    """A suggestion model learnt from the team's labels, stored as data (coefficients and
    vocabulary as JSON, never a pickle) so every app server reads the same one and loading
    it cannot run code. The newest row is the one in use."""

    __tablename__ = "suggestion_model"
    id: int | None = Field(default=None, primary_key=True)
    format_version: int
    trained_from: str = Field(max_length=20)
    sentences: int
    parameters: dict[str, Any] = Field(default_factory=dict, sa_type=JSON, nullable=False)
    evaluation: dict[str, Any] = Field(default_factory=dict, sa_type=JSON, nullable=False)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column(nullable=False))


class SuggestionShown(SQLModel, table=True):
    """What the annotator saw when saving a label: the suggestion's model and whether it
    was shown (or hidden by the anchoring audit), and whether the label equals it. One row
    per saved label version, written in the label's transaction."""

    __tablename__ = "suggestion_shown"
    __table_args__ = (
        UniqueConstraint("sentence_id", "user_id", "label_version", name="uq_suggestion_shown"),
    )
    id: int | None = Field(default=None, primary_key=True)
    sentence_id: int = Field(foreign_key="sentence.id", ondelete="CASCADE")
    user_id: int = Field(foreign_key="user.id", ondelete="CASCADE", index=True)
    label_version: int
    model: str = Field(max_length=64)
    shown: bool
    agrees: bool
    recorded_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column(nullable=False))
