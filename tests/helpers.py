"""Small helpers shared by the tests: a central finite difference, the examples' pipelines, a release's Python."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
from collections.abc import Callable
from pathlib import Path

import numpy as np

from data import examples as ex
from solutions import cross_entropy as ce
from solutions import ssr

H = 1e-6  # central differences are accurate to O(H^2) and lose ~1e-10 to rounding at this step


def central_difference(f: Callable[[float], float], x: float, h: float = H) -> float:
    """(f(x + h) - f(x - h)) / 2h, the numerical slope of f at x."""
    return (f(x + h) - f(x - h)) / (2 * h)


def ssr_at(b3: float, dosage=ex.DOSAGE, observed=ex.EFFICACY) -> float:
    """The SSR loss of the dosage network as a function of b3."""
    return ssr.ssr(observed, ssr.predict(dosage, b3))


def dssr_db3_at(b3: float, dosage=ex.DOSAGE, observed=ex.EFFICACY) -> float:
    """The reference dSSR/db3 as a function of b3."""
    return ssr.ssr_derivative_b3(observed, ssr.predict(dosage, b3))


def probabilities_at(b3: float, petal=ex.PETAL_WIDTH, sepal=ex.SEPAL_WIDTH) -> np.ndarray:
    """SoftMax probabilities of the iris network at b3, (n, 3)."""
    return ce.softmax(ce.raw_outputs(petal, sepal, b3))


def total_ce_at(b3: float, petal=ex.PETAL_WIDTH, sepal=ex.SEPAL_WIDTH, observed=ex.OBSERVED_SPECIES) -> float:
    """The summed cross-entropy of the iris network as a function of b3."""
    return float(np.sum(ce.cross_entropy(probabilities_at(b3, petal, sepal), observed)))


def dce_db3_at(b3: float, petal=ex.PETAL_WIDTH, sepal=ex.SEPAL_WIDTH, observed=ex.OBSERVED_SPECIES) -> float:
    """The reference dCE/db3 as a function of b3."""
    return ce.cross_entropy_derivative_b3(probabilities_at(b3, petal, sepal), observed)


def release_python(release: Path) -> Path:
    """A Python for a learner release, as its own venv with `pip install -e .` would be: the release on the path,
    and this venv's libraries (by a .pth line, which does not run their .pth files, so the project's own editable
    install, which would let `import solutions` succeed, stays out)."""
    venv = release / ".venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, capture_output=True)
    site = next((venv / "lib").glob("python3*/site-packages"))
    (site / "backprop_release.pth").write_text(f"{release}\n{sysconfig.get_paths()['purelib']}\n")
    return venv / "bin" / "python"
