"""The bad-input corpus: careless and hostile inputs, each given to the command line against a
data directory that already holds a good dataset. Every case must end with exit 2, one
clear ``error:`` line (no traceback), and the earlier dataset exactly as it was.

Each case is a function that writes its input under ``tmp`` and returns the command's
arguments; DATA stands for the data directory holding the good dataset.
"""
from __future__ import annotations

import hashlib
import json
import os
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

from sia.cli import main
from sia.dataset.ingest import WardInputs, build_dataset
from sia.dataset.store import BUILDS, CURRENT

from police_rows import (
    EAST,
    LSOA_CODES,
    LSOAS,
    OUTCOMES_HEADER,
    STOPS_HEADER,
    WEST,
    csv_text,
    outcome,
    row,
    stop,
    write_outcomes,
    write_stops,
    write_street,
    write_test_lsoas,
    write_test_wards,
)
from support import run_sia

DATA = "<data>"


@pytest.fixture
def good(tmp_path) -> Path:
    """A data directory holding a good dataset of three incidents, with its LSOAs."""
    data_dir = tmp_path / "data"
    wards = WardInputs(boundaries=write_test_wards(tmp_path / "good-wards.geojson"),
                       lsoas=write_test_lsoas(tmp_path / "good-lsoas.geojson"))
    build_dataset([write_street(tmp_path / "good", "2014-04", [row(), row(), row(x=436500)])], wards, data_dir)
    return data_dir


def fingerprint(data_dir: Path) -> dict:
    """Every file of a data directory and its checksum: what 'unchanged' means."""
    return {str(p.relative_to(data_dir)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(data_dir.rglob("*")) if p.is_file() and p.name != ".lock"}


def ingest(tmp: Path, *sources, wards: Path | None = None, extra=()) -> list[str]:
    wards = wards or write_test_wards(tmp / "wards.geojson")
    return ["ingest", *map(str, sources), "--wards", str(wards), "--data-dir", DATA, *extra]


# --- the cases --------------------------------------------------------------------------

def stray_quote(tmp):
    """A double quote at the start of one Location opens a value that swallows the rest of
    the file: the line is named, not 1,000 rows lost."""
    lines = csv_text([row(crime_id=f"c{i}") for i in range(1200)]).splitlines()
    lines[40] = lines[40].replace("On or near", '"On or near')
    src = tmp / "quote" / "2014-04" / "2014-04-derbyshire-street.csv"
    src.parent.mkdir(parents=True)
    src.write_text("\n".join(lines) + "\n")
    return ingest(tmp, src), "line 41: a double quote opens a value that does not end on this line"


def text_not_utf8(tmp):
    src = tmp / "latin1" / "2014-04" / "2014-04-derbyshire-street.csv"
    src.parent.mkdir(parents=True)
    src.write_bytes(csv_text([row(), row(location="On or near Caf\u00e9 Street"), row()]).encode("latin-1"))
    return ingest(tmp, src), "line 3: not UTF-8 text"


def zip_bomb(tmp):
    """A 120 KB zip whose street member inflates to 120 MB: refused from its directory."""
    archive = tmp / "bomb.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        with zf.open("2014-04/2014-04-derbyshire-street.csv", "w", force_zip64=True) as member:
            member.write(csv_text([row()]).encode())
            block = b"0" * (1 << 20)
            for _ in range(120):
                member.write(block)
    return ingest(tmp, archive), "it looks like a zip bomb, and was not unpacked"


def too_many_members(tmp):
    archive = tmp / "many.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as zf:
        for i in range(50_001):
            zf.writestr(f"x/{i}.txt", b"")
    return ingest(tmp, archive), "members, more than the 50,000 a police.uk archive could hold"


def all_outside_the_area(tmp):
    src = write_street(tmp / "far", "2014-04", [row(x=500000, y=200000)] * 3)
    return ingest(tmp, src), "no incident could be loaded from the 3 rows read (outside the area: 3)"


def every_crime_type_unknown(tmp):
    src = write_street(tmp / "unknown", "2014-04", [row(crime_type="Alien abduction")] * 2)
    return ingest(tmp, src), "none of the crime types is a police.uk category (found 'Alien abduction')"


def absurd_coordinates(tmp):
    src = write_street(tmp / "absurd", "2014-04", [row(Longitude="1e308", Latitude="-1e308")])
    return ingest(tmp, src, extra=["--skip-malformed"]), "no incident could be loaded from the 1 rows read"


def swapped_ward_coordinates(tmp):
    wards = json.loads(write_test_wards(tmp / "w.geojson").read_text())
    for feature in wards["features"]:
        feature["geometry"]["coordinates"] = [[[y, x] for x, y in ring]
                                              for ring in feature["geometry"]["coordinates"]]
    (tmp / "swapped.geojson").write_text(json.dumps(wards))
    src = write_street(tmp / "s", "2014-04", [row()])
    return ingest(tmp, src, wards=tmp / "swapped.geojson"), "the ward boundaries do not lie in the UK"


def wards_in_bng_without_crs(tmp):
    gdf = gpd.GeoDataFrame({"WD13CD": ["E05000001", "E05000002"], "WD13NM": ["West", "East"]},
                           geometry=[WEST, EAST], crs="EPSG:27700")
    text = json.loads(gdf.to_json())
    del text["crs"]  # British National Grid metres, and no "crs" member
    (tmp / "bng.geojson").write_text(json.dumps(text))
    src = write_street(tmp / "s", "2014-04", [row()])
    return ingest(tmp, src, wards=tmp / "bng.geojson"), "a GeoJSON without a \"crs\" member"


def _two_wards(tmp, names, geometries) -> list[str]:
    """Ingest one good row with wards E05000001 and E05000002 of these names and shapes."""
    gdf = gpd.GeoDataFrame({"WD13CD": ["E05000001", "E05000002"], "WD13NM": names},
                           geometry=geometries, crs="EPSG:27700").to_crs(4326)
    gdf.to_file(tmp / "two.geojson")
    return ingest(tmp, write_street(tmp / "s", "2014-04", [row()]), wards=tmp / "two.geojson")


def ward_without_geometry(tmp):
    return _two_wards(tmp, ["West", "East"], [WEST, None]), "1 feature has no geometry: East"


def two_codes_one_name(tmp):
    return (_two_wards(tmp, ["West", "West"], [WEST, EAST]),
            "a ward name is given to more than one ward ('West': 'E05000001', 'E05000002')")


def fifo_as_source(tmp):
    os.mkfifo(tmp / "2014-04-derbyshire-street.csv")
    return ingest(tmp, tmp / "2014-04-derbyshire-street.csv"), "is a pipe, socket or device, not a police.uk file"


def fifo_as_wards(tmp):
    os.mkfifo(tmp / "wards.geojson")
    src = write_street(tmp / "s", "2014-04", [row()])
    return ingest(tmp, src, wards=tmp / "wards.geojson"), "is a pipe, socket or device, not a ward boundary file"


def fifo_as_population(tmp):
    os.mkfifo(tmp / "pop.csv")
    src = write_street(tmp / "s", "2014-04", [row()])
    return ingest(tmp, src, extra=["--population", f"2014-15={tmp / 'pop.csv'}"]), "not a population file"


def a_financial_year_of_ten_kilobytes(tmp):
    return (["outcomes", "--data-dir", DATA, "--fy", "2014-15" * 1500],
            "financial year '" + ("2014-15" * 6)[:40] + "…' is not like 2014-15")


def outcomes_of_asb(tmp):
    return (["outcomes", "--data-dir", DATA, "--crime-type", "Anti-social behaviour"],
            "anti-social behaviour has no outcomes")


def timeout_nan(tmp):
    return ["fetch", "--fy", "2014-15", "--data-dir", DATA, "--timeout", "nan",
            "--police-base-url", "http://127.0.0.1:9"], "argument --timeout: 'nan' is not a number"


def timeout_from_the_environment(tmp):
    return (["fetch", "--fy", "2014-15", "--data-dir", DATA, "--police-base-url", "http://127.0.0.1:9"],
            "$SIA_FETCH_TIMEOUT is 'inf', not a number from 0.1 to 3600", {"SIA_FETCH_TIMEOUT": "inf"})


def permutations_unbounded(tmp):
    return ["hotspots", "--data-dir", DATA, "--permutations", "1000000000"], "not a whole number from 0 to 9,999"


def seed_negative(tmp):
    return ["hotspots", "--data-dir", DATA, "--seed", "-1"], "argument --seed: '-1' is not a whole number"


def area_code_injection(tmp):
    return (["fetch", "--fy", "2014-15", "--data-dir", DATA, "--area", "E06000015' OR 'A'='A/../../../../OUTSIDE",
             "--police-base-url", "http://127.0.0.1:9", "--ons-base-url", "http://127.0.0.1:9"],
            "is not an ONS local authority code")


def _area_named(name: str, label: str):
    def case(tmp):
        return ingest(tmp, write_street(tmp / "src", "2014-04", [row()]), extra=["--area-name", name]), \
            "is not an area's name"
    case.__name__ = f"an_area_name_{label}"
    return case


AREA_NAME_CASES = [_area_named(n, label) for n, label in [
    ("![x](http://evil.example/x.png)", "that_is_a_markdown_image"), ("Kestrel\nVale", "with_a_line_break"),
    ("Kestrel\u200bVale", "with_a_zero_width_space"), ("Kestrel\u2028Vale", "with_a_line_separator"),
    ("K" * 61, "too_long"), ("", "empty"), ("   ", "of_spaces"), ("Vale_of_Kestrel", "with_underscores"),
    ("<script>alert(1)</script>", "of_html"), ("Vale **bold**", "of_markdown_emphasis"), ("{{ 7*7 }}", "of_jinja")]]


def _ward_sets(tmp, *months: str) -> list[str]:
    wards = write_test_wards(tmp / "wards.geojson")
    return [a for m in months for a in ("--wards", f"{m}={wards}" if m else str(wards))]


def eleven_ward_sets(tmp):
    source = write_street(tmp / "src", "2014-04", [row()])
    args = ingest(tmp, source)
    months = [f"2010-{m:02d}" for m in range(2, 12)]
    return ([*args[:args.index("--wards")], *_ward_sets(tmp, "", *months), *args[args.index("--wards") + 2:]],
            "11 ward sets are given; a build holds at most 10")


def an_earlier_ward_set_of_no_month_read(tmp):
    source = write_street(tmp / "src", "2014-04", [row()])
    args = ingest(tmp, source)
    return ([*args[:args.index("--wards")], *_ward_sets(tmp, "2012-01", "", "2014-06"),
             *args[args.index("--wards") + 2:]],  # the one without a month: WD13CD, from May 2013
            "the wards in force from 2012-01 (to 2013-04) cover none of the months read (2014-04 to 2014-04)")


def a_ward_set_of_month_thirteen(tmp):
    return (ingest(tmp, write_street(tmp / "src", "2014-04", [row()]), extra=["--wards", "2023-13=x.geojson"]),
            "'2023-13' is not a month like 2023-05")


def _two_ward_sets_with(tmp, months: tuple[str, str], *lsoas: str) -> list[str]:
    """An ingest of a month's row on two ward sets (first months ``months``, '' for none) with
    the --lsoas given."""
    args = ingest(tmp, write_street(tmp / "src", "2014-04", [row()]))
    at = args.index("--wards")
    return [*args[:at], *_ward_sets(tmp, *months), *args[at + 2:], *(a for f in lsoas for a in ("--lsoas", f))]


def lsoas_of_a_month_no_ward_set_begins(tmp):
    return (_two_ward_sets_with(tmp, ("", "2014-06"), "2013-05=lsoas.geojson", "lsoas21.geojson"),
            "--lsoas 2013-05=lsoas.geojson: no ward set begins in 2013-05")


def two_lsoa_files_without_a_month(tmp):
    return (_two_ward_sets_with(tmp, ("", "2014-06"), "a.geojson", "b.geojson"),
            "--lsoas b.geojson: two LSOA files for one ward set")


def a_district_without_an_area_name(tmp):
    return (ingest(tmp, write_street(tmp / "src", "2014-04", [row()]), extra=["--district", "E06000015"]),
            "--district is given without --area-name")


def a_district_code_of_junk(tmp):
    return (ingest(tmp, write_street(tmp / "src", "2014-04", [row()]),
                   extra=["--area-name", "Derby", "--district", "E06000015/../x"]),
            "is not an ONS local authority district code")


def lsoas_without_a_month_when_the_oldest_ward_set_has_one(tmp):
    return (_two_ward_sets_with(tmp, ("2014-04", "2014-06"), "lsoas11.geojson", "2014-06=lsoas21.geojson"),
            "--lsoas lsoas11.geojson: the oldest ward set applies from 2014-04")


def lsoas_of_a_month_and_no_file(tmp):
    return (ingest(tmp, write_street(tmp / "src", "2014-04", [row()]), extra=["--lsoas", "2014-06="]),
            "no file after '2014-06='")


def a_district_code_of_markup_in_the_districts_file(tmp):
    square = [[-1.5, 52.9], [-1.4, 52.9], [-1.4, 52.95], [-1.5, 52.95], [-1.5, 52.9]]
    districts = tmp / "districts.geojson"
    districts.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [square]},
         "properties": {"LAD23CD": "<img src=x onerror=alert(1)>", "LAD23NM": "Derby"}}]}))
    return (ingest(tmp, write_street(tmp / "src", "2014-04", [row()]), extra=["--districts", str(districts)]),
            "is not a local authority district code")


