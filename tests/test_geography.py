"""Ward boundaries in any common format, and placing points with the 100 m rule."""
import geopandas as gpd
import numpy as np
import pytest
import shapely

from sia.dataset.geography import place_in_wards, read_lsoas, read_wards
from sia.errors import InputError

from police_rows import EAST, LSOAS, WEST, lonlat, write_test_lsoas, write_test_wards
from support import require_shared_data


@pytest.mark.parametrize("name,driver", [("w.geojson", None), ("w.gpkg", "GPKG"),
                                         ("w.shp", "ESRI Shapefile")])
def test_reads_geojson_geopackage_and_shapefile(tmp_path, name, driver):
    wards = read_wards(write_test_wards(tmp_path / name, driver=driver))
    assert wards["ward_code"].tolist() == ["E05000001", "E05000002"]
    assert wards["ward_name"].tolist() == ["West", "East"]
    assert wards.crs.to_epsg() == 27700
    assert wards.geometry.area.round(-3).tolist() == [1_000_000, 1_000_000]


def test_other_ons_vintages_are_detected(tmp_path):
    wards = read_wards(write_test_wards(tmp_path / "w.gpkg", code_field="WD19CD", name_field="wd19nm"))
    assert wards["ward_name"].tolist() == ["West", "East"]


def test_explicit_fields_and_helpful_errors(tmp_path):
    path = write_test_wards(tmp_path / "w.gpkg", code_field="ward_id", name_field="label")
    with pytest.raises(InputError, match="cannot tell which field holds the ward code.*ward_id"):
        read_wards(path)
    with pytest.raises(InputError, match="no field 'nope'.*fields are ward_id, label"):
        read_wards(path, code_field="nope", name_field="label")
    assert read_wards(path, "ward_id", "label")["ward_code"].tolist() == ["E05000001", "E05000002"]


def test_points_are_not_ward_boundaries(tmp_path):
    gdf = gpd.GeoDataFrame({"WD13CD": ["E1"], "WD13NM": ["A"]},
                           geometry=[shapely.Point(435000, 335000)], crs=27700)
    gdf.to_file(tmp_path / "p.gpkg")
    with pytest.raises(InputError, match="must be polygons, found Point"):
        read_wards(tmp_path / "p.gpkg")


def test_unreadable_file(tmp_path):
    (tmp_path / "w.geojson").write_text("{not json")
    with pytest.raises(InputError, match="cannot be read as ward boundaries"):
        read_wards(tmp_path / "w.geojson")


def test_multipart_wards_stored_as_several_features_are_dissolved(tmp_path):
    halves = [shapely.box(435000, 335000, 435500, 336000), shapely.box(435500, 335000, 436000, 336000)]
    gpd.GeoDataFrame({"WD13CD": ["E1", "E1"], "WD13NM": ["West", "West"]}, geometry=halves,
                     crs=27700).to_file(tmp_path / "w.gpkg")
    wards = read_wards(tmp_path / "w.gpkg")
    assert len(wards) == 1 and wards.geometry.iloc[0].area == pytest.approx(1_000_000)


def test_hundred_metre_rule(tmp_path):
    wards = read_wards(write_test_wards(tmp_path / "w.gpkg"))
    # inside West; inside East; 99 m south of West; 101 m south; far away.
    xy = [(435500, 335500), (436500, 335500), (435500, 334901), (435500, 334899), (400000, 300000)]
    lon, lat = np.array([lonlat(x, y) for x, y in xy]).T
    ward, nearest = place_in_wards(lon, lat, wards)
    assert ward.tolist() == [0, 1, 0, -1, -1]
    assert nearest.tolist() == [False, False, True, False, False]
    ward, _ = place_in_wards(lon, lat, wards, snap_distance=0)
    assert ward.tolist() == [0, 1, -1, -1, -1]


def test_corner_point_goes_to_the_nearest_of_two_wards(tmp_path):
    wards = read_wards(write_test_wards(tmp_path / "w.gpkg"))
    x, y = WEST.bounds[0] - 30, WEST.bounds[1] + 500  # 30 m west of West
    ward, nearest = place_in_wards(*np.array([lonlat(x, y)]).T, wards)
    assert ward.tolist() == [0] and nearest.tolist() == [True]


