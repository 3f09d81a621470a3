"""Two tabs of one annotator editing the same sentence at once: every change gets its own
history version, and the label's version counts them (SQLite and PostgreSQL)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlmodel import Session, select

from annotator.store.engine import make_engine
from annotator.store.migrate import prepare_schema
from annotator.store.models import Label, LabelHistory
from tests.helpers import add_small_article, add_user

EDITS = 40

TAB = """
import sys
from sqlmodel import Session
from annotator.store.engine import make_engine
from annotator.store.labels import save_label
from annotator.domain.label import LabelValue
engine = make_engine(sys.argv[1])
offset = int(sys.argv[2])
for i in range({edits}):
    with Session(engine) as session:
        save_label(session=session, sentence_id=1, user_id=1,
                   value=LabelValue(is_claim=True, source="alpha", confidence=1 + (i + offset) % 5,
                                        note=f"tab {{offset}} edit {{i}}"))
"""


def test_two_tabs_never_share_a_history_version(file_db_url: str, tmp_path: Path) -> None:
    engine = make_engine(file_db_url)
    prepare_schema(engine)
    add_small_article(engine)
    add_user(engine, "alice")
    script = TAB.format(edits=EDITS)
    tabs = [
        subprocess.Popen([sys.executable, "-c", script, file_db_url, str(n)], cwd=Path(__file__).parents[1])
        for n in (0, 1)
    ]
    assert [tab.wait(timeout=120) for tab in tabs] == [0, 0]
    with Session(engine) as session:
        versions = [
            h.version for h in session.exec(select(LabelHistory).order_by(LabelHistory.version)).all()
        ]
        label = session.exec(select(Label)).one()
    assert versions == list(range(1, 2 * EDITS + 1))  # every save differs (the note), none lost or doubled
    assert label.version == 2 * EDITS
    engine.dispose()
