"""``python -m sia fetch`` against local stand-ins for data.police.uk and ONS (127.0.0.1).

The archive zips are built from the real Derby months in ../shared/data; Derbyshire's
other months are absent from them, as a real gap would be. Beside each month's street file
they hold a stop-and-search file, except for the months in NO_STOPS.
"""
import io
import json
import os
import re
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from sia.cli import main
from sia.dataset.fetch.cache import CHECKSUMS, sha256_of
from sia.dataset.store import open_dataset

from fetch_servers import LSOA_SERVICE, NO_STOPS, ONS_ROOT
from support import run_sia

MONTHS_2014 = [f"2014-{m:02d}" for m in range(4, 11)]
# ONS queries of a whole fetch, 5 features a page: the area (1), the lookup (31), the wards (4), the LSOAs
# (20 + 11), the districts of the force area (1) and their polygons (1).
ONS_PAGES = 1 + 31 + 4 + 31 + 2
WARDS = "2019-09"


def fetch(capsys, servers, data_dir, *args, retries="2"):
    police, ons = servers
    code = main(["fetch", "--data-dir", str(data_dir), "--police-base-url", police.url,
                 "--ons-base-url", f"{ons.url}{ONS_ROOT}", "--retries", retries,
                 "--backoff", "0.01", "--timeout", "5", *args])
    out, err = capsys.readouterr()
    return code, out, err


def months_args(months):
    return [a for m in months for a in ("--month", m)]


def counts_by_ward(capsys, data_dir, *extra) -> list:
    assert main(["counts", "--by", "ward", "--format", "json", "--data-dir", str(data_dir), *extra]) == 0
    return json.loads(capsys.readouterr().out)


def current(data_dir: Path) -> str | None:
    pointer = data_dir / "CURRENT"
    return pointer.read_text() if pointer.exists() else None


def zip_path(archive):
    return f"/data/archive/{archive}.zip"


