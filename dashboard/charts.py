"""The dashboard's charts: pure, cached functions from tables of numbers to Vega-Lite specs, built with Altair."""

from __future__ import annotations

from typing import Any

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st
from streamlit import dataframe_util

from dashboard.cachekey import cache_key

TANGENT_SHARE = 0.2  # the tangent spans this share of the x-range each side of the point: long enough to read
CURVE_COLOR, TANGENT_COLOR, PATH_COLOR, POINT_COLOR = "#4c78a8", "#e45756", "#f58518", "#e45756"
HEIGHT = 320
# Every chart is returned as a Vega-Lite spec (a dict) for st.vega_lite_chart: st.altair_chart validates a chart
# against Altair's schema on every rerun (5-25 ms a chart); a cached spec is validated once, when it is made.
# Its tables go as Arrow bytes, as st.altair_chart sends them, made once too: st.vega_lite_chart converts tables
# left as lists of rows on every rerun (a third of a page's rerun, with the network sections' charts).


# A chart's cache key hashes its tables' cache_key bytes: 0.1 ms a table; Streamlit's DataFrame hashing takes 3 ms.
cached = st.cache_data(show_spinner=False, hash_funcs={pd.DataFrame: cache_key})


def _spec(chart: alt.TopLevelMixin) -> dict[str, Any]:
    """The chart's Vega-Lite spec, its datasets already Arrow bytes (st.vega_lite_chart passes bytes through)."""
    spec = chart.to_dict()
    spec["datasets"] = {k: dataframe_util.convert_anything_to_arrow_bytes(v) for k, v in spec["datasets"].items()}
    return spec


def _padded(low: float, high: float, share: float = 0.08) -> list[float]:
    span = max(high - low, 1e-9)
    return [low - share * span, high + share * span]


def tangent_line(x: float, y: float, slope: float, low: float, high: float, name: str) -> pd.DataFrame:
    """Two points of the tangent at (x, y) with this slope, reaching TANGENT_SHARE of the x-range each side."""
    reach = TANGENT_SHARE * (high - low)
    xs = np.array([x - reach, x + reach])
    return pd.DataFrame({name: xs, "loss": y + slope * (xs - x)})


@cached
def loss_curve(
    curve: pd.DataFrame, name: str, current: float, current_loss: float, slope: float, path: pd.DataFrame | None
) -> dict[str, Any]:
    """The loss against one parameter, its tangent at the current value and the gradient-descent path (if any)."""
    low, high = float(curve[name].min()), float(curve[name].max())
    x = alt.X(f"{name}:Q", title=name, scale=alt.Scale(domain=[low, high], nice=False))
    y_scale = alt.Scale(domain=_padded(float(curve["loss"].min()), float(curve["loss"].max())), nice=False)
    y = alt.Y("loss:Q", title="loss", scale=y_scale)
    # Curve and tangent share one layer, told apart by colour and dash: fewer layers render faster.
    lines = pd.concat(
        [curve.assign(line="loss"), tangent_line(current, current_loss, slope, low, high, name).assign(line="tangent")]
    )
    legend = alt.Legend(title=None, orient="top")
    series = alt.Scale(domain=["loss", "tangent"], range=[CURVE_COLOR, TANGENT_COLOR])
    layers = [
        alt.Chart(lines)
        .mark_line(clip=True)
        .encode(
            x,
            y,
            alt.Color("line:N", scale=series, legend=legend),
            alt.StrokeDash("line:N", scale=alt.Scale(domain=["loss", "tangent"], range=[[1, 0], [6, 4]]), legend=None),
        )
    ]
    if path is not None and len(path) > 1:
        tooltip = [alt.Tooltip("step:Q"), alt.Tooltip(f"{name}:Q", format=".4f"), alt.Tooltip("loss:Q", format=".4f")]
        layers.append(
            alt.Chart(path)
            .mark_line(point=alt.OverlayMarkDef(color=PATH_COLOR, filled=True, size=60), color=PATH_COLOR, clip=True)
            .encode(x, y, order="step:Q", tooltip=tooltip)
        )
    point = pd.DataFrame({name: [current], "loss": [current_loss]})
    layers.append(alt.Chart(point).mark_point(color=POINT_COLOR, size=120, filled=True, clip=True).encode(x, y))
    return _spec(alt.layer(*layers).properties(height=HEIGHT))


@cached
def loss_per_step(history: pd.DataFrame) -> dict[str, Any]:
    """The total loss after each gradient-descent step."""
    # Dots only while they can be told apart; a long run is a line.
    dots = alt.OverlayMarkDef(color=PATH_COLOR, filled=True, size=40) if len(history) <= 50 else False
    return _spec(
        alt.Chart(history)
        .mark_line(point=dots, color=PATH_COLOR)
        .encode(
            alt.X("step:Q", title="step", axis=alt.Axis(tickMinStep=1)),
            alt.Y("loss:Q", title="loss", scale=alt.Scale(zero=False)),
            tooltip=[alt.Tooltip("step:Q"), alt.Tooltip("loss:Q", format=".4f")],
        )
        .properties(height=HEIGHT)
    )


