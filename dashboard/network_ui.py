"""The two network pages' every-parameter sections: any weight or bias by the chain rule, and training them all."""

from __future__ import annotations

import streamlit as st

from dashboard import charts, compute, network, ui
from data import examples as ex

NEEDS_REFERENCE = (
    "**Every parameter** and **Train every parameter** need the reference's backprop module (solutions/backprop.py), "
    "which a learner copy does not include. Your own exercises/backprop.py is checked on the **Check my exercises** "
    "page."
)
WHAT_IS_DRAWN = {
    "ssr": "the article's three dosages",
    "ce": "the article's three flowers",
}
LINKS = {  # what each kind of link in the chain table is, in words
    "ssr": (
        "dSSR/dy_hat = -2 (y - y_hat) · dy_hat/dw3 = top and dy_hat/dw4 = bottom (the node's output), dy_hat/db3 = 1 "
        "· dy_hat/dtop = w3 and dy_hat/dbottom = w4 · dtop/dtop_in = sigmoid(top_in), the slope of softplus · "
        "dtop_in/dw1 = the dosage, and 1 for a bias."
    ),
    "ce": (
        "dCE/dz_species = p_species, minus 1 if that species was observed · dz_species/dw = the hidden node's output "
        "(1 for a bias) · dCE/dtop adds dCE/dz × the weight from top over all three species, because top feeds all "
        "three · dtop/dtop_in = ReLU's slope: 1 if top_in > 0, else 0 · dtop_in/dw = the petal or sepal width "
        "(1 for a bias)."
    ),
}
TRAINED_ON = {
    "ssr": "the article's three dosages (SSR)",
    "ce": "all 150 flowers of Fisher's iris data (cross-entropy summed over them)",
}


def needs_reference() -> None:
    """In a learner release: one line saying why the every-parameter sections are missing."""
    st.info(NEEDS_REFERENCE)


def _reset_value(net: compute.Method) -> None:
    # A newly picked parameter starts at its own article value, not at the previous parameter's.
    st.session_state[f"{net}_pick_value"] = network.article(net)[st.session_state[f"{net}_pick_name"]]


def _picker(net: compute.Method) -> tuple[str, float]:
    """The parameter selectbox and its value input; defaults are the first parameter at the article's value."""
    first = network.names(net)[0]
    ui.init_state({f"{net}_pick_name": first, f"{net}_pick_value": network.article(net)[first]})
    left, right = st.columns(2)
    name = left.selectbox(
        "parameter",
        network.names(net),
        format_func=network.label,
        key=f"{net}_pick_name",
        on_change=_reset_value,
        args=(net,),
    )
    limit = compute.PARAM_LIMIT
    value = right.number_input(
        "its value",
        -limit,
        limit,
        step=0.1,
        format="%.4f",
        key=f"{net}_pick_value",
        help="every other parameter stays at the article's value",
    )
    return name, float(value)


def every_parameter(net: compute.Method) -> None:
    """Pick any weight or bias: its chain-rule links per sample, the total, a finite difference and the loss curve."""
    loss = network.LOSS_NAME[net]
    st.subheader("Every parameter")
    st.markdown(
        f"b3 is only one of the network's {len(network.names(net))} parameters. Pick any weight or bias: "
        f"backpropagation multiplies the links of the chain rule from the loss back to that parameter, for each of "
        f"{WHAT_IS_DRAWN[net]}. The further back the parameter, the longer the chain."
    )
    name, value = _picker(net)
    st.markdown(f"**Each sample's chain-rule links for {name} = {value:.4f}**")
    ui.number_table(network.chain_table(net, name, value), key=f"{net}_pick_chain")
    st.caption(LINKS[net])
    at = network.slopes(net, name, value)
    left, middle, right = st.columns(3)
    left.metric(f"d{loss}/d{name} = sum of the terms", f"{at.total:.6f}")
    middle.metric(f"finite difference along {name}", f"{at.numeric:.6f}")
    right.metric(f"{loss} at this value", f"{at.loss:.4f}")
    ui.slope_check([at.total], [at.numeric], net)
    default = network.article(net)[name]
    low, high = compute.window((default - 3.0, default + 3.0), (value,))
    chart = charts.loss_curve_spec(network.curve(net, name, low, high), name, value, at.loss, at.total)
    st.vega_lite_chart(chart, width="stretch", key=f"{net}_pick_curve")
    st.caption(
        f"Blue: the {loss} as {name} varies, every other parameter at the article's value · red dot: the chosen "
        "value · dashed red: the tangent there, whose slope is the total derivative."
    )


