"""The iris data file and its loader: 150 flowers, widths scaled 0..1 as the article's, malformed files refused."""

from __future__ import annotations

import numpy as np
import pytest

from data import examples as ex
from data.iris import COLUMNS, IRIS_CSV, load_iris

HEADER = ",".join(COLUMNS)


def test_the_shipped_file_holds_fishers_150_flowers():
    flowers = load_iris()
    assert len(flowers) == 150 and flowers["species"].value_counts().to_dict() == dict.fromkeys(ex.SPECIES, 50)
    assert flowers.groupby("species")["observed"].unique().map(list).to_dict() == {
        s: [k] for k, s in enumerate(ex.SPECIES)
    }
    assert not flowers.isna().any().any()


def test_widths_are_min_max_scaled():
    flowers = load_iris()
    for scaled, cm in (("petal", "petal_width"), ("sepal", "sepal_width")):
        assert flowers[scaled].min() == 0.0 and flowers[scaled].max() == 1.0
        ratio = (flowers[cm] - flowers[cm].min()) / (flowers[cm].max() - flowers[cm].min())
        np.testing.assert_allclose(flowers[scaled], ratio)


@pytest.mark.parametrize("i", range(3))
def test_each_article_flower_is_a_real_flower_of_its_species_at_two_decimals(i):
    flowers = load_iris()
    species = flowers[flowers["observed"] == ex.OBSERVED_SPECIES[i]]
    # 0.005 is the article's rounding; Versicolor's sepal (2.9 cm) scales to 0.375, right on that edge.
    near = (np.abs(species["petal"] - ex.PETAL_WIDTH[i]) <= 0.005 + 1e-9) & (
        np.abs(species["sepal"] - ex.SEPAL_WIDTH[i]) <= 0.005 + 1e-9
    )
    assert near.any()


def write(tmp_path, text: str):
    path = tmp_path / "iris.csv"
    path.write_text(text)
    return path


def shipped_lines() -> list[str]:
    return IRIS_CSV.read_text().splitlines()


def test_a_copy_of_the_shipped_file_loads_from_a_path(tmp_path):
    path = write(tmp_path, "\n".join(shipped_lines()) + "\n")
    assert load_iris(path).equals(load_iris())


MALFORMED = [
    (lambda lines: [lines[0].replace(",sepal_width", ""), *lines[1:]], "missing column.*sepal_width"),
    (lambda lines: lines[:-1], "expected 150 flowers.*found 149"),
    (lambda lines: [*lines, lines[-1]], "expected 150 flowers.*found 151"),
    (lambda lines: [lines[0], lines[1].replace("5.1", "five"), *lines[2:]], "sepal_length on data row 1 is 'five'"),
    (lambda lines: [*lines[:10], lines[10].replace(",0.1,", ",,"), *lines[11:]], "petal_width on data row 10"),
    (lambda lines: [*lines[:-1], lines[-1].replace("Virginica", "Virginia")], "unknown species 'Virginia'"),
    (lambda lines: [], "cannot be read"),
]


@pytest.mark.parametrize(("break_it", "words"), MALFORMED, ids=[w for _, w in MALFORMED])
def test_a_malformed_file_is_refused_with_its_name_and_the_problem(tmp_path, break_it, words):
    path = write(tmp_path, "\n".join(break_it(shipped_lines())) + "\n")
    with pytest.raises(ValueError, match=words) as error:
        load_iris(path)
    assert str(path) in str(error.value)


def test_a_missing_file_is_refused_with_its_name(tmp_path):
    with pytest.raises(ValueError, match=f"{tmp_path / 'nope.csv'}: cannot be read"):
        load_iris(tmp_path / "nope.csv")
