"""Hotspot statistics: Gi* checked against an independent esda run on the real LSOAs,
hand-made clusters and random points, corrections, kernel density, patterns, validation."""
import time
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from scipy import stats

from sia.analysis.hotspots import (
    NO_NEIGHBOURS,
    NOT_SIGNIFICANT,
    PatternRules,
    add_rates,
    adjust_p_values,
    bandwidth_rule,
    count_by_grid,
    count_by_polygons,
    grid_units,
    hex_units,
    hotspot_classify,
    hotspots_gistar,
    incident_points,
    kernel_density,
    read_lsoa_units,
    spatial_weights,
    ward_units,
)
from sia.dataset.store import open_dataset
from sia.errors import InputError

BNG = "EPSG:27700"
SQUARE = gpd.GeoDataFrame({"unit_id": ["area"], "unit_name": ["area"]},
                          geometry=[shapely.box(430000, 330000, 435000, 335000)], crs=BNG)


def lsoa_file(shared):
    return shared / "boundaries" / "lsoa_2011_derby.geojson"


def points(xy: np.ndarray, crs=BNG) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=crs)


def uniform(rng, n: int) -> np.ndarray:
    return rng.uniform([430000, 330000], [435000, 335000], size=(n, 2))


# --- against an independent computation on the real data --------------------------------------

@pytest.fixture(scope="module")
def real_lsoas(real_data_dir, shared_data):
    incidents = open_dataset(real_data_dir).incidents
    rows = incidents[incidents["fy"] == "2014-15"]
    return rows, read_lsoa_units(lsoa_file(shared_data))


