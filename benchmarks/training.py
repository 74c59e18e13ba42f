"""Time training every parameter of both networks from a seeded start (run: python benchmarks/training.py)."""

import sys
import time
from pathlib import Path

import numpy as np

# `python benchmarks/training.py` puts benchmarks/ on sys.path, not the project root that holds solutions/.
ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from data import examples as ex  # noqa: E402
from data.iris import load_iris  # noqa: E402
from solutions import backprop as bp  # noqa: E402

REPEATS = 5  # report the fastest run: the others measure the machine's noise


def best_time(train, *args, **kwargs) -> tuple[float, tuple]:
    times, result = [], None
    for _ in range(REPEATS):
        start = time.perf_counter()
        result = train(*args, **kwargs)
        times.append(time.perf_counter() - start)
    return min(times), result


def main() -> None:
    seconds, (_, losses, _) = best_time(bp.train_dosage, ex.DOSAGE, ex.EFFICACY, learning_rate=0.03, steps=5000, seed=0)
    steps = len(losses) - 1
    fit = int(np.argmax(losses < 0.01)) if (losses < 0.01).any() else None
    print(f"dosage, 3 samples, 7 parameters: {steps} steps in {seconds:.3f} s ({1e6 * seconds / steps:.0f} us/step)")
    print(f"  SSR {losses[0]:.4f} -> {losses[-1]:.2e}; below 0.01 after {fit} steps")

    flowers = load_iris()
    petal, sepal, observed = flowers["petal"], flowers["sepal"], flowers["observed"]
    seconds, (params, losses, _) = best_time(bp.train_iris, petal, sepal, observed, learning_rate=0.01, steps=2000)
    steps = len(losses) - 1
    accuracy = np.mean(bp.iris_forward(petal, sepal, params)["p"].argmax(axis=1) == observed)
    article = bp.iris_forward(ex.PETAL_WIDTH, ex.SEPAL_WIDTH, params)["p"].argmax(axis=1)
    print(f"iris, 150 flowers, 15 parameters: {steps} steps in {seconds:.3f} s ({1e6 * seconds / steps:.0f} us/step)")
    print(f"  cross-entropy {losses[0]:.2f} -> {losses[-1]:.2f}; accuracy {accuracy:.1%} on the 150 flowers;")
    print(f"  article flowers classified as {[ex.SPECIES[k] for k in article]}")


if __name__ == "__main__":
    main()
