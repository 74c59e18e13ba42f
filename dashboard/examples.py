"""The dashboard's examples as data: each one-parameter example is one Example, each backprop network one Network."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from dashboard import mathsource
from dashboard.compare import Ask
from dashboard.mathsource import backprop as bp
from dashboard.mathsource import cross_entropy as ce
from dashboard.mathsource import ssr
from data import examples as ex
from data.iris import load_iris
from grader.sandbox import LearnerCall, X

TINY = float(np.finfo(float).tiny)  # guards -1/p against an exact 0; every p the controls reach is far above it


@dataclass(frozen=True)
class ArticleNote:
    """A number the article printed, beside where the dashboard computes it: a column of a table at the start, or
    a field of the article's gradient-descent run (step: which update; -1 is the last, shown once converged)."""

    label: str
    printed: str
    column: str = ""
    row: int = 0
    step: int = 0
    field: str = "new"


@dataclass(frozen=True)
class Network:
    """A network whose every weight and bias the every-parameter sections show (the reference's backprop only)."""

    loss_name: str  # "SSR" or "CE"
    samples_drawn: str  # what the chain table's rows are, in words
    links: str  # each kind of chain-rule link, in words
    trained_on: str
    names: Callable[[], tuple[str, ...]]  # the parameters, in the reference's order
    article: Callable[[], dict[str, float]]  # the article's parameter values
    loss: Callable[[dict[str, float]], float]  # the total loss on the article's samples
    gradients: Callable[[dict[str, float]], dict[str, np.ndarray]]  # each parameter's per-sample derivatives
    chain: Callable[[dict[str, float], str], dict[str, np.ndarray]]  # one parameter's chain-rule links per sample
    sample_column: Callable[[], dict[str, Any]]  # the chain table's first column
    # The reference's train_* function, looked up when used (a learner release has none): (final, losses, history).
    trainer: Callable[[], Callable[..., tuple[dict[str, float], np.ndarray, np.ndarray]]]
    training_data: Callable[[], tuple]
    trained: Callable[[dict[str, float]], Trained]  # what the trained parameters do, to show after training


@dataclass(frozen=True)
class Trained:
    """What a trained network does, ready to show: a few numbers, tables, and where it predicts which class."""

    metrics: tuple[tuple[str, str], ...] = ()  # (label, value as text)
    tables: tuple[tuple[str, str, pd.DataFrame], ...] = ()  # (heading, key, table)
    regions: pd.DataFrame | None = None  # petal, petal_end, sepal, sepal_end, species: the decision map's cells
    samples: pd.DataFrame | None = None  # the flowers drawn over the map


GRID = 60  # the decision map is GRID x GRID cells over the unit square


@dataclass(frozen=True)
class Example:
    """One method whose bias b3 alone is trained: its words, data, math (reference or the learner's functions, as
    dashboard.mathsource chose) and the article's values. One page builder (dashboard/one_parameter.py) draws any."""

    key: str  # session-state prefix and cache key: unique per example
    title: str
    intro: str
    sample: str  # what one observation is: "sample", "flower"
    loss_name: str  # "SSR", "total cross-entropy"
    slope_name: str  # "dSSR/db3"
    slope_text: str  # how each sample's term comes about
    slope_functions: str  # the learner functions to look at when the slope disagrees with the loss
    clipped: bool  # the loss clips probabilities, so a finite difference can disagree with the formula
    start: float
    learning_rate: float
    window: tuple[float, float]  # the loss curve's default b3 range
    observations: Callable[[], pd.DataFrame]
    observation_digits: int
    loss: Callable[[float], float]  # the total loss at b3
    slope: Callable[[float], float]  # its derivative with respect to b3
    slope_formula: LearnerCall  # the same derivative as data, for the learner's gradient_descent in the sandbox
    predictions: Callable[[float], pd.DataFrame]  # per sample, at b3
    contributions: Callable[[float], pd.DataFrame]  # each sample's term of the slope, with its chain-rule factors
    # The learner's functions to put beside the reference's numbers, from b3 and the reference's predictions table
    # (their inputs are the reference's values, so one mistake does not cascade into the next function).
    prediction_asks: Callable[[float, pd.DataFrame], list[Ask]]
    contribution_asks: Callable[[float, pd.DataFrame], list[Ask]]
    loss_ask: Callable[[float, pd.DataFrame], Ask] | None  # the learner function giving the total loss, if one does
    slope_ask: Callable[[float, pd.DataFrame], Ask]
    at_start: tuple[str, tuple[ArticleNote, ...]]  # a heading, and predictions the article printed at the start
    slope_at_start: str  # the slope the article printed at the start
    descent: tuple[str, tuple[ArticleNote, ...]]  # a heading, and the article's gradient-descent values
    network: Network


