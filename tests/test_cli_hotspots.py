"""``python -m sia hotspots``: rows a user can read, and bad input told in one line each."""
import io
import json

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from test_cli_errors import assert_clean_failure

from support import run_sia

COLUMNS = ["unit_id", "unit_name", "count", "neighbours", "gi_z", "p_value", "p_sim", "p_adjusted",
           "class", "correction"]


def hotspots(data_dir, *args):
    return run_sia("hotspots", "--data-dir", str(data_dir), *args)


def test_lsoa_hotspots_on_the_real_data(real_data_dir, shared_data):
    result = hotspots(real_data_dir, "--unit", "lsoa", "--fy", "2014-15",
                      "--lsoas", str(shared_data / "boundaries" / "lsoa_2011_derby.geojson"),
                      "--lsoa-population", str(shared_data / "population" / "pop_mid2015_lsoa_derby.csv"))
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(io.StringIO(result.stdout))
    assert len(table) == 151 and set(COLUMNS + ["rate"]) <= set(table.columns)
    assert (table["correction"] == "fdr_bh").all() and table["rate"].notna().all()
    assert table["class"].str.startswith("hot").any()
    assert "Benjamini-Hochberg" in result.stderr and "agrees with police.uk's LSOA code" in result.stderr


def test_lsoa_units_need_no_file_when_the_dataset_holds_them(real_data_dir, shared_data):
    """The dataset's LSOAs, with their population, give what the files give."""
    lsoas = str(shared_data / "boundaries" / "lsoa_2011_derby.geojson")
    population = str(shared_data / "population" / "pop_mid2015_lsoa_derby.csv")
    held = hotspots(real_data_dir, "--unit", "lsoa", "--fy", "2014-15", "--measure", "rate")
    given = hotspots(real_data_dir, "--unit", "lsoa", "--fy", "2014-15", "--measure", "rate",
                     "--lsoas", lsoas, "--lsoa-population", population)
    assert held.returncode == 0 and given.returncode == 0, held.stderr + given.stderr
    assert held.stdout == given.stdout and held.stderr == given.stderr
    table = pd.read_csv(io.StringIO(held.stdout))
    assert len(table) == 151 and table["population"].notna().all() and table["class"].str.startswith("hot").any()
    # --lsoas alone replaces the polygons; the population is still the dataset's.
    assert hotspots(real_data_dir, "--unit", "lsoa", "--fy", "2014-15", "--measure", "rate",
                    "--lsoas", lsoas).stdout == held.stdout
    for command in (["concentration", "--fy", "2014-15", "--format", "json"],
                    ["stability", "--from", "2014-15", "--to", "2019-20", "--format", "json"]):
        first = run_sia(*command, "--data-dir", str(real_data_dir), "--unit", "lsoa")
        second = run_sia(*command, "--data-dir", str(real_data_dir), "--unit", "lsoa", "--lsoas", lsoas)
        assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
        # Areas differ in the 12th digit: the build keeps its polygons in WGS84, as the wards.
        assert _close(json.loads(first.stdout), json.loads(second.stdout))


def _close(a, b) -> bool:
    """The same JSON, numbers within a relative 1e-9."""
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(map(_close, a, b))
    if isinstance(a, float):
        return b == pytest.approx(a, rel=1e-9)
    return a == b


def test_a_dataset_without_lsoas_says_how_to_add_them(demo_data_dir):
    for command in ("hotspots", "concentration"):
        assert_clean_failure(run_sia(command, "--data-dir", str(demo_data_dir), "--unit", "lsoa"),
                             "the dataset holds no LSOAs", "rebuild it with 'python -m sia ingest ... --lsoas FILE'",
                             "or pass --lsoas FILE")
    result = run_sia("stability", "--data-dir", str(demo_data_dir), "--unit", "lsoa", "--from", "2014-15",
                     "--to", "2019-20")
    assert_clean_failure(result, "the dataset holds no LSOAs")
    assert len(result.stderr.strip().splitlines()) == 1