def test_lsoa_gistar_agrees_with_an_independent_esda_run(real_lsoas, shared_data):
    from esda.getisord import G_Local
    from libpysal.graph import Graph

    rows, units = real_lsoas
    ours = hotspots_gistar(count_by_polygons(incident_points(rows), units)).table.set_index("unit_id")

    # Independently: counts by a geopandas spatial join, weights from libpysal's Graph API
    # (polygons within 5 m of each other are neighbours), scipy's Benjamini-Hochberg.
    lsoas = gpd.read_file(lsoa_file(shared_data)).to_crs(BNG).sort_values("LSOA11CD").reset_index(drop=True)
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(rows["lon"], rows["lat"]), crs=4326).to_crs(BNG)
    joined = gpd.sjoin(pts, lsoas[["LSOA11CD", "geometry"]], predicate="within")
    counts = joined.groupby("LSOA11CD").size().reindex(lsoas["LSOA11CD"], fill_value=0)
    graph = Graph.build_fuzzy_contiguity(lsoas.set_index("LSOA11CD"), buffer=2.5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g = G_Local(counts.to_numpy(dtype=float), graph, transform="B", star=True, permutations=0)
    z = pd.Series(g.Zs, index=lsoas["LSOA11CD"])
    p = stats.false_discovery_control(2 * stats.norm.sf(np.abs(g.Zs)))
    levels = np.select([p < 0.01, p < 0.05, p < 0.10], ["99%", "95%", "90%"], "")
    theirs = pd.Series([f"{'hot' if zi > 0 else 'cold'} {lv}" if lv else NOT_SIGNIFICANT
                        for zi, lv in zip(g.Zs, levels)], index=lsoas["LSOA11CD"])

    assert np.corrcoef(ours["gi_z"], z.reindex(ours.index))[0, 1] >= 0.999
    agreement = (ours["class"] == theirs.reindex(ours.index)).mean()
    assert agreement >= 0.95, agreement
    assert (ours["class"] != NOT_SIGNIFICANT).sum() > 0  # Derby has significant LSOA hotspots


def test_every_derby_lsoa_has_a_neighbour(shared_data):
    units = read_lsoa_units(lsoa_file(shared_data))
    w = spatial_weights(units)
    assert len(units) == 151 and w.islands == [] and min(w.cardinalities.values()) >= 1
    # These two share a long edge on the map, yet their generalised outlines never
    # touch exactly, so exact queen contiguity misses them (and every other pair).
    assert "E01013496" in w.neighbors["E01013474"]
    from libpysal.weights import Queen
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert len(Queen.from_dataframe(units, use_index=False).islands) == 151


def test_wards_use_the_ingest_placement(real_data_dir):
    dataset = open_dataset(real_data_dir)
    rows = dataset.incidents[dataset.incidents["fy"] == "2019-20"]
    counted = count_by_polygons(incident_points(rows), ward_units(dataset.wards, "population_2019-20"))
    expected = rows.groupby("ward_code", observed=True).size()
    assert counted.set_index("unit_id")["count"].to_dict() == expected.to_dict()
    rates = add_rates(counted, months=1)
    assert rates["rate"].notna().all()


def test_gistar_is_quick_on_lsoas_and_a_2000_cell_grid(real_lsoas, real_data_dir):
    rows, units = real_lsoas
    counted = count_by_polygons(incident_points(rows), units)
    start = time.perf_counter()
    hotspots_gistar(counted, permutations=999)
    lsoa_seconds = time.perf_counter() - start
    grid = grid_units(open_dataset(real_data_dir).wards, 200)
    assert 1500 <= len(grid) <= 2500
    counted = count_by_grid(incident_points(rows), grid)
    start = time.perf_counter()
    hotspots_gistar(counted, permutations=999)
    grid_seconds = time.perf_counter() - start
    assert lsoa_seconds < 2 and grid_seconds < 2, (lsoa_seconds, grid_seconds)


# --- hand-made cases ----------------------------------------------------------------------------

def test_a_dense_cluster_is_hot():
    rng = np.random.default_rng(1)
    cluster = rng.normal([432600, 332600], 80, size=(150, 2))
    grid = grid_units(SQUARE, 250)
    result = hotspots_gistar(count_by_grid(points(np.vstack([uniform(rng, 400), cluster])), grid)).table
    at = result.set_index("unit_id").loc["E432500N332500"]
    assert at["class"] == "hot 99%" and at["p_sim"] <= 0.01
    hot = result[result["class"].str.startswith("hot")]
    assert 1 <= len(hot) <= 16  # the cluster and its ring of neighbours, nothing far away
    assert result["class"].str.startswith("cold").sum() == 0


def test_uniform_random_points_give_no_hotspots_after_correction():
    grid = grid_units(SQUARE, 250)
    clean = 0
    for seed in range(10):
        rng = np.random.default_rng(seed)
        table = hotspots_gistar(count_by_grid(points(uniform(rng, 2000)), grid), permutations=0).table
        clean += (table["class"] == NOT_SIGNIFICANT).all()
    assert clean >= 8, clean


def test_units_without_neighbours_are_reported_not_tested():
    boxes = [shapely.box(x, 0, x + 100, 100) for x in (0, 100, 200, 300)] + [shapely.box(5000, 0, 5100, 100)]
    units = gpd.GeoDataFrame({"unit_id": list("abcde"), "unit_name": list("abcde"), "count": [5, 1, 0, 2, 40]},
                             geometry=boxes, crs=BNG)
    result = hotspots_gistar(units, permutations=99)
    island = result.table.set_index("unit_id").loc["e"]
    assert island["class"] == NO_NEIGHBOURS and np.isnan(island["gi_z"]) and island["neighbours"] == 0
    assert result.islands == ("e",)
    assert result.table["p_adjusted"].notna().sum() == 4  # the island is not in the family


def test_units_with_no_incidents_count_zero_and_missing_rates_are_rejected():
    grid = grid_units(SQUARE, 1000)
    counted = count_by_grid(points(np.array([[430100.0, 330100.0]] * 3)), grid)
    assert counted["count"].sum() == 3 and (counted["count"] == 0).sum() == 24
    counted["population"] = [np.nan] + [100.0] * 24
    with pytest.raises(InputError, match="rate is missing for 1 area"):
        hotspots_gistar(add_rates(counted, 12), "rate")


def test_corrections_are_named_and_right():
    p = np.array([0.01, 0.04, 0.03, 0.005, np.nan])
    np.testing.assert_allclose(adjust_p_values(p, "holm")[:4], [0.03, 0.06, 0.06, 0.02])
    np.testing.assert_allclose(adjust_p_values(p, "fdr_bh")[:4], [0.02, 0.04, 0.04, 0.02])
    assert np.isnan(adjust_p_values(p, "holm")[4])
    units = count_by_grid(points(uniform(np.random.default_rng(3), 300)), grid_units(SQUARE, 500))
    result = hotspots_gistar(units, correction="holm", permutations=0)
    assert "Holm" in result.method() and "Getis-Ord Gi*" in result.method()
    with pytest.raises(InputError, match="unknown correction"):
        hotspots_gistar(units, correction="bonferroni-ish")


def test_permutation_p_values_are_seeded():
    units = count_by_grid(points(uniform(np.random.default_rng(4), 500)), grid_units(SQUARE, 500))
    first = hotspots_gistar(units, permutations=199, seed=7).table["p_sim"]
    again = hotspots_gistar(units, permutations=199, seed=7).table["p_sim"]
    pd.testing.assert_series_equal(first, again)


# --- grid and kernel density ---------------------------------------------------------------------

def test_default_cell_size_and_grid_limit(real_data_dir):
    wards = open_dataset(real_data_dir).wards
    assert grid_units(wards).attrs["cell_size"] == 250  # 11.7 km / 50 = 233 m, rounded
    with pytest.raises(InputError) as error:
        grid_units(wards, 10)
    message = str(error.value)
    assert "would have 1,391,110 cells; the limit is 100,000" in message
    assert "use --cell-size 40 or larger" in message
    with pytest.raises(InputError, match="not a positive number"):
        grid_units(wards, 0)


@pytest.mark.parametrize("cell_size", [250, 180])
def test_hexagons_cover_the_area_once_each_of_the_stated_size(real_data_dir, cell_size):
    wards = open_dataset(real_data_dir).wards.to_crs(BNG)
    cells = hex_units(wards, cell_size)
    np.testing.assert_allclose(cells.area, cell_size ** 2, rtol=1e-9)  # the area of the square
    outline = shapely.union_all(wards.geometry.values)
    covered = shapely.union_all(cells.geometry.values)
    assert outline.difference(covered).area < 1e-6 * outline.area  # no gaps over the area
    assert covered.area == pytest.approx(cells.area.sum(), rel=1e-9)  # no overlaps
    assert cells["unit_id"].is_unique and cells.intersects(outline).all()  # only cells that touch it
    # Inside, each hexagon has its six neighbours.
    w = spatial_weights(cells)
    inner = cells.geometry.buffer(cell_size).within(outline)
    assert {w.cardinalities[i] for i in cells.loc[inner, "unit_id"]} == {6}


def test_points_fall_in_the_hexagon_that_holds_them(real_data_dir):
    wards = open_dataset(real_data_dir).wards.to_crs(BNG)
    cells = hex_units(wards, 300)
    rng = np.random.default_rng(3)
    minx, miny, maxx, maxy = wards.total_bounds
    xy = np.column_stack([rng.uniform(minx, maxx, 3_000), rng.uniform(miny, maxy, 3_000)])
    xy = np.vstack([xy, shapely.get_coordinates(cells.geometry.values[:5])])  # corners, on edges
    counted = count_by_grid(points(xy), cells)
    joined = gpd.sjoin(points(xy), cells[["unit_id", "geometry"]], predicate="intersects")
    joined = joined.sort_values("index_right", kind="stable")
    joined = joined[~joined.index.duplicated()]  # a point on an edge counts once, in the first cell
    independent = joined["unit_id"].value_counts().reindex(cells["unit_id"], fill_value=0)
    np.testing.assert_array_equal(counted["count"].to_numpy(), independent.to_numpy())
    assert counted["count"].sum() + counted.attrs["outside"] == len(xy)


def test_kernel_density_bandwidth_rule_and_mass():
    rng = np.random.default_rng(5)
    xy = rng.normal([432500, 332500], 300, size=(500, 2))
    expected = np.mean([1.06 * min(np.std(v, ddof=1), stats.iqr(v) / 1.34) * 500 ** -0.2 for v in xy.T])
    assert bandwidth_rule(xy[:, 0], xy[:, 1]) == pytest.approx(expected)
    surface = kernel_density(points(xy), grid_units(SQUARE, 50))
    assert surface.attrs["bandwidth"] == pytest.approx(expected)
    assert (surface["density"] * 0.05 ** 2).sum() == pytest.approx(500, rel=0.01)  # per km2 x km2
    assert surface.loc[surface["density"].idxmax(), "geometry"].distance(shapely.Point(432500, 332500)) < 150
    with pytest.raises(InputError, match="bandwidth -1 m"):
        kernel_density(points(xy), grid_units(SQUARE, 50), bandwidth=-1)


# --- validation ---------------------------------------------------------------------------------

def test_bad_inputs_say_what_to_do():
    grid = grid_units(SQUARE, 500)
    xy = uniform(np.random.default_rng(6), 10)
    with pytest.raises(InputError, match="CRS mismatch.*reproject"):
        count_by_grid(points(xy).to_crs(4326), grid)
    with pytest.raises(InputError, match="no point falls in the areas"):
        count_by_grid(points(xy + 100_000), grid)
    with pytest.raises(InputError, match="there are no incidents"):
        count_by_grid(points(xy[:0]), grid)
    lines = gpd.GeoDataFrame({"unit_id": ["a"], "unit_name": ["a"]},
                             geometry=[shapely.LineString([(430000, 330000), (431000, 331000)])], crs=BNG)
    with pytest.raises(InputError, match="areas must be polygons, found LineString"):
        count_by_polygons(points(xy), lines)
    with pytest.raises(InputError, match="not in metres"):
        count_by_polygons(points(xy).to_crs(4326), SQUARE.to_crs(4326))


# --- patterns across periods ---------------------------------------------------------------------

SEQUENCES = {
    "persistent hotspot": [1] * 10,
    "emerging hotspot": [0] * 8 + [1, 1],
    "former hotspot": [1, 1, 1] + [0] * 7,
    "intermittent hotspot": [0, 1, 0, 0, 1, 0, 0, 0, 1, 0],
    "persistent coldspot": [-1] * 9 + [0],
    "emerging coldspot": [0] * 9 + [-1],
    "former coldspot": [-1] + [0] * 9,
    "intermittent coldspot": [0, -1, 0, 0, 0, 0, 0, 0, -1, 0],
    "hot and cold": [1] * 5 + [-1] * 5,
    "no pattern": [0] * 10,
}


def test_each_pattern_arises_from_its_sequence():
    significance = pd.DataFrame(list(SEQUENCES.values()), index=list(SEQUENCES),
                                columns=[f"2014-{m:02d}" for m in range(1, 11)])
    patterns = hotspot_classify(significance)
    assert patterns.to_dict() == {name: name for name in SEQUENCES}


def test_pattern_rules_are_parameters():
    one_recent_hot = pd.DataFrame([[0, 0, 0, 1, 1]], index=["u"])
    # By default the last 1 of 5 periods is recent, so the 4th period is an earlier hotspot.
    assert hotspot_classify(one_recent_hot)["u"] == "intermittent hotspot"
    assert hotspot_classify(one_recent_hot, PatternRules(recent_share=0.4))["u"] == "emerging hotspot"
    assert hotspot_classify(one_recent_hot, PatternRules(persistent_share=0.4))["u"] == "persistent hotspot"
    with pytest.raises(InputError, match="patterns need two or more"):
        hotspot_classify(pd.DataFrame([[1]], index=["u"]))
    with pytest.raises(InputError, match="recent share 1.5 is not between 0 and 1"):
        hotspot_classify(one_recent_hot, PatternRules(recent_share=1.5))


# --- hot spots between two years ------------------------------------------------------------------

def test_hotspot_shift_counts_hot_at_95_percent_or_more():
    from sia.analysis.hotspots import HOT_AT_LEVEL, SHIFTS, hotspot_shift

    assert HOT_AT_LEVEL == ("hot 99%", "hot 95%")
    units = ["a", "b", "c", "d", "e", "f"]
    earlier = pd.Series(["hot 99%", "hot 95%", "hot 90%", "not significant", "cold 99%", NO_NEIGHBOURS], index=units)
    later = pd.Series(["hot 95%", "not significant", "hot 99%", "hot 90%", "hot 95%", NO_NEIGHBOURS], index=units)
    shift = hotspot_shift(earlier, later)
    assert shift.to_dict() == {"a": "both years", "b": "earlier year only", "c": "later year only",
                               "d": "neither year", "e": "later year only", "f": "neither year"}
    assert set(shift) <= set(SHIFTS)
    with pytest.raises(ValueError, match="same units"):
        hotspot_shift(earlier, later.iloc[::-1])


def test_the_places_incidents_lie_at_are_np_unique_of_their_rounded_points():
    """Kernel density weights each distinct point (to 0.1 m) by its incidents: the fast
    way of finding them gives what np.unique of the rounded rows gives, order included."""
    from sia.analysis.hotspots.density import places

    rng = np.random.default_rng(7)
    x = np.round(rng.uniform(-50, 50, 5000), 1) + rng.choice([0, 0.04, 0.05, 0.06], 5000)
    y = np.round(rng.uniform(-20, 20, 5000), 1)
    x[:2000], y[:2000] = x[0], y[1]  # many incidents at one point, as police.uk snaps them
    for xs, ys in ((x, y), (x[:1], y[:1]), (np.append(x, np.nan), np.append(y, 1.0))):
        sites, counts = places(xs, ys)
        expected_sites, expected_counts = np.unique(np.column_stack([xs, ys]).round(1), axis=0, return_counts=True)
        np.testing.assert_array_equal(sites, expected_sites)
        np.testing.assert_array_equal(counts, expected_counts)
