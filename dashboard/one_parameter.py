"""The page of any one-parameter example: observations, predictions, each sample's share of the slope, descent on b3."""

from __future__ import annotations

import streamlit as st

from dashboard import compute, network, network_ui, ui
from dashboard.examples import Example
from data import examples as ex


def page(example: Example) -> None:
    """Draw the example's page from top to bottom; every number is a call into its math (compute caches them)."""
    ui.b3_state(example)
    key = example.key
    st.title(example.title)
    st.markdown(example.intro)

    st.subheader("Observations")
    ui.number_table(example.observations(), key=f"{key}_observations", digits=example.observation_digits)

    st.subheader("Controls")
    b3 = ui.b3_control(example)
    lr, _ = ui.learning_controls(key)

    st.subheader(f"Predictions at b3 = {b3:.4f}")
    predictions = compute.predictions(example, b3)
    ui.table_with_yours(predictions, lambda: example.prediction_asks(b3, predictions), key=f"{key}_predictions")
    loss = compute.loss(example, b3)
    st.metric(example.loss_name, f"{loss:.4f}")
    heading, notes = example.at_start
    at_start = compute.predictions(example, example.start)
    ui.article_notes(heading, [(n.label, n.printed, at_start[n.column].iloc[n.row]) for n in notes])

    _slope_section(example, b3, lr, predictions, loss)

    st.subheader(f"{example.loss_name[0].upper()}{example.loss_name[1:]} against b3")
    ui.b3_curve(example, b3)

    st.subheader("Gradient descent")
    st.markdown(
        "Each step computes the step size = slope × learning rate and moves b3 by minus that. "
        f"Run repeats until a step would be smaller than {ex.MIN_STEP_SIZE}."
    )
    ui.b3_descent(example)
    _article_run(example)

    # Below b3 alone: every weight and bias, then training them all (the reference's backprop, absent in a release).
    if network.AVAILABLE:
        network_ui.every_parameter(example)
        network_ui.training(example)
    else:
        network_ui.needs_reference()


def _slope_section(example: Example, b3: float, lr: float, predictions, loss: float) -> None:
    """Each sample's term of the slope, their sum beside a finite difference, and the learner's own totals."""
    key = example.key
    st.subheader(f"Each {example.sample}'s share of {example.slope_name}")
    st.markdown(example.slope_text)
    asks = lambda: example.contribution_asks(b3, predictions)  # noqa: E731
    ui.table_with_yours(compute.contributions(example, b3), asks, key=f"{key}_contributions")
    total, numeric = compute.slope(example, b3), compute.numeric_slope(example, b3)
    left, right = st.columns(2)
    left.metric(f"{example.slope_name} = sum of the terms", f"{total:.4f}")
    right.metric("central finite difference", f"{numeric:.4f}")

    def totals() -> list:
        rows = [(example.slope_name, example.slope_ask(b3, predictions), total)]
        if example.loss_ask is not None:
            rows.insert(0, (example.loss_name, example.loss_ask(b3, predictions), loss))
        return rows

    ui.b3_yours_totals(example, b3, lr, totals)
    ui.slope_check([total], [numeric], example.slope_functions, example.clipped)
    start = f"Slope at b3 = {example.start:g}"
    ui.article_notes(start, [(example.slope_name, example.slope_at_start, compute.slope(example, example.start))])


def _article_run(example: Example) -> None:
    """The article's own descent, from its start at its learning rate, beside the numbers it printed."""
    run = compute.descent(example, example.start, example.learning_rate, ex.MAX_STEPS)
    heading, notes = example.descent
    shown = [
        (n.label, n.printed, None if n.step < 0 and not run.converged else ui.reached(run, n.step, n.field))
        for n in notes
    ]
    ui.article_notes(heading, shown, why=run.problem)