def force_with_a_path(tmp):
    return (["fetch", "--fy", "2014-15", "--data-dir", DATA, "--force", "../../derbyshire",
             "--police-base-url", "http://127.0.0.1:9"], "is not a police force as police.uk names its files")


def brief_for_an_empty_ward_name(tmp):
    return ["brief", "--ward", "", "--out", str(tmp / "x.pdf"), "--data-dir", DATA], "--ward: no ward called ''"


def cell_size_larger_than_the_area(tmp):
    return ["hotspots", "--unit", "grid", "--cell-size", "1e9", "--data-dir", DATA], "cell size 1e+09 m is too large"


def emerging_hotspots_on_one_month(tmp):
    return (["hotspots", "--data-dir", DATA, "--unit", "grid", "--across", "month", "--method", "ehsa"],
            "only 1 month with incidents to test; emerging hot spot analysis needs at least 5")


def compare_years_with_a_year_not_held(tmp):
    return (["hotspots", "--data-dir", DATA, "--compare-years", "2014-15", "2019-20"],
            "--compare-years: no data for financial year 2019-20; the dataset holds 2014-15")


def _street_lines(tmp, name, change):
    """The 2014-04 file of three good rows with ``change`` made to its lines."""
    lines = csv_text([row(crime_id=f"c{i}") for i in range(3)]).splitlines()
    change(lines)
    src = tmp / name / "2014-04" / "2014-04-derbyshire-street.csv"
    src.parent.mkdir(parents=True)
    src.write_bytes(b"\n".join(line.encode("latin-1") if isinstance(line, str) else line for line in lines))
    return src