def test_grid_hotspots_as_json_with_patterns(real_data_dir):
    result = hotspots(real_data_dir, "--unit", "grid", "--cell-size", "500", "--fy", "2014-15",
                      "--across", "month", "--correction", "holm", "--format", "json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert rows and set(COLUMNS + ["pattern"]) <= set(rows[0])
    assert {r["correction"] for r in rows} == {"holm"} and "Holm" in result.stderr
    assert any(r["pattern"] == "persistent hotspot" for r in rows)


def test_emerging_hotspots_on_the_real_data(real_data_dir):
    from sia.analysis.hotspots import EHSA_PATTERNS

    result = hotspots(real_data_dir, "--unit", "grid", "--cell-size", "500", "--fy", "2014-15",
                      "--across", "month", "--method", "ehsa", "--format", "json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert len(rows) == 364 and set(COLUMNS + ["pattern", "trend_tau", "trend_p"]) <= set(rows[0])
    assert {r["pattern"] for r in rows} <= set(EHSA_PATTERNS)
    assert any(r["pattern"] == "persistent hotspot" for r in rows)
    assert all(-1 <= r["trend_tau"] <= 1 and 0 <= r["trend_p"] <= 1 for r in rows)
    assert "emerging hot spot analysis (Esri's classes) over 7 months" in result.stderr
    assert "Mann-Kendall" in result.stderr


def test_sfhotspot_is_the_default_method(real_data_dir):
    args = ("--unit", "hex", "--cell-size", "500", "--fy", "2014-15", "--across", "month")
    default, named = hotspots(real_data_dir, *args), hotspots(real_data_dir, *args, "--method", "sfhotspot")
    assert default.returncode == named.returncode == 0, default.stderr + named.stderr
    assert default.stdout == named.stdout and "trend_tau" not in default.stdout.splitlines()[0]


def test_hotspots_between_two_years(real_data_dir, shared_data):
    from sia.analysis.hotspots import SHIFTS

    for unit in (["--unit", "ward"], ["--unit", "hex"],
                 ["--unit", "lsoa", "--lsoas", str(shared_data / "boundaries" / "lsoa_2011_derby.geojson")]):
        result = hotspots(real_data_dir, *unit, "--compare-years", "2014-15", "2019-20")
        assert result.returncode == 0, result.stderr
        table = pd.read_csv(io.StringIO(result.stdout))
        assert list(table.columns[:3]) == ["unit_id", "unit_name", "count_2014-15"]
        assert {"class_2014-15", "class_2019-20", "gi_z_2019-20", "hot_in"} <= set(table.columns)
        assert set(table["hot_in"]) <= set(SHIFTS) and table["unit_id"].is_unique
        hot = table["class_2014-15"].isin(["hot 99%", "hot 95%"]), table["class_2019-20"].isin(["hot 99%", "hot 95%"])
        assert ((table["hot_in"] == "both years") == (hot[0] & hot[1])).all()
        assert ((table["hot_in"] == "neither year") == (~hot[0] & ~hot[1])).all()
        assert "2014-15 (7 months) and 2019-20 (1 month), each year tested on its own" in result.stderr
    assert len(table) == 151 and (table["hot_in"] == "both years").any()


def test_ward_hotspots_for_one_crime_type(real_data_dir):
    result = hotspots(real_data_dir, "--crime-type", "Burglary", "--measure", "rate")
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(io.StringIO(result.stdout))
    assert len(table) == 17 and "2019-20 (1 month)" in result.stderr and "on rates" in result.stderr


def test_bad_hotspot_input_is_one_line_each(real_data_dir, tmp_path):
    assert_clean_failure(hotspots(real_data_dir, "--unit", "grid", "--cell-size", "10"),
                         "would have 1,391,110 cells; the limit is 100,000", "use --cell-size 40 or larger")
    assert_clean_failure(hotspots(real_data_dir, "--unit", "grid", "--cell-size", "0"),
                         "cell size 0 m is not a positive number")
    assert_clean_failure(hotspots(real_data_dir, "--cell-size", "250"), "a cell size is for grid cells, not wards")
    assert_clean_failure(hotspots(real_data_dir, "--fy", "2016-17"), "no data for financial year 2016-17")
    assert_clean_failure(hotspots(real_data_dir, "--crime-type", "Piracy"), "unknown crime type 'Piracy'")
    assert_clean_failure(hotspots(real_data_dir, "--crime-type", "Anti-social behaviour", "--crime-type", "Burglary"),
                         "anti-social behaviour is not added to crime")
    assert_clean_failure(hotspots(real_data_dir, "--unit", "lsoa", "--lsoas", str(tmp_path / "none.geojson")),
                         "no such LSOA boundary file")


@pytest.mark.parametrize("args,expected", [
    (["--across", "month", "--method", "arcgis"], "argument --method: invalid choice: 'arcgis'"),
    (["--method", "ehsa"], "--method: a pattern method is for patterns across periods; add --across month"),
    # 2019-20 holds one month: no Mann-Kendall trend could be significant.
    (["--fy", "2019-20", "--across", "month", "--method", "ehsa"],
     "only 1 month with incidents to test; emerging hot spot analysis needs at least 5"),
    (["--across", "fy", "--method", "ehsa"], "only 1 year with incidents to test"),
    (["--across", "month", "--method", "ehsa", "--recent-share", "0.3"],
     "--method ehsa: --recent-share is for the sfhotspot patterns"),
    (["--hotspot-share", "0.3"], "--hotspot-share: a share of periods is for patterns across periods"),
    (["--compare-years", "2014-15"], "argument --compare-years: expected 2 arguments"),
    (["--compare-years", "2014-15", "2016-17"], "--compare-years: no data for financial year 2016-17"),
    (["--compare-years", "2019-20", "2014-15"], "give the earlier year first: 2014-15 2019-20"),
    (["--compare-years", "2014-15", "2014-15"], "the two years are both 2014-15"),
    (["--compare-years", "2014-15", "2019-20", "--across", "month"], "not allowed with argument --compare-years"),
    (["--compare-years", "2014-15", "2019-20", "--fy", "2014-15"], "--compare-years names its own two years"),
], ids=lambda v: " ".join(v) if isinstance(v, list) else None)
def test_bad_pattern_and_year_options_are_one_line(real_data_dir, args, expected):
    lines = assert_clean_failure(hotspots(real_data_dir, *args), expected)
    assert len(lines) == 1


@pytest.mark.parametrize("geometry,crs,expected", [
    (shapely.Point(436000, 335000), "EPSG:27700", "LSOA boundaries must be polygons, found Point"),
    # British National Grid coordinates saved as if they were longitude and latitude.
    (shapely.box(430000, 330000, 440000, 340000), None, "the LSOA boundaries do not lie in the UK"),
    # Polygons far from Derby.
    (shapely.box(-3.2, 55.9, -3.1, 56.0), None, "no point falls in the areas"),
])
def test_bad_lsoa_files(real_data_dir, tmp_path, geometry, crs, expected):
    path = tmp_path / "lsoas.geojson"
    gdf = gpd.GeoDataFrame({"LSOA11CD": ["E01000001"], "LSOA11NM": ["Test 001A"]}, geometry=[geometry],
                           crs=crs or "EPSG:4326")
    (gdf.to_crs("EPSG:4326") if crs else gdf).to_file(path)
    assert_clean_failure(hotspots(real_data_dir, "--unit", "lsoa", "--lsoas", str(path)), expected)


def test_no_incidents_selected(tmp_path):
    from police_rows import row, write_street, write_test_wards

    wards = write_test_wards(tmp_path / "wards.geojson")
    src = write_street(tmp_path / "src", "2014-04", [row(), row(x=436500)])
    assert run_sia("ingest", str(src), "--wards", str(wards), "--data-dir", str(tmp_path / "d")).returncode == 0
    assert_clean_failure(hotspots(tmp_path / "d", "--crime-type", "Robbery"),
                         "no incidents of the chosen types in 2014-15")