def test_fetch_reads_only_the_months_asked_for_and_matches_a_direct_ingest(
        capsys, serve, tmp_path, archive_zips, real_data_dir, shared_data):
    police, ons = servers = serve()
    code, out, err = fetch(capsys, servers, tmp_path, *months_args(MONTHS_2014 + [WARDS]))
    assert code == 0, err

    # The fewest archives that cover: 2016-03 (the latest reaching back to 2014-04) and
    # 2020-03; never the decoy 2015-03, which holds the 2014 months too.
    zips_read = {p for p in police.paths() if p.endswith(".zip")}
    assert zips_read == {zip_path("2016-03"), zip_path("2020-03")}
    assert all(r is not None for _, p, r in police.requests if p.endswith(".zip"))  # all ranged
    for archive in ("2016-03", "2020-03"):
        # Each month's street, outcomes and stop-and-search files (3 of the 13 members of a month
        # with data) and the directory.
        assert police.bytes_sent[zip_path(archive)] < len(archive_zips[archive]) * 0.4
        assert f"police.uk {archive}.zip" in out
    assert "police.uk 2016-03.zip: 7 month(s) (2014-04, 2014-05, 2014-06, 2014-07, 2014-08, 2014-09, 2014-10), " \
           "6 stop-and-search file(s) and 7 outcomes file(s) (2014-04 to 2014-10)" in out
    assert "police.uk: 1 month(s) with no stop-and-search file for 'derbyshire' in the archive (2014-06)" in out

    # Exactly the months asked for came down, with their stop-and-search files (2014-06 has
    # none) and the outcomes files from the first month each archive supplied to its last
    # (here the same months: the archives hold no others for Derbyshire), each checksummed
    # in the cache and the manifest.
    cached = sorted(p.relative_to(tmp_path / "downloads").as_posix()
                    for p in (tmp_path / "downloads" / "police").rglob("*.csv"))
    assert cached == sorted(f"police/{m}/{m}-derbyshire-{kind}.csv" for m in MONTHS_2014 + [WARDS]
                            for kind in ("street", "outcomes", "stop-and-search")
                            if kind != "stop-and-search" or m not in NO_STOPS)
    manifest = json.loads((tmp_path / "builds" / current(tmp_path).strip() / "manifest.json").read_text())
    assert manifest["months"] == MONTHS_2014 + [WARDS]
    fetched = {f["file"]: f for f in manifest["fetched"]["files"]}
    assert set(fetched) == set(cached) | {"ons/wd19-boundaries-E06000015.geojson",
                                          "ons/lsoa-wd19-lookup-E06000015.csv",
                                          "ons/lsoa11-boundaries-E06000015.geojson",
                                          "ons/districts-E23000026.geojson"}  # the force area's districts
    for name, entry in fetched.items():
        assert sha256_of(tmp_path / "downloads" / name) == entry["sha256"]
    assert fetched["police/2014-04/2014-04-derbyshire-street.csv"]["member"] == "2014-04/2014-04-derbyshire-street.csv"
    assert fetched["police/2014-04/2014-04-derbyshire-outcomes.csv"]["member"] == \
        "2014-04/2014-04-derbyshire-outcomes.csv"
    assert fetched["police/2014-04/2014-04-derbyshire-stop-and-search.csv"]["member"] == \
        "2014-04/2014-04-derbyshire-stop-and-search.csv"
    assert {s["sha256"] for s in manifest["sources"]} == {fetched[c]["sha256"] for c in cached}

    # ONS answered page by page (at most 5 features each): 17 wards, 151 LSOAs and their
    # polygons, asked for 100 codes at a time.
    assert "17 wards" in out and "151 LSOAs" in out and LSOA_SERVICE in out
    assert len(ons.paths()) == ONS_PAGES
    lsoa_queries = [p for p in ons.paths() if LSOA_SERVICE in p]
    assert len(lsoa_queries) == 20 + 11
    assert "population and IMD are not fetched" in out

    assert counts_by_ward(capsys, tmp_path) == counts_by_ward(capsys, real_data_dir)
    # Every crime has a row in its month's outcomes file, with the street file's outcome; only
    # crimes sharing a Crime ID (39 IDs on 78 crimes, 76 of them in 2019-09) take the last row's outcome.
    report = open_dataset(tmp_path).report
    outcomes = report.outcomes
    held = open_dataset(real_data_dir).incidents
    crimes = held[held["crime_id"] != ""]
    street = pd.concat([pd.read_csv(shared_data / "police_uk" / m / f"{m}-derbyshire-street.csv", dtype=str,
                                    keep_default_na=False) for m in MONTHS_2014 + [WARDS]])
    last = street[street["Crime ID"] != ""].groupby("Crime ID")["Last outcome category"].last()
    changed = int((crimes["crime_id"].map(last) != crimes["outcome"].astype(str)).sum())
    assert (len(outcomes.files), outcomes.rows_read, outcomes.matched, outcomes.unmatched, outcomes.superseded) == (
        8, len(crimes), len(crimes), 0, changed)
    assert 0 < changed < 78
    assert "39 Crime IDs with an outcome in the outcomes files are each held by more than one crime (78 crimes)" \
        in " ".join(report.notes)
    # The LSOAs fetched are the shared file's, each with the lookup's ward.
    fetched_lsoas, held = open_dataset(tmp_path).lsoas, open_dataset(real_data_dir).lsoas
    assert len(fetched_lsoas) == 151
    columns = ["lsoa_code", "lsoa_name", "ward_code", "ward_name", "area_km2", "geometry"]
    pd.testing.assert_frame_equal(fetched_lsoas[columns], held[columns])
    assert any(n.startswith("151 LSOAs from lsoa11-boundaries-E06000015.geojson, each with its ward: from "
                            "the LSOA to ward lookup for 151") for n in open_dataset(tmp_path).report.notes)


