"""Class analytics page, for instructors: a class's scores, each check's pass rate, and the mistakes behind them."""

import streamlit as st

from dashboard import analytics, charts, mathsource, ui

SAMPLE = analytics.SAMPLE

st.title("Class analytics")
st.markdown(
    "Load the JSON that `python -m grader CLASS_FOLDER --json checks.json` writes: the score distribution, every "
    "check's pass rate worst first, and for each worked example a class got wrong, its most common wrong values "
    "with the mistake each points to (recomputed from the reference on that example's input)."
)
if not mathsource.REFERENCE:
    st.info("This page needs the reference solutions to diagnose mistakes: it runs in the instructor's copy.")
    st.stop()

left, right = st.columns(2)
upload = left.file_uploader("a class JSON", type="json", key="analytics_upload")
path = right.text_input("or its path", value="", key="analytics_path", placeholder=str(SAMPLE))
try:
    upload_id, upload_bytes = (upload.file_id, upload.getvalue) if upload else (None, bytes)
    (learners, rates, wrong), source = analytics.summary(upload_id, upload_bytes, path)
except analytics.NotAClassFile as error:
    st.error(f"{error}. Give the `--json` file of a class run, or leave both fields empty for the sample class.")
    st.stop()
st.caption(f"Showing {source}: {len(learners)} learners.")

top = st.columns(3)
top[0].metric("learners", len(learners))
top[1].metric("median score", f"{learners['score'].median():g}/{learners['max_score'].max()}")
top[2].metric("could not be graded", int((learners["error"] != "").sum()))

st.subheader("Scores")
st.vega_lite_chart(charts.score_histogram(learners[["score"]]), width="stretch", key="analytics_scores")

st.subheader("Pass rate of every check, worst first")
ui.number_table(rates, key="analytics_rates")

st.subheader("Wrong values and the mistakes they point to")
if wrong.empty:
    st.caption("No worked example was answered wrongly.")
else:
    st.dataframe(wrong, hide_index=True, key="analytics_wrong")
