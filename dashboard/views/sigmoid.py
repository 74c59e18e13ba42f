"""Sigmoid unit page: five students, the chain rule's three factors, and gradient descent on w1, w2 and b together."""

import pandas as pd
import streamlit as st

from dashboard import charts, compute, ui
from dashboard.compare import Ask
from data import examples as ex

PREFIX = "sig"
KEYS = tuple(f"{PREFIX}_{name}" for name in compute.PARAM_NAMES)  # the three parameter inputs
X_RANGE, Y_RANGE = (0.0, 4.0), (0.0, 3.0)  # the (x1, x2) plane shown: every student with some margin


def current_params() -> compute.Params:
    """(w1, w2, b) as the inputs hold them."""
    return tuple(float(st.session_state[key]) for key in KEYS)


def step() -> None:
    """One update of all three parameters; a callback, so it runs before the inputs are drawn."""
    run = compute.sigmoid_step(current_params(), float(st.session_state[f"{PREFIX}_lr"]))
    note = None
    if run.rows:
        for key, value in zip(KEYS, run.rows[0].new, strict=True):
            st.session_state[key] = value
        number = len(st.session_state[f"{PREFIX}_history"]) + 1
        w1, w2, b = run.rows[0].new
        note = f"Step {number}: w1 = {w1:.4f}, w2 = {w2:.4f}, b = {b:.4f}; loss {run.rows[0].loss_after:.4f}."
    ui.record(PREFIX, run, note)


def reset() -> None:
    """Back to the example's starting parameters, with no history."""
    for key, value in zip(KEYS, ex.SIGMOID_START, strict=True):
        st.session_state[key] = value
    ui.clear_run(PREFIX)


def history_table(rows: list[compute.SigmoidRow]) -> pd.DataFrame:
    """One row per update: old values, derivatives, new values and the loss after."""
    names = compute.PARAM_NAMES
    columns = [*names, *(f"dL/d{n}" for n in names), *(f"new {n}" for n in names), "loss after"]
    return pd.DataFrame([(*r.old, *r.gradients, *r.new, r.loss_after) for r in rows], columns=columns)


ui.init_state(
    {
        **dict(zip(KEYS, ex.SIGMOID_START, strict=True)),
        f"{PREFIX}_curve_param": "w1",
        **ui.descent_defaults(PREFIX, ex.SIGMOID_LEARNING_RATE),
    }
)
ui.apply_pending(PREFIX)

st.title("Sigmoid with binary cross-entropy")
st.markdown(
    "One sigmoid unit guesses whether a student passed from hours of study x1 and practice tests taken x2: "
    "`z = w1·x1 + w2·x2 + b`, `a = sigmoid(z)` is the predicted chance of passing, and each student's loss is "
    "`-(y ln a + (1 - y) ln(1 - a))`. Here all three parameters learn at once."
)

st.subheader("Observations")
students = pd.DataFrame(
    {
        "student": range(1, len(ex.SIGMOID_Y) + 1),
        "hours x1": ex.SIGMOID_X1,
        "tests x2": ex.SIGMOID_X2,
        "passed y": ex.SIGMOID_Y,
    }
)
ui.number_table(students, key="sig_observations", digits=1)

st.subheader("Controls")
limit = compute.PARAM_LIMIT
for column, key, name in zip(st.columns(3), KEYS, compute.PARAM_NAMES, strict=True):
    column.number_input(name, -limit, limit, step=0.1, format="%.4f", key=key, on_change=ui.clear_run, args=(PREFIX,))
lr, max_steps = ui.learning_controls(PREFIX)
params = current_params()
w1, w2, b = params

st.subheader(f"Predictions at w1 = {w1:.4f}, w2 = {w2:.4f}, b = {b:.4f}")
predictions = compute.sigmoid_predictions(params)
z, a = tuple(predictions["z = w1·x1 + w2·x2 + b"]), tuple(predictions["a = sigmoid(z)"])  # the reference's
ui.table_with_yours(
    predictions,
    lambda: [
        Ask("logistic", "sigmoid", (z,), ("a = sigmoid(z)",)),
        Ask("logistic", "binary_cross_entropy", (ex.SIGMOID_Y, a), ("loss",)),  # from the reference's a: no cascade
    ],
    key="sig_predictions",
)
left, right = st.columns(2)
with left:
    st.metric("total loss", f"{compute.sigmoid_loss(params):.4f}")
    ui.article_notes(
        "At the start, worked by hand in docs/sigmoid-example.md",
        [("total loss", "3.5432", compute.sigmoid_loss(ex.SIGMOID_START))],
        source="by hand",
    )
    st.markdown(
        "On the right, each student sits at (hours, tests). The unit predicts *passed* (a > 0.5) on the side of "
        "the dashed line where z > 0. A wrong side, or a point close to the line, costs loss."
    )