def nul_after_a_longitude(tmp):
    def change(lines):
        fields = lines[2].split(",")
        fields[4] += "\x00"
        lines[2] = ",".join(fields)
    return ingest(tmp, _street_lines(tmp, "nul", change)), "line 3: Longitude '"


def not_utf8_on_a_row_of_the_wrong_shape(tmp):
    def change(lines):
        lines[2] = lines[2].replace("On or near", "On or near \u00e9") + ",extra"
    return ingest(tmp, _street_lines(tmp, "latin", change)), "line 3: not UTF-8 text"


def a_line_of_three_megabytes(tmp):
    def change(lines):
        lines[2] = lines[2] + "x" * 3_000_000
    return ingest(tmp, _street_lines(tmp, "long", change)), "line 3: a line longer than 64 kB"


def a_quote_left_open_on_the_last_line(tmp):
    def change(lines):
        lines[-1] = lines[-1] + ',"x'  # and no line break after it
    return ingest(tmp, _street_lines(tmp, "lastquote", change)), "line 4: a double quote opens a value"


def a_file_the_selection_leaves_out(tmp):
    src = write_street(tmp / "s", "2014-04", [row()])
    return ingest(tmp, src, extra=["--fy", "2019-20"]), "no police.uk street-level file was selected"


def an_archive_stating_too_many_members(tmp):
    """An end record that says 60,000 members: refused from it alone, the directory unread."""
    archive = tmp / "stated.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("2014-04/2014-04-derbyshire-street.csv", csv_text([row()]))
    data = bytearray(archive.read_bytes())
    end = data.rfind(b"PK\x05\x06")
    data[end + 8:end + 12] = (60_000).to_bytes(2, "little") * 2  # entries on this disk, and in all
    archive.write_bytes(bytes(data))
    return ingest(tmp, archive), "holds 60,000 members, more than the 50,000"


def an_archive_whose_directory_lists_more_than_it_states(tmp):
    """An end record stating 1 member over a directory of 300,000 entries: zipfile would read
    them all (gigabytes for millions), so the directory's stated size is refused."""
    archive = tmp / "lying.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("2014-04/2014-04-derbyshire-street.csv", csv_text([row()]))
    data = archive.read_bytes()
    end = data.rfind(b"PK\x05\x06")
    start = int.from_bytes(data[end + 16:end + 20], "little")
    entries = data[start:end] * 300_000
    record = bytearray(data[end:])
    record[12:16] = len(entries).to_bytes(4, "little")  # the directory's size; the count stays 1
    archive.write_bytes(data[:start] + entries + bytes(record))
    return ingest(tmp, archive), "lists far more files than it says"


def _ward_file(tmp, change) -> Path:
    wards = json.loads(write_test_wards(tmp / "w.geojson").read_text())
    change(wards["features"])
    (tmp / "odd.geojson").write_text(json.dumps(wards))
    return tmp / "odd.geojson"


def a_ward_vertex_that_is_nan(tmp):
    def change(features):
        features[0]["geometry"]["coordinates"][0][1][0] = float("nan")
    return ingest(tmp, write_street(tmp / "s", "2014-04", [row()]), wards=_ward_file(tmp, change)), \
        "1 feature has coordinates that are not numbers (NaN or infinite): West"


def a_ward_ring_with_no_area(tmp):
    def change(features):
        a, b = features[0]["geometry"]["coordinates"][0][:2]
        features[0]["geometry"]["coordinates"] = [[a, b, a, a]]
    return ingest(tmp, write_street(tmp / "s", "2014-04", [row()]), wards=_ward_file(tmp, change)), \
        "1 feature has no area"


def a_ward_boundary_that_crosses_itself(tmp):
    """A bow-tie: repairing it would give two triangles of another area, so it is refused."""
    def change(features):
        ring = features[0]["geometry"]["coordinates"][0]
        xs, ys = sorted({x for x, _ in ring}), sorted({y for _, y in ring})
        features[0]["geometry"]["coordinates"] = [[[xs[0], ys[0]], [xs[-1], ys[-1]], [xs[-1], ys[0]],
                                                   [xs[0], ys[-1]], [xs[0], ys[0]]]]
    return ingest(tmp, write_street(tmp / "s", "2014-04", [row()]), wards=_ward_file(tmp, change)), \
        "1 feature has a boundary that crosses itself: West (repairing it would change its area by more than 1%"


def two_wards_named_alike_but_for_an_invisible_space(tmp):
    def change(features):
        features[1]["properties"]["WD13NM"] = "West\u200b"
    return ingest(tmp, write_street(tmp / "s", "2014-04", [row()]), wards=_ward_file(tmp, change)), \
        "a ward name is given to more than one ward ('West'"


def a_cell_size_below_any_number(tmp):
    return ["hotspots", "--unit", "grid", "--cell-size", "5e-324", "--data-dir", DATA], "is smaller than 1 m"


def an_area_code_in_other_digits(tmp):
    return (["fetch", "--fy", "2014-15", "--data-dir", DATA, "--area", "E06\u0660\u0660\u0660\u0660\u0661\u0665",
             "--police-base-url", "http://127.0.0.1:9", "--ons-base-url", "http://127.0.0.1:9"],
            "is not an ONS local authority code")


def a_month_in_other_digits(tmp):
    return (["fetch", "--month", "\u0662\u0660\u0661\u0664-04", "--data-dir", DATA,
             "--police-base-url", "http://127.0.0.1:9"], "is not like 2014-04")


def _lsoa_file(tmp, change) -> list[str]:
    """Ingest one good row with the test LSOAs, as GeoJSON, changed by ``change``."""
    lsoas = json.loads(write_test_lsoas(tmp / "l.geojson").read_text())
    change(lsoas)
    (tmp / "lsoas.geojson").write_text(json.dumps(lsoas))
    return ingest(tmp, write_street(tmp / "s", "2014-04", [row()]), extra=["--lsoas", str(tmp / "lsoas.geojson")])


def lsoas_without_a_code_field(tmp):
    def change(lsoas):
        for feature in lsoas["features"]:
            feature["properties"] = {"code": feature["properties"]["LSOA11CD"], "LSOA11NM": "x"}
    return _lsoa_file(tmp, change), "cannot tell which field holds the LSOA code: ONS-style fields found: none"


def lsoas_in_bng_without_crs(tmp):
    write_test_lsoas(tmp / "bng.geojson", crs=None)  # British National Grid metres, no "crs" member
    return (ingest(tmp, write_street(tmp / "s", "2014-04", [row()]), extra=["--lsoas", str(tmp / "bng.geojson")]),
            "the LSOA boundaries do not lie in the UK")


def an_lsoa_without_geometry(tmp):
    def change(lsoas):
        lsoas["features"][2]["geometry"] = None
    return _lsoa_file(tmp, change), "1 feature has no geometry: E01000003"


def two_lsoas_of_one_code(tmp):
    def change(lsoas):
        lsoas["features"][1]["properties"]["LSOA11CD"] = "E01000001"
    return _lsoa_file(tmp, change), "LSOA codes given to more than one feature: 'E01000001'"


def lsoas_not_overlapping_the_wards(tmp):
    far = [shapely.affinity.translate(g, 20_000, 20_000) for g in LSOAS]
    write_test_lsoas(tmp / "far.gpkg", geometries=far)
    return (ingest(tmp, write_street(tmp / "s", "2014-04", [row()]), extra=["--lsoas", str(tmp / "far.gpkg")]),
            "none of its 4 LSOAs lies in the wards")


def fifo_as_lsoas(tmp):
    os.mkfifo(tmp / "lsoas.geojson")
    return (ingest(tmp, write_street(tmp / "s", "2014-04", [row()]), extra=["--lsoas", str(tmp / "lsoas.geojson")]),
            "is a pipe, socket or device, not an LSOA boundary file")


