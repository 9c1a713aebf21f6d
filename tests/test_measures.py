"""Measures on the real data, checked against plain counts."""
import json

import numpy as np
import pandas as pd
import pytest

from sia.analysis.change import rate_change
from sia.analysis.counts import count_incidents
from sia.analysis.filters import ASB, Filters
from sia.analysis.measures import (
    categories_against_city,
    change_by_ward_and_category,
    headline,
    monthly_series,
    months_counted,
    per_1000_a_year,
    select,
    top_locations,
    ward_change,
    ward_measures,
)
from sia.dataset.store import open_dataset

from support import run_sia


@pytest.fixture(scope="module")
def dataset(real_data_dir):
    return open_dataset(real_data_dir)


def test_ward_counts_match_the_counts_command(dataset):
    f = Filters(fys=("2014-15", "2019-20"), like_for_like=False)  # every month each year holds
    table = ward_measures(select(dataset.incidents, f), dataset.wards)
    counts = count_incidents(dataset.incidents, ["ward", "fy"],
                             crime_types=list(f.categories)).set_index(["ward", "fy"])["count"]
    for _, row in table.iterrows():
        assert row["count"] == counts[(row["ward_name"], row["fy"])]
    assert len(table) == 34


def test_rates_are_annualised_per_1000_residents(dataset):
    f = Filters(fys=("2014-15",), measure="rate")
    table = ward_measures(select(dataset.incidents, f), dataset.wards).set_index("ward_name")
    row = table.loc["Normanton"]
    population = dataset.wards.set_index("ward_name").loc["Normanton", "population_2014-15"]
    assert row["months"] == 7
    assert row["rate"] == pytest.approx(row["count"] / 7 * 12 / population * 1000)
    assert row["value"] == row["rate"]
    assert table["rank"].min() == 1 and table.loc["Arboretum", "rank"] == 1


def test_like_for_like_keeps_the_months_both_years_cover(dataset):
    months = [str(m) for m in dataset.incidents["month"].cat.categories]
    f = Filters(fys=("2014-15", "2019-20"), like_for_like=True)
    assert months_counted(months, f) == {"2014-15": ("2014-09",), "2019-20": ("2019-09",)}
    table = ward_measures(select(dataset.incidents, f), dataset.wards)
    change = ward_change(table, f.fys)
    crime_sep_2014 = count_incidents(dataset.incidents, ["ward", "month"], crime_types=list(f.categories))
    sep = crime_sep_2014[crime_sep_2014["month"] == "2014-09"].set_index("ward")["count"]
    assert change["before"].to_dict() == pytest.approx(sep.astype(float).to_dict())


def test_ward_change_is_tested_on_the_counts_over_the_months_covered(dataset):
    f = Filters(fys=("2014-15", "2019-20"), like_for_like=False)  # all months, asked for
    change = ward_change(ward_measures(select(dataset.incidents, f), dataset.wards), f.fys)
    counts = count_incidents(dataset.incidents, ["ward", "fy"],
                             crime_types=list(f.categories)).set_index(["ward", "fy"])["count"]
    row = change.loc["Normanton"]
    expected = rate_change(counts[("Normanton", "2014-15")], counts[("Normanton", "2019-20")], 7, 1)
    assert (row["count_before"], row["count_after"]) == (expected.before, expected.after)
    assert row["p_value"] == pytest.approx(expected.p_value)
    assert row["rate_ratio"] == pytest.approx(expected.rate_ratio)
    assert row["direction"] == expected.direction() and row["significant"] == expected.significant


def test_change_by_ward_and_category_covers_every_pair_and_agrees_with_counts(dataset):
    f = Filters(fys=("2014-15", "2019-20"), like_for_like=True)
    table = change_by_ward_and_category(select(dataset.incidents, f))
    assert len(table) == 17 * len(f.categories)  # zeros kept
    september = dataset.incidents[dataset.incidents["month"].isin(["2014-09", "2019-09"])]
    counts = count_incidents(september, ["ward", "crime_type", "fy"]).set_index(
        ["ward", "crime_type", "fy"])["count"]
    for row in table.sample(20, random_state=1).itertuples():
        assert row.count_before == counts[(row.ward_name, row.category, "2014-15")]
        assert row.count_after == counts[(row.ward_name, row.category, "2019-20")]
    both_zero = table[(table["count_before"] == 0) & (table["count_after"] == 0)]
    assert both_zero["p_value"].isna().all() and not both_zero["significant"].any()


def test_headline_keeps_asb_apart(dataset):
    heads = headline(dataset.incidents, Filters(fys=("2014-15", "2019-20"), incident_type=ASB, like_for_like=False))
    assert heads["crime"].tolist() == [11774, 2396] and heads["asb"].tolist() == [10035, 861]
    assert heads["crime_per_month"].tolist() == pytest.approx([11774 / 7, 2396])


