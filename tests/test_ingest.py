"""Ingest on small hand-made police.uk files: sources, the report, duplicates, safety."""
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from sia.dataset.ingest import WardInputs, build_dataset
from sia.dataset.sources import SourceSelection
from sia.dataset.store import BUILDS, CURRENT, current_build, open_dataset
from sia.errors import InputError

from police_rows import csv_text, outcome, row, write_outcomes, write_street, write_test_wards, zip_folder


@pytest.fixture
def wards(tmp_path) -> WardInputs:
    return WardInputs(boundaries=write_test_wards(tmp_path / "wards.geojson"))


def ingest(sources, wards, data_dir, **kw):
    build, report = build_dataset([Path(s) for s in sources], wards, data_dir, **kw)
    assert report.unaccounted == 0
    return open_dataset(data_dir), report


def test_folder_in_archive_layout_skips_and_counts_other_files(tmp_path, wards):
    src = tmp_path / "archive"
    write_street(src, "2014-04", [row(), row(x=436500, crime_type="Robbery")])
    write_street(src, "2014-05", [row(month="2014-05")])
    write_outcomes(src, "2014-04", [outcome(crime_id="x", month="2014-04")])
    (src / "2014-04" / "derbyshire-stop-and-search.csv").write_text("Type\nPerson search\n")
    (src / "2014-04" / "notes-outcomes.csv").write_text("Crime ID\nx\n")
    dataset, report = ingest([src], wards, tmp_path / "out")
    assert report.rows_read == 3 and report.loaded == 3
    assert len(report.outcomes.files) == 1 and report.outcomes.unmatched == 1  # read, and counted
    assert sorted(s["reason"] for s in report.skipped_files) == [
        "outcomes file not named YYYY-MM-<force>-outcomes.csv",
        "stop-and-search file not named YYYY-MM-<force>-stop-and-search.csv"]
    assert dataset.incidents["ward_name"].astype(str).tolist().count("East") == 1
    assert dataset.months == ["2014-04", "2014-05"]
    assert set(dataset.incidents["fy"].astype(str)) == {"2014-15"}


def test_zip_archive_reads_the_same_as_the_folder(tmp_path, wards):
    src = tmp_path / "archive"
    write_street(src, "2019-09", [row(month="2019-09", x=435100 + i) for i in range(5)])
    write_street(src, "2019-09", [row(month="2019-09")], force="leicestershire")
    write_outcomes(src, "2019-09", [outcome(crime_id="abc", month="2019-09")])
    archive = zip_folder(src, tmp_path / "2019-09.zip")
    from_folder, _ = ingest([src], wards, tmp_path / "a")
    from_zip, report = ingest([archive], wards, tmp_path / "b")
    pd.testing.assert_frame_equal(from_folder.incidents, from_zip.incidents)
    assert report.files[0].file.endswith("2019-09.zip!2019-09/2019-09-derbyshire-street.csv")


def test_force_and_year_selection(tmp_path, wards):
    src = tmp_path / "archive"
    write_street(src, "2014-04", [row()])
    write_street(src, "2014-04", [row(), row()], force="leicestershire")
    write_street(src, "2019-09", [row(month="2019-09")])
    dataset, report = ingest([src], wards, tmp_path / "out",
                             selection=SourceSelection(forces=frozenset({"derbyshire"}),
                                                       months=frozenset({"2014-04"})))
    assert report.loaded == 1
    reasons = sorted(s["reason"] for s in report.skipped_files)
    assert reasons == ["force 'leicestershire' not selected", "month 2019-09 not selected"]


def test_same_month_loaded_twice_keeps_one_copy_but_identical_asb_rows_are_kept(tmp_path, wards):
    asb = row(crime_type="Anti-social behaviour")
    src = tmp_path / "archive"
    write_street(src, "2014-04", [asb, asb, asb, row()])  # identical ASB rows: 3 incidents
    archive = zip_folder(src, tmp_path / "copy.zip")
    dataset, report = ingest([src, archive], wards, tmp_path / "out")
    assert report.rows_read == 8
    assert report.loaded == 4 and report.duplicate == 4
    assert (dataset.incidents["category"] == "Anti-social behaviour").sum() == 3
    assert any("already loaded" in n for n in report.notes)


