"""The app's page, run headless with Streamlit's AppTest on the demo and the real data."""
import pytest
from streamlit.testing.v1 import AppTest

from support import ROOT


def run_app(monkeypatch, data_dir=None) -> AppTest:
    if data_dir is None:
        monkeypatch.delenv("SIA_DATA_DIR", raising=False)
    else:
        monkeypatch.setenv("SIA_DATA_DIR", str(data_dir))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metric(at, label) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_demo_page_says_it_is_synthetic(monkeypatch):
    at = run_app(monkeypatch)
    assert "Synthetic demo data" in at.warning[0].value
    assert "2014-15: 12 of 12 months" in at.warning[0].value
    assert metric(at, "Months covered") == "24"
    assert at.title[0].value.startswith("Derby community safety")


def test_real_data_page_shows_coverage_and_counts(monkeypatch, real_data_dir):
    at = run_app(monkeypatch, real_data_dir)
    assert not at.warning  # no demo banner on real data
    assert "2014-15: 7 of 12 months (April 2014 to October 2014)" in at.info[0].value
    assert "2019-20: 1 of 12 months (September 2019)" in at.info[0].value
    assert metric(at, "Incidents loaded") == "25,066"
    tables = [t.value for t in at.dataframe]
    grid = tables[0]
    assert grid.loc["2014-15", "Apr"] == "2,993"  # a column with gaps is shown as text
    assert grid.loc["2019-20", "Sep"] == 3257  # a complete column stays numeric
    assert grid.loc["2014-15", "Nov"] == "–"  # no data that month: a dash, not 0
    by_category = tables[1]
    assert "Anti-social behaviour" in by_category.index
    assert "2019-20 per month (1 month)" in by_category.columns


def test_a_misconfigured_data_dir_is_explained(monkeypatch, tmp_path):
    monkeypatch.setenv("SIA_DATA_DIR", str(tmp_path))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception
    assert "holds no dataset" in at.error[0].value and "SIA_DATA_DIR" in at.error[0].value
