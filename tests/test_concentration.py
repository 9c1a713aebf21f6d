"""Concentration of incidents over places: Gini and Lorenz against PySAL's ``inequality``,
the generalised Gini of Bernasco and Steenbeek (2017), the share of units for half, and
``python -m sia concentration`` on the real data against an independent spatial join."""
import io
import json

import numpy as np
import pandas as pd
import pytest
from inequality.gini import Gini
from inequality.wolfson import lorenz_curve as pysal_lorenz
from test_cli_errors import assert_clean_failure

from sia.analysis.concentration import (
    LORENZ_POINTS,
    concentration,
    generalised_gini,
    gini,
    lorenz_curve,
    share_of_units_for_half,
)
from sia.errors import InputError

from support import independent_lsoa_counts, run_sia

RNG = np.random.default_rng(20261201)
COUNT_SETS = [
    RNG.poisson(3, 151),  # LSOA-like: every unit has some
    np.where(RNG.random(400) < 0.7, 0, RNG.poisson(5, 400)),  # mostly empty cells
    RNG.negative_binomial(1, 0.05, 1_500),  # long-tailed, grid-like
    np.array([7, 7, 7, 7]),  # all alike
    np.array([0, 0, 0, 12]),  # all in one
]


@pytest.mark.parametrize("counts", COUNT_SETS, ids=["poisson", "sparse", "long-tailed", "alike", "one"])
def test_gini_and_lorenz_agree_with_pysal(counts):
    assert gini(counts) == pytest.approx(Gini(counts.astype(float)).g, abs=1e-12)
    ours_units, ours_incidents = lorenz_curve(counts)
    theirs_population, theirs_share = pysal_lorenz(counts.astype(float))  # least first
    np.testing.assert_allclose(ours_units, theirs_population)
    np.testing.assert_allclose(ours_incidents, 1 - theirs_share[::-1], atol=1e-12)


def test_generalised_gini_against_maximal_equality():
    # Bernasco and Steenbeek's lorenzgini examples: 8 crimes on 10 units, 20 crimes on 10.
    assert gini([5, 2, 1, 0, 0, 0, 0, 0, 0, 0]) == pytest.approx(0.80)
    assert generalised_gini([5, 2, 1, 0, 0, 0, 0, 0, 0, 0]) == pytest.approx(0.75)
    assert generalised_gini([10, 8, 2, 0, 0, 0, 0, 0, 0, 0]) == pytest.approx(gini([10, 8, 2, 0, 0, 0, 0, 0, 0, 0]))
    # 30 incidents, one in each of 30 of 100 units: as even as 30 incidents can be.
    spread = [1] * 30 + [0] * 70
    assert gini(spread) == pytest.approx(0.70) and generalised_gini(spread) == pytest.approx(0.0)
    assert concentration(spread).sparse and not concentration([3, 1]).sparse


def test_share_of_units_for_half():
    assert share_of_units_for_half([50, 30, 10, 10]) == 0.25  # the top unit holds exactly half
    assert share_of_units_for_half([40, 30, 20, 10]) == 0.5
    assert share_of_units_for_half([1, 1, 1, 1, 1, 1, 1, 1, 1, 1]) == 0.5
    assert share_of_units_for_half([0, 0, 9, 0]) == 0.25


def test_the_lorenz_points_are_thinned_but_keep_both_ends():
    result = concentration(RNG.poisson(2, 20_000))
    assert len(result.lorenz) <= LORENZ_POINTS
    assert result.lorenz[0] == (0.0, 0.0) and result.lorenz[-1] == pytest.approx((1.0, 1.0))
    assert all(a[0] < b[0] and a[1] <= b[1] for a, b in zip(result.lorenz, result.lorenz[1:]))


@pytest.mark.parametrize("counts,expected", [
    ([], "no units"), ([0, 0, 0], "no incidents"), ([3, -1], "not negative"), ([1, float("nan")], "finite"),
])
def test_nothing_to_measure_is_said(counts, expected):
    with pytest.raises(InputError, match=expected):
        concentration(counts)


def test_lsoa_concentration_on_the_real_data_agrees_with_an_independent_join(real_data_dir, shared_data):
    result = run_sia("concentration", "--data-dir", str(real_data_dir), "--unit", "lsoa", "--fy", "2014-15",
                     "--lsoas", str(shared_data / "boundaries" / "lsoa_2011_derby.geojson"), "--format", "json")
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert {"units", "incidents", "gini", "generalised_gini", "share_of_units_for_half", "lorenz"} <= set(figures)
    counts, _ = independent_lsoa_counts(real_data_dir, shared_data, "2014-15")
    assert figures["units"] == 151
    assert figures["gini"] == pytest.approx(Gini(counts.to_numpy(dtype=float)).g, abs=0.01)
    ranked = np.sort(counts.to_numpy())[::-1]
    independent_half = (np.argmax(np.cumsum(ranked) >= ranked.sum() / 2) + 1) / len(ranked)
    assert figures["share_of_units_for_half"] == pytest.approx(independent_half, abs=0.01)
    assert "half of the incidents in" in result.stderr and "of the LSOAs" in result.stderr


@pytest.mark.parametrize("unit", ["ward", "grid", "hex"])
def test_concentration_as_csv_is_the_lorenz_curve(real_data_dir, unit):
    result = run_sia("concentration", "--data-dir", str(real_data_dir), "--unit", unit, "--fy", "2019-20")
    assert result.returncode == 0, result.stderr
    curve = pd.read_csv(io.StringIO(result.stdout))
    assert list(curve.columns) == ["share_of_units", "share_of_incidents"]
    assert curve.iloc[0].tolist() == [0.0, 0.0] and curve.iloc[-1].tolist() == pytest.approx([1.0, 1.0])
    assert "Gini" in result.stderr


def test_bad_concentration_input_is_one_line(real_data_dir):
    def concentration_cli(*args):
        return run_sia("concentration", "--data-dir", str(real_data_dir), *args)
    assert_clean_failure(concentration_cli("--unit", "parish"), "invalid choice: 'parish'")
    assert_clean_failure(concentration_cli("--fy", "2016-17"), "no data for financial year 2016-17")
    assert_clean_failure(concentration_cli("--cell-size", "250"), "a cell size is for grid cells, not wards")
    assert_clean_failure(concentration_cli("--unit", "hex", "--cell-size", "nan"), "not a positive number")
    # The real build holds its LSOAs (a build without them: tests/test_cli_hotspots.py).
    assert_clean_failure(concentration_cli("--unit", "lsoa", "--lsoas", str(real_data_dir / "none.geojson")),
                         "no such LSOA boundary file")