def test_every_reason_a_row_is_set_aside_adds_up(tmp_path, wards):
    rows = [
        row(),                                                   # loaded
        row(x=436050, y=336050),                                # 50 m outside East's corner-ish: nearest ward
        row(x=437150, y=335500),                                # 150 m outside: outside the area
        row(Longitude="", Latitude=""),                         # no location
        row(crime_type="Violent crime"),                        # historic name, mapped
        row(crime_type="Alien abduction"),                      # unknown crime type
        row(crime_type="anti-social behaviour"),                # case differs: still ASB
    ]
    src = write_street(tmp_path / "src", "2014-04", rows)
    dataset, report = ingest([src], wards, tmp_path / "out")
    assert report.rows_read == 7
    assert report.loaded == 4
    assert report.placed_by_nearest_ward == 1
    assert report.outside_area == 1
    assert report.no_location == 1
    assert report.unknown_crime_types == {"Alien abduction": 1}
    assert report.set_aside()["unknown crime type: Alien abduction"] == 1
    cats = dataset.incidents["category"].astype(str).tolist()
    assert "Violence and sexual offences" in cats and "Anti-social behaviour" in cats
    assert any("Violent crime" in n and "May 2013" in n for n in report.notes)
    near = dataset.incidents[dataset.incidents["nearest_ward"]]
    assert near["ward_name"].astype(str).tolist() == ["East"]


def test_malformed_rows_stop_the_build_naming_file_and_line(tmp_path, wards):
    src = write_street(tmp_path / "src", "2014-04", [
        row(), row(Month="April 2014"), row(Longitude="abc"), row(), row(Latitude="52,9"),
        row(x=0, y=0, Longitude=52.9, Latitude=-1.47)])
    with pytest.raises(InputError) as err:
        build_dataset([src], wards, tmp_path / "out")
    text = str(err.value)
    assert "line 3: Month 'April 2014' is not YYYY-MM" in text
    assert "line 4: Longitude 'abc' is not a number" in text
    assert "line 6: Latitude '52,9' is not a number" in text
    assert "line 7: coordinates lie outside Great Britain" in text
    assert "--skip-malformed" in text
    assert current_build(tmp_path / "out") is None


def test_skip_malformed_counts_them_with_reason_file_and_line(tmp_path, wards):
    text = csv_text([row(), row(Month="garbage"), row()]) + "too,few,fields\n"
    src = tmp_path / "2014-04-derbyshire-street.csv"
    src.write_text(text)
    dataset, report = ingest([src], wards, tmp_path / "out", skip_malformed=True)
    assert report.rows_read == 4 and report.loaded == 2
    by_reason = {m.reason: m for m in report.malformed}
    assert by_reason["Month 'garbage' is not YYYY-MM"].lines == [3]
    assert by_reason["wrong number of fields"].lines == [5]
    assert all(m.file == str(src) for m in report.malformed)


def test_failed_build_leaves_the_earlier_dataset_intact(tmp_path, wards):
    good = write_street(tmp_path / "src", "2014-04", [row(), row()])
    out = tmp_path / "out"
    ingest([good], wards, out)
    before = (out / CURRENT).read_text()
    bad = tmp_path / "bad" / "2014-05-derbyshire-street.csv"
    bad.parent.mkdir()
    bad.write_text("Month,Longitude\n2014-05,-1.4\n")
    with pytest.raises(InputError):
        build_dataset([good, bad], wards, out)
    assert (out / CURRENT).read_text() == before
    assert len(open_dataset(out).incidents) == 2
    assert [p.name for p in (out / BUILDS).iterdir()] == [before.strip()]


def test_rebuild_replaces_the_dataset_and_keeps_one_previous_build(tmp_path, wards):
    src = write_street(tmp_path / "src", "2014-04", [row()])
    out = tmp_path / "out"
    for _ in range(3):
        ingest([src], wards, out)
    assert len(list((out / BUILDS).iterdir())) == 2
    assert len(open_dataset(out).incidents) == 1


def test_an_archive_with_two_members_of_one_name_reads_both(tmp_path, wards):
    """zipfile finds a name's last member; each member is read itself, and the second is a
    duplicate month, counted as such, not a first copy lost without a word."""
    archive = tmp_path / "twice.zip"
    name = "2014-04/2014-04-derbyshire-street.csv"
    with zipfile.ZipFile(archive, "w") as zf, pytest.warns(UserWarning, match="Duplicate name"):
        zf.writestr(name, csv_text([row(crime_id=f"a{i}") for i in range(5)]))
        zf.writestr(name, csv_text([row(crime_id="b")]))
    dataset, report = ingest([archive], wards, tmp_path / "out")
    assert report.rows_read == 6 and report.loaded == 5 and report.duplicate == 1
    assert report.files[1].file.endswith("(copy 2 of that name)")


