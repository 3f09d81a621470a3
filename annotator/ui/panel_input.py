"""What the labelling panel sends, read as untrusted input: by the panel's Streamlit callback
(``annotate_actions``) and by its save route (``save_route``) alike."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from annotator.domain.errors import InputError
from annotator.domain.label import LabelValue, parse_span, parse_via
from annotator.domain.names import MAX_NOTE
from annotator.store.labels import Submission

# The most labels one exchange applies; the panel sends the rest with the next one.
MAX_BATCH = 100
# What the panel shows when its labels could not be read, or its login has ended (either path).
UNREADABLE = "The page sent labels this version cannot read; reload the page."
LOGIN_ENDED_TEXT = "Your login has ended: log in again. Your labels wait in this browser."


def parse_submission(item: Any) -> Submission | None:
    """A label from the browser, if every field has its type and they agree with each other."""
    if not isinstance(item, Mapping):
        return None
    client_id, sentence_id, revision = item.get("client_id"), item.get("sentence_id"), item.get("revision")
    action, value = item.get("action", "save"), item.get("value")
    if not (
        isinstance(client_id, str)
        and 0 < len(client_id) <= 64
        and isinstance(sentence_id, int)
        and not isinstance(sentence_id, bool)
        and isinstance(revision, str)
        and action in ("save", "undo")
    ):
        return None
    if value is None:
        return Submission(client_id, sentence_id, revision, None, "undo") if action == "undo" else None
    parsed = _label_value(value)
    return None if parsed is None else Submission(client_id, sentence_id, revision, parsed, action)


def _label_value(value: Any) -> LabelValue | None:
    if not isinstance(value, Mapping):
        return None
    try:
        # Whether the spans fit the article's text is the store's question; here only their shape.
        cue = parse_span(value.get("cue"), field="cue")
        mention = parse_span(value.get("source_mention"), field="source_mention")
        via = parse_via(value.get("via"))
    except InputError:
        return None
    is_claim, source, confidence = value.get("is_claim"), value.get("source"), value.get("confidence")
    note, flagged, other = value.get("note", ""), value.get("flagged", False), value.get("source_other")
    well_typed = (
        isinstance(is_claim, bool)
        and (source is None or isinstance(source, str))
        and (confidence is None or (isinstance(confidence, int) and not isinstance(confidence, bool)))
        and isinstance(note, str)
        and len(note) <= MAX_NOTE
        and isinstance(flagged, bool)
        and (other is None or isinstance(other, str))
    )
    if not well_typed or (not is_claim and (source is not None or confidence is not None)):
        return None
    other_name = (other or "").strip() or None
    return LabelValue(
        is_claim=is_claim,
        source=source,
        source_other=other_name if source == "other" else None,
        confidence=confidence,
        note=note,
        flagged=flagged,
        cue=cue,
        source_mention=mention,
        via=via,
    )
