"""Showing user and article text literally inside Streamlit's markdown-rendering widgets."""

from __future__ import annotations

import re

# Every ASCII punctuation character may be backslash-escaped in CommonMark; escaping them all
# also defuses Streamlit's own :color[...] / :emoji: and $math$ extensions.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=&\"'^])")


def md_escape(text: str) -> str:
    """Text that markdown shows exactly as written.

    >>> md_escape("**bold** <b>")
    '\\\\*\\\\*bold\\\\*\\\\* \\\\<b\\\\>'
    """
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)