def test_coordinates_that_are_not_numbers_are_named_whatever_else_the_file_holds(tmp_path, wards):
    """'NA', 'NULL', 'nan' and 'inf' are not coordinates: always malformed, never 'no location'
    in one file and 'malformed' in another."""
    for others in ([], [row(Longitude="west")]):
        rows = [row(Longitude="NA", Latitude="NA"), row(Longitude="nan"), row(Latitude="inf"), row(), *others]
        src = write_street(tmp_path / f"src{len(others)}", "2014-04", rows)
        _, report = ingest([src], wards, tmp_path / f"out{len(others)}", skip_malformed=True)
        assert report.no_location == 0 and report.loaded == 1
        assert report.malformed_rows == 3 + len(others)


def test_lsoas_are_kept_with_their_ward_population_and_imd(tmp_path):
    """Each LSOA gets the lookup's ward where it names one, else the ward it overlaps most;
    an LSOA far from the wards is left out, and the report says so."""
    import shapely

    from police_rows import LSOA_CODES, LSOAS, write_test_lsoas

    lsoas = write_test_lsoas(tmp_path / "lsoas.geojson", codes=[*LSOA_CODES, "E01000009"],
                             geometries=[*LSOAS, shapely.box(445000, 345000, 446000, 346000)])
    lookup = tmp_path / "lookup.csv"
    lookup.write_text("LSOA11CD,WD19CD\nE01000001,E05000002\nE01000002,E05000099\n")
    population = tmp_path / "pop.csv"
    population.write_text("LSOA11CD,All Ages\n" + "".join(f"{c},{100 * (i + 1)}\n" for i, c in enumerate(LSOA_CODES)))
    imd = tmp_path / "imd.csv"
    imd.write_text("lsoa11_code,IMD_rank,IMD_decile,IMD_score\nE01000001,100,1,60.5\nE01000002,5000,2,30\n"
                   "E01000003,30000,10,2.25\nE01000004,15000,5,12\n")
    inputs = WardInputs(boundaries=write_test_wards(tmp_path / "wards.geojson"), lsoas=lsoas, lsoa_lookup=lookup,
                        population={"2014-15": population}, imd={"2015": imd})
    dataset, report = ingest([write_street(tmp_path / "s", "2014-04", [row()])], inputs, tmp_path / "out")
    table = dataset.lsoas.set_index("lsoa_code")
    assert list(table.index) == LSOA_CODES
    # E01000001 lies in West, but the lookup (the ONS best fit) says East; E01000002's ward is
    # not one of the wards, so its overlap decides.
    assert table["ward_name"].tolist() == ["East", "West", "East", "East"]
    assert table["population_2014-15"].tolist() == [100, 200, 300, 400]
    # Each LSOA's residents go to its ward, whether the lookup or the overlap gave it.
    assert dataset.wards.set_index("ward_name")["population_2014-15"].to_dict() == {"West": 200, "East": 800}
    assert table.loc["E01000001", ["imd2015_rank", "imd2015_decile", "imd2015_score"]].tolist() == [100, 1, 60.5]
    assert table["area_km2"].tolist() == [0.5] * 4
    assert report.notes[:2] == [
        "4 LSOAs from lsoas.geojson, each with its ward: from the LSOA to ward lookup for 1, by the largest "
        "overlap with the wards for 3",
        "1 LSOA of lsoas.geojson lies mostly outside the wards: left out (E01000009)"]


def test_lsoas_take_population_by_lsoa_to_the_wards_without_a_lookup(tmp_path):
    from police_rows import LSOA_CODES, write_test_lsoas

    population = tmp_path / "pop.csv"
    population.write_text("LSOA11CD,All Ages\n" + "".join(f"{c},{100 * (i + 1)}\n" for i, c in enumerate(LSOA_CODES)))
    inputs = WardInputs(boundaries=write_test_wards(tmp_path / "wards.geojson"),
                        lsoas=write_test_lsoas(tmp_path / "lsoas.gpkg"), population={"2014-15": population})
    dataset, _ = ingest([write_street(tmp_path / "s", "2014-04", [row()])], inputs, tmp_path / "out")
    assert dataset.wards.set_index("ward_name")["population_2014-15"].to_dict() == {"West": 300, "East": 700}
    with pytest.raises(InputError, match="or the LSOA boundaries, --lsoas FILE"):
        build_dataset([write_street(tmp_path / "s", "2014-04", [row()])],
                      WardInputs(boundaries=inputs.boundaries, population={"2014-15": population}), tmp_path / "x")


