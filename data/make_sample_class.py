"""Writes data/sample_class.json: a made-up class of 30 graded by the grader, with the mistakes learners make."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script, from anywhere

from grader.api import grade_class  # noqa: E402
from grader.rubric import ALL_CHECKS  # noqa: E402
from tests import submissions as sub  # noqa: E402

OUT = ROOT / "data" / "sample_class.json"
NP = "np.asarray(observed) - np.asarray(predicted)"
MISTAKES = {  # name -> (module, the function written wrong): each a mistake the analytics page should recognise
    "sign": ("ssr", f"def ssr_contributions(observed, predicted):\n    return 2.0 * ({NP})"),
    "half": ("ssr", f"def ssr_contributions(observed, predicted):\n    return -1.0 * ({NP})"),
    "unsummed": (
        "cross_entropy",
        "def cross_entropy_derivative_b3(probabilities, observed):\n"
        "    return cross_entropy_contributions_b3(probabilities, observed)",
    ),
    "lr_twice": (
        "gradient_descent",
        "def update(value, derivative, learning_rate):\n    return value - derivative * learning_rate * learning_rate",
    ),
}
CLASS = ["right"] * 12 + ["sign"] * 5 + ["half"] * 4 + ["unsummed"] * 4 + ["lr_twice"] * 3 + ["stubs"] * 2


def build(folder: Path) -> list[Path]:
    """One submission folder per learner of CLASS."""
    paths = []
    for i, kind in enumerate(CLASS):
        path = folder / f"learner{i + 1:02d}"
        if kind == "stubs":
            sub.stubs(path)
        else:
            sub.reference(path)
            if kind in MISTAKES:
                sub.replace_function(path, *MISTAKES[kind])
        paths.append(path)
    return paths


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        results = list(grade_class(build(Path(tmp)), jobs=2))
    data = {"rubric": ALL_CHECKS, "submissions": [r.to_json() for r in results]}
    OUT.write_text(json.dumps(data) + "\n")
    print(f"Wrote {OUT}: {len(results)} learners")


if __name__ == "__main__":
    main()
