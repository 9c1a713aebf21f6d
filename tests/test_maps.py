"""The map builders: wards drawn, data escaped, every asset served locally."""
import re

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from sia.analysis.filters import Filters
from sia.analysis.hotspots.runs import HotspotQuery, run_compare_years, run_hotspots
from sia.analysis.measures import select, ward_measures
from sia.app.map_assets import STATIC_URL, localise
from sia.dataset.store import open_dataset
from sia.views.hotspot_layers import (
    PATTERN_COLOURS,
    SHIFT_COLOURS,
    density_layer,
    hotspot_layer,
    incident_density,
    measure_layer,
    measure_legend,
    pattern_layer,
    shift_layer,
)
from sia.views.maps import classify, map_legend, ward_map, web_wards

EVIL = '=HYPERLINK("x")<script>alert(1)</script>'


@pytest.fixture(scope="module")
def real(real_data_dir):
    dataset = open_dataset(real_data_dir)
    selection = select(dataset.incidents, Filters(fys=("2019-20",)))
    return dataset, selection, ward_measures(selection, dataset.wards)


def render(m) -> str:
    return m.get_root().render()


def test_all_17_wards_drawn_light_enough_for_the_web(real):
    dataset, selection, table = real
    wards = web_wards(dataset.wards)
    assert len(wards) == 17 and wards.is_valid.all()
    assert len(wards.to_json()) < 0.6 * len(dataset.wards.to_json())
    html = render(ward_map(wards, table, fy="2019-20", measure_label="Incidents",
                           density=incident_density(selection.rows, dataset.wards)))
    assert html.count('"ward_code"') == 17
    assert len(html) < 500_000


def test_every_script_and_stylesheet_is_served_locally(real, tmp_path):
    dataset, selection, table = real
    m = ward_map(web_wards(dataset.wards), table, fy="2019-20", measure_label="Incidents",
                 density=incident_density(selection.rows, dataset.wards),
                 incident_points=selection.rows.head(50))
    localise(m, tmp_path)
    html = render(m)
    assert not re.search(r"https?://", html)
    local = re.findall(re.escape(STATIC_URL) + r"([\w.-]+)", html)
    assert local and all((tmp_path / "map" / name).stat().st_size > 100 for name in local)
    assert any(name.endswith("leaflet.js") for name in local)
    assert any("markercluster" in name for name in local)


def test_text_from_the_data_is_escaped(tmp_path):
    wards = gpd.GeoDataFrame({"ward_code": ["E1"], "ward_name": [EVIL]},
                             geometry=[shapely.box(-1.5, 52.9, -1.4, 53.0)], crs=4326)
    table = pd.DataFrame({"ward_name": [EVIL], "count": [3], "per_month": [3.0], "rate": [1.0],
                          "value": [3.0], "rank": [1]})
    points = pd.DataFrame({"lat": [52.95], "lon": [-1.45], "location": [EVIL],
                           "category": ["Burglary"], "month": ["2019-09"]})
    html = render(ward_map(wards, table, fy="2019-20", measure_label="Incidents", incident_points=points))
    assert "<script>alert(1)" not in html
    # folium writes strings through JSON, which spells & as \u0026: the tooltip, the ward
    # label and the popup each carry the HTML-escaped text.
    assert html.count("\\u0026lt;script\\u0026gt;alert(1)") == 3


def test_classes_are_natural_breaks_with_no_data_apart():
    classes, labels = classify(pd.Series([1, 2, 3, 10, 11, 12, 50, None]), k=3)
    assert classes.tolist() == [0, 0, 0, 1, 1, 1, 2, -1]
    assert labels == ["1 to 9", "10 to 19", "20 to 50"]  # whole numbers: no two classes share an end


def classes_holding(labels: list[str], value: float) -> list[int]:
    """The classes whose legend label holds ``value``: 'a', 'a to b' (both in), 'a to under b'."""
    held = []
    for i, label in enumerate(labels):
        ends = [float(x.replace(",", "")) for x in re.split(r" to under | to ", label)]
        low, high = ends[0], ends[-1]
        if low <= value < high or (value == high and " to under " not in label):
            held.append(i)
    return held