# --- outcomes files: each crime's outcome is the latest recorded for its Crime ID --------------

def outcomes_of(dataset) -> dict:
    crimes = dataset.incidents[dataset.incidents["crime_id"] != ""]
    return dict(zip(crimes["crime_id"], crimes["outcome"].astype(str)))


def test_the_latest_outcome_wins_by_month_then_by_file_order_then_by_row(tmp_path, wards):
    src = tmp_path / "archive"
    asb = row(crime_type="Anti-social behaviour", **{"Last outcome category": ""})  # as police.uk publishes it
    write_street(src, "2014-04", [row(crime_id=c) for c in "abcde"] + [asb])
    write_outcomes(src, "2014-05", [outcome("a", "Offender fined", "2014-05"),
                                    outcome("b", "Later by month", "2014-06"),  # recorded later, in an earlier file
                                    outcome("b", "Earlier by month", "2014-05")])
    write_outcomes(src, "2014-06", [outcome("a", "Suspect charged", "2014-06"),
                                    outcome("b", "In a later file, earlier by month", "2014-05"),
                                    outcome("c", "First of two rows", "2014-06"),
                                    outcome("c", "Second of two rows", "2014-06"),
                                    outcome("e", "Under investigation", "2014-06")])  # as the street file says
    later = tmp_path / "later"  # a second source: found after the folder's files
    write_outcomes(later, "2014-06", [outcome("a", "From the later source", "2014-06")])
    dataset, report = ingest([src, later], wards, tmp_path / "out")
    assert outcomes_of(dataset) == {"a": "From the later source", "b": "Later by month", "c": "Second of two rows",
                                    "d": "Under investigation", "e": "Under investigation"}
    assert set(dataset.incidents["street_outcome"].astype(str)) == {"Under investigation", ""}
    asb = dataset.incidents[dataset.incidents["category"] == "Anti-social behaviour"]
    assert asb["outcome"].astype(str).tolist() == [""]
    tally = report.outcomes
    assert [len(tally.files), tally.rows_read, tally.matched, tally.unmatched, tally.superseded] == [3, 9, 9, 0, 3]
    assert "crimes whose street-file outcome was superseded by a later one: 3" in report.lines()
    # Both columns are written, 'outcome' a category as before.
    columns = list(dataset.incidents.columns)
    assert columns[columns.index("outcome") + 1] == "street_outcome"
    import pyarrow.parquet as pq
    assert "street_outcome" in pq.read_schema(dataset.build / "incidents.parquet").names


def test_a_build_without_outcomes_files_writes_the_table_as_before(tmp_path, wards):
    import pyarrow.parquet as pq

    dataset, report = ingest([write_street(tmp_path / "s", "2014-04", [row()])], wards, tmp_path / "out")
    assert "street_outcome" not in pq.read_schema(dataset.build / "incidents.parquet").names
    assert (dataset.incidents["street_outcome"] == dataset.incidents["outcome"]).all()  # added on opening
    assert not [line for line in report.lines() if "outcome" in line]


def test_outcomes_of_crimes_not_in_the_build_are_counted_not_lost(tmp_path, wards):
    src = tmp_path / "archive"
    write_street(src, "2014-04", [row(crime_id="in"), row(crime_id="far", x=500000, y=200000)])
    write_street(src, "2014-05", [row(month="2014-05", crime_id="may")])  # a month not taken
    write_outcomes(src, "2014-06", [outcome("in", "Offender fined", "2014-06"),
                                    outcome("far", "Offender fined", "2014-06"),  # outside the area
                                    outcome("may", "Offender fined", "2014-06"),
                                    outcome("never-seen", "Offender fined", "2014-06"),
                                    outcome("", "Offender fined", "2014-06")])  # names no crime
    dataset, report = ingest([src], wards, tmp_path / "out",
                             selection=SourceSelection(months=frozenset({"2014-04"})))
    assert outcomes_of(dataset) == {"in": "Offender fined"}
    tally = report.outcomes
    assert (tally.rows_read, tally.matched, tally.unmatched) == (5, 1, 4)
    assert tally.matched + tally.unmatched == tally.rows_read
    lines = report.lines()
    assert "outcomes: 5 rows read from 1 outcomes file(s)" in lines
    assert "outcomes matched to a crime in the build: 1" in lines
    assert "outcomes unmatched (no crime of that Crime ID in the build): 4" in lines
    stored = dataset.report.to_dict()["outcomes"]  # the JSON in the manifest
    assert {k: stored[k] for k in ("rows_read", "matched", "unmatched", "superseded", "files_skipped")} == {
        "rows_read": 5, "matched": 1, "unmatched": 4, "superseded": 1, "files_skipped": 0}
    assert [s.get("kind") for s in dataset.manifest["sources"]] == [None, "outcomes"]


