"""The fast driver paths write statements once, with ``?``: a question mark or a percent sign
inside a quoted literal stays a character on every driver."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import Session

from annotator.store.engine import fetch_rows


def test_marks_in_literals_are_characters_and_marks_outside_are_parameters(engine: Engine) -> None:
    with Session(engine) as session:
        rows = fetch_rows(session, "SELECT 'why?', '100%', 'it''s ?', ? || '!'", "bound")
    assert rows == [("why?", "100%", "it's ?", "bound!")]
