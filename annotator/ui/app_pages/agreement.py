"""Agreement (reviewers, admins): headline coefficients, heatmaps, per-source bars, disputes."""

from __future__ import annotations

import altair as alt
import streamlit as st

from annotator.exchange.suggest import anchoring
from annotator.reports import agreement_frames as frames
from annotator.reports.agreement import describe_disagreements, store_agreement
from annotator.reports.suggest_frames import (
    anchoring_frame,
    pull_text,
    suggester_evaluations,
    suggester_frame,
)
from annotator.reports.throughput import store_throughput, throughput_chart_frame, throughput_frame
from annotator.store.documents import list_document_ids
from annotator.store.labels import data_version
from annotator.store.models import Role
from annotator.store.users import list_users
from annotator.ui.common import db_session, engine, require_role
from annotator.ui.sentence_view import show_sentence_labels
from annotator.ui.text import show_table

require_role(Role.reviewer, Role.admin)
st.title("Agreement")


@st.cache_data(ttl=300, show_spinner="Computing agreement…")
def _report(document_id: str | None, annotators: tuple[str, ...], version: int, bootstrap: int):  # type: ignore[no-untyped-def]
    report = store_agreement(
        engine(), document_id=document_id, annotators=annotators or None, bootstrap=bootstrap, seed=1
    )
    return report, describe_disagreements(engine(), report, limit=100)


@st.cache_data(ttl=300, show_spinner="Comparing suggestions…")
def _suggestions(document_id: str | None, version: int):  # type: ignore[no-untyped-def]
    found, missing = suggester_evaluations(engine(), document_id=document_id)
    return found, missing, anchoring(engine(), document_id=document_id)


@st.cache_data(ttl=300, show_spinner=False)
def _throughput(document_id: str | None, annotators: tuple[str, ...], version: int):  # type: ignore[no-untyped-def]
    return store_throughput(engine(), document_id=document_id, annotators=annotators or None)


with db_session() as session:
    doc_ids = list_document_ids(session=session)
    names = [u.name for u in list_users(session=session)]
    version = data_version(session=session)
left, right = st.columns(2)
scope = left.selectbox("Article", ["all articles", *doc_ids], key="agr_doc")
chosen = right.multiselect("Annotators (none = everyone)", names, key="agr_annotators")
report, disputes = _report(None if scope == "all articles" else scope, tuple(chosen), version, 1000)

headline = frames.headline_rows(report)
for column, row in zip(st.columns(len(headline)), headline, strict=True):
    column.metric(
        f"{row['title']}: α ({row['metric']})",
        row["alpha_text"],
        row["interval_text"],
        delta_color="off",
        delta_arrow="off",
        help=row["why_undefined"] or "Krippendorff's alpha; the interval is a bootstrap over sentences.",
    )
    column.caption(row["reading"])
st.markdown("**Evidence**")
for column, row in zip(st.columns(3), frames.evidence_rows(report), strict=True):
    column.metric(row["title"], row["value_text"], help=row["help"])
    column.caption(row["caption"])
with st.expander("All coefficients"):
    st.dataframe(frames.coefficients_table(report), hide_index=True)
    st.caption(
        "Krippendorff (2004): rely on data with α ≥ 0.800; 0.667 ≤ α < 0.800 allows tentative "
        "conclusions only. Gwet's AC1 stays high when one category dominates, where κ and α drop."
    )
    st.caption(frames.ac1_categories_note(report))

kappas = frames.kappa_frame(report)
tab_pairs, tab_confusion, tab_sources, tab_calibration, tab_disputes, tab_throughput, tab_suggestions = (
    st.tabs(
        [
            "Annotator pairs",
            "Source confusion",
            "Per source",
            "Confidence vs agreement",
            "Disagreements",
            "Throughput",
            "Suggestions",
        ]
    )
)
with tab_pairs:
    if kappas.empty:
        st.info("Agreement needs at least two annotators who labelled the same sentences.")
    else:
        heat = (
            alt.Chart(kappas)
            .mark_rect()
            .encode(
                x=alt.X("other:N", title=None),
                y=alt.Y("annotator:N", title=None),
                color=alt.Color("kappa:Q", scale=alt.Scale(domain=[-1, 1], scheme="redblue")),
                tooltip=["annotator", "other", alt.Tooltip("kappa:Q", format=".3f"), "why_undefined"],
            )
        )
        text = heat.mark_text().encode(text=alt.Text("kappa:Q", format=".2f"), color=alt.value("black"))
        st.altair_chart(
            (heat + text).properties(height=60 + 40 * kappas["annotator"].nunique()), width="stretch"
        )
        st.caption("Cohen's κ on the source (not-a-claim and unattributed count as categories).")
        show_table(frames.annotator_frame(report), hide_index=True)