def test_asb_never_gets_an_outcome(tmp_path, wards):
    """ASB rows have no Crime ID; one that somehow has one is still not a crime to give an
    outcome to: the outcomes row naming it is unmatched."""
    src = tmp_path / "archive"
    asb = row(crime_type="Anti-social behaviour", **{"Crime ID": "odd", "Last outcome category": ""})
    write_street(src, "2014-04", [asb, row(crime_id="c")])
    write_outcomes(src, "2014-05", [outcome("odd", "Offender fined"), outcome("c", "Offender fined")])
    dataset, report = ingest([src], wards, tmp_path / "out")
    asb = dataset.incidents[dataset.incidents["category"] == "Anti-social behaviour"]
    assert asb["crime_id"].tolist() == ["odd"] and asb["outcome"].astype(str).tolist() == [""]
    assert (report.outcomes.matched, report.outcomes.unmatched, report.outcomes.superseded) == (1, 1, 1)


def test_the_force_is_chosen_for_outcomes_files_but_not_the_month(tmp_path, wards):
    src = tmp_path / "archive"
    write_street(src, "2014-04", [row(crime_id="c")])
    write_street(src, "2019-09", [row(month="2019-09", crime_id="later")])
    write_outcomes(src, "2019-09", [outcome("c", "Recorded years later", "2019-09")])  # a month not taken
    write_outcomes(src, "2019-09", [outcome("c", "Another force's", "2019-10")], force="leicestershire")
    dataset, report = ingest([src], wards, tmp_path / "out", selection=SourceSelection(
        forces=frozenset({"derbyshire"}), months=frozenset({"2014-04"})))
    assert outcomes_of(dataset) == {"c": "Recorded years later"}
    assert report.outcome_files_skipped == 1
    assert {s["file"].rsplit("/", 1)[1]: s["reason"] for s in report.skipped_files} == {
        "2019-09-derbyshire-street.csv": "month 2019-09 not selected",
        "2019-09-leicestershire-outcomes.csv": "force 'leicestershire' not selected"}
    lines = report.lines()
    assert "outcomes: 1 rows read from 1 outcomes file(s), 1 skipped" in lines
    assert "  outcomes file, force 'leicestershire' not selected: 1" in lines


def test_a_zip_with_outcomes_members_reads_as_its_folder_does(tmp_path, wards):
    src = tmp_path / "archive"
    write_street(src, "2014-04", [row(crime_id=f"c{i}", x=435100 + 100 * i) for i in range(8)])
    write_outcomes(src, "2014-04", [outcome(f"c{i}", "Offender fined", "2014-04") for i in range(0, 8, 2)])
    write_outcomes(src, "2014-05", [outcome(f"c{i}", "Suspect charged", "2014-05") for i in range(0, 8, 4)])
    from_folder, _ = ingest([src], wards, tmp_path / "a")
    from_zip, report = ingest([zip_folder(src, tmp_path / "2014-05.zip")], wards, tmp_path / "b")
    pd.testing.assert_frame_equal(from_folder.incidents, from_zip.incidents)
    assert outcomes_of(from_zip) == {"c0": "Suspect charged", "c2": "Offender fined", "c4": "Suspect charged",
                                     "c6": "Offender fined", "c1": "Under investigation",
                                     "c3": "Under investigation", "c5": "Under investigation",
                                     "c7": "Under investigation"}
    assert report.outcomes.files[0].file.endswith("2014-05.zip!2014-04/2014-04-derbyshire-outcomes.csv")
    assert (report.outcomes.rows_read, report.outcomes.matched, report.outcomes.superseded) == (6, 6, 4)