# --- Sum of squared residuals: the dosage network ---


def _ssr_loss(b3: float) -> float:
    return float(ssr.ssr(ex.EFFICACY, ssr.predict(ex.DOSAGE, b3)))


SSR_SLOPE = LearnerCall("ssr", "ssr_derivative_b3", (ex.EFFICACY, LearnerCall("ssr", "predict", (ex.DOSAGE, X))))


def _ssr_slope(b3: float) -> float:
    return float(mathsource.evaluate(SSR_SLOPE, b3))  # ssr_derivative_b3(EFFICACY, predict(DOSAGE, b3))


def _ssr_predictions(b3: float) -> pd.DataFrame:
    y_hat = ssr.predict(ex.DOSAGE, b3)
    residual = np.array(ex.EFFICACY) - y_hat  # (3,)
    return pd.DataFrame(
        {
            "dosage": ex.DOSAGE,
            "observed y": ex.EFFICACY,
            "predicted y_hat": y_hat,
            "residual y - y_hat": residual,
            "squared residual": residual**2,
        }
    )


def _ssr_contributions(b3: float) -> pd.DataFrame:
    y_hat = ssr.predict(ex.DOSAGE, b3)
    terms = ssr.ssr_contributions(ex.EFFICACY, y_hat)
    words = [
        f"-2 × ({y:g} - ({p:.4f})) × 1: the residual, doubled and negated"
        for y, p in zip(ex.EFFICACY, y_hat, strict=True)
    ]
    return pd.DataFrame(
        {
            "dosage": ex.DOSAGE,
            "dSSR/dy_hat = -2(y - y_hat)": terms,  # dy_hat/db3 = 1, so the term and this factor coincide
            "dy_hat/db3": np.ones(len(terms)),
            "term = product": terms,
            "in words": words,
        }
    )


def _dosage_trained(params: dict[str, float]) -> Trained:
    y_hat = bp.dosage_forward(ex.DOSAGE, params)["y_hat"]
    # Rounded for the table: a fitted output is 1e-8 away from its target, which scientific notation would shout.
    table = pd.DataFrame({"dosage": ex.DOSAGE, "observed y": ex.EFFICACY, "trained y_hat": np.round(y_hat, 6) + 0.0})
    table["squared residual"] = (np.array(ex.EFFICACY) - y_hat) ** 2
    return Trained(tables=(("The trained network's predictions", "ssr_train_predictions", table),))


def _y_hat(predictions: pd.DataFrame) -> tuple[float, ...]:
    return tuple(predictions["predicted y_hat"])


DOSAGE = Network(
    loss_name="SSR",
    samples_drawn="the article's three dosages",
    links=(
        "dSSR/dy_hat = -2 (y - y_hat) · dy_hat/dw3 = top and dy_hat/dw4 = bottom (the node's output), dy_hat/db3 = 1 "
        "· dy_hat/dtop = w3 and dy_hat/dbottom = w4 · dtop/dtop_in = sigmoid(top_in), the slope of softplus · "
        "dtop_in/dw1 = the dosage, and 1 for a bias."
    ),
    trained_on="the article's three dosages (SSR)",
    names=lambda: bp.DOSAGE_NAMES,
    article=lambda: bp.dosage_parameters(),
    loss=lambda params: float(ssr.ssr(ex.EFFICACY, bp.dosage_forward(ex.DOSAGE, params)["y_hat"])),
    gradients=lambda params: bp.dosage_gradients(ex.DOSAGE, ex.EFFICACY, params),
    chain=lambda params, name: bp.dosage_chain(ex.DOSAGE, ex.EFFICACY, params, name),
    sample_column=lambda: {"dosage": ex.DOSAGE},
    trainer=lambda: bp.train_dosage,
    training_data=lambda: (ex.DOSAGE, ex.EFFICACY),
    trained=_dosage_trained,
)

