"""Checks on the strings people choose — user names, article ids, free text — where they enter,
and the escaping of stored strings for the places that would otherwise interpret them
(a terminal, a spreadsheet).

A name is shown in pages, CSV downloads, terminals and the agreement tables (which join names
with ``|``), and one name must never pass for another. So names are refused, not cleaned: a
cleaned name would silently differ from what the person typed.
"""

from __future__ import annotations

import re
import unicodedata

from annotator.domain.errors import InputError

MAX_USER_NAME = 100
"""The store's column size (User.name)."""
MAX_DOCUMENT_ID = 200
"""The store's column size (Document.id)."""
MAX_OTHER_SOURCE_NAME = 200
"""Longest free-text name of an "other" source: a name, not a note."""
MAX_NOTE = 5_000
"""Longest note on a label: a remark, not a document."""

_NAME_PUNCTUATION = frozenset(" .-_'@+")
"""Besides letters, marks and digits: what real names and logins use. Everything else (``|``,
markdown, brackets, slashes) breaks a display or a join somewhere."""

# Scripts whose letters are confused with Latin ones (а/a, ο/o, ѕ/s): one name may use one of them.
_CONFUSABLE_SCRIPTS = ("LATIN", "CYRILLIC", "GREEK", "ARMENIAN", "CHEROKEE")


def check_user_name(
    name: str, *, field: str = "name", file: str | None = None, line: int | None = None
) -> str:
    """The name without surrounding spaces, or InputError when it could mislead or break a display.

    >>> check_user_name("  Ana-María O'Neil ")
    "Ana-María O'Neil"
    >>> check_user_name("ad|min")  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    annotator.domain.errors.InputError: contains '|'
    """
    stripped = name.strip()

    def refuse(message: str) -> InputError:
        hint = "use letters, digits, spaces and . - _ ' @ +"
        return InputError(message, file=file, line=line, field=field, hint=hint)

    if not stripped:
        raise InputError("is empty", file=file, line=line, field=field, hint="give a name")
    if len(stripped) > MAX_USER_NAME:
        raise refuse(f"is {len(stripped)} characters long, over the {MAX_USER_NAME} limit")
    for char in stripped:
        category = unicodedata.category(char)
        if not (category[0] in "LMN" or char in _NAME_PUNCTUATION):
            raise refuse(f"contains {_describe(char)}")
    if unicodedata.normalize("NFKC", stripped) != stripped:
        raise refuse("contains look-alike characters (e.g. full-width letters or ligatures)")
    if "  " in stripped:
        raise refuse("contains two spaces in a row")
    scripts = {_script(char) for char in stripped if unicodedata.category(char)[0] == "L"} & set(
        _CONFUSABLE_SCRIPTS
    )
    if len(scripts) > 1:
        raise refuse(f"mixes look-alike alphabets ({', '.join(sorted(s.title() for s in scripts))})")
    return stripped


def check_identifier(
    value: str, *, field: str, limit: int = MAX_DOCUMENT_ID, file: str | None = None, line: int | None = None
) -> None:
    """Refuse an id that would break a file name, a URL or a terminal: ids become export file
    names and are printed by the CLI.

    >>> check_identifier("../../etc/x", field="id")  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    annotator.domain.errors.InputError: contains '/'
    """

    def refuse(message: str) -> InputError:
        hint = "ids name files: use letters, digits, '-', '_' and '.'"
        return InputError(message, file=file, line=line, field=field, hint=hint)

    if not value.strip():
        raise InputError("is empty", file=file, line=line, field=field)
    if len(value) > limit:
        raise refuse(f"is {len(value)} characters long, over the {limit} limit")
    if value != value.strip():
        raise refuse("starts or ends with a space")
    for char in value:
        if char in "/\\\t" or not _printable(char):
            raise refuse(f"contains {_describe(char)}")
    if value.startswith("."):
        raise refuse("starts with '.'")


def check_free_text(
    value: str | None,
    *,
    field: str,
    limit: int | None = None,
    file: str | None = None,
    line: int | None = None,
) -> None:
    """Free text (a note, a title, an article) may hold anything printable, tabs, line and page
    breaks; NUL and other control characters are refused (PostgreSQL cannot store NUL at all)."""
    if value is None:
        return
    if limit is not None and len(value) > limit:
        raise InputError(
            f"is {len(value):,} characters long, over the {limit:,} limit", file=file, line=line, field=field
        )
    bad = _FORBIDDEN_IN_TEXT.search(value)
    if bad is not None:
        raise InputError(
            f"contains {_describe(bad.group())} at character {bad.start()}",
            file=file,
            line=line,
            field=field,
            hint="remove control characters from the text",
        )


# C0 controls but tab, line, vertical-tab, form-feed and carriage-return breaks; DEL; C1 controls
# but U+0085 (NEL, a line break).
_FORBIDDEN_IN_TEXT = re.compile("[\x00-\x08\x0e-\x1f\x7f\x80-\x84\x86-\x9f]")


def printable(text: str) -> str:
    """Text safe to print to a terminal: control (but tab), format (bidi, zero-width) and other
    invisible characters are shown as ``\\xNN``/``\\uNNNN`` escapes instead of being obeyed.

    >>> printable("title\\x1b[2J\\u202e")
    'title\\\\x1b[2J\\\\u202e'
    """
    if all(_printable(char) for char in text):
        return text
    return "".join(char if _printable(char) else _escape(char) for char in text)


def spreadsheet_safe(text: str) -> str:
    """A cell value that spreadsheets open as text, never as a formula (CSV injection).

    >>> spreadsheet_safe("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    """
    return "'" + text if text[:1] in _FORMULA_STARTS else text


_FORMULA_STARTS = frozenset("=+-@\t\r")


def _printable(char: str) -> bool:
    return char in " \t" or unicodedata.category(char)[0] not in "CZ"


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def _describe(char: str) -> str:
    if _printable(char):
        return repr(char)
    name = unicodedata.name(char, "")
    return f"the invisible character {_escape(char)}" + (f" ({name})" if name else "")


def _script(char: str) -> str:
    return unicodedata.name(char, "UNKNOWN").split(" ", 1)[0]