def test_a_boundary_with_a_spike_is_repaired_and_said_in_the_report(tmp_path):
    """Real files have rings that touch themselves or run out and back (a spike): not valid,
    but repairing them keeps the area, so the build goes on and the report names them."""
    from sia.dataset.ingest import WardInputs, build_dataset

    from police_rows import EAST, row, write_street

    (x0, y0, x1, y1) = WEST.bounds
    spiked = shapely.Polygon([(x0, y0), (x1, y0), (x1, (y0 + y1) / 2), (x1 + 400, (y0 + y1) / 2),
                              (x1, (y0 + y1) / 2), (x1, y1), (x0, y1)])
    assert not spiked.is_valid
    gpd.GeoDataFrame({"WD13CD": ["E05000001", "E05000002"], "WD13NM": ["West", "East"]},
                     geometry=[spiked, EAST], crs=27700).to_file(tmp_path / "w.gpkg")
    wards = read_wards(tmp_path / "w.gpkg")
    assert wards.attrs["repaired"] == ["West"]
    assert wards.loc[wards['ward_name'] == 'West'].area.iloc[0] == pytest.approx(WEST.area)  # the spike dropped
    _, report = build_dataset([write_street(tmp_path / "s", "2014-04", [row()])],
                              WardInputs(boundaries=tmp_path / "w.gpkg"), tmp_path / "data")
    assert ("1 ward boundary was not a valid polygon (a ring touching itself, a spike) and was repaired, "
            "changing its area by under 1%: West") in report.notes


# --- boundaries must partition the area ------------------------------------------------------

def _wards(tmp_path, names, geometries, codes=None):
    codes = codes or [f"E0500000{i + 1}" for i in range(len(names))]
    gpd.GeoDataFrame({"WD13CD": codes, "WD13NM": names}, geometry=geometries,
                     crs=27700).to_crs(4326).to_file(tmp_path / "w.geojson")
    return tmp_path / "w.geojson"


def test_a_ward_grown_over_its_neighbour_is_refused(tmp_path):
    grown = shapely.box(435000, 335000, 436400, 336000)  # 400 m into East
    with pytest.raises(InputError) as caught:
        read_wards(_wards(tmp_path, ["West", "East"], [grown, EAST]))
    assert len(caught.value.problems) == 1
    assert "wards 'West' and 'East' overlap by 0.40 km² (40% of East)" in str(caught.value)


def test_a_ward_inside_another_is_refused(tmp_path):
    inner = shapely.box(435200, 335200, 435400, 335400)
    with pytest.raises(InputError, match=r"wards 'West' and 'Inner' overlap by 0.04 km² \(100% of Inner\)"):
        read_wards(_wards(tmp_path, ["West", "East", "Inner"], [WEST, EAST, inner]))


def test_overlaps_of_many_pairs_are_one_problem_naming_the_worst(tmp_path):
    boxes = [shapely.box(435000 + 900 * i, 335000, 436000 + 900 * i, 336000) for i in range(6)]
    with pytest.raises(InputError) as caught:
        read_wards(_wards(tmp_path, [f"W{i}" for i in range(6)], boxes))
    message = str(caught.value)
    assert len(caught.value.problems) == 1 and "\n" not in message
    assert "5 pairs of wards overlap: 'W0' and 'W1' by 0.10 km² (10% of W0)" in message
    assert "; and 2 more pairs;" in message


def test_a_polygon_given_twice_is_refused_plainly(tmp_path):
    with pytest.raises(InputError, match="the same polygon is given for wards 'West' and 'West copy'"):
        read_wards(_wards(tmp_path, ["West", "East", "West copy"], [WEST, EAST, WEST]))


