"""Session state and callbacks of the annotate page.

The labelling panel owns the article: it gets the whole of it once, moves and labels in the
browser, and sends finished labels in batches (its outbox). Here each batch is checked as
untrusted input and handed to the store, and each label is acknowledged by the id the
browser gave it. Keys are initialised once and changed only in callbacks; only ids live in
session state.
"""

from __future__ import annotations

import secrets
import time
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

import orjson
import streamlit as st
from sqlmodel import Session

from annotator.domain import keys
from annotator.domain.errors import AnnotatorError
from annotator.domain.label import LabelValue, span_json
from annotator.domain.label_schema import LabelSchema
from annotator.domain.suggestions.confidence import suggested_confidence
from annotator.store import annotate_reads, documents, labels, queue, sources, suggestions, users
from annotator.store.labels import Receipt, Submission
from annotator.store.models import SourceOrigin
from annotator.ui import save_route
from annotator.ui.common import db_session, schema
from annotator.ui.labeller import last_action
from annotator.ui.panel_input import LOGIN_ENDED_TEXT, MAX_BATCH, UNREADABLE, parse_submission

DOC, START, MESSAGE = "ann_doc", "ann_start", "ann_message"
ARTICLE_PARAM = "a"  # the open article, in the page's address
# A new random token whenever the server opens an article (first visit, "next that needs me",
# "choose article"): the panel then puts its cursor on START. Random, not a counter: a panel
# left from an earlier login in the same tab must never take it for its own.
OPENED = "ann_opened"
# Why the article was opened: "start" (a new server session: first visit, reload, reconnect)
# or "asked" (the annotator chose an article or asked for the next that needs them). After
# a reconnect the panel keeps its place; when asked, it moves.
OPENED_BY = "ann_opened_by"
# What became of each label the panel sent, by its client id, newest last. The panel is told
# of those it sent last (WAITING): it sends again what it has not seen acknowledged, since a
# rerun cut short by the next key press never draws its output.
ACKS, WAITING = "ann_acks", "ann_waiting"
# The number of the panel's newest exchange handled here: the panel knows then that labels
# missing from the acknowledgements were typed after it, not lost.
SEQ = "ann_seq"
MAX_ACKS = 1000
# The dialog the panel asked for: the page draws it on each run until it is done or dismissed.
DIALOG, DIALOGS = "ann_dialog", ("choose_article", "propose_source", "guidelines")
# (read at, Progress, labels in the open article then): the count runs over all of the
# annotator's labels, so it is read at most this often; in between, the annotator's own labels
# in the open article (read on every exchange anyway) move it.
OVERALL = "ann_overall"
OVERALL_TTL_S = 30.0
# (document, signature, stamp, JSON) of the suggestions this annotator sees on the open
# article: read again only when the article, its suggestions or the audit share change.
SUGGESTED = "ann_suggested"
# (document, signature) of the article this session last sent whole. The panel keeps the
# article it was given, so an exchange that leaves it as it was sends only its id and
# signature: the article (most of the payload) is not serialised, hashed and sent again per
# key. A change elsewhere changes the signature, and the next exchange sends it whole; a
# panel that lacks it (its page was mounted afresh) asks for it (the request "article").
ARTICLE_SENT = "ann_article_sent"
# Set by the callback when the tab's login has ended. The panel reruns as a fragment, which
# skips the entry file's login check; seeing this, it reruns the whole app, which shows the
# login form.
LOGIN_ENDED = "ann_login_ended"


def init_state(user_id: int) -> bool:
    """Place the annotator on their first unlabelled sentence, in the article the page's
    address names if it names one (a reload or a reconnect stays in the same article);
    False when there is no article at all."""
    if DOC in st.session_state:
        return True
    with db_session() as session:
        named = st.query_params.get(ARTICLE_PARAM)
        target = None
        if named and documents.get_document(session=session, document_id=named) is not None:
            index = labels.first_unlabelled_index(session=session, document_id=named, user_id=user_id)
            target = (named, index or 0)
        if target is None:
            target = queue.next_in_queue(session=session, user_id=user_id)
        if target is None:
            docs = documents.list_document_ids(session=session)
            if not docs:
                return False
            target = (docs[0], 0)
    st.session_state[MESSAGE] = None
    open_article(*target, by="start")
    return True