# Outcomes files (YYYY-MM-<force>-outcomes.csv) beside a good street file: as hostile as street files.

def _with_outcomes(tmp, name, lines=None, data: bytes | None = None, extra=()):
    """Ingest a good street file of crimes c0-c2 and an outcomes file of them, its lines
    changed by ``lines`` (or its bytes ``data``)."""
    street = write_street(tmp / name, "2014-04", [row(crime_id=f"c{i}") for i in range(3)])
    path = write_outcomes(tmp / name, "2014-05", [outcome(f"c{i}") for i in range(3)])
    if lines:
        text = path.read_text().splitlines()
        lines(text)
        path.write_text("\n".join(text) + "\n")
    if data is not None:
        path.write_bytes(data)
    return ingest(tmp, street, path, extra=extra)


def outcomes_with_a_street_header(tmp):
    """A street file named as an outcomes file: its header says what it is."""
    return (_with_outcomes(tmp, "street-named", data=csv_text([row()]).encode()),
            "2014-05-derbyshire-outcomes.csv: not a police.uk outcomes file: missing column 'Outcome type'")


def outcomes_with_a_stray_quote(tmp):
    def change(lines):
        lines[2] = lines[2].replace("On or near", '"On or near')
    return (_with_outcomes(tmp, "quote", change),
            "2014-05-derbyshire-outcomes.csv line 3: a double quote opens a value that does not end on this line")


def outcomes_not_utf8(tmp):
    text = csv_text([outcome("c0", "R\u00e9sultat inconnu")], OUTCOMES_HEADER).encode("latin-1")
    return _with_outcomes(tmp, "latin1", data=text), "2014-05-derbyshire-outcomes.csv line 2: not UTF-8 text"


def outcomes_with_a_month_that_is_not_one(tmp):
    def change(lines):
        lines[1] = lines[1].replace("2014-05", "May 2014")
    return _with_outcomes(tmp, "month", change), "line 2: Month 'May 2014' is not YYYY-MM"


def outcomes_file_empty(tmp):
    return _with_outcomes(tmp, "empty", data=b""), "2014-05-derbyshire-outcomes.csv: the file is empty"


def outcomes_file_huge(tmp):
    """A 129 MB outcomes file (sparse: nothing is written): refused by its size, unread."""
    street = write_street(tmp / "huge", "2014-04", [row()])
    path = tmp / "huge" / "2014-05-derbyshire-outcomes.csv"
    with open(path, "wb") as f:
        f.write(",".join(OUTCOMES_HEADER).encode() + b"\n")
        f.truncate(129 << 20)
    return ingest(tmp, street, path), "is 129 MB, more than the 128 MB a police.uk file may be"


def outcomes_member_a_zip_bomb(tmp):
    archive = tmp / "outcomes-bomb.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("2014-04/2014-04-derbyshire-street.csv", csv_text([row()]))
        with zf.open("2014-05/2014-05-derbyshire-outcomes.csv", "w", force_zip64=True) as member:
            member.write(csv_text([outcome()], OUTCOMES_HEADER).encode())
            block = b"0" * (1 << 20)
            for _ in range(120):
                member.write(block)
    return ingest(tmp, archive), "2014-05-derbyshire-outcomes.csv: inflates"


def outcomes_line_of_three_megabytes(tmp):
    def change(lines):
        lines[3] = lines[3] + "x" * 3_000_000
    return _with_outcomes(tmp, "long", change), "line 4: a line longer than 64 kB"


def outcomes_only(tmp):
    path = write_outcomes(tmp / "only", "2014-05", [outcome()])
    return ingest(tmp, path), "no police.uk street-level file was selected from the sources (only outcomes files (1)"


# --- boundaries must partition the area; months must lie in police.uk's range ---

def a_ward_grown_over_its_neighbour(tmp):
    grown = shapely.box(435000, 335000, 436400, 336000)  # West, 400 m into East
    return (_two_wards(tmp, ["West", "East"], [grown, EAST]),
            "wards 'West' and 'East' overlap by 0.40 km² (40% of East)")


def a_ward_polygon_given_twice(tmp):
    return (_two_wards(tmp, ["West", "West again"], [WEST, WEST]),
            "the same polygon is given for wards 'West' and 'West again'")


def two_wards_named_west_and_west_in_capitals(tmp):
    return (_two_wards(tmp, ["West", "WEST"], [WEST, EAST]),
            "ward names 'West' and 'WEST' differ only in case or spaces: a link must reach exactly one ward")


def two_wards_named_alike_but_for_a_second_space(tmp):
    return (_two_wards(tmp, ["North East", "North  East"], [WEST, EAST]),
            "ward names 'North East' and 'North  East' differ only in case or spaces")


def two_lsoas_that_overlap(tmp):
    lsoas = [LSOAS[0], shapely.box(435000, 335250, 436000, 336000), *LSOAS[2:]]  # 250 m over E01000001
    write_test_lsoas(tmp / "overlap.gpkg", geometries=lsoas)
    return (ingest(tmp, write_street(tmp / "s", "2014-04", [row()]), extra=["--lsoas", str(tmp / "overlap.gpkg")]),
            "LSOAs 'E01000001' and 'E01000002' overlap by 0.25 km² (50% of E01000001)")


def _outside_police_range(month: str) -> str:
    from sia.periods import current_month

    return f"Month {month!r} is outside police.uk's range (2010-12 to {current_month()})"


def a_street_file_of_2099(tmp):
    src = write_street(tmp / "future", "2099-01", [row(month="2099-01"), row(month="2099-01")])
    return ingest(tmp, src), f"2099-01-derbyshire-street.csv lines 2, 3: {_outside_police_range('2099-01')} (2 rows)"


def a_street_file_of_1900(tmp):
    src = write_street(tmp / "past", "1900-01", [row(month="1900-01")])
    return ingest(tmp, src), f"1900-01-derbyshire-street.csv line 2: {_outside_police_range('1900-01')}"


def a_street_row_of_the_month_before_police_uk_began(tmp):
    src = write_street(tmp / "early", "2014-04", [row(), row(month="2010-11"), row()])
    return ingest(tmp, src), f"2014-04-derbyshire-street.csv line 3: {_outside_police_range('2010-11')}"


def outcomes_of_a_month_after_this_one(tmp):
    from sia.periods import current_month

    year, month = map(int, current_month().split("-"))
    later = f"{year + month // 12}-{month % 12 + 1:02d}"

    def change(lines):
        lines[1] = lines[1].replace("2014-05", later)
    return (_with_outcomes(tmp, "later", change),
            f"2014-05-derbyshire-outcomes.csv line 2: {_outside_police_range(later)}")


def _register_with(tmp, old: str, new: str, encoding: str = "utf-8") -> list[str]:
    """'priorities --register' given the real register with one change."""
    from sia.analysis.priorities.register import REGISTER

    text = REGISTER.read_text(encoding="utf-8")
    assert old in text
    path = tmp / "priorities.toml"
    path.write_bytes(text.replace(old, new, 1).encode(encoding))
    return ["priorities", "--register", str(path)]


def a_register_with_figures_a_number(tmp):
    return (_register_with(tmp, 'id = "asb-2014"\n', 'id = "asb-2014"\nfigures = 5\n'),
            "priority 'asb-2014': 'figures' must be [[priority.figures]] tables, not 5")


def a_register_with_a_second_indicator_it_cannot_measure(tmp):
    return (_register_with(tmp, 'second_indicator = "weapons-searches-young"', 'second_indicator = "knife-injuries"'),
            "priority 'youth-violence-2019': 'second_indicator' is 'knife-injuries'; use one of weapons-searches-young")


