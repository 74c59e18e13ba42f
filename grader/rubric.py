"""The rubric: every check and its points, in one place (edit here to re-weight the assignment)."""

from __future__ import annotations

# The functions graded, by exercise module, in the order the feedback lists them.
FUNCTIONS: dict[str, list[str]] = {
    "gradient_descent": ["step_size", "update", "gradient_descent"],
    "ssr": ["softplus", "predict", "ssr", "ssr_contributions", "ssr_derivative_b3"],
    "cross_entropy": [
        "relu",
        "raw_outputs",
        "softmax",
        "cross_entropy",
        "cross_entropy_contributions_b3",
        "cross_entropy_derivative_b3",
    ],
    "logistic": ["sigmoid", "binary_cross_entropy", "dloss_da", "da_dz", "dloss_dz", "gradients", "update"],
}

# Three checks per function: the worked examples' values at the articles' precision, agreement with the
# reference on seeded random inputs, and properties (type, shape, sizes 1 and 1,000, inputs left
# unmodified, stability at extreme inputs).
KINDS = ("worked", "reference", "properties")
POINTS_PER_KIND = {"worked": 1, "reference": 2, "properties": 1}
OVERRIDES: dict[str, int] = {}  # e.g. {"gradient_descent.gradient_descent.reference": 4}

# A second section, reported apart from the core score: backpropagation to every parameter.
BACKPROP_FUNCTIONS: dict[str, list[str]] = {
    "backprop": [
        "dosage_parameters",
        "dosage_forward",
        "dssr_dw3",
        "dssr_dw1",
        "dosage_chain",
        "dosage_gradients",
        "gradient_totals",
        "train_dosage",
        "iris_parameters",
        "iris_forward",
        "relu_derivative",
        "dce_dz",
        "dce_dw_bottom_setosa",
        "dce_dw_petal_top",
        "iris_chain",
        "iris_gradients",
        "train_iris",
    ],
}


def _checks(functions: dict[str, list[str]]) -> dict[str, int]:
    return {
        f"{module}.{function}.{kind}": OVERRIDES.get(f"{module}.{function}.{kind}", POINTS_PER_KIND[kind])
        for module, names in functions.items()
        for function in names
        for kind in KINDS
    }


RUBRIC: dict[str, int] = _checks(FUNCTIONS)  # the core score
SECTIONS: dict[str, dict[str, int]] = {"core": RUBRIC, "backprop": _checks(BACKPROP_FUNCTIONS)}
ALL_CHECKS: dict[str, int] = {check: points for section in SECTIONS.values() for check, points in section.items()}


def section_of(check_id: str) -> str:
    return next(name for name, checks in SECTIONS.items() if check_id in checks)