def test_one_month_of_an_archive_is_all_that_comes_down(capsys, serve, tmp_path, archive_zips, shared_data):
    # The 2016-03 archive holds all seven 2014 months: only the street file asked for is read,
    # with its stop-and-search file and the outcomes files from that month on (later outcomes
    # of its crimes), not before.
    police, _ = servers = serve()
    code, out, err = fetch(capsys, servers, tmp_path, "--month", "2014-05")
    assert code == 0, err
    cached = sorted(p.name for p in (tmp_path / "downloads" / "police").rglob("*.csv"))
    later = [f"{m}-derbyshire-outcomes.csv" for m in MONTHS_2014[1:]]
    assert cached == sorted(["2014-05-derbyshire-street.csv", "2014-05-derbyshire-stop-and-search.csv", *later])
    manifest = json.loads((tmp_path / "builds" / current(tmp_path).strip() / "manifest.json").read_text())
    assert manifest["months"] == ["2014-05"]
    # 7 of the archive's 49 members the size of a month of Derbyshire, and a stop-and-search file.
    assert police.bytes_sent[zip_path("2016-03")] < len(archive_zips["2016-03"]) / 5
    outcomes = open_dataset(tmp_path).report.outcomes  # the later months' outcomes name other crimes
    assert len(outcomes.files) == 6 and outcomes.unmatched == outcomes.rows_read - outcomes.matched > 0
    source = shared_data / "police_uk" / "2014-05" / "2014-05-derbyshire-street.csv"
    rows = len(source.read_text().splitlines()) - 1  # every row of the month, placed in a ward
    assert sum(row["count"] for row in counts_by_ward(capsys, tmp_path)) == rows


def test_a_rerun_downloads_nothing_again_and_a_damaged_file_is_fetched_again(capsys, serve, tmp_path):
    police, ons = servers = serve()
    assert fetch(capsys, servers, tmp_path, "--month", WARDS)[0] == 0
    first = len(police.requests) + len(ons.requests)
    code, out, err = fetch(capsys, servers, tmp_path, "--month", WARDS)
    assert code == 0, err
    assert len(police.requests) + len(ons.requests) == first  # nothing asked for again
    assert "1 month(s) already downloaded and verified" in out

    cached = tmp_path / "downloads" / "police" / WARDS / f"{WARDS}-derbyshire-street.csv"
    cached.write_bytes(cached.read_bytes()[:-100])  # damaged since it was verified
    assert fetch(capsys, servers, tmp_path, "--month", WARDS)[0] == 0
    assert police.paths()[first - len(ons.requests):].count(zip_path("2020-03")) >= 2
    assert len(ons.requests) == ONS_PAGES  # the ONS files were still good
    assert json.loads((tmp_path / "downloads" / CHECKSUMS).read_text())[
        f"police/{WARDS}/{WARDS}-derbyshire-street.csv"]["sha256"] == sha256_of(cached)


def test_later_outcomes_in_the_archive_supersede_the_street_files(capsys, serve, tmp_path, archive_zips):
    """An outcome recorded in 2014-07 for a crime of 2014-05 is that crime's outcome; the
    street file's is kept beside it."""
    import io
    import zipfile

    old = zipfile.ZipFile(io.BytesIO(archive_zips["2016-03"]))
    street = pd.read_csv(io.BytesIO(old.read("2014-05/2014-05-derbyshire-street.csv")), dtype=str,
                         keep_default_na=False)
    crime = street.loc[street["Crime ID"] != ""].iloc[0]
    rebuilt = io.BytesIO()
    with zipfile.ZipFile(rebuilt, "w", zipfile.ZIP_DEFLATED) as zf:
        for info in old.infolist():
            data = old.read(info)
            if info.filename == "2014-07/2014-07-derbyshire-outcomes.csv":
                data += f"{crime['Crime ID']},2014-07,,,,,,,,Offender given a caution\n".encode()
            zf.writestr(info, data)
    servers = serve(zips={**archive_zips, "2016-03": rebuilt.getvalue()})
    code, out, err = fetch(capsys, servers, tmp_path, "--month", "2014-05")
    assert code == 0, err
    dataset = open_dataset(tmp_path)
    held = dataset.incidents.set_index("crime_id").loc[crime["Crime ID"]]
    assert (held["outcome"], held["street_outcome"]) == ("Offender given a caution", crime["Last outcome category"])
    assert dataset.report.outcomes.superseded == 1
    assert "crimes whose street-file outcome was superseded by a later one: 1" in out