def a_register_with_a_second_indicator_note_alone(tmp):
    return (_register_with(tmp, 'second_indicator = "weapons-searches-young"\n', ''),
            "priority 'youth-violence-2019': has a second_indicator_note but no second_indicator")


def a_register_with_a_second_indicator_and_no_note(tmp):
    note = 'second_indicator_note = "Stop and search records'
    return (_register_with(tmp, note, "# " + note),
            "priority 'youth-violence-2019': 'second_indicator_note' is missing")


def a_register_in_latin1(tmp):
    return (_register_with(tmp, '"Anti-Social Behaviour"', '"Anti-Social Behaviour (caf\u00e9)"', "latin-1"),
            "priorities.toml: not UTF-8 text (byte 0xe9 on line")


def a_register_nested_too_deeply(tmp):
    return (_register_with(tmp, "[[document]]\n", "x = " + "[" * 5000 + "\n[[document]]\n"),
            "priorities.toml: arrays or tables nested too deeply")


def a_register_with_a_figure_of_nan(tmp):
    return (_register_with(tmp, "value = 90\n", "value = nan\n"),
            "figure #1 ('nationalities living in Derby'): 'value' must be a finite number or non-empty text, not nan")


def a_register_with_two_city_sets_for_one_year(tmp):
    second = ('[[set]]\nid = "city-2019-20-revised"\nname = "Derby city SIA priorities 2019-20, revised"\n'
              'body = "Derby Community Safety Partnership"\nfy = "2019-20"\ndocument = "sia-2019-20"\n\n')
    return (_register_with(tmp, '[[set]]\nid = "force-2014-15"', second + '[[set]]\nid = "force-2014-15"'),
            "set 'city-2019-20-revised': is a second city set for 2019-20, beside 'city-2019-20'")


def a_register_that_is_a_pipe(tmp):
    """A pipe would block the read forever."""
    os.mkfifo(tmp / "priorities.toml")
    return (["priorities", "--register", str(tmp / "priorities.toml")],
            "is a pipe, socket or device, not a priority register")


def a_register_of_two_megabytes(tmp):
    return (_register_with(tmp, "\n# --- Derby city", "\n" + "#" * (2 << 20) + "\n# --- Derby city"),
            "is larger than the 1 MB a priority register may be")


# --- reference files: a denominator is whole and plausible, or refused ----------------------

def _with_reference(tmp, option: str, name: str, text: str, value_prefix: str = "") -> list[str]:
    """Ingest one good row on the test wards and LSOAs, with one reference file (population,
    IMD or lookup) written as ``text``."""
    path = tmp / name
    path.write_text(text)
    src = write_street(tmp / "s", "2014-04", [row()])
    return ingest(tmp, src, extra=["--lsoas", str(write_test_lsoas(tmp / "lsoas.geojson")),
                                   option, f"{value_prefix}{path}"])


def _population(tmp, values, codes=LSOA_CODES) -> list[str]:
    text = "LSOA11CD,All Ages\n" + "".join(f"{c},{v}\n" for c, v in zip(codes, values))
    return _with_reference(tmp, "--population", "pop.csv", text, "2014-15=")


def _imd(tmp, change) -> list[str]:
    ranks, deciles = (100, 5000, 15000, 30000), (1, 2, 5, 10)  # as the national indices pair them
    rows = [[c, str(rank), str(decile), "40.5"] for c, rank, decile in zip(LSOA_CODES, ranks, deciles)]
    change(rows)
    text = "lsoa11_code,IMD_rank,IMD_decile,IMD_score\n" + "".join(",".join(r) + "\n" for r in rows)
    return _with_reference(tmp, "--imd", "imd.csv", text, "2015=")


def population_given_twice(tmp):
    return (_population(tmp, [1500, 1600, 1700, 1800, 1500, 1600, 1700, 1800], LSOA_CODES * 2),
            "4 LSOAs are given more than once (E01000001, E01000002, E01000003, ...; lines 2, 3, 4, 6, 7, ...)")


def population_cell_blank(tmp):
    return _population(tmp, [1500, "", 1700, 1800]), "'All Ages' is blank for 1 LSOA (E01000002; line 3)"


def population_of_lsoas_under_unknown_codes(tmp):
    return (_population(tmp, [1500, 1600, 1700, 1800], ["E01000001", "E01000002", "E01999998", "E01999999"]),
            "2 of the area's 4 LSOAs are missing (E01000003, E01000004)")


def _population_of(value):
    def case(tmp):
        return _population(tmp, [1500, value, 1700, 1800]), f"for 1 LSOA (E01000002 '{value}'; line 3)"
    case.__name__ = f"population_of_{value}".replace("-", "minus_").replace(".", "_")
    return case


def population_by_ward_missing_a_ward(tmp):
    path = tmp / "pop.csv"
    path.write_text("ward_code,population\nE05000001,3100\n")
    src = write_street(tmp / "s", "2014-04", [row()])
    return (ingest(tmp, src, extra=["--population", f"2014-15={path}"]),
            "1 of the area's 2 wards is missing (E05000002)")


def _imd_of(column, value, expected):
    def case(tmp):
        return _imd(tmp, lambda rows: rows[0].__setitem__(column, value)), expected
    case.__name__ = f"imd_{['code', 'rank', 'decile', 'score'][column]}_of_{value}".replace("-", "minus_")
    return case


def imd_listing_an_lsoa_twice(tmp):
    return _imd(tmp, lambda rows: rows.append(list(rows[0]))), "1 LSOA is given more than once (E01000001; lines 2, 6)"


def lookup_giving_an_lsoa_two_wards(tmp):
    return (_with_reference(tmp, "--lsoa-lookup", "lookup.csv",
                            "LSOA11CD,WD19CD\nE01000001,E05000001\nE01000001,E05000002\n"),
            "LSOA E01000001 is given more than one ward (E05000001, E05000002)")


def population_of_children_only(tmp):
    """Single years of age without a total, ages 0 to 15 only: a rate five times too high."""
    header = "LSOA11CD," + ",".join(map(str, range(16))) + "\n"
    return (_with_reference(tmp, "--population", "pop.csv",
                            header + "".join(f"{c}," + ",".join(["20"] * 16) + "\n" for c in LSOA_CODES), "2014-15="),
            "the single years of age are not every age: no open-ended last age")


def population_total_not_the_sum_of_its_ages(tmp):
    header = "LSOA11CD,All Ages," + ",".join(map(str, range(90))) + ",90+\n"
    rows = "".join(f"{c},{1000 if i else 2000}," + ",".join(["10"] * 90) + ",100\n" for i, c in enumerate(LSOA_CODES))
    return (_with_reference(tmp, "--population", "pop.csv", header + rows, "2014-15="),
            "the total 'All Ages' is not the sum of the single years of age for 1 LSOA (E01000001: 2,000 against 1,000")


def population_with_a_misplaced_comma(tmp):
    return _population(tmp, [1500, '"1,57,3"', 1700, 1800]), "'All Ages' is not a number for 1 LSOA (E01000002 '1,57,3'"


def population_with_two_lsoa_code_columns(tmp):
    text = "LSOA11CD,LSOA21CD,All Ages\n" + "".join(f"{c},{c},1500\n" for c in LSOA_CODES)
    return (_with_reference(tmp, "--population", "pop.csv", text, "2014-15="),
            "several columns could be the LSOA code: 'LSOA11CD', 'LSOA21CD'")


def population_separated_by_semicolons(tmp):
    text = "LSOA11CD;All Ages\n" + "".join(f"{c};1500\n" for c in LSOA_CODES)
    return (_with_reference(tmp, "--population", "pop.csv", text, "2014-15="),
            "the population file is not comma-separated")


