"""Measures on the real data, checked against plain counts."""
import numpy as np
import pytest

from sia.counts import count_incidents
from sia.filters import ASB, Filters
from sia.measures import (categories_against_city, headline, monthly_series, months_counted, select,
                          top_locations, ward_change, ward_measures)
from sia.store import open_dataset


@pytest.fixture(scope="module")
def dataset(real_data_dir):
    return open_dataset(real_data_dir)


def test_ward_counts_match_the_counts_command(dataset):
    f = Filters(fys=("2014-15", "2019-20"))
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


def test_headline_keeps_asb_apart(dataset):
    heads = headline(dataset.incidents, Filters(fys=("2014-15", "2019-20"), incident_type=ASB))
    assert heads["crime"].tolist() == [11774, 2396] and heads["asb"].tolist() == [10035, 861]
    assert heads["crime_per_month"].tolist() == pytest.approx([11774 / 7, 2396])


def test_monthly_series_and_places(dataset):
    selection = select(dataset.incidents, Filters(fys=("2014-15", "2019-20")))
    series = monthly_series(selection, "Normanton")
    assert len(series) == 8 and series["month_of_year"].tolist()[:2] == ["Apr", "May"]
    places = top_locations(selection, "Normanton", 5)
    assert len(places) == 5 and places.index.str.startswith("On or near").all()


def test_categories_against_city(dataset):
    table = categories_against_city(dataset.incidents, dataset.wards, Filters(fys=("2019-20",)), "Arboretum")
    assert len(table) == 14
    assert (table.set_index("category").loc["Shoplifting", "ratio"]) > 1
    assert np.isfinite(table["city"]).all()