@pytest.mark.parametrize("values", [
    [10, 11, 12, 20, 21, 22, 30, 31, 32, 40, 41, 42, 50, 51, 52],  # counts: 20, 30, 40, 50 on breaks
    [1.5, 1.6, 1.7, 1.9, 2.0, 2.1, 3.0, 3.1, 3.2, 4.9, 5.0, 5.1, 8.8, 9.0, 9.3],  # rates: 3 on a break
    [0.11, 0.12, 0.13, 0.135, 0.5],  # breaks finer than the shown decimals
])
def test_every_value_falls_in_the_one_class_its_label_reads(values):
    """Legends once read '40 to 55', '55 to 104': a ward on a break could not be placed.
    Each value (those exactly on a break too) is held by one label, its class's."""
    classes, labels = classify(pd.Series(values))
    breaks = [float(label.split(" to ")[0].replace(",", "")) for label in labels[1:]]
    assert set(breaks) & set(values), "the case must hold a value exactly on a break"
    for value, c in zip(values, classes):
        assert classes_holding(labels, value) == [c], (value, labels)
    for value in breaks:  # nor do two labels share a break, whether a ward has it or not
        assert len(classes_holding(labels, value)) == 1, (value, labels)
    if all(float(v).is_integer() for v in values):  # every whole number between is placed
        assert all(len(classes_holding(labels, v)) == 1 for v in range(int(min(values)), int(max(values)) + 1))


def test_normanton_on_a_break_is_placed_by_the_legend(real):
    """On the real data Normanton's 141 incidents were a class's end and the next's start."""
    _, _, table = real
    classes, labels = classify(table["value"])
    normanton = table.index[table["ward_name"] == "Normanton"][0]
    assert classes_holding(labels, table.loc[normanton, "value"]) == [classes[normanton]]
    legend = map_legend(table, fy="2019-20", measure_label="Incidents")
    assert all(f"</span>{label}</div>" in legend for label in labels)


def test_ward_labels_are_spread_so_that_none_overlaps(real):
    """Abbey's and Arboretum's labels overlapped: at the scale the map opens at, no two
    labels' boxes meet, and none moved further than it had to (a label's height or so)."""
    from sia.views.labels import WEB_MERCATOR, leaflet_metres_per_pixel, spread_labels, text_width

    dataset, _, table = real
    wards = web_wards(dataset.wards).merge(table[["ward_name", "rank"]], on="ward_name")
    texts = [f"{n} #{r}" for n, r in zip(wards["ward_name"], wards["rank"])]
    anchors = gpd.GeoSeries(wards.geometry.representative_point().to_numpy(), crs=wards.crs)
    scale = leaflet_metres_per_pixel(tuple(wards.to_crs(WEB_MERCATOR).total_bounds), 720, 600)
    assert 30 < scale < 45  # Derby, 600 pixels high: zoom 12
    for font_px in (12, 16):
        moved = spread_labels(anchors, texts, font_px, scale)
        xy = [(p.x / scale, -p.y / scale) for p in moved.to_crs(WEB_MERCATOR)]
        boxes = [(x - text_width(t, font_px) / 2, y - font_px * 0.625, x + text_width(t, font_px) / 2,
                  y + font_px * 0.625) for (x, y), t in zip(xy, texts)]
        for i, a in enumerate(boxes):
            for b in boxes[i + 1:]:
                assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (a, b)
        shift = anchors.to_crs(WEB_MERCATOR).distance(moved.to_crs(WEB_MERCATOR)) / scale
        assert shift.max() < 3 * font_px and (shift > 0.5).sum() <= 6  # pixels


def test_ward_labels_read_on_any_fill(real):
    """Dark text vanished on the darkest red: a label sits on a light plate, larger on a projector."""
    dataset, _, table = real
    html = render(ward_map(web_wards(dataset.wards), table, fy="2019-20", measure_label="Incidents", label_px=16))
    css = re.search(r"\.sia-label \{([^}]*)\}", html)[1]
    assert "font: 700 16px" in css and "background: rgba(255, 255, 255, 0.8" in css
    assert "translate(-50%, -50%)" in css  # centred on its point, as wide as its text