def test_hairline_overlaps_are_slivers_and_accepted(tmp_path):
    """Generalised boundaries overlap their neighbours by hairlines: 0.5 m across a 1 km edge."""
    east = shapely.affinity.translate(EAST, -0.5)
    wards = read_wards(_wards(tmp_path, ["West", "East"], [WEST, east]))
    assert wards["ward_name"].tolist() == ["West", "East"]
    lsoas = [shapely.affinity.translate(g, 0, -0.5) if i % 2 else g for i, g in enumerate(LSOAS)]
    assert len(read_lsoas(write_test_lsoas(tmp_path / "l.gpkg", geometries=lsoas))) == 4


def test_an_overlap_just_over_the_sliver_share_is_refused(tmp_path):
    east = shapely.affinity.translate(EAST, -6)  # 6,000 m², 0.6% of each
    with pytest.raises(InputError, match=r"overlap by 6,000 m² \(0\.6% of"):
        read_wards(_wards(tmp_path, ["West", "East"], [WEST, east]))


@pytest.mark.parametrize("other", ["WEST", "west", "W est", "West  ", "We\u00a0st", "\uff37\uff45\uff53\uff54"])
def test_ward_names_differing_only_in_case_or_spaces_are_refused(tmp_path, other):
    with pytest.raises(InputError) as caught:
        read_wards(_wards(tmp_path, ["West", other], [WEST, EAST]))
    message = str(caught.value)
    if other.strip() == "West":  # trailing spaces are stripped: then it is the same name
        assert "a ward name is given to more than one ward" in message
    else:
        assert f"ward names 'West' and {other!r} differ only in case or spaces: a link must reach exactly one ward" \
            in message


def test_north_east_with_two_spaces_is_north_east(tmp_path):
    with pytest.raises(InputError, match="ward names 'North East' and 'North  East' differ only in case or spaces"):
        read_wards(_wards(tmp_path, ["North East", "North  East"], [WEST, EAST]))


def test_lsoas_that_overlap_are_refused(tmp_path):
    lsoas = list(LSOAS)
    lsoas[1] = shapely.box(435000, 335250, 436000, 336000)  # 250 m down over E01000001
    with pytest.raises(InputError, match=r"LSOAs 'E01000001' and 'E01000002' overlap by 0\.25 km² \(50% of "
                                         r"E01000001\)"):
        read_lsoas(write_test_lsoas(tmp_path / "l.gpkg", geometries=lsoas))


def test_an_lsoa_given_twice_is_refused_plainly(tmp_path):
    lsoas = [LSOAS[0], LSOAS[1], LSOAS[2], LSOAS[2]]
    with pytest.raises(InputError, match="the same polygon is given for LSOAs 'E01000003' and 'E01000004'"):
        read_lsoas(write_test_lsoas(tmp_path / "l.gpkg", geometries=lsoas))


def test_the_real_boundaries_still_load():
    shared = require_shared_data() / "boundaries"
    wards = read_wards(shared / "wards_2013_derby.geojson")
    assert len(wards) == 17 and "Abbey" in set(wards["ward_name"])
    assert len(read_lsoas(shared / "lsoa_2011_derby.geojson")) == 151


def test_a_large_city_of_lsoas_reads_in_seconds(tmp_path):
    """Some 3,800 LSOAs (Derby's tiled 25 times, hairline overlaps and all) read quickly."""
    import time

    import pandas as pd

    lsoas = gpd.read_file(require_shared_data() / "boundaries" / "lsoa_2011_derby.geojson").to_crs(27700)
    x0, y0, x1, y1 = lsoas.total_bounds
    tiles = []
    for n in range(25):
        tile = lsoas.copy()
        tile["geometry"] = tile.geometry.translate((n % 5) * (x1 - x0 + 1000) - 2 * (x1 - x0),
                                                  (n // 5) * (y1 - y0 + 1000) - 2 * (y1 - y0))
        tile["LSOA11CD"] = [f"E01{n:03d}{i:03d}" for i in range(len(tile))]
        tiles.append(tile)
    gpd.GeoDataFrame(pd.concat(tiles, ignore_index=True), crs=27700).to_file(tmp_path / "city.gpkg")
    start = time.perf_counter()
    assert len(read_lsoas(tmp_path / "city.gpkg")) == 25 * len(lsoas)
    assert time.perf_counter() - start < 5
