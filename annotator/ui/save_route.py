"""The labelling panel's save route: finished labels as one HTTP request, outside Streamlit's reruns.

Why: a label that travels as the panel's component value makes Streamlit rerun the panel; the
rerun alone costs about 4 ms of server CPU with no app work at all, and the panel's about 10
(tests/bench/bench_batch.py), which caps how many annotators one process holds (issue 15). A
plain request to the same server costs the store's save and little more. The panel posts its
outbox here when the page says the route exists (``annotator serve`` adds it, see
``ui/server.py``); without it (AppTest, a bare ``streamlit run``) it sends its labels as before.

``POST {base}/annotator-api/labels`` with ``{"token": login token, "labels": [outbox items],
"document": the open article}`` (``application/json``) answers ``{"acks": {client_id:
[sentence_id, outcome, reason]}, "article": [signature, suggestions stamp] or null}``, plus
``"error"`` when some items could not be read (the readable ones are saved). The stamps tell the
panel when the article changed under it (a lead merged sentences, added a source, ran the
suggestions): it then asks the page for the article anew, as every rerun used to tell it. A login
that has ended answers 401 and saves nothing. The token in the body, not a cookie, is what
authenticates, so another site cannot post on the annotator's behalf; and a JSON body from
another origin needs a CORS preflight that this route never grants.
"""

from __future__ import annotations

from typing import Any

import orjson
from sqlmodel import Session

from annotator.domain.errors import NotFoundError
from annotator.store import annotate_reads, labels, users
from annotator.store.labels import Submission
from annotator.ui.common import db_session, schema
from annotator.ui.panel_input import LOGIN_ENDED_TEXT, MAX_BATCH, UNREADABLE, parse_submission

PATH = "annotator-api/labels"
# 100 labels with notes and spans fit in well under this; a larger body is not the panel's
# (the route refuses it with 413 before it is read further).
MAX_BODY_BYTES = 512 * 1024

_installed = False


def mark_installed() -> None:
    """Called by the server that serves the route: the panel may post to it."""
    global _installed
    _installed = True


def route_path(base_url_path: str) -> str:
    """The route's path under Streamlit's ``server.baseUrlPath`` (a proxy may serve the app
    under a prefix)."""
    base = base_url_path.strip("/")
    return f"/{base}/{PATH}" if base else f"/{PATH}"


def save_target(base_url_path: str, token: str | None) -> dict[str, str] | None:
    """Where and with what the panel posts its labels; None when this server has no route."""
    if not _installed or not token:
        return None
    return {"url": route_path(base_url_path), "token": token}


def save_labels(body: bytes) -> tuple[int, dict[str, Any]]:
    """(HTTP status, JSON answer) for one posted outbox."""
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError:
        return 400, {"error": UNREADABLE}
    token = payload.get("token") if isinstance(payload, dict) else None
    raw = payload.get("labels") if isinstance(payload, dict) else None
    if not isinstance(token, str) or not isinstance(raw, list) or len(raw) > MAX_BATCH:
        return 400, {"error": UNREADABLE}
    parsed = [parse_submission(item) for item in raw]
    submissions: list[Submission] = [s for s in parsed if s is not None]
    document = payload.get("document")
    with db_session() as session:
        identity = users.login_identity(session=session, token=token)
        if identity is None:
            return 401, {"error": LOGIN_ENDED_TEXT}
        receipts = labels.submit_labels(
            session=session, user_id=identity[0], submissions=submissions, schema=schema()
        )
        stamps = _stamps(session, document) if isinstance(document, str) else None
    answer: dict[str, Any] = {
        "acks": {r.client_id: [r.sentence_id, r.outcome, r.reason] for r in receipts},
        "article": None if stamps is None else [stamps.signature, stamps.suggestions],
    }
    if len(submissions) < len(raw):
        answer["error"] = UNREADABLE
    return 200, answer


def _stamps(session: Session, document_id: str) -> annotate_reads.PanelStamps | None:
    try:
        return annotate_reads.panel_stamps(session=session, document_id=document_id)
    except NotFoundError:  # deleted meanwhile: the panel asks the page, which knows what to show
        return None