def population_given_twice_for_one_year(tmp):
    args = _population(tmp, [1500, 1600, 1700, 1800])
    return [*args, "--population", f"2014-15={tmp / 'pop.csv'}"], "--population: 2014-15 is given twice"


def imd_decile_against_its_rank(tmp):
    return _imd(tmp, lambda rows: rows[0].__setitem__(2, "10")), "the decile does not match the rank (E01000001"


def lookup_leaving_a_ward_without_lsoas_and_no_boundaries(tmp):
    """Without LSOA boundaries, a lookup that gives West no LSOA (its rows missing or
    mistyped) cannot be told from a ward of no residents: refused, not a city rate made
    with West's incidents and without its residents."""
    lookup, pop = tmp / "lookup.csv", tmp / "pop.csv"
    lookup.write_text("LSOA11CD,WD19CD\nE01000003,E05000002\nE01000004,E05000002\n")
    pop.write_text("LSOA11CD,All Ages\nE01000001,1500\nE01000002,1600\nE01000003,1700\nE01000004,1800\n")
    src = write_street(tmp / "s", "2014-04", [row()])
    return (ingest(tmp, src, extra=["--lsoa-lookup", str(lookup), "--population", f"2014-15={pop}"]),
            "the LSOA to ward lookup gives 'West' no LSOA, so 1 ward would have no residents")


def lookup_of_lsoas_the_boundaries_lack(tmp):
    return (_with_reference(tmp, "--lsoa-lookup", "lookup.csv",
                            "LSOA11CD,WD19CD\nE01000001,E05000001\nE01019999,E05000001\n"),
            "the LSOA to ward lookup gives the wards 1 LSOA that the LSOA boundaries do not hold (E01019999)")


# --- stop-and-search files: the same rules as street files -----------------------------

def _with_stops(tmp, name, rows=None, data: bytes | None = None, change=None):
    """A street file and a stop-and-search file of 2014-04 (``rows``, or ``data`` as it is,
    or the rows' lines passed through ``change``)."""
    street = write_street(tmp / name, "2014-04", [row()])
    path = write_stops(tmp / name, "2014-04", rows or [stop(), stop(x=436500), stop()])
    if change is not None:
        lines = path.read_text().splitlines()
        change(lines)
        path.write_text("\n".join(lines) + "\n")
    if data is not None:
        path.write_bytes(data)
    return ingest(tmp, street, path)


STOPS_FILE = "2014-04-derbyshire-stop-and-search.csv"


def stops_with_a_street_header(tmp):
    return (_with_stops(tmp, "header", data=csv_text([row()]).encode()),
            f"{STOPS_FILE}: not a police.uk stop-and-search file: missing columns 'Type', 'Date'")


def stops_with_a_date_in_another_form(tmp):
    return (_with_stops(tmp, "date", [stop(), stop(Date="12/04/2014 14:30")]),
            f"{STOPS_FILE} line 3: Date '12/04/2014 14:30' is not an ISO date")


def stops_of_a_date_after_this_month(tmp):
    return (_with_stops(tmp, "future", [stop(), stop(Date="2099-01-05T10:00:00+00:00")]),
            f"{STOPS_FILE} line 3: {_outside_police_range('2099-01')}")


def stops_of_a_type_police_uk_never_writes(tmp):
    return (_with_stops(tmp, "type", [stop(Type="Car search"), stop()]),
            f"{STOPS_FILE} line 2: Type 'Car search' is not one police.uk gives")


def stops_of_an_age_that_is_no_range(tmp):
    return (_with_stops(tmp, "age", [stop(), stop(Age_range="16")]),
            f"{STOPS_FILE} line 3: Age range '16' is not one police.uk gives")


def stops_linked_yes(tmp):
    return (_with_stops(tmp, "linked", [stop(Outcome_linked_to_object_of_search="Yes")]),
            f"{STOPS_FILE} line 2: Outcome linked to object of search 'Yes' is not one police.uk gives")


def stops_with_a_latitude_of_words(tmp):
    return (_with_stops(tmp, "lat", [stop(), stop(Latitude="fifty-two")]),
            f"{STOPS_FILE} line 3: Latitude 'fifty-two' is not a number")


def stops_with_a_stray_quote(tmp):
    def change(lines):
        lines[2] = lines[2].replace("Misuse", '"Misuse')
    return (_with_stops(tmp, "quote", change=change),
            f"{STOPS_FILE} line 3: a double quote opens a value that does not end on this line")


def stops_not_utf8(tmp):
    text = csv_text([stop(Object_of_search="Objet vol\u00e9")], STOPS_HEADER).encode("latin-1")
    return _with_stops(tmp, "latin1", data=text), f"{STOPS_FILE} line 2: not UTF-8 text"


def stops_file_empty(tmp):
    return _with_stops(tmp, "empty", data=b""), f"{STOPS_FILE}: the file is empty"


def stops_member_a_zip_bomb(tmp):
    archive = tmp / "stops-bomb.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("2014-04/2014-04-derbyshire-street.csv", csv_text([row()]))
        with zf.open(f"2014-04/{STOPS_FILE}", "w", force_zip64=True) as member:
            member.write(csv_text([stop()], STOPS_HEADER).encode())
            block = b"0" * (1 << 20)
            for _ in range(120):
                member.write(block)
    return ingest(tmp, archive), f"{STOPS_FILE}: inflates"


def stops_only(tmp):
    path = write_stops(tmp / "only", "2014-04", [stop()])
    return (ingest(tmp, path),
            "no police.uk street-level file was selected from the sources (only stop-and-search files (1), which are "
            "placed beside the incidents of street files")


def stops_asked_of_a_dataset_without_them(tmp):
    return ["stops", "--data-dir", DATA, "--by", "ward"], "the dataset holds no stop-and-search files"


def stops_by_an_age_police_uk_does_not_give(tmp):
    return ["stops", "--data-dir", DATA, "--age", "10-24"], "argument --age: invalid choice: '10-24'"


STOP_CASES = [stops_with_a_street_header, stops_with_a_date_in_another_form, stops_of_a_date_after_this_month,
              stops_of_a_type_police_uk_never_writes, stops_of_an_age_that_is_no_range, stops_linked_yes,
              stops_with_a_latitude_of_words, stops_with_a_stray_quote, stops_not_utf8, stops_file_empty,
              stops_member_a_zip_bomb, stops_only, stops_asked_of_a_dataset_without_them,
              stops_by_an_age_police_uk_does_not_give]


REFERENCE_CASES = [
    population_of_children_only, population_total_not_the_sum_of_its_ages, population_with_a_misplaced_comma,
    population_with_two_lsoa_code_columns, population_separated_by_semicolons, population_given_twice_for_one_year,
    imd_decile_against_its_rank, lookup_leaving_a_ward_without_lsoas_and_no_boundaries,
    lookup_of_lsoas_the_boundaries_lack,
    population_given_twice, population_cell_blank, population_of_lsoas_under_unknown_codes,
    *(_population_of(v) for v in ("0", "-30", "inf", "1e308", "12.5", "many")),
    population_by_ward_missing_a_ward,
    _imd_of(1, "-7", "'IMD_rank' lies outside 1 to 32,844"), _imd_of(1, "0", "'IMD_rank' lies outside 1 to 32,844"),
    _imd_of(1, "99999999", "'IMD_rank' lies outside 1 to 32,844"),
    _imd_of(1, "inf", "'IMD_rank' is not a finite number"),
    _imd_of(2, "11", "'IMD_decile' lies outside 1 to 10"), _imd_of(2, "-1", "'IMD_decile' lies outside 1 to 10"),
    _imd_of(3, "nan", "'IMD_score' is not a number"),
    imd_listing_an_lsoa_twice, lookup_giving_an_lsoa_two_wards,
]

