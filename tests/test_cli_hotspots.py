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
