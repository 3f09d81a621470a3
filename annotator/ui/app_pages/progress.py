"""My progress: the annotator's own counts per article (never anyone else's)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from annotator.store.models import Role
from annotator.store.stats import progress_by_article, total_fraction
from annotator.ui.common import db_session, require_role
from annotator.ui.text import show_table

user_id, name, _ = require_role(Role.annotator, Role.reviewer, Role.admin)
with db_session() as session:
    rows = progress_by_article(session=session, user_id=user_id)

st.title("My progress")
done, total, fraction = total_fraction(rows)
st.progress(fraction, text=f"{done} of {total} sentences labelled")
frame = pd.DataFrame(
    {
        "article": [r.title for r in rows],
        "labelled": [r.labelled for r in rows],
        "sentences": [r.sentences for r in rows],
        "claims": [r.claims for r in rows],
        "done": [r.fraction for r in rows],
    }
)
show_table(
    frame,
    hide_index=True,
    column_config={
        "done": st.column_config.ProgressColumn("done", min_value=0.0, max_value=1.0, format="percent"),
    },
)
