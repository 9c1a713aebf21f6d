"""Stop and search: files in police.uk's format beside the real Derby street files, ingested
with the README's command; every count checked against an independent spatial join of the
raw rows (geopandas, not the package's placement), every row accounted for."""
from __future__ import annotations

import csv
import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from stop_search_files import write_derbyshire_stops

from sia.analysis.stops import WEAPON_OBJECTS, current_outcome, wilson
from sia.dataset.store import open_dataset

from police_rows import row, stop, write_stops, write_street, write_test_lsoas, write_test_wards
from support import real_ingest_args, run_sia


@pytest.fixture(scope="module")
def stops_data(shared_data, tmp_path_factory):
    """The eight real months with a force-wide stop-and-search file beside each."""
    root = tmp_path_factory.mktemp("stops")
    files = write_derbyshire_stops(root / "stops", shared_data / "police_uk")
    data_dir = root / "data"
    result = run_sia("ingest", *real_ingest_args(shared_data, data_dir, shared_data / "police_uk", root / "stops"))
    assert result.returncode == 0, result.stderr
    return data_dir, files, result.stdout


def raw_rows(files) -> pd.DataFrame:
    rows = []
    for path in files.values():
        with open(path, newline="") as f:
            rows += list(csv.DictReader(f))
    return pd.DataFrame(rows)


def joined(shared_data, files) -> pd.DataFrame:
    """The located raw rows inside a Derby ward, by geopandas' own join."""
    raw = raw_rows(files)
    located = raw[raw["Longitude"] != ""]
    points = gpd.GeoDataFrame(located, geometry=gpd.points_from_xy(located["Longitude"].astype(float),
                                                                   located["Latitude"].astype(float)), crs=4326)
    wards = gpd.read_file(shared_data / "boundaries" / "wards_2013_derby.geojson")
    return gpd.sjoin(points.to_crs(27700), wards[["WD13NM", "geometry"]].to_crs(27700), predicate="within")


def stops(data_dir, *args) -> pd.DataFrame:
    result = run_sia("stops", "--data-dir", str(data_dir), "--format", "json", *args)
    assert result.returncode == 0, result.stderr
    return pd.DataFrame(json.loads(result.stdout))


def test_searches_by_ward_equal_an_independent_join(stops_data, shared_data):
    data_dir, files, _ = stops_data
    expected = joined(shared_data, files).groupby("WD13NM").size()
    got = stops(data_dir, "--by", "ward").set_index("ward")["count"]
    assert len(got) == 17 and got.sum() > 1000
    assert got.to_dict() == expected.reindex(got.index, fill_value=0).to_dict()


def test_searches_by_object_and_weapons_by_age_equal_an_independent_join(stops_data, shared_data):
    data_dir, files, _ = stops_data
    inside = joined(shared_data, files)
    got = stops(data_dir, "--by", "object").set_index("object")["count"]
    assert got.to_dict() == inside.groupby("Object of search").size().to_dict()
    weapons = inside[inside["Object of search"].isin(WEAPON_OBJECTS)
                     | inside["Legislation"].str.contains("(section 60)", regex=False)]
    by_age = stops(data_dir, "--by", "age", "--object", "weapons").set_index("age")["count"]
    assert by_age.to_dict() == weapons.groupby("Age range").size().reindex(by_age.index, fill_value=0).to_dict()
    assert by_age["10-17"] > 0 and by_age[""] > 0  # vehicle searches have no age


def test_every_row_is_accounted_for(stops_data, shared_data):
    data_dir, files, printed = stops_data
    raw = raw_rows(files)
    tally = open_dataset(data_dir).report.stops
    assert tally.rows_read == len(raw)
    assert tally.no_location == int((raw["Longitude"] == "").sum())
    assert tally.placed == len(joined(shared_data, files))
    assert tally.placed + tally.no_location + tally.outside_area == len(raw)
    assert tally.near_boundary > 0 and tally.unaccounted == 0
    assert f"stop and search placed in a ward: {tally.placed:,}" in printed
    assert f"stop and search set aside, no location: {tally.no_location:,}" in printed
    report = run_sia("report", "--data-dir", str(data_dir)).stdout
    assert f"stop and search set aside, outside the area: {tally.outside_area:,}" in report