def open_article(document_id: str, index: int, *, by: str = "asked") -> None:
    state = st.session_state
    state[DOC], state[START], state[OPENED] = document_id, index, secrets.token_hex(8)
    state[OPENED_BY] = by
    st.query_params[ARTICLE_PARAM] = document_id


def handle_action(user_id: int) -> None:
    """Callback of the labelling panel."""
    action = last_action()
    if action is not None:
        apply_action(user_id, action)


def apply_action(user_id: int, action: Mapping[str, Any]) -> None:
    """Apply the labels the panel sent, in order, then what it asked for (a dialog, the next
    article that needs this annotator).

    A label goes to the sentence it names, typed against the revision it names, never to
    "the current sentence": the panel moves on before the server answers.
    """
    state = st.session_state
    state[MESSAGE] = None
    if isinstance(seq := action.get("seq"), int) and not isinstance(seq, bool):
        state[SEQ] = seq
    raw = action.get("labels", [])
    submissions: list[Submission] = []
    malformed = 0
    for item in raw[:MAX_BATCH] if isinstance(raw, list) else []:
        submission = parse_submission(item)
        if submission is None:
            malformed += 1
        else:
            submissions.append(submission)
    state[WAITING] = [s.client_id for s in submissions]
    if malformed or not isinstance(raw, list):
        state[MESSAGE] = ("error", UNREADABLE)
    if submissions:
        with db_session() as session:
            # Callbacks run before the entry file checks the login: a tab whose login ended
            # (logout elsewhere, a new password, expiry) must not save. Its labels stay in the
            # browser's outbox and go after the next login.
            if users.login_identity(session=session, token=state.get("login_token", "")) is None:
                state[MESSAGE] = ("error", LOGIN_ENDED_TEXT)
                state[LOGIN_ENDED] = True
                return
            receipts = labels.submit_labels(
                session=session, user_id=user_id, submissions=submissions, schema=schema()
            )
        _remember(receipts)
    request = action.get("request")
    if request == "article":
        state.pop(ARTICLE_SENT, None)
    elif request == "next_needed":
        next_needed(user_id)
    elif request in DIALOGS:
        state[DIALOG] = request
    elif request is not None:
        state[MESSAGE] = ("error", "The page sent a request this version does not know: reload the page.")


def _remember(receipts: list[Receipt]) -> None:
    acks: OrderedDict[str, list[Any]] = st.session_state.setdefault(ACKS, OrderedDict())
    for receipt in receipts:
        acks.pop(receipt.client_id, None)
        acks[receipt.client_id] = [receipt.sentence_id, receipt.outcome, receipt.reason]
    while len(acks) > MAX_ACKS:
        acks.popitem(last=False)


def next_needed(user_id: int) -> bool:
    """On to the next sentence that needs this annotator in another article (the panel looks
    in its own article first)."""
    with db_session() as session:
        target = queue.next_in_queue(session=session, user_id=user_id, document_id=st.session_state[DOC])
    if target is None:
        st.session_state[MESSAGE] = ("success", "All done: no sentence needs you right now. Thank you!")
        return False
    open_article(*target)
    return True


def close_dialog() -> None:
    st.session_state.pop(DIALOG, None)


def choose_document(user_id: int, document_id: str) -> None:
    with db_session() as session:
        index = labels.first_unlabelled_index(session=session, document_id=document_id, user_id=user_id)
    st.session_state[MESSAGE] = None
    open_article(document_id, index or 0)


def propose_source(user_id: int, *, name: str, aliases: str) -> str | None:
    """Add a source to the open article for everyone; the reason it was refused, if it was.

    Its key is made from the name; it stays *proposed* until a lead decides on it."""
    with db_session() as session:
        try:
            added = sources.add_named_source(
                session=session,
                document_id=st.session_state[DOC],
                name=name,
                aliases=[a for a in aliases.split(",") if a.strip()],
                origin=SourceOrigin.proposed,
                proposed_by_id=user_id,
            )
        except AnnotatorError as error:
            return str(error)
    st.session_state[MESSAGE] = ("success", f"Added source “{added.label}” to this article for everyone.")
    return None


