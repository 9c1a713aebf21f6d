import pytest

from sia.analysis.counts import count_incidents
from sia.dataset.store import open_dataset
from sia.errors import InputError


@pytest.fixture(scope="module")
def incidents(real_data_dir):
    return open_dataset(real_data_dir).incidents


def test_every_combination_appears_with_zeros(incidents):
    table = count_incidents(incidents, ["ward", "crime_type"], fy=["2019-20"])
    assert len(table) == 17 * 14
    assert list(table.columns) == ["ward", "crime_type", "count"]
    assert table["count"].sum() == 3257
    assert (table["count"] == 0).any()  # some ward had no robbery that month


def test_months_stay_inside_their_year(incidents):
    table = count_incidents(incidents, ["fy", "month"])
    assert table[["fy", "month"]].values.tolist()[-2:] == [["2014-15", "2014-10"], ["2019-20", "2019-09"]]
    assert len(table) == 8


def test_crime_types_in_any_case_and_historic_names(incidents):
    vso = count_incidents(incidents, ["fy"], crime_types=["violent crime"])
    same = count_incidents(incidents, ["fy"], crime_types=["Violence and sexual offences"])
    assert vso.equals(same)


def test_no_grouping_gives_the_total(incidents):
    assert count_incidents(incidents, [])["count"].tolist() == [25_066]


def test_helpful_errors(incidents):
    with pytest.raises(InputError, match="unknown crime type 'Piracy'.*use one of: Anti-social behaviour"):
        count_incidents(incidents, ["ward"], crime_types=["Piracy"])
    with pytest.raises(InputError, match="no data for financial year 2016-17.*holds 2014-15, 2019-20"):
        count_incidents(incidents, ["ward"], fy=["2016-17"])
