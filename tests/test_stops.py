"""Stop and search: files in police.uk's format beside the real Derby street files, ingested
with the README's command; every count checked against an independent spatial join of the
raw rows (geopandas, not the package's placement), every row accounted for."""
from __future__ import annotations

import csv
import html
import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from sia.analysis.stops import WEAPON_OBJECTS, current_outcome, wilson
from sia.dataset.store import open_dataset

from police_rows import row, stop, write_stops, write_street, write_test_lsoas, write_test_wards
from support import run_sia, unescaped


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


# --- the knife-crime priority's second indicator, the serious violence page, the pack ------

def young_weapons_by_year(data_dir) -> pd.DataFrame:
    return stops(data_dir, "--by", "fy", "--object", "weapons", "--age", "10-17", "--age", "18-24",
                 "--rates").set_index("fy")


def app_page(monkeypatch, data_dir, page, params=None):
    from streamlit.testing.v1 import AppTest

    from support import ROOT
    monkeypatch.setenv("SIA_DATA_DIR", str(data_dir))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    for key, value in (params or {}).items():
        at.query_params[key] = value
    at.switch_page(page)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_the_knife_crime_priority_shows_weapons_searches_of_young_people(monkeypatch, stops_data, shared_data):
    """On matched months (September of each year, the month both years' files cover), as
    'sia stops' counts them on those months."""
    data_dir, files, _ = stops_data
    at = app_page(monkeypatch, data_dir, "pages/priorities.py", {"priority": "youth-violence-2019"})
    shown = {m.label: m.value for m in at.metric}
    raw = raw_rows({m: p for m, p in files.items() if m.endswith("-09")})
    inside = joined(shared_data, {m: p for m, p in files.items() if m.endswith("-09")})
    young = inside[inside["Age range"].isin(["10-17", "18-24"])
                   & (inside["Object of search"].isin(WEAPON_OBJECTS)
                      | inside["Legislation"].str.contains("(section 60)", regex=False))]
    per_year = young["Date"].str[:4].map({"2014": "2014-15", "2019": "2019-20"}).value_counts()
    assert len(raw) == 800
    for fy in ("2014-15", "2019-20"):
        assert shown[f"Weapons searches 10-24, {fy}"] == f"{per_year[fy]:,}"
    rate = young_weapons_by_year(data_dir)  # 2019-20 holds one month: the same
    assert shown["Per 1,000 aged 10-24, 2019-20"] == f"{rate.loc['2019-20', 'per_1000_a_year']:,.1f}"
    assert shown["Per 1,000 aged 10-24, 2014-15"] == "–"  # the 2015 population gives no ages
    helps = {m.label: m.help for m in at.metric}
    assert helps["Weapons searches 10-24, 2019-20"] == "Over Sep 2019, 1 month of stop-and-search files."
    text = " ".join(unescaped(m.value) for m in at.markdown)
    assert "Second indicator: Weapons searches of people aged 10 to 24" in text
    assert "ended in arrest" in text and "the linked field filled in on" in text


def test_a_priority_pack_carries_the_weapons_searches(stops_data):
    from sia.analysis.priorities.register import load_register
    from sia.views.briefing.content import priority_briefing
    from sia.views.briefing.files import briefing_html

    data_dir, _, _ = stops_data
    dataset = open_dataset(data_dir)
    brief = priority_briefing(dataset, load_register(), "youth-violence-2019", ("2014-15", "2019-20"))
    page = html.unescape(briefing_html(brief))
    by_year = young_weapons_by_year(data_dir)
    assert "Weapons searches of people aged 10 to 24" in page
    assert f"In 2019-20 (Sep 2019, 1 month of stop-and-search files), {by_year.loc['2019-20', 'count']:,} weapons " \
           "searches of people aged 10 to 24" in unescaped(page)
    assert any(t.title == "Most searched wards, 2019-20" for t in brief.tables)


def test_without_stop_and_search_files_the_priority_says_what_to_add(monkeypatch, real_data_dir):
    at = app_page(monkeypatch, real_data_dir, "pages/priorities.py", {"priority": "youth-violence-2019"})
    assert any("this dataset holds no stop-and-search files" in unescaped(i.value) for i in at.info)
    at = app_page(monkeypatch, real_data_dir, "pages/violence.py")
    assert any("holds no stop-and-search files" in unescaped(i.value) for i in at.info)
    assert {m.label: m.value for m in at.metric}["Weapons searches, aged 10-24"] == "no files"


