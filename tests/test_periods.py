import pandas as pd
import pytest

from sia.periods import financial_year, financial_years, fy_coverage, fy_months, month_label, parse_financial_year


@pytest.mark.parametrize("month,fy", [("2014-04", "2014-15"), ("2015-03", "2014-15"),
                                      ("2019-09", "2019-20"), ("2020-01", "2019-20"),
                                      ("1999-12", "1999-00")])
def test_financial_year_runs_april_to_march(month, fy):
    assert financial_year(month) == fy
    assert financial_years(pd.Series([month])).tolist() == [fy]


def test_months_of_a_year_and_labels():
    assert fy_months("2019-20")[0] == "2019-04" and fy_months("2019-20")[-1] == "2020-03"
    assert len(fy_months("2014-15")) == 12
    assert month_label("2014-04") == "April 2014"


@pytest.mark.parametrize("bad", ["2014", "2014-16", "14-15", "2014/15"])
def test_bad_financial_year(bad):
    with pytest.raises(ValueError, match="not like 2014-15"):
        parse_financial_year(bad)


def test_coverage_says_how_much_of_each_year_there_is():
    months = [f"2014-{m:02d}" for m in range(4, 11)] + ["2019-09"]
    labels = fy_coverage(months)["label"].tolist()
    assert labels == ["2014-15: 7 of 12 months (April 2014 to October 2014)",
                      "2019-20: 1 of 12 months (September 2019)"]
    assert "with gaps" in fy_coverage(["2014-04", "2014-06"])["label"][0]
