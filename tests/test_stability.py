"""Stability and predictive accuracy between two years: hit rate and PAI on a hand-made
layout, Spearman against pandas, cautions when there is too little to go on, and
``python -m sia stability`` on the real data against an independent spatial join."""
import io
import json

import numpy as np
import pandas as pd
import pytest
from test_cli_errors import assert_clean_failure

from sia.analysis.stability import stability, top_units
from sia.errors import InputError

from support import independent_lsoa_counts, run_sia

UNITS = pd.Index([f"U{i:02d}" for i in range(10)], name="unit_id")


def series(values):
    return pd.Series(values, index=UNITS, dtype=float)


def test_hit_rate_and_pai_on_a_hand_made_layout():
    # Ten units; U00 and U01 lead in the earlier year and cover 2 + 3 of the 50 units of area.
    earlier = series([40, 30, 10, 5, 5, 4, 3, 2, 1, 0])
    later = series([20, 25, 15, 10, 10, 5, 5, 5, 5, 0])  # 100 incidents, 45 in U00 and U01
    areas = series([2, 3, 5, 5, 5, 5, 5, 5, 5, 10])
    result = stability(earlier, later, areas, "2014-15", "2019-20", top_share=0.2)
    assert result.top_units == ("U00", "U01")
    assert result.hit_rate == pytest.approx(0.45)
    assert result.area_share == pytest.approx(5 / 50)
    assert result.pai == pytest.approx(4.5)
    assert result.spearman == pytest.approx(earlier.corr(later, method="spearman"))
    assert result.caution == ()


def test_ties_at_the_cut_go_to_the_lower_unit_id_and_empty_units_are_never_top():
    earlier = series([0, 5, 5, 5, 0, 0, 0, 0, 0, 0])
    assert list(top_units(earlier, 0.2)) == ["U01", "U02"]
    assert list(top_units(earlier, 0.5)) == ["U01", "U02", "U03"]  # only three had an incident


def test_too_few_incidents_are_said_plainly():
    earlier = series([3, 2, 1, 0, 0, 0, 0, 0, 0, 0])
    later = series([1, 0, 0, 2, 0, 0, 0, 0, 0, 0])
    result = stability(earlier, later, series([1] * 10), "2014-15", "2019-20", top_share=0.5)
    text = " ".join(result.caution)
    assert "only 6 incidents in 2014-15" in text and "only 3 incidents in 2019-20" in text
    assert "only 3 units had an incident in 2014-15, fewer than the 5" in text
    assert np.isnan(result.spearman) and "no rank correlation" in text
    assert json.loads(json.dumps(result.to_dict()))["spearman"] is None  # JSON has no NaN


@pytest.mark.parametrize("change,expected", [
    (dict(to_fy="2014-15"), "compares two years"),
    (dict(top_share=0), "between 0 and 1"),
    (dict(top_share=1), "between 0 and 1"),
    (dict(later=series([0] * 10)), "no incidents in 2019-20"),
])
def test_what_cannot_be_compared_is_refused(change, expected):
    args = dict(earlier=series([5] * 10), later=series([5] * 10), areas=series([1] * 10),
                from_fy="2014-15", to_fy="2019-20", top_share=0.1) | change
    with pytest.raises(InputError, match=expected):
        stability(**args)


def test_lsoa_stability_on_the_real_data_agrees_with_an_independent_join(real_data_dir, shared_data):
    result = run_sia("stability", "--data-dir", str(real_data_dir), "--unit", "lsoa", "--from", "2014-15",
                     "--to", "2019-20", "--lsoas", str(shared_data / "boundaries" / "lsoa_2011_derby.geojson"),
                     "--format", "json")
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert {"hit_rate", "pai", "spearman", "top_units"} <= set(figures)
    earlier, lsoas = independent_lsoa_counts(real_data_dir, shared_data, "2014-15")
    later, _ = independent_lsoa_counts(real_data_dir, shared_data, "2019-20")
    top = earlier.sort_values(ascending=False).index[:round(0.1 * len(earlier))]
    area = lsoas.set_index("LSOA11CD").area
    hit_rate = later[top].sum() / later.sum()
    assert len(figures["top_units"]) == 15
    assert figures["hit_rate"] == pytest.approx(hit_rate, abs=0.01)
    assert figures["pai"] == pytest.approx(hit_rate / (area[top].sum() / area.sum()), abs=0.01 * figures["pai"])
    assert figures["spearman"] == pytest.approx(earlier.corr(later, method="spearman"), abs=0.01)


def test_stability_as_csv_is_one_row(real_data_dir):
    result = run_sia("stability", "--data-dir", str(real_data_dir), "--unit", "hex", "--from", "2014-15",
                     "--to", "2019-20", "--top-share", "0.05")
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(io.StringIO(result.stdout))
    assert len(table) == 1 and {"hit_rate", "pai", "spearman", "top_units"} <= set(table.columns)
    assert table.loc[0, "pai"] > 1  # last year's busiest hexagons hold more than their area's share


def test_bad_stability_input_is_one_line(real_data_dir):
    def stability_cli(*args):
        return run_sia("stability", "--data-dir", str(real_data_dir), *args)
    years = ("--from", "2014-15", "--to", "2019-20")
    assert_clean_failure(stability_cli("--from", "2014-15"), "the following arguments are required: --to")
    assert_clean_failure(stability_cli("--from", "2014-15", "--to", "2014-15"), "compares two years")
    for share in ("0", "1", "1.5", "-0.1", "nan", "ten"):
        assert_clean_failure(stability_cli(*years, "--top-share", share), "between 0 and 1 (exclusive)")
    assert_clean_failure(stability_cli(*years, "--unit", "county"), "invalid choice: 'county'")
    assert_clean_failure(stability_cli("--from", "2014-15", "--to", "2016-17"), "no data for financial year 2016-17")
