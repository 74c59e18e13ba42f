"""A one-parameter page's every-parameter sections: any weight or bias by the chain rule, and training them all."""

from __future__ import annotations

import streamlit as st

from dashboard import charts, compute, network, ui
from dashboard.examples import GRID, Example, Trained
from data import examples as ex

NEEDS_REFERENCE = (
    "**Every parameter** and **Train every parameter** need the reference's backprop module (solutions/backprop.py), "
    "which a learner copy does not include. Your own exercises/backprop.py is checked on the **Check my exercises** "
    "page."
)


def needs_reference() -> None:
    """In a learner release: one line saying why the every-parameter sections are missing."""
    st.info(NEEDS_REFERENCE)


def _reset_value(example: Example) -> None:
    # A newly picked parameter starts at its own article value, not at the previous parameter's.
    key = example.key
    st.session_state[f"{key}_pick_value"] = example.network.article()[st.session_state[f"{key}_pick_name"]]


def _picker(example: Example) -> tuple[str, float]:
    """The parameter selectbox and its value input; defaults are the first parameter at the article's value."""
    key, names = example.key, example.network.names()
    ui.init_state({f"{key}_pick_name": names[0], f"{key}_pick_value": example.network.article()[names[0]]})
    left, right = st.columns(2)
    name = left.selectbox(
        "parameter", names, format_func=network.label, key=f"{key}_pick_name", on_change=_reset_value, args=(example,)
    )
    limit = compute.PARAM_LIMIT
    value = right.number_input(
        "its value",
        -limit,
        limit,
        step=0.1,
        format="%.4f",
        key=f"{key}_pick_value",
        help="every other parameter stays at the article's value",
    )
    return name, float(value)


def every_parameter(example: Example) -> None:
    """Pick any weight or bias: its chain-rule links per sample, the total, a finite difference and the loss curve."""
    key, net = example.key, example.network
    loss = net.loss_name
    st.subheader("Every parameter")
    st.markdown(
        f"b3 is only one of the network's {len(net.names())} parameters. Pick any weight or bias: "
        f"backpropagation multiplies the links of the chain rule from the loss back to that parameter, for each of "
        f"{net.samples_drawn}. The further back the parameter, the longer the chain."
    )
    name, value = _picker(example)
    st.markdown(f"**Each sample's chain-rule links for {name} = {value:.4f}**")
    ui.number_table(network.chain_table(example, name, value), key=f"{key}_pick_chain")
    st.caption(net.links)
    at = network.slopes(example, name, value)
    left, middle, right = st.columns(3)
    left.metric(f"d{loss}/d{name} = sum of the terms", f"{at.total:.6f}")
    middle.metric(f"finite difference along {name}", f"{at.numeric:.6f}")
    right.metric(f"{loss} at this value", f"{at.loss:.4f}")
    ui.slope_check([at.total], [at.numeric], "the backprop module's chain functions", example.clipped)
    default = net.article()[name]
    low, high = compute.window((default - 3.0, default + 3.0), (value,))
    chart = charts.loss_curve(network.curve(example, name, low, high), name, value, at.loss, at.total, None)
    st.vega_lite_chart(chart, width="stretch", key=f"{key}_pick_curve")
    st.caption(
        f"Blue: the {loss} as {name} varies, every other parameter at the article's value · red dot: the chosen "
        "value · dashed red: the tangent there, whose slope is the total derivative."
    )


def _training_controls(example: Example) -> tuple[int, float, int]:
    key = example.key
    seed, lr, steps = network.defaults(example)
    ui.init_state({f"{key}_train_seed": seed, f"{key}_train_lr": lr, f"{key}_train_steps": steps})
    left, middle, right = st.columns(3)
    seed = left.number_input("seed (the random start)", *network.SEED_RANGE, step=1, key=f"{key}_train_seed")
    lr = middle.number_input(
        "learning rate",
        *compute.LR_RANGE,
        step=0.01,
        format="%.3f",
        key=f"{key}_train_lr",
        help="every update moves each parameter by -learning rate × its derivative",
    )
    steps = right.number_input("steps (updates)", *compute.STEPS_RANGE, step=500, key=f"{key}_train_steps")
    return int(seed), float(lr), int(steps)


def training(example: Example) -> None:
    """Gradient descent on every parameter at once from a random start: loss, parameter paths and the result."""
    key, loss = example.key, example.network.loss_name
    st.subheader("Train every parameter")
    st.markdown(
        f"Here every weight and bias learns at once, starting from random values (a standard normal draw fixed by "
        f"the seed), on {example.network.trained_on}. Each update moves all of them against their derivatives."
    )
    run = network.train(example, *_training_controls(example))
    if run.problem:
        st.error(run.problem)
        return
    if run.last_loss > run.first_loss:
        st.warning(
            f"The {loss} ended higher than it started ({run.first_loss:.4g} → {run.last_loss:.4g}): the updates "
            "overshoot. Try a smaller learning rate."
        )
    _training_metrics(loss, run)
    left, right = st.columns(2)
    left.markdown(f"**{loss} after each step**")
    left.vega_lite_chart(charts.loss_per_step(run.losses), width="stretch", key=f"{key}_train_loss")
    right.markdown("**Every parameter as it moves**")
    right.vega_lite_chart(charts.parameter_paths(run.paths), width="stretch", key=f"{key}_train_paths")
    st.caption(f"Both charts show at most {network.MOST_POINTS} evenly spaced steps, the first and last included.")
    st.markdown("**The parameters before and after training**")
    ui.number_table(run.final, key=f"{key}_train_final", whole=True)
    _stuck_note(run)
    _trained(run.trained, key)


def _stuck_note(run: network.Training) -> None:
    """Name the parameters training never moved: a dead ReLU node is worth pointing out, not leaving to be found."""
    if run.stuck:
        st.info(
            f"{len(run.stuck)} parameters never moved: {', '.join(run.stuck)}. Their derivative was 0 at every "
            "step: a ReLU node whose input is below 0 for every sample outputs 0 and passes no slope back (a "
            "'dead' node), so neither its own weights nor the weights leaving it learn. Another seed may bring it "
            "to life."
        )


def _loss_text(loss: float) -> str:
    return f"{loss:.4f}" if loss >= 1e-3 else f"{loss:.2e}"  # a fitted SSR is tiny: 0.0000 would hide how tiny


def _training_metrics(loss: str, run: network.Training) -> None:
    extra = run.trained.metrics if run.trained else ()
    columns = st.columns(2 + len(extra))
    columns[0].metric(f"{loss} before training", _loss_text(run.first_loss))
    columns[1].metric(f"final {loss}", _loss_text(run.last_loss))
    for column, (label, value) in zip(columns[2:], extra, strict=True):
        column.metric(label, value)


def _trained(trained: Trained | None, key: str) -> None:
    """What the trained network does: its tables, and where it predicts which species when it classifies."""
    if trained is None:
        return
    for heading, table_key, table in trained.tables:
        st.markdown(f"**{heading}**")
        ui.number_table(table, key=table_key)
    if trained.regions is not None:
        st.markdown("**Which species the trained network predicts where**")
        regions = charts.decision_regions(trained.regions, trained.samples, ex.SPECIES)
        st.vega_lite_chart(regions, width="stretch", key=f"{key}_train_regions")
        st.caption(
            f"Each of the {GRID}×{GRID} cells takes the colour of the species the network gives the highest "
            "probability at its centre; the dots are the 150 flowers, coloured by their real species (flowers with "
            "the same two widths share a dot)."
        )
