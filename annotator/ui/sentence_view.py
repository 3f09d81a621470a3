"""A sentence in its paragraph with every annotator's label side by side (reviewers only)."""

from __future__ import annotations

import html
from collections.abc import Sequence

import pandas as pd
import streamlit as st

from annotator.store import documents, labels
from annotator.store.models import Sentence
from annotator.ui.common import db_session
from annotator.ui.text import md_literal, show_table


def show_sentence_labels(sentence_id: int, *, hide_names: bool = False) -> None:
    with db_session() as session:
        sentence = documents.sentences_by_id(session=session, sentence_ids=[sentence_id]).get(sentence_id)
        if sentence is None:
            st.warning("That sentence no longer exists.")
            return
        document = documents.require_document(session=session, document_id=sentence.document_id)
        context = documents.list_sentences(session=session, document_id=sentence.document_id)
        rows = labels.labels_of_sentence(session=session, sentence_id=sentence_id)
        names = {s.key: s.label for s in documents.list_sources(session=session, document_id=document.id)}
    st.markdown(f"{md_literal(document.title)} · sentence {sentence.index + 1} of {len(context)}")
    st.html(reading_column_html(context, sentence.index))
    show_table(
        pd.DataFrame(
            [
                {
                    "annotator": f"annotator {i + 1}" if hide_names else name,
                    "claim": "yes" if label.is_claim else "no",
                    "source": (label.source_other or "other")
                    if label.source == "other"
                    else names.get(label.source or "", label.source or ("—" if label.is_claim else "")),
                    "confidence": label.confidence,
                    "note": label.note,
                    "flagged": label.flagged,
                }
                for i, (name, label) in enumerate(rows)
            ]
        ),
        hide_index=True,
    )


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
