"""Errors the user can act on.

Every message says what is wrong, where (file, line, field) and how to fix it,
so that the CLI and the app can show it as it is.
"""

from __future__ import annotations


class AnnotatorError(Exception):
    """Base class: the message is meant for the person at the keyboard."""


class InputError(AnnotatorError):
    """Bad input in a file or form; nothing was changed.

    >>> str(InputError("not valid JSON", file="a.jsonl", line=3, hint="check the quotes"))
    'a.jsonl:3: not valid JSON (check the quotes)'
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        field: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.line = line
        self.field = field
        self.hint = hint
        super().__init__(str(self))

    def __str__(self) -> str:
        where = ""
        if self.file is not None:
            where = self.file if self.line is None else f"{self.file}:{self.line}"
            where += ": "
        elif self.line is not None:
            where = f"line {self.line}: "
        field = f"field '{self.field}': " if self.field else ""
        hint = f" ({self.hint})" if self.hint else ""
        return f"{where}{field}{self.message}{hint}"


class NotFoundError(AnnotatorError):
    """A document, sentence or user named by the user does not exist."""


class AuthenticationError(AnnotatorError):
    """Wrong name or password, an inactive account, or too many failed tries."""


class UndefinedStatisticError(AnnotatorError):
    """An agreement coefficient cannot be computed on this data; the message says why."""


class StoreBusyError(AnnotatorError):
    """Another program held the database's write lock for longer than a write may wait."""


class StoreFullError(AnnotatorError):
    """The disk holding the database (or an output file) is full."""