def test_a_cache_filled_before_outcomes_were_fetched_gets_only_them(capsys, serve, tmp_path):
    police, ons = servers = serve()
    assert fetch(capsys, servers, tmp_path, "--month", WARDS)[0] == 0
    checksums = tmp_path / "downloads" / CHECKSUMS
    entries = json.loads(checksums.read_text())
    for name in [n for n in entries if "outcomes" in n]:  # as an earlier version left it
        del entries[name]
        (tmp_path / "downloads" / name).unlink()
    checksums.write_text(json.dumps(entries))
    first = len(police.paths())
    code, out, err = fetch(capsys, servers, tmp_path, "--month", WARDS)
    assert code == 0, err
    assert set(police.paths()[first:]) == {zip_path("2020-03")}  # the archive list is not needed
    assert "police.uk 2020-03.zip: 1 outcomes file(s) (2019-09)" in out
    assert "1 month(s) already downloaded and verified" in out
    assert len(open_dataset(tmp_path).report.outcomes.files) == 1


def test_outcomes_files_that_would_take_the_build_over_its_limit_are_left_out(capsys, serve, tmp_path,
                                                                             monkeypatch):
    monkeypatch.setattr("sia.dataset.fetch.police_archive.MAX_BUILD_INPUT", 3 << 20)  # room for two or so
    servers = serve()
    code, out, err = fetch(capsys, servers, tmp_path, "--month", "2014-04")
    assert code == 0, err
    outcomes = open_dataset(tmp_path).report.outcomes
    assert 0 < len(outcomes.files) < 7
    assert f"police.uk: {7 - len(outcomes.files)} later outcomes file(s) left out" in out
    assert [f.months for f in outcomes.files] == [[m] for m in MONTHS_2014[:len(outcomes.files)]]  # the earliest


def members_read(police, zips: dict[str, bytes], archive: str, since: int = 0) -> set[str]:
    """The archive's members whose bytes were asked for (after the first ``since`` requests):
    a member is read by one range request from its local header."""
    headers = {info.header_offset: info.filename for info in zipfile.ZipFile(io.BytesIO(zips[archive])).infolist()}
    starts = [re.match(r"bytes=(\d+)-", asked or "") for _, path, asked in police.requests[since:]
              if path == zip_path(archive)]
    return {headers[int(s.group(1))] for s in starts if s and int(s.group(1)) in headers}


def stops_in(zips: dict[str, bytes], archive: str, month: str) -> pd.DataFrame:
    member = f"{month}/{month}-derbyshire-stop-and-search.csv"
    rows = pd.read_csv(io.BytesIO(zipfile.ZipFile(io.BytesIO(zips[archive])).read(member)), dtype=str,
                       keep_default_na=False)
    return rows.assign(month=month)


def test_fetch_takes_each_months_stop_and_search_file_and_accounts_for_every_search(capsys, serve, tmp_path,
                                                                                    archive_zips):
    """The searches inside Derby's wards are kept, each in the ward an independent spatial
    join (geopandas) puts it in; the rest of the force-wide files is counted as set aside."""
    servers = serve()
    code, out, err = fetch(capsys, servers, tmp_path, *months_args(["2014-05", "2014-06", WARDS]))
    assert code == 0, err
    dataset = open_dataset(tmp_path)
    raw = pd.concat([stops_in(archive_zips, "2016-03", "2014-05"), stops_in(archive_zips, "2020-03", WARDS)],
                    ignore_index=True)
    located = raw[raw["Latitude"] != ""]
    points = gpd.GeoDataFrame(located[["month"]], crs="EPSG:4326", geometry=gpd.points_from_xy(
        located["Longitude"].astype(float), located["Latitude"].astype(float))).to_crs("EPSG:27700")
    wards = dataset.wards.to_crs("EPSG:27700")[["ward_code", "geometry"]]
    inside = gpd.sjoin(points, wards, predicate="intersects").sort_values("ward_code")
    inside = inside[~inside.index.duplicated()]  # a point on a shared boundary: the first ward by code
    assert 0 < len(inside) < len(located) < len(raw)  # searches in Derby, in the county and unlocated

    tally = dataset.report.stops
    assert (tally.rows_read, tally.placed, tally.no_location, tally.outside_area) == (
        len(raw), len(inside), len(raw) - len(located), len(located) - len(inside))
    assert tally.unaccounted == 0 and tally.duplicate == tally.blank_lines == tally.malformed_rows == 0
    assert [f.months for f in tally.files] == [["2014-05"], [WARDS]]
    stops = dataset.stops
    assert len(stops) == len(inside) and set(stops["force"]) == {"derbyshire"}
    assert stops.groupby(["month", "ward_code"], observed=True).size().to_dict() == \
        inside.groupby(["month", "ward_code"]).size().to_dict()
    assert dataset.stop_months == ["2014-05", WARDS]  # 2014-06 has no stop-and-search file
    assert f"stop and search: {len(raw):,} rows read from 2 stop-and-search file(s)" in out
    assert "police.uk 2016-03.zip: 2 month(s) (2014-05, 2014-06), 1 stop-and-search file(s) and " \
           "6 outcomes file(s) (2014-05 to 2014-10)" in out
    assert "police.uk: 1 month(s) with no stop-and-search file for 'derbyshire' in the archive (2014-06)" in out
    manifest = json.loads((dataset.build / "manifest.json").read_text())
    fetched = {f["file"]: f for f in manifest["fetched"]["files"]}
    for month in ("2014-05", WARDS):
        name = f"police/{month}/{month}-derbyshire-stop-and-search.csv"
        assert fetched[name]["member"] == f"{month}/{month}-derbyshire-stop-and-search.csv"
        assert fetched[name]["sha256"] == sha256_of(tmp_path / "downloads" / name)
        assert {"file": str(tmp_path / "downloads" / name), "sha256": fetched[name]["sha256"],
                "rows": int((raw["month"] == month).sum()), "kind": "stops"} in manifest["sources"]