def test_rates_use_the_residents_of_the_ages_searched(stops_data, shared_data):
    """Searches of 10 to 24 year olds per 1,000 residents aged 10 to 24, by ward, from the
    single years of age of the 2019 population (through the LSOA to ward lookup)."""
    data_dir, files, _ = stops_data
    table = stops(data_dir, "--by", "ward", "--fy", "2019-20", "--age", "10-17", "--age", "18-24", "--rates")
    population = pd.read_csv(shared_data / "population" / "pop_mid2019_lsoa_syoa_derby.csv")
    lookup = pd.read_csv(shared_data / "lookups" / "lsoa11_to_ward19_derby.csv")
    code, ward = [c for c in lookup.columns if c.upper().startswith("LSOA11CD")][0], \
        [c for c in lookup.columns if c.upper().endswith("NM") and c.upper().startswith("WD")][0]
    young = population.set_index("lsoa11_code")[[str(a) for a in range(10, 25)]].sum(axis=1)
    by_ward = young.groupby(lookup.set_index(code)[ward]).sum()
    table = table.set_index("ward")
    assert table["residents"].to_dict() == pytest.approx(by_ward.reindex(table.index).to_dict())
    one = table.loc["Normanton"]
    assert one["per_1000_a_year"] == pytest.approx(one["count"] / 1 * 12 / one["residents"] * 1000)  # one month
    assert one["arrest_rate"] == pytest.approx(one["arrests"] / one["count"])
    low, high = wilson(one["arrests"], one["count"])
    assert (one["arrest_rate_low"], one["arrest_rate_high"]) == pytest.approx((low, high))
    city = stops(data_dir, "--fy", "2019-20", "--rates").iloc[0]  # about 15% of the files leave it blank
    assert 0.75 < city["linked_recorded"] < 0.95


def test_older_outcome_wording_is_read_as_the_current():
    older = pd.Series(["Suspect arrested", "Nothing found - no further action", "Offender given penalty notice",
                       "Local resolution", "Arrest", "Something new"])
    assert list(current_outcome(older)) == ["Arrest", "A no further action disposal", "Penalty Notice for Disorder",
                                            "Community resolution", "Arrest", "Something new"]


def test_find_rate_counts_a_linked_outcome_other_than_no_further_action(tmp_path):
    src = tmp_path / "src"
    write_street(src, "2014-04", [row()])
    write_stops(src, "2014-04", [
        stop(Outcome="Arrest", Outcome_linked_to_object_of_search="True"),  # a find
        stop(Outcome="Arrest", Outcome_linked_to_object_of_search="False"),  # arrested for something else
        stop(Outcome="A no further action disposal", Outcome_linked_to_object_of_search="True"),  # inconsistent
        stop(Outcome="Community resolution", Outcome_linked_to_object_of_search=""),  # not recorded
    ])
    data_dir = tmp_path / "data"
    wards, lsoas = write_test_wards(tmp_path / "w.geojson"), write_test_lsoas(tmp_path / "l.geojson")
    assert run_sia("ingest", str(src), "--wards", str(wards), "--lsoas", str(lsoas),
                   "--data-dir", str(data_dir)).returncode == 0
    one = stops(data_dir, "--rates").iloc[0]
    assert (one["count"], one["arrests"], one["finds"]) == (4, 2, 1)
    assert one["find_rate"] == 0.25 and one["linked_recorded"] == 0.75 and one["nfa_marked_linked"] == 1.0
    assert one["per_1000_a_year"] is None or np.isnan(one["per_1000_a_year"])  # no population was given