def boundary_points(w1: float, w2: float, b: float, x_range: tuple[float, float]) -> pd.DataFrame:
    """Points on the line w1·x1 + w2·x2 + b = 0 across x_range; empty when no line exists (w1 = w2 = 0)."""
    if abs(w2) > 1e-9:
        x1 = np.linspace(*x_range, 50)
        return pd.DataFrame({"x1": x1, "x2": -(w1 * x1 + b) / w2})
    if abs(w1) > 1e-9:  # w2 = 0: the line stands upright at x1 = -b / w1
        return pd.DataFrame({"x1": [-b / w1] * 2, "x2": [-1e3, 1e3]})
    return pd.DataFrame({"x1": [], "x2": []})


@cached
def decision_boundary(
    students: pd.DataFrame, boundary: pd.DataFrame, x_range: tuple[float, float], y_range: tuple[float, float]
) -> dict[str, Any]:
    """Students in the (x1, x2) plane, coloured by outcome, with the line where z = 0 (a = 0.5)."""
    x = alt.X("x1:Q", title="hours of study x1", scale=alt.Scale(domain=list(x_range), nice=False))
    y = alt.Y("x2:Q", title="practice tests x2", scale=alt.Scale(domain=list(y_range), nice=False))
    colour = alt.Color(
        "outcome:N", scale=alt.Scale(domain=["passed", "failed"], range=["#54a24b", "#e45756"]), title=None
    )
    tooltip = [alt.Tooltip("student:Q"), alt.Tooltip("x1:Q"), alt.Tooltip("x2:Q"), alt.Tooltip("outcome:N")]
    dots = alt.Chart(students).mark_point(size=160, filled=True).encode(x, y, colour, tooltip=tooltip)
    layers = [dots]
    if len(boundary):
        layers.append(alt.Chart(boundary).mark_line(color="#333333", strokeDash=[6, 4], clip=True).encode(x, y))
    return _spec(alt.layer(*layers).properties(height=HEIGHT))


@cached
def score_histogram(scores: pd.DataFrame) -> dict[str, Any]:
    """How many learners got each core score (scores: one row per learner, a score column), in bins of 4."""
    return _spec(
        alt.Chart(scores)
        .mark_bar()
        .encode(x=alt.X("score:Q", bin=alt.Bin(step=4), title="core score"), y=alt.Y("count():Q", title="learners"))
    )


# --- The network pages' every-parameter sections ---

SPECIES_COLORS = ["#4c78a8", "#f58518", "#54a24b"]  # Setosa, Versicolor, Virginica


@cached
def parameter_paths(paths: pd.DataFrame) -> dict[str, Any]:
    """Every parameter's value against the training step, one line each (paths: a step column, one per parameter)."""
    names = [c for c in paths.columns if c != "step"]
    # Twenty colours: the iris network's fifteen parameters stay apart.
    scale = alt.Scale(domain=names, scheme="tableau20")  # the network's order, not alphabetical
    # Small, tight labels: at the default size fifteen names overrun the chart's height and are cut off.
    legend = alt.Legend(title=None, labelFontSize=10, symbolSize=40, rowPadding=1)
    colour = alt.Color("parameter:N", scale=scale, legend=legend)
    tooltip = [alt.Tooltip("step:Q"), alt.Tooltip("parameter:N"), alt.Tooltip("value:Q", format=".4f")]
    return _spec(
        alt.Chart(paths)
        .transform_fold(names, as_=["parameter", "value"])  # wide data is smaller to send than one row per value
        .mark_line()
        .encode(alt.X("step:Q", title="step"), alt.Y("value:Q", title="parameter value"), colour, tooltip=tooltip)
        .properties(height=HEIGHT)
    )


@cached
def decision_regions(regions: pd.DataFrame, samples: pd.DataFrame, species: tuple[str, ...]) -> dict[str, Any]:
    """The species a network predicts over the (petal, sepal) unit square, with the flowers on top."""
    colour = alt.Color("species:N", scale=alt.Scale(domain=list(species), range=SPECIES_COLORS), title="species")
    x = alt.X("petal:Q", title="petal width (scaled 0..1)", scale=alt.Scale(domain=[0, 1], nice=False))
    y = alt.Y("sepal:Q", title="sepal width (scaled 0..1)", scale=alt.Scale(domain=[0, 1], nice=False))
    cells = alt.Chart(regions).mark_rect(opacity=0.3).encode(x, alt.X2("petal_end"), y, alt.Y2("sepal_end"), colour)
    tooltip = [alt.Tooltip("species:N"), alt.Tooltip("petal:Q", format=".2f"), alt.Tooltip("sepal:Q", format=".2f")]
    dots = (
        alt.Chart(samples)
        .mark_point(filled=True, size=50, stroke="#333333", strokeWidth=0.6, opacity=0.9)
        .encode(x, y, colour, tooltip=tooltip)
    )
    return _spec(alt.layer(cells, dots).properties(height=420))