def test_the_hotspot_map_names_the_method_and_stays_light(real):
    dataset, selection, table = real
    run = run_hotspots(dataset, HotspotQuery(unit="grid", fy="2014-15"))
    layer = hotspot_layer(run)
    assert 0 < len(layer.units) < len(run.units)  # only significant cells are drawn
    density = incident_density(selection.rows, dataset.wards)
    html = render(ward_map(web_wards(dataset.wards), table, fy="2014-15", measure_label="Incidents",
                           overlay=layer, density=density))
    assert len(html) < 500_000
    legend = map_legend(table, fy="2014-15", measure_label="Incidents", overlay=layer, density=density)
    assert "Getis-Ord Gi*" in legend and "Benjamini-Hochberg" in legend and "Hotspot 99% (" in legend
    assert "bandwidth" in legend and "normal-reference rule" in legend
    assert "sia-legend" not in html  # beside the map, not over it


def test_the_measure_legend_has_the_map_classes(real):
    dataset, selection, table = real
    legend = map_legend(table, fy="2019-20", measure_label="Incidents")
    _, labels = classify(table["value"])
    assert "<b>Incidents, 2019-20</b>" in legend and all(label in legend for label in labels)
    # "no data" only when a ward has none: every ward has a count (issue: a swatch for nothing)
    assert "Fisher-Jenks" in legend and "no data" not in legend


def test_the_small_area_legend_says_no_incidents_only_when_some_have_none(real):
    dataset, _, _ = real
    lsoas = dataset.lsoas.to_crs("EPSG:27700").assign(unit_id=dataset.lsoas["lsoa_code"], unit_name="LSOA",
                                                      count=5, per_month=5.0, rate=1.0)
    for counts, shown in (([5] * len(lsoas), False), ([0] + [5] * (len(lsoas) - 1), True)):
        layer = measure_layer(lsoas.assign(count=counts, per_month=[float(c) for c in counts]), "per_month",
                              "Incidents per month", "LSOAs")
        assert ("no incidents" in measure_legend(layer, "2019-20")) == shown  # a swatch only for some


def test_density_bands_share_no_ends():
    surface = gpd.GeoDataFrame({"density": [1.0, 2.0, 5.5, 7.0, 10.0]},
                               geometry=[shapely.box(i, 0, i + 1, 1) for i in range(5)], crs="EPSG:27700")
    surface.attrs.update(bandwidth=400, cell_size=250)
    labels = density_layer(surface).labels
    assert labels == ["1.0 to under 2.8", "2.8 to under 4.6", "4.6 to under 6.4", "6.4 to under 8.2", "8.2 to 10"]


def test_lsoa_tooltips_name_the_code_and_the_ward(real):
    """An LSOA's name ('Derby 013C') says little in a meeting: its tooltip under Gi* and
    under a pattern gives the code and the ward it lies in too."""
    dataset, _, _ = real
    run = run_hotspots(dataset, HotspotQuery(unit="lsoa", fy="2014-15", across="month", method="ehsa"))
    lsoas = dataset.lsoas.set_index("lsoa_code")
    for layer in (hotspot_layer(run), pattern_layer(run)):
        assert len(layer.units) == 151
        for tip in layer.units["tip"].head(20):
            code = re.search(r"</b> (E01[0-9]{6})<br>Ward: ([^<]+)<br>", tip)
            assert code and lsoas.loc[code[1], "ward_name"] == code[2], tip