CORPUS = [a_register_with_figures_a_number, a_register_with_a_second_indicator_it_cannot_measure,
          a_register_with_a_second_indicator_note_alone, a_register_with_a_second_indicator_and_no_note,
          a_register_in_latin1, a_register_nested_too_deeply,
          a_register_with_a_figure_of_nan, a_register_with_two_city_sets_for_one_year, a_register_that_is_a_pipe,
          a_register_of_two_megabytes,
          a_financial_year_of_ten_kilobytes, outcomes_of_asb,
          outcomes_with_a_street_header, outcomes_with_a_stray_quote, outcomes_not_utf8,
          outcomes_with_a_month_that_is_not_one, outcomes_file_empty, outcomes_file_huge, outcomes_member_a_zip_bomb,
          outcomes_line_of_three_megabytes, outcomes_only,
          lsoas_without_a_code_field, lsoas_in_bng_without_crs, an_lsoa_without_geometry, two_lsoas_of_one_code,
          lsoas_not_overlapping_the_wards, fifo_as_lsoas,
          nul_after_a_longitude, not_utf8_on_a_row_of_the_wrong_shape, a_line_of_three_megabytes,
          a_quote_left_open_on_the_last_line, a_file_the_selection_leaves_out, an_archive_stating_too_many_members,
          an_archive_whose_directory_lists_more_than_it_states,
          a_ward_vertex_that_is_nan, a_ward_ring_with_no_area, a_ward_boundary_that_crosses_itself,
          two_wards_named_alike_but_for_an_invisible_space,
          a_cell_size_below_any_number, an_area_code_in_other_digits, a_month_in_other_digits,
          brief_for_an_empty_ward_name, cell_size_larger_than_the_area, stray_quote, text_not_utf8, zip_bomb,
          too_many_members, all_outside_the_area,
          every_crime_type_unknown, absurd_coordinates, swapped_ward_coordinates, wards_in_bng_without_crs,
          ward_without_geometry, two_codes_one_name, fifo_as_source, fifo_as_wards, fifo_as_population,
          timeout_nan, timeout_from_the_environment, permutations_unbounded, seed_negative,
          area_code_injection, force_with_a_path, emerging_hotspots_on_one_month, compare_years_with_a_year_not_held,
          a_ward_grown_over_its_neighbour, a_ward_polygon_given_twice,
          two_wards_named_west_and_west_in_capitals, two_wards_named_alike_but_for_a_second_space,
          two_lsoas_that_overlap, a_street_file_of_2099, a_street_file_of_1900,
          a_street_row_of_the_month_before_police_uk_began, outcomes_of_a_month_after_this_one,
          *REFERENCE_CASES, *STOP_CASES, *AREA_NAME_CASES, a_district_without_an_area_name, a_district_code_of_junk,
          eleven_ward_sets, an_earlier_ward_set_of_no_month_read, a_ward_set_of_month_thirteen,
          lsoas_of_a_month_no_ward_set_begins, two_lsoa_files_without_a_month,
          a_district_code_of_markup_in_the_districts_file, lsoas_without_a_month_when_the_oldest_ward_set_has_one,
          lsoas_of_a_month_and_no_file]


@pytest.mark.parametrize("case", CORPUS, ids=[c.__name__ for c in CORPUS])
def test_bad_input_gives_one_line_and_changes_nothing(case, good, tmp_path):
    tmp = tmp_path / "case"
    tmp.mkdir()
    args, expected, *env = case(tmp)
    before = fingerprint(good)
    result = run_sia(*[str(good) if a == DATA else a for a in args], env=env[0] if env else None)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert expected in lines[0], lines[0]
    assert fingerprint(good) == before
    assert not list(tmp_path.parent.glob("OUTSIDE*"))  # nothing written outside


# --- a damaged dataset: every reading command says so in one line ---------------------

def damage_current_not_utf8(data_dir):
    (data_dir / CURRENT).write_bytes(b"\xff\xfe\x00garbage")
    return "the dataset's CURRENT file is damaged"


def damage_current_dangling(data_dir):
    (data_dir / CURRENT).write_text("20990101T000000-deadbeef\n")
    return "CURRENT names build 20990101T000000-deadbeef, which is missing"


def damage_current_a_path(data_dir):
    (data_dir / CURRENT).write_text("../../../etc\n")
    return "the dataset's CURRENT file is damaged"


def _current(data_dir):
    return data_dir / BUILDS / (data_dir / CURRENT).read_text().strip()


def damage_manifest_truncated(data_dir):
    manifest = _current(data_dir) / "manifest.json"
    manifest.write_bytes(manifest.read_bytes()[:50])
    return "manifest.json cannot be read"


def _older_build(data_dir):
    """A build from before tables carried checksums: the checks of what the tables hold."""
    _manifest(data_dir, lambda m: m.pop("tables"))


def damage_parquet_truncated(data_dir):
    table = _current(data_dir) / "incidents.parquet"
    table.write_bytes(table.read_bytes()[:100])
    return "incidents.parquet changed after it was built"


def damage_parquet_truncated_in_an_older_build(data_dir):
    _older_build(data_dir)
    damage_parquet_truncated(data_dir)
    return "its tables cannot be read"


def damage_a_byte_that_still_decodes(data_dir):
    """One latitude changed in place: the table reads, the data is not what was built."""
    import pandas as pd

    path = _current(data_dir) / "incidents.parquet"
    data = bytearray(path.read_bytes())
    lat = np.float64(pd.read_parquet(path)["lat"].iloc[0]).tobytes()
    at = data.find(lat)
    data[at:at + 8] = np.float64(53.0).tobytes()
    path.write_bytes(bytes(data))
    assert pd.read_parquet(path)["lat"].iloc[0] == 53.0  # it decodes, to other data
    return "incidents.parquet changed after it was built (its checksum differs"


def damage_checksums_not_hex(data_dir):
    _manifest(data_dir, lambda m: m["tables"].update({"incidents.parquet": "../../x"}))
    return "lacks tables"


def _manifest(data_dir, change):
    path = _current(data_dir) / "manifest.json"
    manifest = json.loads(path.read_text())
    change(manifest)
    path.write_text(json.dumps(manifest))


def damage_area_named_with_a_link(data_dir):
    _manifest(data_dir, lambda m: m.update(area={"name": "[click](http://evil.example)", "districts": [],
                                                 "csp": "", "forces": []}))
    return "lacks area (the area's name is not a name)"


def damage_area_districts_of_junk(data_dir):
    _manifest(data_dir, lambda m: m.update(area={"name": "Derby", "districts": ["../../etc"], "csp": "",
                                                 "forces": []}))
    return "lacks area (the area's districts are not ONS district codes)"


def damage_a_view_key_written(data_dir):
    _manifest(data_dir, lambda m: m.update(ward_set=99))
    return "lacks ward_set"


def _two_ward_sets(data_dir, sets):
    """A build made to claim an earlier ward set: its wards table is there (checksummed)."""
    import shutil
    build = _current(data_dir)
    shutil.copy(build / "wards.parquet", build / "wards_0.parquet")
    digest = hashlib.sha256((build / "wards_0.parquet").read_bytes()).hexdigest()
    _manifest(data_dir, lambda m: (m["tables"].update({"wards_0.parquet": digest}), m.update(ward_sets=sets)))