def _training_controls(net: compute.Method) -> tuple[int, float, int]:
    seed, lr, steps = network.defaults(net)
    ui.init_state({f"{net}_train_seed": seed, f"{net}_train_lr": lr, f"{net}_train_steps": steps})
    left, middle, right = st.columns(3)
    seed = left.number_input("seed (the random start)", *network.SEED_RANGE, step=1, key=f"{net}_train_seed")
    lr = middle.number_input(
        "learning rate",
        *compute.LR_RANGE,
        step=0.01,
        format="%.3f",
        key=f"{net}_train_lr",
        help="every update moves each parameter by -learning rate × its derivative",
    )
    steps = right.number_input("steps (updates)", *network.STEPS_RANGE, step=500, key=f"{net}_train_steps")
    return int(seed), float(lr), int(steps)


def training(net: compute.Method) -> None:
    """Gradient descent on every parameter at once from a random start: loss, parameter paths and the result."""
    loss = network.LOSS_NAME[net]
    st.subheader("Train every parameter")
    st.markdown(
        f"Here every weight and bias learns at once, starting from random values (a standard normal draw fixed by "
        f"the seed), on {TRAINED_ON[net]}. Each update moves all of them against their derivatives."
    )
    run = network.train(net, *_training_controls(net))
    if run.problem:
        st.error(run.problem)
        return
    if run.last_loss > run.first_loss:
        st.warning(
            f"The {loss} ended higher than it started ({run.first_loss:.4g} → {run.last_loss:.4g}): the updates "
            "overshoot. Try a smaller learning rate."
        )
    _training_metrics(net, run)
    left, right = st.columns(2)
    left.markdown(f"**{loss} after each step**")
    left.vega_lite_chart(charts.loss_per_step_spec(run.losses), width="stretch", key=f"{net}_train_loss")
    right.markdown("**Every parameter as it moves**")
    right.vega_lite_chart(charts.parameter_paths(run.paths), width="stretch", key=f"{net}_train_paths")
    st.caption(f"Both charts show at most {network.MOST_POINTS} evenly spaced steps, the first and last included.")
    st.markdown("**The parameters before and after training**")
    ui.number_table(run.final, key=f"{net}_train_final", whole=True)
    _stuck_note(run)
    if net == "ssr":
        st.markdown("**The trained network's predictions**")
        ui.number_table(run.extra["predictions"], key="ssr_train_predictions")
    else:
        _iris_result(run)


def _stuck_note(run: network.Training) -> None:
    """Name the parameters training never moved: a dead ReLU node is worth pointing out, not leaving to be found."""
    stuck = run.final.loc[run.final["start (seeded)"] == run.final["trained"], "parameter"]
    if len(stuck):
        st.info(
            f"{len(stuck)} parameters never moved: {', '.join(stuck)}. Their derivative was 0 at every step: a ReLU "
            "node whose input is below 0 for every sample outputs 0 and passes no slope back (a 'dead' node), so "
            "neither its own weights nor the weights leaving it learn. Another seed may bring it to life."
        )


def _loss_text(loss: float) -> str:
    return f"{loss:.4f}" if loss >= 1e-3 else f"{loss:.2e}"  # a fitted SSR is tiny: 0.0000 would hide how tiny


def _training_metrics(net: compute.Method, run: network.Training) -> None:
    loss = network.LOSS_NAME[net]
    columns = st.columns(4 if net == "ce" else 2)
    columns[0].metric(f"{loss} before training", _loss_text(run.first_loss))
    columns[1].metric(f"final {loss}", _loss_text(run.last_loss))
    if net == "ce":
        columns[2].metric("accuracy on the 150 flowers", f"{run.extra['accuracy']:.1%}")
        columns[3].metric("article flowers correct", f"{run.extra['article_correct']} of {len(ex.OBSERVED_SPECIES)}")


def _iris_result(run: network.Training) -> None:
    st.markdown("**The article's three flowers, classified by the trained network**")
    ui.number_table(run.extra["article_flowers"], key="ce_train_article_flowers")
    st.markdown("**Which species the trained network predicts where**")
    regions = charts.decision_regions(run.extra["regions"], run.extra["samples"], ex.SPECIES)
    st.vega_lite_chart(regions, width="stretch", key="ce_train_regions")
    st.caption(
        f"Each of the {network.GRID}×{network.GRID} cells takes the colour of the species the network gives the "
        "highest probability at its centre; the dots are the 150 flowers, coloured by their real species (flowers with "
        "the same two widths share a dot)."
    )