SSR = Example(
    key="ssr",
    title="Sum of squared residuals",
    intro=(
        "A dosage goes through two softplus hidden nodes and comes out as a predicted efficacy "
        "`y_hat = -1.22 · top - 2.30 · bottom + b3`. The loss is the sum of squared residuals (SSR). "
        "Only **b3** is trained here: it lifts all three predictions by the same amount."
    ),
    sample="sample",
    loss_name="SSR",
    slope_name="dSSR/db3",
    slope_text=(
        "By the chain rule each term is dSSR/dy_hat × dy_hat/db3. b3 is added straight to the output, so "
        "dy_hat/db3 = 1 and the term is just -2 (y - y_hat): a prediction below its observation pulls the slope down."
    ),
    slope_functions="ssr_contributions and ssr_derivative_b3",
    clipped=False,
    start=ex.SSR_START_B3,
    learning_rate=ex.SSR_LEARNING_RATE,
    window=(-1.0, 6.0),
    observations=lambda: pd.DataFrame({"dosage": ex.DOSAGE, "observed efficacy y": ex.EFFICACY}),
    observation_digits=1,
    loss=_ssr_loss,
    slope=_ssr_slope,
    slope_formula=SSR_SLOPE,
    predictions=_ssr_predictions,
    contributions=_ssr_contributions,
    prediction_asks=lambda b3, _: [Ask("ssr", "predict", (ex.DOSAGE, b3), ("predicted y_hat",))],
    contribution_asks=lambda b3, table: [
        Ask("ssr", "ssr_contributions", (ex.EFFICACY, _y_hat(table)), ("term = product",))
    ],
    loss_ask=lambda b3, table: Ask("ssr", "ssr", (ex.EFFICACY, _y_hat(table)), ()),
    slope_ask=lambda b3, table: Ask("ssr", "ssr_derivative_b3", (ex.EFFICACY, _y_hat(table)), ()),
    at_start=(
        "Outputs at b3 = 0",
        tuple(
            ArticleNote(f"dosage {x:g}", printed, "predicted y_hat", row)
            for row, (x, printed) in enumerate(zip(ex.DOSAGE, ("-2.6", "-1.6", "-2.61"), strict=True))
        ),
    ),
    slope_at_start="-15.7",
    descent=(
        "From b3 = 0 with learning rate 0.1",
        (
            ArticleNote("first step size", "-1.57", step=0, field="step_size"),
            ArticleNote("b3 after one step", "1.57", step=0),
            ArticleNote("b3 after two steps", "2.19", step=1),
            ArticleNote("b3 at convergence", "2.61", step=-1),
        ),
    ),
    network=DOSAGE,
)


# --- Cross-entropy with SoftMax: the iris network ---


CE_FLOWERS = (ex.PETAL_WIDTH, ex.SEPAL_WIDTH)


def _ce_probabilities(b3: float) -> np.ndarray:
    return ce.softmax(ce.raw_outputs(*CE_FLOWERS, b3))  # (3 flowers, 3 species)


def _ce_loss(b3: float) -> float:
    return float(np.sum(ce.cross_entropy(_ce_probabilities(b3), ex.OBSERVED_SPECIES)))


_CE_P = LearnerCall("cross_entropy", "softmax", (LearnerCall("cross_entropy", "raw_outputs", (*CE_FLOWERS, X)),))
CE_SLOPE = LearnerCall("cross_entropy", "cross_entropy_derivative_b3", (_CE_P, ex.OBSERVED_SPECIES))


def _ce_slope(b3: float) -> float:
    return float(mathsource.evaluate(CE_SLOPE, b3))  # cross_entropy_derivative_b3(softmax(raw_outputs(...)), ...)


def _ce_predictions(b3: float) -> pd.DataFrame:
    raw = ce.raw_outputs(ex.PETAL_WIDTH, ex.SEPAL_WIDTH, b3)  # (3, 3)
    p = ce.softmax(raw)  # (3, 3)
    table = {"petal width": ex.PETAL_WIDTH, "sepal width": ex.SEPAL_WIDTH}
    table |= {f"z {name}": raw[:, i] for i, name in enumerate(ex.SPECIES)}
    table |= {f"p {name}": p[:, i] for i, name in enumerate(ex.SPECIES)}
    table["observed"] = [ex.SPECIES[k] for k in ex.OBSERVED_SPECIES]
    table["cross-entropy -ln p_observed"] = ce.cross_entropy(p, ex.OBSERVED_SPECIES)
    return pd.DataFrame(table)


