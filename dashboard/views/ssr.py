"""Sum of squared residuals page: the dosage network, each sample's share of dSSR/db3, and gradient descent on b3."""

import pandas as pd
import streamlit as st

from dashboard import compute, network, network_ui, ui
from dashboard.compare import Ask
from data import examples as ex

PREFIX, START, LR = "ssr", ex.SSR_START_B3, ex.SSR_LEARNING_RATE
ui.b3_state(PREFIX, START, LR)

st.title("Sum of squared residuals")
st.markdown(
    "A dosage goes through two softplus hidden nodes and comes out as a predicted efficacy "
    "`y_hat = -1.22 · top - 2.30 · bottom + b3`. The loss is the sum of squared residuals (SSR). "
    "Only **b3** is trained here: it lifts all three predictions by the same amount."
)

st.subheader("Observations")
observations = pd.DataFrame({"dosage": ex.DOSAGE, "observed efficacy y": ex.EFFICACY})
ui.number_table(observations, key="ssr_observations", digits=1)

st.subheader("Controls")
b3 = ui.b3_control(PREFIX)
lr, max_steps = ui.learning_controls(PREFIX)

st.subheader(f"Predictions at b3 = {b3:.4f}")
predictions = compute.ssr_predictions(b3)
y_hat = tuple(predictions["predicted y_hat"])  # your functions get the reference's inputs: no mistake cascades
ui.table_with_yours(predictions, [Ask("ssr", "predict", (ex.DOSAGE, b3), ("predicted y_hat",))], key="ssr_predictions")
st.metric("SSR", f"{compute.loss('ssr', b3):.4f}")
start_outputs = compute.ssr_predictions(START)["predicted y_hat"]
ui.article_notes(
    "Outputs at b3 = 0",
    [(f"dosage {x:g}", a, y) for x, a, y in zip(ex.DOSAGE, ("-2.6", "-1.6", "-2.61"), start_outputs, strict=True)],
)

st.subheader("Each sample's share of dSSR/db3")
st.markdown(
    "By the chain rule each term is dSSR/dy_hat × dy_hat/db3. b3 is added straight to the output, so "
    "dy_hat/db3 = 1 and the term is just -2 (y - y_hat): a prediction below its observation pulls the slope down."
)
terms = Ask("ssr", "ssr_contributions", (ex.EFFICACY, y_hat), ("term = product",))
ui.table_with_yours(compute.ssr_contributions(b3), [terms], key="ssr_contributions")
total, numeric = compute.slope("ssr", b3), compute.numeric_slope("ssr", b3)
left, right = st.columns(2)
left.metric("dSSR/db3 = sum of the terms", f"{total:.4f}")
right.metric("central finite difference", f"{numeric:.4f}")
ui.b3_yours_totals(
    "ssr",
    PREFIX,
    b3,
    lr,
    [
        ("SSR", Ask("ssr", "ssr", (ex.EFFICACY, y_hat), ()), compute.loss("ssr", b3)),
        ("dSSR/db3", Ask("ssr", "ssr_derivative_b3", (ex.EFFICACY, y_hat), ()), total),
    ],
)
ui.slope_check([total], [numeric], "ssr")
ui.article_notes("Slope at b3 = 0", [("dSSR/db3", "-15.7", compute.slope("ssr", START))])

st.subheader("SSR against b3")
ui.b3_curve("ssr", PREFIX, b3, default_window=(-1.0, 6.0))

st.subheader("Gradient descent")
st.markdown(
    f"Each step computes the step size = slope × learning rate and moves b3 by minus that. "
    f"Run repeats until a step would be smaller than {ex.MIN_STEP_SIZE}."
)
ui.b3_descent("ssr", PREFIX, START)
article_run = compute.descent("ssr", START, LR, ex.MAX_STEPS)
ui.article_notes(
    "From b3 = 0 with learning rate 0.1",
    [
        ("first step size", "-1.57", ui.reached(article_run, 0, "step_size")),
        ("b3 after one step", "1.57", ui.reached(article_run, 0, "new")),
        ("b3 after two steps", "2.19", ui.reached(article_run, 1, "new")),
        ("b3 at convergence", "2.61", ui.reached(article_run, -1, "new") if article_run.converged else None),
    ],
    why=article_run.problem,
)

# Below b3 alone: every weight and bias, then training them all (the reference's backprop module, absent in a release).
if network.AVAILABLE:
    network_ui.every_parameter(PREFIX)
    network_ui.training(PREFIX)
else:
    network_ui.needs_reference()