def test_headline_compares_the_months_both_years_hold_by_default(dataset):
    """The overview's cards: two years on matched months (here September only), the change
    made as every change is (a RateChange), its period said; the same figures as counting
    the raw September rows."""
    heads = headline(dataset.incidents, Filters(fys=("2014-15", "2019-20"))).set_index("fy")
    september = dataset.incidents[dataset.incidents["month"] == "2014-09"]
    crime_2014 = int((september["category"] != "Anti-social behaviour").sum())
    assert heads.loc["2014-15", "crime"] == crime_2014 and heads.loc["2019-20", "crime"] == 2396
    assert heads["period"].tolist() == ["Sep 2014, 1 month", "Sep 2019, 1 month"]
    change = heads.loc["2019-20", "crime_change"]
    assert change.percent == pytest.approx((2396 / crime_2014 - 1) * 100)
    assert change.p_value == pytest.approx(rate_change(crime_2014, 2396, 1, 1).p_value)
    assert heads.loc["2014-15", "crime_change"] is None


def test_monthly_series_and_places(dataset):
    selection = select(dataset.incidents, Filters(fys=("2014-15", "2019-20"), like_for_like=False))
    series = monthly_series(selection, "Normanton")
    assert len(series) == 8 and series["month_of_year"].tolist()[:2] == ["Apr", "May"]
    places = top_locations(selection, "Normanton", 5)
    assert len(places) == 5 and places.index.str.startswith("On or near").all()
    # Each year's column says its months; the busiest of the latest year come first.
    assert list(places.columns) == ["2014-15 (Apr to Oct 2014, 7 months)", "2019-20 (Sep 2019, 1 month)"]
    assert places.iloc[:, 1].is_monotonic_decreasing


def test_categories_against_city(dataset):
    table = categories_against_city(dataset.incidents, dataset.wards, Filters(fys=("2019-20",)), "Arboretum")
    assert len(table) == 14
    assert (table.set_index("category").loc["Shoplifting", "ratio"]) > 1
    assert np.isfinite(table["city"]).all()


def test_change_command_tests_each_ward_and_refuses_bad_years(real_data_dir, dataset):
    out = run_sia("change", "--data-dir", str(real_data_dir), "--by", "ward", "--like-for-like",
                  "--crime-type", "Anti-social behaviour", "--format", "json")
    assert out.returncode == 0, out.stderr
    rows = {r["ward"]: r for r in json.loads(out.stdout)}
    september = count_incidents(dataset.incidents[dataset.incidents["month"].isin(["2014-09", "2019-09"])],
                                ["ward", "fy"], crime_types=["Anti-social behaviour"]).set_index(["ward", "fy"])
    arboretum = rows["Arboretum"]
    assert arboretum["count_2014-15"] == september.loc[("Arboretum", "2014-15"), "count"]
    expected = rate_change(arboretum["count_2014-15"], arboretum["count_2019-20"], 1, 1)
    assert arboretum["p_value"] == pytest.approx(expected.p_value)
    assert "2014-15 to 2019-20 on matched months (September only" in out.stderr
    default = run_sia("change", "--data-dir", str(real_data_dir), "--by", "ward",
                      "--crime-type", "Anti-social behaviour", "--format", "json")
    assert json.loads(default.stdout) == json.loads(out.stdout)  # matched months are the default
    bad = run_sia("change", "--data-dir", str(real_data_dir), "--fy", "2014-15")
    assert bad.returncode == 2 and bad.stderr.startswith("error: --fy: needs two different financial years")
    assert "Traceback" not in bad.stderr


@pytest.mark.parametrize("residents", [0, -5, np.inf, np.nan])
def test_no_rate_is_made_from_residents_no_rate_can_be_made_from(residents):
    """A build checks its populations; an older or damaged one may hold 0, a negative count or
    inf, which must give no rate, never inf or a negative rate (and so no rank)."""
    assert np.isnan(per_1000_a_year(10.0, residents))
    assert np.isnan(per_1000_a_year(pd.Series([10.0]), pd.Series([residents]))).all()
    assert per_1000_a_year(10.0, 1000) == pytest.approx(120.0)


def test_a_ward_without_a_rate_is_not_ranked_and_the_others_rank_among_themselves(dataset):
    wards = dataset.wards.copy()
    wards.loc[wards["ward_name"] == "Arboretum", "population_2019-20"] = 0  # as a damaged build might hold
    table = ward_measures(select(dataset.incidents, Filters(fys=("2019-20",), measure="rate")), wards)
    arboretum = table.set_index("ward_name").loc["Arboretum"]
    assert np.isnan(arboretum["rate"]) and pd.isna(arboretum["rank"])
    assert sorted(table["rank"].dropna().astype(int)) == list(range(1, 17)) and (table["ranked"] == 16).all()