def _ce_contributions(b3: float) -> pd.DataFrame:
    p = _ce_probabilities(b3)
    observed = np.array(ex.OBSERVED_SPECIES)
    p_setosa = p[:, 0]  # (3,)
    p_obs = p[np.arange(len(observed)), observed]  # (3,)
    is_setosa = observed == 0
    # SoftMax's derivative: p_S(1 - p_S) for the species' own raw output, -p_obs·p_S for another species' output.
    dp_dz = np.where(is_setosa, p_setosa * (1 - p_setosa), -p_obs * p_setosa)
    words = [
        "p_Setosa - 1 because Setosa was observed" if s else f"p_Setosa because {ex.SPECIES[k]} was observed"
        for s, k in zip(is_setosa, observed, strict=True)
    ]
    return pd.DataFrame(
        {
            "observed": [ex.SPECIES[k] for k in observed],
            "dCE/dp_obs = -1/p_obs": -1 / np.maximum(p_obs, TINY),
            "dp_obs/dz_Setosa": dp_dz,
            "dz_Setosa/db3": np.ones(len(observed)),
            "term = product": ce.cross_entropy_contributions_b3(p, observed),
            "in words": words,
        }
    )


Z_COLUMNS = tuple(f"z {name}" for name in ex.SPECIES)
P_COLUMNS = tuple(f"p {name}" for name in ex.SPECIES)


def _columns(table: pd.DataFrame, names: tuple[str, ...]) -> np.ndarray:
    return np.column_stack([table[name].to_numpy() for name in names])  # (n,) each -> (n, k); table[list] is 5x slower


def _p(predictions: pd.DataFrame) -> np.ndarray:
    return _columns(predictions, P_COLUMNS)  # (3, 3)


def _ce_prediction_asks(b3: float, table: pd.DataFrame) -> list[Ask]:
    raw = _columns(table, Z_COLUMNS)  # (3, 3)
    return [
        Ask("cross_entropy", "raw_outputs", (ex.PETAL_WIDTH, ex.SEPAL_WIDTH, b3), Z_COLUMNS),
        Ask("cross_entropy", "softmax", (raw,), P_COLUMNS),
        Ask("cross_entropy", "cross_entropy", (_p(table), ex.OBSERVED_SPECIES), ("cross-entropy -ln p_observed",)),
    ]


@functools.cache
def flowers() -> pd.DataFrame:
    """The 150 flowers: petal and sepal width scaled 0..1 and the observed species index (read once, on first use)."""
    return load_iris()[["petal", "sepal", "observed"]]


def _predicted(petal: np.ndarray, sepal: np.ndarray, params: dict[str, float]) -> np.ndarray:
    return np.argmax(bp.iris_forward(petal, sepal, params)["p"], axis=1)  # (n, 3) -> (n,)


def _iris_trained(params: dict[str, float]) -> Trained:
    every = flowers()
    correct = _predicted(every["petal"].to_numpy(), every["sepal"].to_numpy(), params) == every["observed"].to_numpy()
    p = bp.iris_forward(ex.PETAL_WIDTH, ex.SEPAL_WIDTH, params)["p"]  # (3, 3)
    guess = np.argmax(p, axis=1)  # (3,)
    three = pd.DataFrame(
        {
            "petal width": ex.PETAL_WIDTH,
            "sepal width": ex.SEPAL_WIDTH,
            "observed": [ex.SPECIES[k] for k in ex.OBSERVED_SPECIES],
            "predicted": [ex.SPECIES[k] for k in guess],
            "p of the predicted species": p[np.arange(len(guess)), guess],
            "correct": ["✓" if g == k else "✗" for g, k in zip(guess, ex.OBSERVED_SPECIES, strict=True)],
        }
    )
    article_correct = int(np.sum(guess == np.array(ex.OBSERVED_SPECIES)))
    return Trained(
        metrics=(
            ("accuracy on the 150 flowers", f"{np.mean(correct):.1%}"),
            ("article flowers correct", f"{article_correct} of {len(ex.OBSERVED_SPECIES)}"),
        ),
        tables=(("The article's three flowers, classified by the trained network", "ce_train_article_flowers", three),),
        regions=_regions(params),
        samples=every.assign(species=[ex.SPECIES[k] for k in every["observed"]])[["petal", "sepal", "species"]],
    )


def _regions(params: dict[str, float]) -> pd.DataFrame:
    edges = np.linspace(0.0, 1.0, GRID + 1)
    centres = (edges[:-1] + edges[1:]) / 2
    petal, sepal = np.meshgrid(centres, centres)  # (GRID, GRID): row i holds every petal cell at the i-th sepal cell
    guess = _predicted(petal.ravel(), sepal.ravel(), params).reshape(GRID, GRID)
    # One rectangle per run of same-species cells along a row: the same picture from ~20x fewer rows to send.
    rows = []
    for i, row in enumerate(guess):
        starts = np.flatnonzero(np.r_[True, row[1:] != row[:-1]])
        ends = np.r_[starts[1:], GRID]
        rows += [
            (edges[a], edges[b], edges[i], edges[i + 1], ex.SPECIES[row[a]]) for a, b in zip(starts, ends, strict=True)
        ]
    return pd.DataFrame(rows, columns=["petal", "petal_end", "sepal", "sepal_end", "species"])