def test_the_serious_violence_page_sets_searches_beside_the_violence(monkeypatch, stops_data):
    data_dir, _, _ = stops_data
    at = app_page(monkeypatch, data_dir, "pages/violence.py")
    dataset = open_dataset(data_dir)
    incidents = dataset.incidents
    metrics = [(m.label, m.value) for m in at.metric]
    young = stops(data_dir, "--by", "month", "--object", "weapons", "--age", "10-17", "--age", "18-24")
    for month in ("2014-09", "2019-09"):  # matched months, as on every page: September, which both years hold
        rows = incidents[incidents["month"] == month]
        for category in ("Violence and sexual offences", "Robbery", "Possession of weapons"):
            assert (category, f"{int((rows['category'] == category).sum()):,}") in metrics
        searched = young.set_index("month").loc[month, "count"]
        assert ("Weapons searches, aged 10-24", f"{searched:,}") in metrics
    text = " ".join(unescaped(m.value) for m in at.markdown)
    assert "**Where the weapons searches of people aged 10 to 24 go against where the violence is** (LSOAs)" in text
    assert "No knife flag" in text
    assert len(at.dataframe) == 2


def test_searches_in_the_violence_core_are_counted_over_every_unit():
    from sia.analysis.violence import alignment

    # LSOA A holds 6 of 10 violent crimes (the core: half of them), B 3, C 1; searches: A 1, B 1, C 2.
    incidents = pd.DataFrame({"category": ["Robbery"] * 6 + ["Possession of weapons"] * 3 + ["Violence and sexual "
                                                                                             "offences"],
                              "month": "2019-09", "lsoa_code": list("AAAAAABBBC")})
    searches = pd.DataFrame({"object": ["Offensive weapons"] * 4, "legislation": "", "month": "2019-09",
                             "age": "10-17", "lsoa_code": list("ABCC")})
    a = alignment(incidents, searches, ["A", "B", "C", "D"], "LSOA", ["2019-09"], young=True)
    assert (a.violence, a.searched, a.units) == (10, 4, 4)
    assert (a.violence_core, a.searches_in_violence_core) == (1, 0.25)
    assert (a.searches_core, a.violence_in_searches_core) == (1, 0.1)  # C holds 2 of the 4 searches


def test_the_demo_has_searches_and_population_by_age(demo_data_dir):
    dataset = open_dataset(demo_data_dir)
    assert dataset.stops is not None and len(dataset.stops) > 5000
    table = stops(demo_data_dir, "--by", "age", "--fy", "2019-20", "--rates").set_index("age")
    assert table.loc["18-24", "residents"] > 0 and table.loc["18-24", "per_1000_a_year"] > 0
    assert dataset.report.stops.unaccounted == 0 and dataset.report.stops.outside_area > 0


def test_the_evidence_table_carries_the_second_indicator(stops_data):
    data_dir, _, _ = stops_data
    result = run_sia("priorities", "--evidence", "--data-dir", str(data_dir), "--format", "json")
    rows = pd.DataFrame(json.loads(result.stdout))
    knife = rows[rows["priority"] == "youth-violence-2019"].set_index("fy")
    matched = stops(data_dir, "--by", "month", "--object", "weapons", "--age", "10-17", "--age", "18-24")
    september = matched[matched["month"].str.endswith("-09")].set_index("month")["count"]
    assert knife.loc["2014-15", "second_count"] == september["2014-09"]
    assert knife.loc["2019-20", "second_count"] == september["2019-09"]
    assert knife.loc["2019-20", "second_period"] == "Sep 2019, 1 month"
    assert rows.loc[rows["priority"] == "asb-2019", "second_count"].isna().all()


def test_the_data_page_accounts_for_every_search(monkeypatch, stops_data):
    data_dir, _, _ = stops_data
    tally = open_dataset(data_dir).report.stops
    at = app_page(monkeypatch, data_dir, "pages/data.py")
    text = " ".join(unescaped(m.value) for m in at.markdown)
    assert (f"**{tally.rows_read:,}** stop-and-search rows read from **8** file(s) (Apr to Oct 2014, 7 months; "
            f"Sep 2019, 1 month): **{tally.placed:,}** placed in a ward") in text
    assert f"{tally.outside_area:,} outside the area" in text and f"{tally.no_location:,} with no location" in text
    labels = [b.proto.label for b in at.get("download_button")]
    assert any(label.startswith("Stop and search in the area, 2014-15, 2019-20") for label in labels), labels


