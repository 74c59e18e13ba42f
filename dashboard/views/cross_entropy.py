"""Cross-entropy with SoftMax page: the iris network, each flower's share of dCE/db3, and gradient descent on b3."""

import pandas as pd
import streamlit as st

from dashboard import compute, network, network_ui, ui
from dashboard.compare import Ask
from data import examples as ex

PREFIX, START, LR = "ce", ex.CE_START_B3, ex.CE_LEARNING_RATE
ui.b3_state(PREFIX, START, LR)

st.title("Cross-entropy with SoftMax")
st.markdown(
    "Petal and sepal width pass through two ReLU hidden nodes to one raw output per species. SoftMax turns the "
    "three raw outputs into probabilities, and each flower's loss is -ln of the probability given to the species "
    "it really is. **b3** is the bias of the Setosa output: it moves z_Setosa and nothing else."
)

st.subheader("Observations")
observations = pd.DataFrame(
    {
        "petal width": ex.PETAL_WIDTH,
        "sepal width": ex.SEPAL_WIDTH,
        "species": [ex.SPECIES[k] for k in ex.OBSERVED_SPECIES],
    }
)
ui.number_table(observations, key="ce_observations", digits=2)

st.subheader("Controls")
b3 = ui.b3_control(PREFIX)
lr, max_steps = ui.learning_controls(PREFIX)

st.subheader(f"Predictions at b3 = {b3:.4f}")
predictions = compute.ce_predictions(b3)
z_columns = tuple(f"z {name}" for name in ex.SPECIES)
p_columns = tuple(f"p {name}" for name in ex.SPECIES)
raw, p = predictions[list(z_columns)].to_numpy(), predictions[list(p_columns)].to_numpy()  # the reference's
observed = ex.OBSERVED_SPECIES
ui.table_with_yours(
    predictions,
    [
        Ask("cross_entropy", "raw_outputs", (ex.PETAL_WIDTH, ex.SEPAL_WIDTH, b3), z_columns),
        Ask("cross_entropy", "softmax", (raw,), p_columns),  # from the reference's raw outputs: no cascade
        Ask("cross_entropy", "cross_entropy", (p, observed), ("cross-entropy -ln p_observed",)),
    ],
    key="ce_predictions",
)
st.metric("total cross-entropy", f"{compute.loss('ce', b3):.4f}")
start_p = compute.ce_predictions(START)["p Setosa"]
ui.article_notes(
    "p Setosa at b3 = -2",
    [(f"flower {i}", a, p) for i, a, p in zip((1, 2, 3), ("0.15", "0.04", "0.04"), start_p, strict=True)],
)

st.subheader("Each flower's share of dCE/db3")
st.markdown(
    "The chain rule has three links: how the loss reacts to the observed species' probability (-1/p_obs), how "
    "that probability reacts to z_Setosa, and how z_Setosa reacts to b3 (1, since b3 is added to it). SoftMax's "
    "derivative is p_S(1 - p_S) when the observed species is Setosa itself and -p_obs·p_S otherwise; multiplied "
    "out, each term is p_Setosa - 1 for a Setosa and p_Setosa for any other flower."
)
terms = Ask("cross_entropy", "cross_entropy_contributions_b3", (p, observed), ("term = product",))
ui.table_with_yours(compute.ce_contributions(b3), [terms], key="ce_contributions")
total, numeric = compute.slope("ce", b3), compute.numeric_slope("ce", b3)
left, right = st.columns(2)
left.metric("dCE/db3 = sum of the terms", f"{total:.4f}")
right.metric("central finite difference", f"{numeric:.4f}")
slope_ask = Ask("cross_entropy", "cross_entropy_derivative_b3", (p, observed), ())
ui.b3_yours_totals("ce", PREFIX, b3, lr, [("dCE/db3", slope_ask, total)])
ui.slope_check([total], [numeric], "ce")
ui.article_notes("Slope at b3 = -2", [("dCE/db3", "-0.77", compute.slope("ce", START))])

st.subheader("Total cross-entropy against b3")
ui.b3_curve("ce", PREFIX, b3, default_window=(-5.0, 3.0))

st.subheader("Gradient descent")
st.markdown(
    f"Each step computes the step size = slope × learning rate and moves b3 by minus that. "
    f"Run repeats until a step would be smaller than {ex.MIN_STEP_SIZE}."
)
ui.b3_descent("ce", PREFIX, START)
article_run = compute.descent("ce", START, LR, ex.MAX_STEPS)
ui.article_notes(
    "From b3 = -2 with learning rate 1",
    [
        ("b3 after one step", "-1.23", ui.reached(article_run, 0, "new")),
        ("b3 at convergence", "-0.03", ui.reached(article_run, -1, "new") if article_run.converged else None),
    ],
    why=article_run.problem,
)

# Below b3 alone: every weight and bias, then training them all (the reference's backprop module, absent in a release).
if network.AVAILABLE:
    network_ui.every_parameter(PREFIX)
    network_ui.training(PREFIX)
else:
    network_ui.needs_reference()
