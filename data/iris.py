"""Fisher's iris data (150 flowers, public domain), loaded and checked, with petal and sepal width scaled 0..1."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from data import examples as ex

IRIS_CSV = Path(__file__).with_name("iris.csv")
MEASUREMENTS = ("sepal_length", "sepal_width", "petal_length", "petal_width")  # centimetres
COLUMNS = (*MEASUREMENTS, "species")
ROWS = 150  # 50 flowers of each species


def load_iris(path: str | Path | None = None) -> pd.DataFrame:
    """The 150 flowers: the CSV's columns plus petal and sepal (widths min-max scaled 0..1) and observed (0, 1, 2).

    The scaling maps each width's smallest value over the 150 flowers to 0 and its largest to 1
    (petal 0.1-2.5 cm, sepal 2.0-4.4 cm). It reproduces the article's inputs: each of its three
    flowers matches real flowers of its species to the article's two decimals (Setosa: petal 0.2,
    sepal 3.0 cm; Virginica: 2.5, 3.3; Versicolor: 1.3, 2.9, which scales to 0.375 and prints as 0.37).
    A malformed file raises ValueError naming the file and the problem.
    """
    file = Path(path) if path is not None else IRIS_CSV
    try:
        table = pd.read_csv(file, dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise ValueError(f"{file}: cannot be read as a CSV table ({error})") from None
    _check_table(table, file)
    flowers = table.astype(dict.fromkeys(MEASUREMENTS, float))
    flowers["petal"] = _min_max(flowers["petal_width"], file)
    flowers["sepal"] = _min_max(flowers["sepal_width"], file)
    flowers["observed"] = flowers["species"].map({s: k for k, s in enumerate(ex.SPECIES)}).astype(int)
    return flowers


def _check_table(table: pd.DataFrame, file: Path) -> None:
    missing = [c for c in COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(f"{file}: missing column(s) {', '.join(missing)}; expected the header {','.join(COLUMNS)}")
    if len(table) != ROWS:
        raise ValueError(f"{file}: expected {ROWS} flowers (one per row), found {len(table)}")
    for column in MEASUREMENTS:
        values = pd.to_numeric(table[column], errors="coerce")
        bad = ~np.isfinite(values.to_numpy(dtype=float, na_value=np.nan))
        if bad.any():
            row = int(np.argmax(bad))
            raise ValueError(f"{file}: {column} on data row {row + 1} is {table[column].iloc[row]!r}, not a number")
    unknown = sorted(set(table["species"]) - set(ex.SPECIES))
    if unknown:
        raise ValueError(f"{file}: unknown species {', '.join(map(repr, unknown))}; expected {', '.join(ex.SPECIES)}")


def _min_max(column: pd.Series, file: Path) -> pd.Series:
    low, high = column.min(), column.max()
    if high == low:
        raise ValueError(f"{file}: {column.name} has the same value for every flower; it cannot be scaled to 0..1")
    return (column - low) / (high - low)