def test_closed_fields_in_another_case_are_read_in_police_uk_spelling(tmp_path):
    src = tmp_path / "src"
    write_street(src, "2014-04", [row()])
    write_stops(src, "2014-04", [stop(Type="PERSON SEARCH", Age_range="Over 34",
                                      Outcome_linked_to_object_of_search="TRUE", Outcome="arrest"),
                                 stop(Type=" Vehicle search ", Age_range="", Date="2014-04-30")])
    data_dir = tmp_path / "data"
    wards = write_test_wards(tmp_path / "w.geojson")
    assert run_sia("ingest", str(src), "--wards", str(wards), "--data-dir", str(data_dir)).returncode == 0
    assert stops(data_dir, "--by", "type").set_index("type")["count"].to_dict() == {
        "Person search": 1, "Person and Vehicle search": 0, "Vehicle search": 1}
    one = stops(data_dir, "--by", "age", "--rates").set_index("age").loc["over 34"]
    assert (one["count"], one["arrests"], one["finds"]) == (1, 1, 1)


def test_an_upload_takes_stop_and_search_files_named_or_renamed(tmp_path):
    """On the Data page: a file named as police.uk names it, and one renamed on the way (known by its
    header), are both read as stop-and-search files."""
    from sia.dataset.uploads import Upload, UploadedInputs, build_from_uploads

    from police_rows import STOPS_HEADER, csv_text

    street = csv_text([row()]).encode()
    named = csv_text([stop(), stop(x=436500)], STOPS_HEADER).encode()
    renamed = csv_text([stop(Date="2014-05-02T10:00:00+01:00")], STOPS_HEADER).encode()
    wards = write_test_wards(tmp_path / "w.geojson").read_bytes()
    inputs = UploadedInputs(police=[Upload("2014-04-derbyshire-street.csv", street),
                                    Upload("2014-04-derbyshire-stop-and-search.csv", named),
                                    Upload("searches (1).csv", renamed)],
                            wards=Upload("wards.geojson", wards))
    _, report = build_from_uploads(inputs, tmp_path / "data")
    assert (report.stops.rows_read, report.stops.placed, len(report.stops.files)) == (3, 3, 2)
    assert report.stops.months == ["2014-04", "2014-05"]


# --- found by a hostile tester -------------------------------------------------------

def ingest_stops(tmp_path, *stop_files, street_month="2014-04", extra=()):
    src = tmp_path / "src"
    write_street(src, street_month, [row(month=street_month)])
    data_dir = tmp_path / "data"
    wards = write_test_wards(tmp_path / "w.geojson")
    result = run_sia("ingest", str(src), *map(str, stop_files), "--wards", str(wards), "--data-dir", str(data_dir),
                     *extra)
    return result, data_dir


def test_a_file_whose_rows_lie_in_another_month_than_its_name_builds_a_readable_dataset(tmp_path):
    named = write_stops(tmp_path / "stops", "2014-04", [stop(Date="2014-05-03T10:00:00+00:00"), stop()])
    result, data_dir = ingest_stops(tmp_path, named)
    assert result.returncode == 0, result.stderr
    assert open_dataset(data_dir).stop_months == ["2014-04", "2014-05"]  # it covers both: nothing claimed twice
    assert stops(data_dir, "--by", "month")["count"].tolist() == [1, 1]


def test_the_same_month_renamed_on_the_way_is_a_duplicate(tmp_path):
    from police_rows import STOPS_HEADER, csv_text
    named = write_stops(tmp_path / "stops", "2014-04", [stop(), stop()])
    renamed = tmp_path / "searches (1).csv"
    renamed.write_text(csv_text([stop(), stop()], STOPS_HEADER))
    result, data_dir = ingest_stops(tmp_path, named, renamed)
    assert result.returncode == 0, result.stderr
    tally = open_dataset(data_dir).report.stops
    assert (tally.placed, tally.duplicate) == (2, 2)


@pytest.mark.parametrize("date", ["2019-02-30", "2019-02-31T10:00:00+00:00", "2019-02-01T99:99:99+99:99",
                                  "2019-02-01T24:00:00Z"])
def test_a_day_or_time_that_does_not_exist_is_malformed(tmp_path, date):
    named = write_stops(tmp_path / "stops", "2019-02", [stop(Date="2019-02-03"), stop(Date=date)])
    result, data_dir = ingest_stops(tmp_path, named, street_month="2019-02")
    assert result.returncode == 2 and "line 3: Date" in result.stderr and "is not an ISO date" in result.stderr
    result, data_dir = ingest_stops(tmp_path, named, street_month="2019-02", extra=["--skip-malformed"])
    assert open_dataset(data_dir).report.stops.malformed_rows == 1


def test_too_many_groupings_are_refused_before_the_memory_fills(stops_data):
    data_dir, _, _ = stops_data
    result = run_sia("stops", "--data-dir", str(data_dir), *[a for b in ("object", "age", "ward", "month", "outcome",
                                                                        "legislation", "type", "lsoa", "fy")
                                                             for a in ("--by", b)])
    assert result.returncode == 2 and "more than the 250,000 a table may hold" in result.stderr
