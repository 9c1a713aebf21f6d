"""Ward boundaries in any common format, and placing points with the 100 m rule."""
import geopandas as gpd
import numpy as np
import pytest
import shapely

from sia.dataset.geography import place_in_wards, read_wards
from sia.errors import InputError

from police_rows import WEST, lonlat, write_test_wards


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