with right:
    plane = students.rename(columns={"hours x1": "x1", "tests x2": "x2"})
    plane["outcome"] = ["passed" if y else "failed" for y in ex.SIGMOID_Y]
    boundary = charts.boundary_points(w1, w2, b, X_RANGE)
    st.vega_lite_chart(charts.decision_boundary(plane, boundary, X_RANGE, Y_RANGE), width="stretch", key="sig_plane")
    st.caption(
        "Dashed: the decision boundary, where z = 0 and a = 0.5. "
        + ("" if len(boundary) else "With w1 = w2 = 0 there is no boundary: every student gets the same a.")
    )

st.subheader("Each student's share of the derivatives")
st.markdown(
    "The chain rule runs backwards from the loss: dL/da (how the loss reacts to the prediction), da/dz = a(1 - a) "
    "(the sigmoid's slope), and dz/dw (the input that the weight multiplies; 1 for b). The first two always "
    "multiply to a - y, so a student's term is (a - y) × x1 for w1, (a - y) × x2 for w2 and a - y for b."
)
factors = [
    Ask("logistic", "dloss_da", (ex.SIGMOID_Y, a), ("dL/da",)),
    Ask("logistic", "da_dz", (a,), ("da/dz = a(1-a)",)),
    Ask("logistic", "dloss_dz", (ex.SIGMOID_Y, a), ("dL/dz = a - y",)),
]
ui.table_with_yours(compute.sigmoid_contributions(params), lambda: factors, key="sig_contributions")
st.caption("Each derivative is the sum of its term column over the five students; the table below adds them up.")

st.subheader("The three derivatives and the next update")
next_update = compute.sigmoid_next_update(params, lr)
grads = tuple(next_update["derivative dL/dparam (sum)"])
inputs = (ex.SIGMOID_X1, ex.SIGMOID_X2, ex.SIGMOID_Y)
ui.table_with_yours(
    next_update,
    lambda: [
        Ask("logistic", "gradients", (*inputs, *params), ("derivative dL/dparam (sum)",)),
        Ask("logistic", "update", (*params, grads, lr), ("new value",)),
    ],
    key="sig_update",
)
analytic, numeric = compute.sigmoid_gradients(params), compute.sigmoid_numeric_gradients(params)
ui.slope_check(analytic, numeric, compute.SIGMOID_SLOPE_FUNCTIONS, clipped=True)
start_update = compute.sigmoid_next_update(ex.SIGMOID_START, ex.SIGMOID_LEARNING_RATE)
by_hand = {"w1": ("-2.4593", "0.7459"), "w2": ("-0.7106", "0.5711"), "b": ("-0.8693", "-1.9131")}
ui.article_notes(
    "From the start with learning rate 0.1, worked by hand in docs/sigmoid-example.md",
    [
        item
        for (n, (slope, new)), row in zip(by_hand.items(), start_update.itertuples(index=False), strict=True)
        for item in ((f"dL/d{n}", slope, row[2]), (f"new {n}", new, row[5]))
    ],
    source="by hand",
)

st.subheader("The loss landscape")
left, right = st.columns(2)
with left:
    name = st.radio("loss against", compute.PARAM_NAMES, horizontal=True, key=f"{PREFIX}_curve_param")
    index = compute.PARAM_NAMES.index(name)
    low, high = compute.window((params[index] - 3, params[index] + 3), ())
    chart = charts.loss_curve(
        compute.sigmoid_loss_curve(params, index, low, high),
        name,
        params[index],
        compute.sigmoid_loss(params),
        compute.sigmoid_gradients(params)[index],
        None,
    )
    st.vega_lite_chart(chart, width="stretch", key="sig_curve")
    st.caption(
        f"The loss as {name} varies with the other two held where they are; dashed: the tangent, slope dL/d{name}."
    )
with right:
    rows = st.session_state[f"{PREFIX}_history"]
    if rows:
        losses = compute.thin((compute.sigmoid_loss(rows[0].old), *(r.loss_after for r in rows)))
        per_step = pd.DataFrame({"step": compute.thin(tuple(range(len(rows) + 1))), "loss": losses})
        st.vega_lite_chart(charts.loss_per_step(per_step), width="stretch", key="sig_steps")
        st.caption("The total loss after each step of gradient descent.")
    else:
        st.caption("The loss per step appears here once gradient descent has taken a step.")

st.subheader("Gradient descent")
st.markdown(
    "Step moves every parameter against its own derivative: w := w - learning rate × dL/dw. Run repeats until "
    f"all three steps would be smaller than {ex.MIN_STEP_SIZE}."
)
ui.stepper(PREFIX, step, reset, lambda start, steps: compute.sigmoid_descent(start, lr, steps), KEYS, history_table)
