"""The built-in demo: deterministic, complete, at the published rates, ingested like real data."""
import numpy as np
import pandas as pd

from sia.categories import CATEGORIES
from sia.dataset.demo import MONTHLY_RATES, RATE_COLUMNS, build_demo
from sia.dataset.store import open_dataset

from support import run_sia


def test_demo_covers_both_years_and_every_ward(demo_data_dir):
    dataset = open_dataset(demo_data_dir)
    assert dataset.is_demo
    assert len(dataset.months) == 24 and dataset.financial_years == ["2014-15", "2019-20"]
    assert dataset.report.unaccounted == 0 and dataset.report.loaded == dataset.report.rows_read
    by_ward = dataset.incidents.groupby("ward_name", observed=False).size()
    assert len(by_ward) == 17 and (by_ward > 0).all()
    assert dataset.incidents["location"].str.startswith("On or near ").all()
    assert dataset.wards["population_2019-20"].sum() == 257_302


def test_demo_draws_at_the_published_monthly_rates(demo_data_dir):
    incidents = open_dataset(demo_data_dir).incidents
    rates = pd.read_csv(MONTHLY_RATES).set_index(["fy", "ward"])[list(RATE_COLUMNS)]
    rates.columns = list(CATEGORIES)
    expected = rates.stack() * 12
    observed = (incidents.groupby(["fy", "ward_name", "category"], observed=False).size()
                .reindex(expected.index, fill_value=0))
    # Poisson: each cell within 5 standard deviations, and the city total within 1%.
    z = (observed - expected) / np.sqrt(expected.clip(lower=1))
    assert (z.abs() < 5).all()
    assert abs(observed.sum() / expected.sum() - 1) < 0.01


def test_demo_is_deterministic(demo_data_dir, tmp_path):
    build_demo(tmp_path)
    first, again = open_dataset(demo_data_dir), open_dataset(tmp_path)
    assert [s["sha256"] for s in first.manifest["sources"]] == [s["sha256"] for s in again.manifest["sources"]]
    pd.testing.assert_frame_equal(first.incidents, again.incidents)


def test_commands_fall_back_to_the_demo(tmp_path):
    result = run_sia("counts", "--by", "fy", env={"SIA_CACHE_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "fy,count"
    assert (tmp_path / "demo" / "CURRENT").is_file()
    report = run_sia("report", env={"SIA_CACHE_DIR": str(tmp_path)})
    assert "(synthetic demo data)" in report.stdout