def test_only_the_forces_stop_and_search_file_of_the_month_asked_for_is_read(capsys, serve, tmp_path, archive_zips):
    # The 2016-03 archive holds six forces' stop-and-search files for six 2014 months.
    police, _ = servers = serve()
    code, out, err = fetch(capsys, servers, tmp_path, "--month", "2014-05")
    assert code == 0, err
    assert {p for p in police.paths() if p.endswith(".zip")} == {zip_path("2016-03")}
    assert members_read(police, archive_zips, "2016-03") == {
        "2014-05/2014-05-derbyshire-street.csv", "2014-05/2014-05-derbyshire-stop-and-search.csv",
        *(f"{m}/{m}-derbyshire-outcomes.csv" for m in MONTHS_2014[1:])}
    assert "police.uk 2016-03.zip: 1 month(s) (2014-05), 1 stop-and-search file(s) and 6 outcomes file(s)" in out
    assert open_dataset(tmp_path).stop_months == ["2014-05"]


def test_a_rerun_reads_no_archive_again_and_gives_the_same_searches(capsys, serve, tmp_path):
    police, ons = servers = serve()
    months = months_args(["2014-05", "2014-06"])
    assert fetch(capsys, servers, tmp_path, *months)[0] == 0
    searches = open_dataset(tmp_path).stops
    first = len(police.requests) + len(ons.requests)
    code, out, err = fetch(capsys, servers, tmp_path, *months)
    assert code == 0, err
    # Nothing asked for again: not the stop-and-search file, nor whether 2014-06 has one
    # (the cache's index of the archive says it has not).
    assert len(police.requests) + len(ons.requests) == first
    assert "police.uk: 1 stop-and-search file(s) already downloaded and verified" in out
    assert "police.uk: 1 month(s) with no stop-and-search file for 'derbyshire' in the archive (2014-06)" in out
    pd.testing.assert_frame_equal(open_dataset(tmp_path).stops, searches)


