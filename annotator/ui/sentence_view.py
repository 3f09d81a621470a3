"""A sentence in its paragraph with every annotator's label side by side (reviewers only)."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

import pandas as pd
import streamlit as st

from annotator.domain.label import VIA_OTHER_PREFIX, LabelValue
from annotator.store import documents, labels
from annotator.store.models import Sentence, Source
from annotator.ui.common import db_session, schema
from annotator.ui.text import md_literal, show_table


def show_sentence_labels(
    sentence_id: int, *, order: Sequence[str] | None = None, hide_names: bool = False
) -> None:
    """The sentence in context and one row per annotator's label, in ``order`` (by name if
    not given); with ``hide_names`` the rows say "annotator 1", "annotator 2"… in that order."""
    with db_session() as session:
        sentence = documents.sentences_by_id(session=session, sentence_ids=[sentence_id]).get(sentence_id)
        if sentence is None:
            st.warning("That sentence no longer exists.")
            return
        document = documents.require_document(session=session, document_id=sentence.document_id)
        context = documents.list_sentences(session=session, document_id=sentence.document_id)
        rows = dict(labels.label_values_of_sentence(session=session, sentence_id=sentence_id))
        sources = documents.list_sources(session=session, document_id=document.id)
    names = source_names(sources)
    st.markdown(f"{md_literal(document.title)} · sentence {sentence.index + 1} of {len(context)}")
    st.html(reading_column_html(context, sentence.index))
    shown = [name for name in (order or sorted(rows)) if name in rows]
    show_table(
        pd.DataFrame(
            [
                {"annotator": f"annotator {i}" if hide_names else name, **label_row(rows[name], names)}
                for i, name in enumerate(shown, start=1)
            ],
            columns=[
                "annotator",
                "claim",
                "source",
                "confidence",
                "source words",
                "cue",
                "citing",
                "note",
                "flagged",
            ],
        ),
        hide_index=True,
    )


def source_names(sources: Sequence[Source]) -> dict[str, str]:
    """Every source key a label of this article can carry, to the name people read."""
    return {s.key: s.label for s in schema().special_sources} | {s.key: s.label for s in sources}


def label_row(label: LabelValue, names: Mapping[str, str]) -> dict[str, str | bool]:
    """A label as reviewers read it: names instead of keys, and words instead of empty values;
    its evidence as the words marked and the chain of sources it cites."""
    if not label.is_claim:
        source, confidence = "— (not a claim)", "— (not a claim)"
    else:
        if label.source == "other":
            source = label.source_other or names.get("other", "other")
        elif label.source is None:
            source = "unattributed"
        else:
            source = names.get(label.source, label.source)
        confidence = "not given" if label.confidence is None else _confidence_text(label.confidence)
    return {
        "claim": "yes" if label.is_claim else "no",
        "source": source,
        "confidence": confidence,
        "source words": label.source_mention.text if label.source_mention else "",
        "cue": label.cue.text if label.cue else "",
        "citing": " ← ".join(_via_name(entry, names) for entry in label.via),
        "note": label.note,
        "flagged": label.flagged,
    }


def _via_name(entry: str, names: Mapping[str, str]) -> str:
    return (
        entry.removeprefix(VIA_OTHER_PREFIX)
        if entry.startswith(VIA_OTHER_PREFIX)
        else names.get(entry, entry)
    )


def _confidence_text(value: int) -> str:
    scale = schema().confidence
    position = value - schema().confidence_min
    return f"{value} · {scale[position].label}" if 0 <= position < len(scale) else str(value)


CONTEXT_SENTENCES = 3


def reading_column_html(sentences: Sequence[Sentence], index: int) -> str:
    """The current sentence with a few around it, as escaped text: article text is never markup."""
    low, high = max(0, index - CONTEXT_SENTENCES), min(len(sentences), index + CONTEXT_SENTENCES + 1)
    paragraphs: list[list[str]] = []
    last_paragraph = None
    for sentence in sentences[low:high]:
        if sentence.paragraph != last_paragraph:
            paragraphs.append([])
            last_paragraph = sentence.paragraph
        text = html.escape(sentence.text)
        if sentence.index == index:
            text = f'<mark class="current" id="current-sentence">{text}</mark>'
        else:
            text = f'<span class="context">{text}</span>'
        paragraphs[-1].append(text)
    body = "".join(f"<p>{' '.join(parts)}</p>" for parts in paragraphs)
    return (
        "<style>.reading{font-family:Georgia,serif;font-size:1.12rem;line-height:1.65;max-width:46rem}"
        ".reading .context{color:#6b7280}.reading mark.current{background:#fde68a;color:#111;"
        "padding:.1em .2em;border-radius:.2em}</style>"
        f'<div class="reading" data-testid="reading-column">{body}</div>'
    )
