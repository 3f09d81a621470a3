"""Showing user and article text literally inside Streamlit's markdown-rendering widgets, and
tables whose CSV download a spreadsheet opens without running formulas."""

from __future__ import annotations

import re
from typing import Any

import pandas as pd
import streamlit as st

from annotator.domain.names import spreadsheet_safe

_BACKTICK_RUNS = re.compile(r"`+")


def md_literal(text: str) -> str:
    """Markdown that shows ``text`` exactly as written, as inline code.

    Backslash escapes are not enough: Streamlit's markdown still turns a bare
    ``https://host`` or ``www.host`` in the unescaped text into a live link, and a backslash
    inside backticks shows as itself. A code span shows every character literally (no links,
    images, emphasis, :directives: or $math$); its fence is one backtick longer than any run
    of backticks in the text, so the text cannot close it. Streamlit rewrites ``:material/``
    to an icon name everywhere in the source, code included, so that slash goes between two
    code spans, as an escaped character the rewrite does not see.

    >>> md_literal("![t](http://x/t.png)")
    '` ![t](http://x/t.png) `'
    >>> md_literal("a `b` c")
    '`` a `b` c ``'
    >>> md_literal("an :material/home: icon")
    '` an :material `\\\\/` home: icon `'
    """
    one_line = " ".join(text.split()) or " "
    return "\\/".join(_code_span(part) for part in _ICON_SLASH.split(one_line))


_ICON_SLASH = re.compile(r"(?<=:material)/")


def _code_span(text: str) -> str:
    if not text:
        return ""
    longest = max((len(run) for run in _BACKTICK_RUNS.findall(text)), default=0)
    fence = "`" * (longest + 1)
    return f"{fence} {text} {fence}"


def show_message(message: tuple[str, str] | None) -> None:
    """A page's (kind, markdown) message, kind one of success/info/warning/error; the markdown
    was built with ``md_literal`` around every piece of user text."""
    if message:
        kind, markdown = message
        getattr(st, kind)(markdown)


def show_table(frame: pd.DataFrame, **options: Any) -> None:
    """``st.dataframe`` of ``frame`` with text cells that a spreadsheet would run as formulas
    (``=HYPERLINK(…)``, ``+``, ``-``, ``@``) prefixed with ``'``: Streamlit's CSV download
    writes cells as they are."""
    st.dataframe(spreadsheet_safe_frame(frame), **options)


def spreadsheet_safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(lambda v: spreadsheet_safe(v) if isinstance(v, str) else v)
    return safe