with tab_confusion:
    pair = st.selectbox("Pair", ["all pairs (pooled)", *report.source_confusion_pairs], key="agr_pair")
    confusion = frames.confusion_frame(report, None if pair.startswith("all") else pair)
    st.altair_chart(
        alt.Chart(confusion)
        .mark_rect()
        .encode(
            x=alt.X("other source:N"),
            y=alt.Y("source:N"),
            color=alt.Color("count:Q", scale=alt.Scale(scheme="blues")),
            tooltip=["source", "other source", "count"],
        ),
        width="stretch",
    )
with tab_sources:
    per_source = frames.per_source_frame(report)
    st.altair_chart(
        alt.Chart(per_source)
        .mark_bar()
        .encode(
            x=alt.X("alpha:Q", scale=alt.Scale(domain=[-1, 1]), title="α, this source vs the rest"),
            y=alt.Y("source:N", sort="x"),
            tooltip=["source", "alpha", "specific_agreement", "labels"],
        ),
        width="stretch",
    )
    st.caption("Low bars show the sources the guidelines fail on.")
with tab_calibration:
    calibration = frames.calibration_frame(report)
    st.altair_chart(
        alt.Chart(calibration)
        .mark_bar()
        .encode(
            x=alt.X("confidence:O"),
            y=alt.Y(
                "source_agreement:Q", scale=alt.Scale(domain=[0, 1]), title="others chose the same source"
            ),
            tooltip=["confidence", "pairs", "source_agreement"],
        ),
        width="stretch",
    )
    st.caption("If stated confidence means something, the bars rise from left to right.")
with tab_disputes:
    table = frames.disagreement_frame(disputes)
    show_table(
        table.drop(columns=["sentence_id"]),
        hide_index=True,
        column_config={
            "pairs differing": st.column_config.ProgressColumn(min_value=0.0, max_value=1.0, format="percent")
        },
    )
    if not table.empty:
        captions = {
            row.sentence_id: f"{row.article} #{row.sentence}: {row.text[:90]}" for row in table.itertuples()
        }
        sentence_id = st.selectbox(
            "Open a disputed sentence", list(captions), format_func=captions.__getitem__, key="agr_open"
        )
        show_sentence_labels(int(sentence_id))
with tab_throughput:
    # Here rather than on "My progress": this page is for reviewers and admins only, so no
    # annotator ever sees another's pace, and it already has the article and annotator filters.
    speed = _throughput(None if scope == "all articles" else scope, tuple(chosen), version)
    st.dataframe(throughput_frame(speed), hide_index=True)
    bars = throughput_chart_frame(speed)
    if bars.empty:
        st.info("No two saves of one annotator within 10 minutes of each other yet: nothing to time.")
    else:
        st.altair_chart(
            alt.Chart(bars)
            .mark_bar()
            .encode(
                x=alt.X("labels per hour:Q"),
                y=alt.Y("annotator:N", title=None),
                yOffset="article:N",
                color=alt.Color("article:N"),
                tooltip=["annotator", "article", "labels per hour", "median seconds per sentence"],
            ),
            width="stretch",
        )
    st.caption(
        "From the label history: a save's time is the gap since the annotator's previous save; "
        "gaps over 10 minutes are breaks and count for nothing."
    )
with tab_suggestions:
    # Computed only when asked: comparing the suggester runs the rules over every article and
    # bootstraps intervals, which the page's other tabs should not wait for.
    if st.toggle("Compare the suggester with gold and the annotators", key="agr_suggest"):
        evaluations, missing, (share, audit) = _suggestions(
            None if scope == "all articles" else scope, version
        )
        st.markdown("**The suggester against gold and against each annotator** (95 % bootstrap intervals)")
        st.dataframe(suggester_frame(*evaluations), hide_index=True)
        for reason in missing:
            st.caption(reason)
        st.markdown(
            f"**Anchoring audit**: {share:.0%} of sentences are shown to each annotator without a suggestion"
        )
        st.dataframe(anchoring_frame(audit), hide_index=True)
        st.caption(pull_text(audit.pull))
