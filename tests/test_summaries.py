import pandas as pd

from sia.categories import ANTI_SOCIAL_BEHAVIOUR
from sia.dataset.store import open_dataset
from sia.views.tables import ALL_CRIME, counts_by_ward_and_year, counts_by_year_and_category, coverage_grid


def test_coverage_grid_marks_months_without_data(real_data_dir):
    grid = coverage_grid(open_dataset(real_data_dir).incidents)
    assert grid.loc["2014-15", "Apr"] == 2993 and grid.loc["2019-20", "Sep"] == 3257
    assert pd.isna(grid.loc["2014-15", "Nov"]) and pd.isna(grid.loc["2019-20", "Apr"])
    assert int(grid.sum().sum()) == 25_066


def test_asb_is_beside_crime_not_in_it(real_data_dir):
    table = counts_by_year_and_category(open_dataset(real_data_dir).incidents)
    crime_rows = table.drop(index=[ALL_CRIME, ANTI_SOCIAL_BEHAVIOUR])
    assert len(crime_rows) == 13
    assert table.loc[ALL_CRIME, "2014-15 incidents"] == crime_rows["2014-15 incidents"].sum()
    assert table.index[-1] == ANTI_SOCIAL_BEHAVIOUR
    assert table.loc[ANTI_SOCIAL_BEHAVIOUR, "2014-15 per month (7 months)"] == round(
        table.loc[ANTI_SOCIAL_BEHAVIOUR, "2014-15 incidents"] / 7, 1)
    assert "2019-20 per month (1 month)" in table.columns


def test_ward_table_per_month(real_data_dir):
    table = counts_by_ward_and_year(open_dataset(real_data_dir).incidents)
    assert len(table) == 17 and table["2014-15 crime per month"].idxmax() == "Arboretum"