def overall_progress(user_id: int, *, in_article: int) -> labels.Progress:
    """The annotator's labels over all articles, given how many they have in the open one."""
    state = st.session_state
    cached = state.get(OVERALL)
    now = time.monotonic()
    if cached is None or now - cached[0] > OVERALL_TTL_S or cached[3] != state[DOC]:
        with db_session() as session:
            cached = (now, labels.overall_progress(session=session, user_id=user_id), in_article, state[DOC])
        state[OVERALL] = cached
    _, counted, in_article_then, _ = cached
    return labels.Progress(done=counted.done + in_article - in_article_then, total=counted.total)


def panel_data(user_id: int) -> bytes:
    """What the labelling panel draws, as JSON: the article (sent when this session has not
    sent it as it is now; null otherwise, with its id and signature), this annotator's own
    labels on it (blind labelling), and the acknowledgements."""
    state = st.session_state
    document_id = state[DOC]
    with db_session() as session:
        stamps = annotate_reads.panel_stamps(session=session, document_id=document_id)
        signature = stamps.signature
        mine = annotate_reads.own_labels(session=session, document_id=document_id, user_id=user_id)
        shown = _suggestions_json(session, user_id, document_id, stamps)
    overall = overall_progress(user_id, in_article=len(mine))
    message = state.get(MESSAGE)
    acks = state.get(ACKS, {})
    # The article part is cached as bytes (shared by the sessions), and sent only when this
    # session's panel does not have it yet: on a 400-sentence article it is most of the payload.
    shown_article = (document_id, signature)
    article = b"null" if state.get(ARTICLE_SENT) == shown_article else _article_json(*shown_article)
    state[ARTICLE_SENT] = shown_article
    rest = orjson.dumps(
        {
            "document": document_id,
            "signature": signature,
            "suggested": stamps.suggestions,
            "user": user_id,
            "opened": state[OPENED],
            "opened_by": state.get(OPENED_BY, "asked"),
            "seq": state.get(SEQ, 0),
            "start": state[START],
            "labels": {str(sentence_id): _as_list(value) for sentence_id, value in mine.items()},
            "acks": {client_id: acks[client_id] for client_id in state.get(WAITING, ()) if client_id in acks},
            "overall": [overall.done, overall.total],
            "save": save_route.save_target(st.get_option("server.baseUrlPath"), state.get("login_token")),
            "message": None if message is None else {"kind": message[0], "text": message[1]},
        }
    )
    return b'{"article":' + article + b',"suggestions":' + shown + b"," + rest[1:]


def _suggestions_json(
    session: Session, user_id: int, document_id: str, stamps: annotate_reads.PanelStamps
) -> bytes:
    """The suggestions the panel pre-selects, by sentence index, less those the anchoring
    audit hides from this annotator: those never reach the browser."""
    signature, stamp = stamps.signature, stamps.suggestions
    cached = st.session_state.get(SUGGESTED)
    if cached is not None and cached[:3] == (document_id, signature, stamp):
        return bytes(cached[3])
    label_schema = schema()
    scale = (label_schema.confidence_min, label_schema.confidence_max)
    found = (
        {}
        if stamp.startswith("0:")  # no suggestions for this article: nothing to draw for the audit
        else suggestions.panel_suggestions(session=session, document_id=document_id, user_id=user_id)
    )
    shown = orjson.dumps(
        {
            str(index): _suggestion_row(suggestion, scale)
            for index, suggestion in found.items()
            if not suggestion.hidden
        }
    )
    st.session_state[SUGGESTED] = (document_id, signature, stamp, shown)
    return shown


def _suggestion_row(suggestion: suggestions.PanelSuggestion, scale: tuple[int, int]) -> list[Any]:
    # [is_claim, source, source_other, cue, mention, reason, model, confidence]; spans are
    # offsets into the sentence (a mention carried from an earlier sentence lies before 0).
    return [
        suggestion.is_claim,
        suggestion.source,
        suggestion.source_other,
        suggestion.cue,
        suggestion.source_mention,
        suggestion.reason,
        suggestion.model,
        suggested_confidence(
            is_claim=suggestion.is_claim,
            source=suggestion.source,
            has_cue=suggestion.cue is not None,
            has_mention=suggestion.source_mention is not None and suggestion.source_mention[0] >= 0,
            scale=scale,
        ),
    ]