def test_single_files_and_uploads_take_outcomes_files_too(tmp_path, wards):
    """Given by themselves (on the command line, or uploaded in the app), an outcomes file is
    known by its name, or by its header when it was renamed on the way."""
    from sia.cli import main
    from sia.dataset.uploads import Upload, UploadedInputs, build_from_uploads

    street = write_street(tmp_path / "s", "2014-04", [row(crime_id="a"), row(crime_id="b")])
    named = write_outcomes(tmp_path / "s", "2014-05", [outcome("a", "Offender fined", "2014-05")])
    renamed = tmp_path / "outcomes (1).csv"
    renamed.write_text(csv_text([outcome("b", "Suspect charged", "2014-06")], header=list(
        outcome().keys())))
    assert main(["ingest", str(street), str(named), str(renamed), "--wards", str(wards.boundaries),
                 "--data-dir", str(tmp_path / "cli")]) == 0
    assert outcomes_of(open_dataset(tmp_path / "cli")) == {"a": "Offender fined", "b": "Suspect charged"}

    _, report = build_from_uploads(UploadedInputs(
        police=[Upload(p.name, p.read_bytes()) for p in (street, named, renamed, named)],  # one twice
        wards=Upload("wards.geojson", wards.boundaries.read_bytes())), tmp_path / "app")
    assert outcomes_of(open_dataset(tmp_path / "app")) == {"a": "Offender fined", "b": "Suspect charged"}
    assert len(report.outcomes.files) == 3 and report.outcomes.matched == 3


def test_malformed_outcome_rows_stop_the_build_or_are_counted(tmp_path, wards):
    src = tmp_path / "archive"
    write_street(src, "2014-04", [row(crime_id="a"), row(crime_id="b")])
    path = write_outcomes(src, "2014-05", [outcome("a", "Offender fined"), outcome("b", "Fined", Month="May"),
                                           outcome("b", "")])
    path.write_text(path.read_text() + "too,few\n\n")
    with pytest.raises(InputError) as err:
        build_dataset([src], wards, tmp_path / "out")
    text = str(err.value)
    assert f"{path} line 3: Month 'May' is not YYYY-MM" in text
    assert f"{path} line 4: Outcome type is empty" in text
    assert f"{path} line 5: wrong number of fields" in text
    assert current_build(tmp_path / "out") is None

    dataset, report = ingest([src], wards, tmp_path / "out", skip_malformed=True)
    tally = report.outcomes
    assert (tally.rows_read, tally.matched, tally.unmatched, tally.blank_lines, tally.malformed_rows) == (5, 1, 0, 1, 3)
    assert outcomes_of(dataset) == {"a": "Offender fined", "b": "Under investigation"}
    assert f"  {path} line 3: Month 'May' is not YYYY-MM" in report.lines()
    assert report.rows_read == 2 and report.unaccounted == 0  # the street rows' accounts are apart


def test_outcomes_files_count_towards_the_build_s_input_limit(tmp_path, wards):
    src = tmp_path / "archive"
    street = write_street(src, "2014-04", [row(crime_id="a")])
    write_outcomes(src, "2014-05", [outcome("a")] * 50)
    limit = street.stat().st_size + 100
    build_dataset([street], wards, tmp_path / "alone", selection=SourceSelection(max_bytes=limit))
    with pytest.raises(InputError, match="the street and outcomes files selected come to 8 kB, more than the"):
        build_dataset([src], wards, tmp_path / "out", selection=SourceSelection(max_bytes=limit))


def test_crimes_sharing_a_crime_id_each_take_its_outcome_and_the_report_says_so(tmp_path, wards):
    """police.uk publishes a few Crime IDs twice (39 in the real Derby months, on separate
    crimes): an outcome is recorded by Crime ID, so each of them gets it."""
    src = tmp_path / "archive"
    write_street(src, "2014-04", [row(crime_id="dup"), row(crime_id="dup", x=436500), row(crime_id="one")])
    write_outcomes(src, "2014-05", [outcome("dup", "Offender fined"), outcome("one", "Offender fined")])
    dataset, report = ingest([src], wards, tmp_path / "out")
    assert dataset.incidents["outcome"].astype(str).tolist() == ["Offender fined"] * 3
    assert (report.outcomes.matched, report.outcomes.superseded) == (2, 3)
    assert "1 Crime ID with an outcome in the outcomes files is held by more than one crime (2 crimes): " \
           "each of those crimes is given the latest outcome recorded for its Crime ID" in report.notes