def test_a_cache_filled_before_stop_and_search_files_were_fetched_gets_only_them(capsys, serve, tmp_path,
                                                                                 archive_zips):
    police, ons = servers = serve()
    assert fetch(capsys, servers, tmp_path, "--month", WARDS)[0] == 0
    searches = open_dataset(tmp_path).stops
    checksums = tmp_path / "downloads" / CHECKSUMS
    entries = json.loads(checksums.read_text())
    gone = [n for n in entries if "stop-and-search" in n]  # the file and the archive's index
    assert len(gone) == 2
    for name in gone:  # as an earlier version left the cache
        del entries[name]
        (tmp_path / "downloads" / name).unlink()
    checksums.write_text(json.dumps(entries))
    first, ons_first = len(police.requests), len(ons.requests)
    code, out, err = fetch(capsys, servers, tmp_path, "--month", WARDS)
    assert code == 0, err
    assert set(police.paths()[first:]) == {zip_path("2020-03")}  # the archive list is not needed
    assert members_read(police, archive_zips, "2020-03", since=first) == {
        f"{WARDS}/{WARDS}-derbyshire-stop-and-search.csv"}
    assert len(ons.requests) == ons_first
    assert "police.uk 2020-03.zip: 1 stop-and-search file(s); range requests read" in out
    assert "1 month(s) already downloaded and verified" in out
    assert "police.uk: 1 outcomes file(s) already downloaded and verified" in out
    pd.testing.assert_frame_equal(open_dataset(tmp_path).stops, searches)
    again = len(police.requests)
    assert fetch(capsys, servers, tmp_path, "--month", WARDS)[0] == 0
    assert len(police.requests) == again


def test_a_month_without_a_stop_and_search_file_is_counted_and_built(capsys, serve, tmp_path, archive_zips):
    """A force that publishes no stop-and-search file: the build has its crimes and no searches."""
    old = zipfile.ZipFile(io.BytesIO(archive_zips["2020-03"]))
    rebuilt = io.BytesIO()
    with zipfile.ZipFile(rebuilt, "w", zipfile.ZIP_DEFLATED) as zf:
        for info in old.infolist():
            if not info.filename.endswith("-derbyshire-stop-and-search.csv"):
                zf.writestr(info, old.read(info))
    police, _ = servers = serve(zips={**archive_zips, "2020-03": rebuilt.getvalue()})
    code, out, err = fetch(capsys, servers, tmp_path, "--month", WARDS)
    assert code == 0, err
    assert f"police.uk 2020-03.zip: 1 month(s) ({WARDS}) and 1 outcomes file(s) ({WARDS})" in out
    assert f"police.uk: 1 month(s) with no stop-and-search file for 'derbyshire' in the archive ({WARDS})" in out
    dataset = open_dataset(tmp_path)
    assert dataset.stops is None and dataset.stop_months == [] and dataset.report.stops.files == []
    assert len(dataset.incidents) == 3257
    assert not list((tmp_path / "downloads" / "police").rglob("*stop-and-search.csv"))
    # The archive's index records that it has none: a rerun does not read the archive to find out.
    first = len(police.requests)
    code, out, err = fetch(capsys, servers, tmp_path, "--month", WARDS)
    assert code == 0, err
    assert len(police.requests) == first
    assert f"police.uk: 1 month(s) with no stop-and-search file for 'derbyshire' in the archive ({WARDS})" in out


@pytest.mark.parametrize("room", ["for all but the last outcomes file", "for no stop-and-search file"])
def test_stop_and_search_files_count_towards_the_builds_input_limit(capsys, serve, tmp_path, archive_zips,
                                                                   monkeypatch, room):
    sizes = {info.filename: info.file_size for info in zipfile.ZipFile(io.BytesIO(archive_zips["2016-03"])).infolist()}
    street = sizes["2014-08/2014-08-derbyshire-street.csv"]
    stops = sizes["2014-08/2014-08-derbyshire-stop-and-search.csv"]
    outcomes = [sizes[f"{m}/{m}-derbyshire-outcomes.csv"] for m in MONTHS_2014[4:]]  # 2014-08, 09 and 10
    limit = street + stops + sum(outcomes) - 1 if room.startswith("for all") else street + stops - 1
    monkeypatch.setattr("sia.dataset.fetch.police_archive.MAX_BUILD_INPUT", limit)
    code, out, err = fetch(capsys, serve(), tmp_path, "--month", "2014-08")
    assert code == 0, err
    dataset = open_dataset(tmp_path)
    if room.startswith("for all"):  # had the stop-and-search file not counted, all three would fit
        assert [f.months for f in dataset.report.outcomes.files] == [["2014-08"], ["2014-09"]]
        assert dataset.stop_months == ["2014-08"]
        assert "police.uk: 1 later outcomes file(s) left out" in out
    else:
        assert dataset.stops is None and dataset.report.outcomes.files == []
        assert "police.uk: 1 stop-and-search file(s) left out, the latest months': with them the street and " \
               "stop-and-search files would come to more than" in out
        assert "police.uk: 3 later outcomes file(s) left out" in out


