"""The Agreement page through AppTest: tiles that read all figures, no raw None, throughput."""

from __future__ import annotations

import math

import pytest
from sqlalchemy.engine import Engine

from annotator.exchange.import_labels import import_labels_file
from annotator.store.models import Role
from tests.helpers import add_user
from tests.test_agreement_report import SAMPLE_LABELS
from tests.ui_helpers import app_as, app_engine


@pytest.fixture
def engine(file_db_url: str, monkeypatch: pytest.MonkeyPatch) -> Engine:
    engine = app_engine(file_db_url, monkeypatch)
    import_labels_file(engine, SAMPLE_LABELS)
    return engine


def _cells(frame) -> list[object]:  # type: ignore[no-untyped-def]
    return [value for row in frame.itertuples(index=False) for value in row]


def test_claim_tile_explains_the_prevalence_paradox_and_no_figure_is_raw_none(engine: Engine) -> None:
    """On the sample, 94 % of labels say "claim": α 0.31 but 92 % agreement and AC1 0.91."""
    at = app_as(add_user(engine, "rita", Role.reviewer), "app_pages/agreement.py")
    assert not at.exception
    captions = [c.value for c in at.caption]
    claim_reading = captions[0]
    assert claim_reading.startswith("one category dominates: 94% of labels are “yes”")
    assert "AC1 0.91" in claim_reading
    assert captions[1].startswith("unreliable")  # the source tile: no paradox there
    coefficients = at.dataframe[0].value
    claim_interval = coefficients.loc[coefficients["field"] == "Is it a claim?", "95% interval of α"]
    assert claim_interval.iloc[0].startswith("undefined: because only")
    per_annotator = next(d.value for d in at.dataframe if "mean κ with the others" in d.value.columns)
    for value in _cells(coefficients) + _cells(per_annotator):
        assert value is not None and value != "None"
        assert not (isinstance(value, float) and math.isnan(value))


def test_throughput_tab_times_each_annotator_from_the_history(engine: Engine) -> None:
    """The sample's annotators saved one label every 2 minutes: 30 labels per hour, 120 s each."""
    at = app_as(add_user(engine, "rita", Role.reviewer), "app_pages/agreement.py")
    table = next(d.value for d in at.dataframe if "labels per hour" in d.value.columns)
    rows = {(r.annotator, r.article): r for r in table.itertuples(index=False)}
    for name in ("ana", "ben", "chloe"):
        row = rows[name, "france24-sessions-kislyak"]
        assert (row[2], row[3], row[4], row[5]) == (17, 16, "30.0", "120")
    chart = next(c for c in at.tabs[5].children.values() if getattr(c, "type", "") == "vega_lite_chart")
    assert "labels per hour" in chart.proto.spec
    at.multiselect(key="agr_annotators").set_value(["ana"]).run()
    table = next(d.value for d in at.dataframe if "labels per hour" in d.value.columns)
    assert set(table["annotator"]) == {"ana"}


def test_suggestions_tab_compares_the_suggester_with_annotators_and_reads_the_audit(engine: Engine) -> None:
    from annotator.exchange.suggest import suggest_documents

    suggest_documents(engine)
    at = app_as(add_user(engine, "rita", Role.reviewer), "app_pages/agreement.py")
    assert not at.exception
    assert not [d for d in at.dataframe if "source: κ" in d.value.columns]  # computed only when asked
    at.toggle(key="agr_suggest").set_value(True).run()
    suggester = next(d.value for d in at.dataframe if "source: κ" in d.value.columns)
    assert set(suggester["against"]) >= {"ana", "ben", "chloe"}
    assert all(str(cell) != "None" and str(cell) != "nan" for cell in _cells(suggester))
    audit = next(d.value for d in at.dataframe if "accepted when shown" in d.value.columns)
    assert audit["annotator"].tolist()[-1] == "everyone"
    assert any("sway" in c.value for c in at.caption)