def damage_an_earlier_ward_set_without_its_column(data_dir):
    _two_ward_sets(data_dir, [{"label": "old", "first_month": None, "last_month": "2014-04"},
                              {"label": "new", "first_month": "2014-05", "last_month": None}])
    return "its incidents lack their wards in an earlier ward set"


def damage_ward_sets_out_of_sequence(data_dir):
    _two_ward_sets(data_dir, [{"label": "old", "first_month": None, "last_month": "2023-06"},
                              {"label": "new", "first_month": "2023-05", "last_month": None}])
    return "lacks ward_sets"


def damage_ward_sets_named_alike(data_dir):
    _two_ward_sets(data_dir, [{"label": "same", "first_month": None, "last_month": "2023-04"},
                              {"label": "same", "first_month": "2023-05", "last_month": None}])
    return "lacks ward_sets"


def damage_report_a_list(data_dir):
    _manifest(data_dir, lambda m: m.update(report=[1]))
    return "its manifest.json lacks report"


def damage_report_counts_as_text(data_dir):
    _manifest(data_dir, lambda m: m["report"].update(rows_read="abc"))
    return "lacks report (rows_read)"


def damage_no_months(data_dir):
    _manifest(data_dir, lambda m: m.update(months=[]))
    return "lacks months"


def damage_years_of_junk(data_dir):
    _manifest(data_dir, lambda m: m.update(financial_years=["junk", "2099-00"]))
    return "its financial years do not agree with its months"


def damage_incidents_all_text(data_dir):
    import pandas as pd

    _older_build(data_dir)
    path = _current(data_dir) / "incidents.parquet"
    pd.read_parquet(path).astype(str).to_parquet(path)
    return "are not of their types"


def damage_wards_without_crs(data_dir):
    _older_build(data_dir)
    path = _current(data_dir) / "wards.parquet"
    wards = gpd.read_parquet(path)
    wards.set_crs(None, allow_override=True).to_parquet(path)
    return "lacks codes, names or a coordinate reference system"


def damage_lsoas_truncated(data_dir):
    table = _current(data_dir) / "lsoas.parquet"
    table.write_bytes(table.read_bytes()[:100])
    return "lsoas.parquet changed after it was built"


def damage_lsoas_removed(data_dir):
    (_current(data_dir) / "lsoas.parquet").unlink()
    return "lsoas.parquet changed after it was built"


def _lsoas(data_dir, change):
    """The LSOA table written wrong by the build itself: changed, and its checksum with it, so
    the checks of what the table holds are reached."""
    path = _current(data_dir) / "lsoas.parquet"
    change(gpd.read_parquet(path)).to_parquet(path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    _manifest(data_dir, lambda m: m["tables"].update({"lsoas.parquet": digest}))


def damage_lsoas_codes_repeated(data_dir):
    def change(lsoas):
        lsoas.loc[1, "lsoa_code"] = lsoas.loc[0, "lsoa_code"]
        return lsoas
    _lsoas(data_dir, change)
    return "its LSOAs' codes, names or wards are missing or repeated"


def damage_lsoas_of_another_ward(data_dir):
    def change(lsoas):
        lsoas.loc[0, "ward_code"] = "E05999999"
        return lsoas
    _lsoas(data_dir, change)
    return "its LSOAs name wards its ward table lacks"


def damage_lsoas_without_crs(data_dir):
    _lsoas(data_dir, lambda lsoas: lsoas.set_crs(None, allow_override=True))
    return "its LSOA table lacks codes, names, wards or a coordinate reference system"


def damage_street_outcome_as_text(data_dir):
    """A build given outcomes files keeps the street file's outcome beside the latest: it
    must be of its type too."""
    import pandas as pd

    _older_build(data_dir)
    path = _current(data_dir) / "incidents.parquet"
    incidents = pd.read_parquet(path)
    incidents.insert(10, "street_outcome", incidents["outcome"].astype(str))
    incidents.to_parquet(path)
    return "the incidents' columns street_outcome are not of their types"


def damage_outcome_counts_as_text(data_dir):
    _manifest(data_dir, lambda m: m["report"].update(outcomes={"matched": "many"}))
    return "lacks report (outcomes)"


def damage_tables_of_junk(data_dir):
    _manifest(data_dir, lambda m: m.update(tables=["incidents.parquet", "../../etc/passwd"]))
    return "its manifest.json lacks tables"


DAMAGE = [damage_area_named_with_a_link, damage_area_districts_of_junk, damage_a_view_key_written,
          damage_an_earlier_ward_set_without_its_column, damage_ward_sets_out_of_sequence, damage_ward_sets_named_alike,
          damage_street_outcome_as_text, damage_outcome_counts_as_text,
          damage_lsoas_truncated, damage_lsoas_removed, damage_lsoas_codes_repeated, damage_lsoas_of_another_ward,
          damage_lsoas_without_crs, damage_tables_of_junk,
          damage_current_not_utf8, damage_current_dangling, damage_current_a_path,
          damage_manifest_truncated, damage_parquet_truncated, damage_parquet_truncated_in_an_older_build,
          damage_a_byte_that_still_decodes, damage_checksums_not_hex, damage_report_a_list,
          damage_report_counts_as_text, damage_no_months, damage_years_of_junk, damage_incidents_all_text,
          damage_wards_without_crs]


@pytest.mark.parametrize("damage", DAMAGE, ids=[d.__name__ for d in DAMAGE])
@pytest.mark.parametrize("command", [["counts", "--by", "ward"], ["report"], ["hotspots"],
                                     ["change", "--fy", "2014-15", "--fy", "2019-20"],
                                     ["brief", "--ward", "West", "--out", "OUT.pdf"]],
                         ids=lambda c: c[0])
def test_a_damaged_dataset_gives_one_line(damage, command, good, tmp_path, capsys):
    expected = damage(good)
    args = [str(tmp_path / a) if a == "OUT.pdf" else a for a in command]
    assert main([*args, "--data-dir", str(good)]) == 2  # in this process: any exception fails the test
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0], lines
    assert "python -m sia ingest" in lines[0]  # how to repair it


def test_a_new_build_repairs_a_damaged_current(good, tmp_path):
    damage_current_not_utf8(good)
    src = write_street(tmp_path / "again", "2014-04", [row()])
    result = run_sia(*[str(good) if a == DATA else a for a in ingest(tmp_path, src)])
    assert result.returncode == 0, result.stderr
    assert run_sia("counts", "--data-dir", str(good)).stdout.splitlines() == ["count", "1"]


# --- every line of a file is accounted for ------------------------------------------------

def test_stray_quotes_set_aside_every_line_they_touch(tmp_path):
    """With --skip-malformed, the lines with stray quotes are set aside by number and the
    totals add up to the lines in the file: nothing is swallowed."""
    lines = csv_text([row(crime_id=f"c{i}") for i in range(500)]).splitlines()
    for i in (10, 11, 300):
        lines[i] = lines[i].replace("On or near", '"On or near')
    lines[200] = lines[200] + ',"unclosed'  # a field too many, and an open quote
    lines.insert(400, "")  # a blank line
    src = tmp_path / "2014-04-derbyshire-street.csv"
    src.write_text("\r\n".join(lines) + "\r\n")
    wards = WardInputs(boundaries=write_test_wards(tmp_path / "wards.geojson"))
    _, report = build_dataset([src], wards, tmp_path / "out", skip_malformed=True)
    data_lines = len(lines) - 1
    assert report.rows_read == data_lines == 501
    assert report.loaded == 496 and report.blank_lines == 1 and report.unaccounted == 0
    quoted = next(m for m in report.malformed if "double quote" in m.reason)
    assert quoted.lines == [11, 12, 201, 301]
    assert report.rows_read == report.loaded + sum(report.set_aside().values())