def test_a_cache_filled_before_lsoas_were_fetched_gets_only_the_lsoas(capsys, serve, tmp_path):
    police, ons = servers = serve()
    assert fetch(capsys, servers, tmp_path, "--month", WARDS)[0] == 0
    checksums = tmp_path / "downloads" / CHECKSUMS
    entries = json.loads(checksums.read_text())
    del entries["ons/lsoa11-boundaries-E06000015.geojson"]
    checksums.write_text(json.dumps(entries))
    (tmp_path / "downloads" / "ons" / "lsoa11-boundaries-E06000015.geojson").unlink()
    first = len(ons.paths())
    code, out, err = fetch(capsys, servers, tmp_path, "--month", WARDS)
    assert code == 0, err
    assert all(LSOA_SERVICE in p for p in ons.paths()[first:]) and len(ons.paths()) - first == 31
    assert len(open_dataset(tmp_path).lsoas) == 151


def test_a_server_that_ignores_ranges_gets_one_whole_download(capsys, serve, tmp_path, archive_zips,
                                                             real_data_dir):
    police, ons = servers = serve(honour_ranges=False)
    code, out, err = fetch(capsys, servers, tmp_path, "--month", WARDS)
    assert code == 0, err
    assert "ignores ranges: downloaded whole" in out
    # The whole zip (and part of it again, answering the range probe before it was dropped).
    assert police.bytes_sent[zip_path("2020-03")] >= len(archive_zips["2020-03"])
    assert counts_by_ward(capsys, tmp_path) == counts_by_ward(capsys, real_data_dir, "--fy", "2019-20")
    # The whole zip is kept, verified: another month from it needs no download.
    (tmp_path / "downloads" / "police" / WARDS).joinpath(f"{WARDS}-derbyshire-street.csv").unlink()
    assert fetch(capsys, servers, tmp_path, "--month", WARDS)[0] == 0
    assert police.paths().count(zip_path("2020-03")) == 2  # a range probe and the download


@pytest.mark.parametrize("where,faults", [
    ("/data/archive/", ["500"]),
    (zip_path("2020-03"), ["500", "truncate"]),
    (f"{ONS_ROOT}/LSOA11_WD19_LAD19_EW_LU/FeatureServer/0/query", ["truncate"]),
    (zip_path("2020-03"), ["sleep:1"]),
], ids=["500 then success", "500 and a range cut short", "ONS page cut short", "no answer in time"])
def test_transient_faults_are_retried(capsys, serve, tmp_path, where, faults):
    servers = serve()
    server = servers[1] if where.startswith(ONS_ROOT) else servers[0]
    server.faults[where] = list(faults)
    code, out, err = fetch(capsys, servers, tmp_path, "--month", WARDS, "--timeout", "0.3")
    assert code == 0, err
    assert server.faults[where] == []  # every fault was met, and recovered from
    assert "dataset written to" in out


def test_429_waits_as_long_as_retry_after_says(capsys, serve, tmp_path):
    police, _ = servers = serve()
    police.faults["/data/archive/"] = ["429:1"]
    assert fetch(capsys, servers, tmp_path, "--month", WARDS)[0] == 0
    asked = [t for t, p, _ in police.requests if p == "/data/archive/"]
    assert len(asked) == 2 and asked[1] - asked[0] >= 0.95


@pytest.fixture
def existing_dataset(shared_data, tmp_path) -> Path:
    """A data directory that already holds a dataset (which a failed fetch must keep)."""
    data_dir = tmp_path / "data"
    assert main(["ingest", str(shared_data / "police_uk" / WARDS), "--data-dir", str(data_dir),
                 "--wards", str(shared_data / "boundaries" / "wards_2013_derby.geojson")]) == 0
    return data_dir