IRIS = Network(
    loss_name="CE",
    samples_drawn="the article's three flowers",
    links=(
        "dCE/dz_species = p_species, minus 1 if that species was observed · dz_species/dw = the hidden node's output "
        "(1 for a bias) · dCE/dtop adds dCE/dz × the weight from top over all three species, because top feeds all "
        "three · dtop/dtop_in = ReLU's slope: 1 if top_in > 0, else 0 · dtop_in/dw = the petal or sepal width "
        "(1 for a bias)."
    ),
    trained_on="all 150 flowers of Fisher's iris data (cross-entropy summed over them)",
    names=lambda: bp.IRIS_NAMES,
    article=lambda: bp.iris_parameters(),
    loss=lambda params: float(
        np.sum(ce.cross_entropy(bp.iris_forward(ex.PETAL_WIDTH, ex.SEPAL_WIDTH, params)["p"], ex.OBSERVED_SPECIES))
    ),
    gradients=lambda params: bp.iris_gradients(ex.PETAL_WIDTH, ex.SEPAL_WIDTH, ex.OBSERVED_SPECIES, params),
    chain=lambda params, name: bp.iris_chain(ex.PETAL_WIDTH, ex.SEPAL_WIDTH, ex.OBSERVED_SPECIES, params, name),
    sample_column=lambda: {"observed": [ex.SPECIES[k] for k in ex.OBSERVED_SPECIES]},
    trainer=lambda: bp.train_iris,
    training_data=lambda: tuple(flowers()[c].to_numpy() for c in flowers().columns),
    trained=_iris_trained,
)

CE = Example(
    key="ce",
    title="Cross-entropy with SoftMax",
    intro=(
        "Petal and sepal width pass through two ReLU hidden nodes to one raw output per species. SoftMax turns the "
        "three raw outputs into probabilities, and each flower's loss is -ln of the probability given to the species "
        "it really is. **b3** is the bias of the Setosa output: it moves z_Setosa and nothing else."
    ),
    sample="flower",
    loss_name="total cross-entropy",
    slope_name="dCE/db3",
    slope_text=(
        "The chain rule has three links: how the loss reacts to the observed species' probability (-1/p_obs), how "
        "that probability reacts to z_Setosa, and how z_Setosa reacts to b3 (1, since b3 is added to it). SoftMax's "
        "derivative is p_S(1 - p_S) when the observed species is Setosa itself and -p_obs·p_S otherwise; multiplied "
        "out, each term is p_Setosa - 1 for a Setosa and p_Setosa for any other flower."
    ),
    slope_functions="cross_entropy_contributions_b3 and cross_entropy_derivative_b3",
    clipped=True,
    start=ex.CE_START_B3,
    learning_rate=ex.CE_LEARNING_RATE,
    window=(-5.0, 3.0),
    observations=lambda: pd.DataFrame(
        {
            "petal width": ex.PETAL_WIDTH,
            "sepal width": ex.SEPAL_WIDTH,
            "species": [ex.SPECIES[k] for k in ex.OBSERVED_SPECIES],
        }
    ),
    observation_digits=2,
    loss=_ce_loss,
    slope=_ce_slope,
    slope_formula=CE_SLOPE,
    predictions=_ce_predictions,
    contributions=_ce_contributions,
    prediction_asks=_ce_prediction_asks,
    contribution_asks=lambda b3, table: [
        Ask("cross_entropy", "cross_entropy_contributions_b3", (_p(table), ex.OBSERVED_SPECIES), ("term = product",))
    ],
    loss_ask=None,  # cross_entropy gives each flower's loss; its total is a sum, no function of its own
    slope_ask=lambda b3, table: Ask(
        "cross_entropy", "cross_entropy_derivative_b3", (_p(table), ex.OBSERVED_SPECIES), ()
    ),
    at_start=(
        "p Setosa at b3 = -2",
        tuple(
            ArticleNote(f"flower {row + 1}", printed, "p Setosa", row)
            for row, printed in enumerate(("0.15", "0.04", "0.04"))
        ),
    ),
    slope_at_start="-0.77",
    descent=(
        "From b3 = -2 with learning rate 1",
        (ArticleNote("b3 after one step", "-1.23", step=0), ArticleNote("b3 at convergence", "-0.03", step=-1)),
    ),
    network=IRIS,
)

ONE_PARAMETER = (SSR, CE)  # the registry: a page each, drawn by dashboard/one_parameter.py
