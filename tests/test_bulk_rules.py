"""The bulk writer keeps the store's rule on source keys itself, whoever feeds it lines
(import-labels checks its lines first; a format converter or a future caller may not)."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from annotator.domain.errors import InputError
from annotator.domain.label import LabelValue
from annotator.store import bulk
from annotator.store.models import Source
from tests.helpers import add_small_article


def _record(**value: object) -> bulk.LabelRecord:
    return bulk.LabelRecord(
        line=1,
        document_id="doc",
        sentence_index=0,
        text="Alpha said one thing.",
        char_start=0,
        char_end=21,
        annotator="ana",
        value=LabelValue(**value),  # type: ignore[arg-type]
        created_at=None,
        updated_at=None,
    )


@pytest.mark.parametrize("bad", ["Bad Key!", "-starts-with-dash", "x" * 65])
def test_a_bad_source_key_is_refused_and_nothing_is_stored(engine: Engine, bad: str) -> None:
    add_small_article(engine)
    with Session(engine) as session:
        with (
            pytest.raises(InputError, match="is not a key"),
            bulk.LabelImport(
                session=session,
                file="in.jsonl",
                special_keys=frozenset({"author", "other"}),
                first_line=lambda *a: 1,
            ) as target,
        ):
            target.add([_record(is_claim=True, source=bad, confidence=3)])
        session.rollback()
        assert [s.key for s in session.exec(select(Source)).all()] == ["alpha", "beta"]