@pytest.mark.parametrize("case,expected", [
    ("month in no archive", "no police.uk archive holds 2014-11, 2014-12, 2015-01, 2015-02, 2015-03 "
                            "for force 'derbyshire'; read 2015-03.zip, 2016-03.zip"),
    ("HTTP 500 every time", "data.police.uk answered HTTP 500 Internal Server Error (3 attempts)"),
    ("corrupt zip", "not a readable zip archive"),
    ("body always cut short", "the download was cut short"),
    ("no answer in time", "data.police.uk did not answer within 0.3 s (3 attempts)"),
    ("ONS service renamed", "ONS may have renamed LSOA11_WD19_LAD19_EW_LU"),
    ("LSOA service renamed", f"ONS may have renamed {LSOA_SERVICE}"),
    ("an LSOA missing", f"{LSOA_SERVICE} lacks the LSOA(s) E01013453 of the lookup"),
    ("an LSOA not asked for", f"{LSOA_SERVICE} answers with LSOA(s) not asked for (E01999999)"),
    ("an LSOA code carrying a query", "the lookup answers with \"E01013453') OR 1=1 --\", not an LSOA code"),
])
def test_failures_give_one_clear_line_and_keep_the_dataset(capsys, serve, existing_dataset, case,
                                                           expected, archive_zips):
    zips = dict(archive_zips)
    if case == "corrupt zip":
        zips["2020-03"] = os.urandom(200_000)
    police, ons = servers = serve(zips=zips)
    months = ["--fy", "2014-15"] if case == "month in no archive" else ["--month", WARDS]
    police.faults[zip_path("2020-03")] = {"HTTP 500 every time": ["500"] * 3,
                                          "body always cut short": ["truncate"] * 3,
                                          "no answer in time": ["sleep:1"] * 3}.get(case, [])
    if case == "ONS service renamed":
        ons.routes.pop(f"{ONS_ROOT}/LSOA11_WD19_LAD19_EW_LU/FeatureServer/0/query")
    if case == "LSOA service renamed":
        ons.routes.pop(f"{ONS_ROOT}/{LSOA_SERVICE}/FeatureServer/0/query")
    if case.startswith("an LSOA"):
        _alter_answers(ons, case)
    before = current(existing_dataset)
    builds = sorted((existing_dataset / "builds").iterdir())
    code, out, err = fetch(capsys, servers, existing_dataset, *months, "--timeout", "0.3")
    assert code == 2
    lines = err.strip().splitlines()
    errors = [line for line in lines if line.startswith("error:")]
    assert len(errors) == 1 and expected in errors[0], err
    assert "Traceback" not in err
    assert current(existing_dataset) == before
    assert sorted((existing_dataset / "builds").iterdir()) == builds  # nothing half-built left beside it
    assert not list((existing_dataset / "downloads").rglob("*.part"))


def _alter_answers(ons, case):
    """The ONS stand-in answering with one LSOA missing, one not asked for, or a lookup whose
    first LSOA code carries a query."""
    route = f"{ONS_ROOT}/{LSOA_SERVICE if case != 'an LSOA code carrying a query' else 'LSOA11_WD19_LAD19_EW_LU'}" \
            "/FeatureServer/0/query"
    answer = ons.routes[route]

    def altered(q):
        body, ctype = answer(q)
        page = json.loads(body)
        for feature in page["features"]:
            properties = feature["properties"]
            if properties.get("LSOA11CD") == "E01013453":
                properties["LSOA11CD"] = {"an LSOA missing": "E01013454", "an LSOA not asked for": "E01999999",
                                          "an LSOA code carrying a query": "E01013453') OR 1=1 --"}[case]
        return json.dumps(page).encode(), ctype
    ons.routes[route] = altered


def test_offline_the_command_says_so_in_one_line(tmp_path):
    result = run_sia("fetch", "--fy", "2019-20", "--data-dir", str(tmp_path),
                     "--retries", "1", "--backoff", "0.01",
                     env={"SIA_POLICE_BASE_URL": "http://127.0.0.1:9", "SIA_ONS_BASE_URL": "http://127.0.0.1:9"})
    assert result.returncode == 2
    assert result.stderr.splitlines() == [  # the area is asked of ONS first
        "error: http://127.0.0.1:9/LAD23_CSP23_PFA23_EW_LU/FeatureServer/0/query: cannot reach the ONS ArcGIS "
        "services (Connection refused) (2 attempts); check the internet connection and try again later, or point "
        "--ons-base-url (or $SIA_ONS_BASE_URL) at a mirror"]
    assert not (tmp_path / "CURRENT").exists()