def test_the_pattern_layer_colours_and_counts_every_pattern(real):
    dataset, _, table = real
    for method in ("ehsa", "sfhotspot"):
        run = run_hotspots(dataset, HotspotQuery(unit="grid", fy="2014-15", across="month", method=method))
        layer = pattern_layer(run)
        patterns = run.table["pattern"].value_counts()
        shown = patterns.drop("no pattern")
        assert len(layer.units) == shown.sum() > 0  # a grid draws only the cells with a pattern
        assert dict((label.lower(), n) for label, _, n in layer.classes) == shown.to_dict()
        assert layer.unshaded == ("No pattern", patterns["no pattern"])
        assert set(layer.units["fill"]) <= set(PATTERN_COLOURS.values())
        legend = map_legend(table, fy="2014-15", measure_label="Incidents", overlay=layer)
        assert "Space-time pattern, 2014-15: 250 m grid cells" in legend and "7 months" in legend


def test_the_years_layer_shows_where_the_hotspots_were_each_year(real):
    dataset, _, table = real
    compared = run_compare_years(dataset, HotspotQuery(unit="lsoa"), "2014-15", "2019-20")
    layer = shift_layer(compared)
    assert len(layer.units) == 151  # LSOAs: every one drawn, those hot in neither year left clear
    hot_in = compared.table.set_index("unit_name")["hot_in"]
    fills = layer.units.set_index("unit_name")["fill"]
    for lsoa, shift in hot_in.items():
        assert fills[lsoa] == SHIFT_COLOURS.get(shift, ""), lsoa
    both = hot_in[hot_in == "both years"].index[0]
    tip = layer.units.set_index("unit_name").loc[both, "tip"]
    assert "Hot spot (95% or more) in: both years" in tip and "<br>2014-15: " in tip and "<br>2019-20: " in tip
    assert f"Hot in both 2014-15 and 2019-20 ({(hot_in == 'both years').sum()})" in map_legend(
        table, fy="2019-20", measure_label="Incidents", overlay=layer)


def test_layers_geojson_is_what_geopandas_writes(real):
    """The map's layers carry the same GeoJSON as geopandas' own to_json, gaps as null."""
    import json

    import numpy as np
    from shapely.geometry import Point

    from sia.views.geojson import feature_collection

    dataset, _, table = real
    wards = web_wards(dataset.wards).merge(table.drop(columns=["ward_code"]), on="ward_name", how="left")
    odd = gpd.GeoDataFrame({"n": [1, None], "x": [np.nan, 2.5], "i": pd.array([pd.NA, 3], dtype="Int64"),
                            "s": ["x", None]}, geometry=[Point(-1.47, 52.92), None], crs="EPSG:4326",
                           index=[5, 9])
    for frame in (wards, odd):
        assert feature_collection(frame) == json.loads(frame.to_json())
    assert feature_collection(odd)["features"][0]["properties"] == {"n": 1.0, "x": None, "i": None, "s": "x"}
    # Text is data, never template code for folium's Jinja pass (see the next test).
    odd["s"] = ["{{ 7*7 }}", "{% if x %}"]
    assert [f["properties"]["s"] for f in feature_collection(odd)["features"]] == [
        "&#123;&#123; 7*7 &#125;&#125;", "&#123;% if x %&#125;"]


def test_names_with_template_syntax_are_shown_not_run(real):
    """branca renders each map element's script again as a Jinja template: a ward or place
    named with template syntax must not run on the server (nor break the map)."""
    dataset, selection, table = real
    name = table["ward_name"].iloc[0]
    hostile = "X{{ 7*7 }}Y {% if x %}"
    wards = web_wards(dataset.wards).replace({"ward_name": {name: hostile}})
    points = selection.rows[["lat", "lon", "location", "category", "month"]].head(3).assign(location="L{{ 6*7 }}L")
    html = render(ward_map(wards, table.replace({"ward_name": {name: hostile}}), fy="2019-20",
                           measure_label="Incidents", incident_points=points))
    assert "X49Y" not in html and "L42L" not in html
    text = html.replace("\\u0026", "&")  # as the browser reads the script's strings
    assert text.count("X&#123;&#123; 7*7 &#125;&#125;Y &#123;% if x %&#125;") >= 2  # label and tooltip
    assert "L&#123;&#123; 6*7 &#125;&#125;L" in text  # the incidents' popups