def _as_list(value: LabelValue) -> list[Any]:
    # [is_claim, source, source_other, confidence, note, flagged, cue, source_mention, via];
    # spans as {"char_start", "char_end", "text"} in document offsets or null, via a list.
    return [*value.as_tuple(), span_json(value.cue), span_json(value.source_mention), list(value.via)]


@st.cache_resource(max_entries=64, show_spinner=False)
def _article_json(document_id: str, signature: str) -> bytes:
    """Shared by every session of this server: the article changes far less often than it is read."""
    with db_session() as session:
        article = annotate_reads.read_article(session=session, document_id=document_id)
    return orjson.dumps(_article_payload(article, schema()))


def _article_payload(
    article: annotate_reads.ArticleForLabelling, label_schema: LabelSchema
) -> dict[str, Any]:
    names = dict(article.sources)
    names.update({sp.key: sp.label for sp in label_schema.special_sources})
    shortcut = {
        b.source: b.key
        for b in keys.source_shortcuts(
            [key for key, _ in article.sources], [sp.key for sp in label_schema.special_sources]
        )
    }
    return {
        "id": article.document_id,
        "title": article.title,
        "signature": article.signature,
        # [id, paragraph, revision, text]: sentence i of the list is sentence index i.
        "sentences": [[s.id, s.paragraph, s.revision, s.text] for s in article.sentences],
        # Every source, with its key where it has one: past the keys, a source takes a click.
        "sources": [{"key": key, "label": names[key], "shortcut": shortcut.get(key)} for key in names],
        "confidence": [
            {"value": c.value, "label": c.label, "description": c.description}
            for c in label_schema.confidence
        ],
        "confidence_required": label_schema.claim_confidence_required,
        "other_key": next((sp.key for sp in label_schema.special_sources if sp.needs_name), None),
        "keys": KEYS,
        "key_help": KEY_HELP,
    }


KEYS = {
    "not_claim": keys.NOT_A_CLAIM_KEY,
    "same_as_previous": keys.SAME_AS_PREVIOUS_KEY,
    "next_needed": keys.NEXT_NEEDED_KEY,
    "flag": keys.FLAG_KEY,
    "undo": keys.UNDO_KEY,
    "go_to": keys.GO_TO_KEY,
    **keys.EVIDENCE_KEYS,
}

KEY_HELP = [
    ("1–9, 0, letters", "pick the source shown on its button"),
    ("A", "no attribution: the author's own words"),
    ("O", "other source: type its name, Enter"),
    ("1–5", "after a source: confidence; saves and moves on"),
    (keys.NOT_A_CLAIM_KEY, "not a claim (saves and moves on)"),
    (keys.SAME_AS_PREVIOUS_KEY, "same source as your label on the previous sentence"),
    ("Enter", "save & next (keeps a stored label as it is)"),
    (keys.FLAG_KEY, "flag the sentence for review (saved with the label)"),
    ("/", "write a note; Esc leaves it"),
    (f"{keys.UNDO_KEY} or Ctrl+Z", "undo your last save (the previous label comes back)"),
    ("← / →", "previous / next sentence"),
    (keys.NEXT_NEEDED_KEY, "next sentence that needs you (then the next article)"),
    (f"{keys.GO_TO_KEY} 12 Enter", "go to sentence 12 (or click a sentence)"),
    (
        f"{keys.MENTION_KEY}, {keys.CUE_KEY}",
        "mark the words naming the source, the cue: → ← by words (Shift: the start, Ctrl: a letter), "
        "Backspace clears, Enter done; or drag over the words",
    ),
    (
        keys.VIA_KEY,
        "the sources it cites, in order: their keys (O types a name), Backspace removes the last, Enter done",
    ),
    ("Esc", "back to the source (or leave a text box)"),
    ("?", "show or hide these keys"),
]
