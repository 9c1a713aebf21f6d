"""Briefing packs: made from the command line on the real data, their figures agree with
'python -m sia counts', the files stand alone, and text from the data stays text."""
import json
import re

import pytest
from pypdf import PdfReader

from sia.analysis.priorities.register import load_register
from sia.cli import main
from sia.dataset.ingest import WardInputs, build_dataset
from sia.dataset.store import open_dataset
from sia.views.briefing.content import priority_briefing, ward_briefing
from sia.views.briefing.files import briefing_html, write_briefing
from sia.views.wording import percent
from sia.words import ordinal

from police_rows import row, write_street, write_test_wards


def pdf_text(path) -> str:
    reader = PdfReader(str(path))
    return " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages), len(reader.pages)


def counts(capsys, data_dir, *args) -> list[dict]:
    capsys.readouterr()
    assert main(["counts", "--data-dir", str(data_dir), "--format", "json", *args]) == 0
    return json.loads(capsys.readouterr().out)


def test_a_normanton_pack_from_the_command_line_agrees_with_counts(real_data_dir, tmp_path, capsys):
    out = tmp_path / "normanton.pdf"
    assert main(["brief", "--ward", "Normanton", "--fy", "2014-15", "--out", str(out),
                 "--data-dir", str(real_data_dir)]) == 0
    assert f"briefing pack written to {out}" in capsys.readouterr().out
    text, pages = pdf_text(out)
    assert pages >= 1 and "Normanton" in text
    rows = counts(capsys, real_data_dir, "--by", "ward", "--by", "crime_type", "--fy", "2014-15")
    mine = [r for r in rows if r["ward"] == "Normanton"]
    asb = sum(r["count"] for r in mine if r["crime_type"] == "Anti-social behaviour")
    crimes = sum(r["count"] for r in mine) - asb
    assert f"Normanton recorded {crimes:,} crimes" in text
    assert f"came to {asb:,} incidents" in text
    # The largest category, in words and as a share, from the same counts.
    top = max((r for r in mine if r["crime_type"] != "Anti-social behaviour"), key=lambda r: r["count"])
    assert f"was {top['crime_type'].lower()} ({top['count']:,} crimes, {top['count'] / crimes:.0%}" in text
    assert "Open Government Licence" in text and "7 of 12 months held" in text


def test_the_html_pack_is_one_file_that_needs_nothing_else(real_data_dir):
    pack = ward_briefing(open_dataset(real_data_dir), "arboretum", ["2014-15", "2019-20"])
    page = briefing_html(pack)
    assert "<script" not in page and "<link" not in page
    assert not re.search(r"(src|href)=['\"]?(https?:)?//", page)
    # The outcomes, the map and the categories; matched months leave each year one month, no trend to draw.
    assert page.count("src='data:image/png;base64,") == len(pack.exhibits) == 3
    assert "Arboretum" in pack.title
    # Two years: each change is tested on the months both years hold, and says so.
    assert sum("matched months (September only, the months of the year both years hold)" in p
               for p in pack.narrative) == 2


def outcomes(capsys, data_dir, *args) -> list[dict]:
    capsys.readouterr()
    assert main(["outcomes", "--data-dir", str(data_dir), "--format", "json", *args]) == 0
    return json.loads(capsys.readouterr().out)


def test_a_ward_pack_gives_the_outcomes_sia_outcomes_counts(real_data_dir, tmp_path, capsys):
    """The shares no suspect identified and charged, the ward's against Derby's, and the
    caution for a year whose crimes are mostly still open."""
    out = tmp_path / "normanton.pdf"
    assert main(["brief", "--ward", "Normanton", "--fy", "2014-15", "--fy", "2019-20", "--out", str(out),
                 "--data-dir", str(real_data_dir)]) == 0
    text, _ = pdf_text(out)
    rows = outcomes(capsys, real_data_dir, "--by", "ward", "--by", "fy", "--by", "outcome_group")
    for fy in ("2014-15", "2019-20"):
        mine = {r["outcome_group"]: r["count"] for r in rows if r["ward"] == "Normanton" and r["fy"] == fy}
        city = {}
        for r in rows:
            if r["fy"] == fy:
                city[r["outcome_group"]] = city.get(r["outcome_group"], 0) + r["count"]
        crimes = sum(mine.values())

        def share(counts, group):  # worded as every share is
            return percent(counts[group] / sum(counts.values()))
        assert (f"Of the {crimes:,} crimes in Normanton in {fy}, no suspect was identified for "
                f"{share(mine, 'no_suspect')} (Derby: {share(city, 'no_suspect')}); {share(mine, 'charged')} "
                f"(Derby: {share(city, 'charged')}) were charged or summonsed") in text
    assert "of 2019-20's crimes were still open" in text and "may be time, not policing" in text
    assert "Outcomes of crimes in Normanton" in text


def test_a_priority_pack_sets_named_wards_against_the_data(real_data_dir, tmp_path):
    dataset = open_dataset(real_data_dir)
    pack = priority_briefing(dataset, load_register(), "asb-2014", ["2014-15"])
    text = " ".join(pack.narrative)
    assert "Priority 1 of 9" in text and "Direct indicator" in text
    assert "The document names Normanton, Arboretum, Sinfin, Alvaston, Chaddesden, Derwent" in text
    out = write_briefing(pack, tmp_path / "asb.pdf")
    pdf, _ = pdf_text(out)
    assert "Named in the document against found in the data" in pdf


def test_a_priority_open_data_cannot_measure_gets_no_stand_in(real_data_dir):
    pack = priority_briefing(open_dataset(real_data_dir), load_register(), "cyber-2019")
    assert pack.figures == [] and pack.exhibits == [] and pack.tables == []
    assert any("No open-data indicator" in p and "Action Fraud" in p for p in pack.narrative)


@pytest.mark.parametrize("args, message", [
    (["--ward", "Nowhere"], "--ward: no ward called 'Nowhere'; use one of: Abbey"),
    (["--ward", "Abbey", "--fy", "2030-31"], "--fy: no data for financial year 2030-31"),
    (["--priority", "nope"], "--priority: no priority with id 'nope'; use one of: asb-2014"),
])
def test_bad_requests_say_what_to_do(real_data_dir, tmp_path, capsys, args, message):
    assert main(["brief", *args, "--out", str(tmp_path / "x.pdf"), "--data-dir", str(real_data_dir)]) == 2
    assert capsys.readouterr().err.startswith(f"error: {message}")
    assert list(tmp_path.iterdir()) == []


def test_the_file_is_checked_before_any_work(tmp_path, capsys):
    # No --data-dir: the suffix and folder are refused before a dataset is even opened.
    assert main(["brief", "--ward", "Abbey", "--out", str(tmp_path / "x.docx")]) == 2
    assert "cannot write a briefing pack as .docx; name a .pdf or .html file" in capsys.readouterr().err
    assert main(["brief", "--ward", "Abbey", "--out", str(tmp_path / "no" / "x.pdf")]) == 2
    assert "no such folder" in capsys.readouterr().err


def test_a_failed_pack_leaves_no_file(real_data_dir, tmp_path, monkeypatch):
    import sia.views.briefing.files as briefing_pack

    pack = ward_briefing(open_dataset(real_data_dir), "Abbey")
    monkeypatch.setattr(briefing_pack, "chart_png", lambda chart: (_ for _ in ()).throw(RuntimeError("boom")))
    with pytest.raises(RuntimeError):
        write_briefing(pack, tmp_path / "abbey.pdf")
    assert list(tmp_path.iterdir()) == []


HOSTILE = '=HYPERLINK("http://evil.example/","x") <script>alert(1)</script><img src=x onerror=alert(2)> & co'


def test_text_from_the_data_is_shown_never_run(tmp_path):
    wards = WardInputs(boundaries=write_test_wards(tmp_path / "wards.geojson"))
    write_street(tmp_path / "police", "2019-09", [row(month="2019-09", location=HOSTILE, crime_id=f"h{i}")
                                                  for i in range(3)] + [row(month="2019-09", x=436500)])
    build_dataset([tmp_path / "police"], wards, tmp_path / "data")
    pack = ward_briefing(open_dataset(tmp_path / "data"), "West")
    page = briefing_html(pack)
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "=HYPERLINK(&quot;http://evil.example/&quot;,&quot;x&quot;) &lt;script&gt;" in page.replace('"', "&quot;")
    out = write_briefing(pack, tmp_path / "west.pdf")  # reportlab reads markup: escaped, it builds
    text, _ = pdf_text(out)
    assert "<script>alert(1)</script>" in text


def test_a_pack_on_the_demo_says_so_on_every_page(demo_data_dir, tmp_path):
    out = write_briefing(ward_briefing(open_dataset(demo_data_dir), "Normanton"), tmp_path / "demo.pdf")
    reader = PdfReader(str(out))
    assert "SYNTHETIC DEMO DATA" in reader.pages[0].extract_text()
    assert all("SYNTHETIC DEMO DATA" in page.extract_text() for page in reader.pages)


def test_ordinals():
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 17, 21, 22, 23, 101, 111)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "17th", "21st", "22nd", "23rd", "101st", "111th"]


# --- a pack reads as well as the page (issue 26) ----------------------------------------

def lsoa_hot_spots(data_dir, fy: str, incident_type: str = "crime"):
    """How many LSOAs 'sia hotspots --unit lsoa' finds hot, for the pack's and the page's words."""
    from sia.analysis.filters import Filters
    from sia.analysis.hotspots.runs import hotspots_for_filters

    return hotspots_for_filters(open_dataset(data_dir), Filters(fys=(fy,), incident_type=incident_type), fy,
                                "lsoa").hot_count()


def hot_count(hot=(0, 0, 0), unit="ward", units=17, fy="2019-20"):
    from sia.analysis.hotspots.runs import HotCount

    return HotCount(fy, unit, units, tuple(zip(("99%", "95%", "90%"), hot)))


def test_no_ward_hotspot_says_why_and_how_many_lsoas_are():
    from sia.views.wording import no_hotspot_sentence

    sentence = no_hotspot_sentence([("all crime", hot_count())], [("all crime", hot_count((9, 0, 0), "lsoa", 151))])
    assert sentence.startswith("No ward is a significant hot spot for all crime in 2019-20: with 17 wards, each "
                               "compared with its neighbours, Gi* has little power, and a single very busy ward")
    assert "the test finds clusters of neighbouring high values" in sentence
    assert sentence.endswith("**9 of the 151 LSOAs were hot spots at 99%**.")
    mixed = no_hotspot_sentence([("crime", hot_count())], [("crime", hot_count((9, 2, 0), "lsoa", 151))])
    assert mixed.endswith("**11 of the 151 LSOAs were hot spots at 95% or more (9 at 99%, 2 at 95%)**.")
    one = no_hotspot_sentence([("crime", hot_count())], [("crime", hot_count((0, 0, 1), "lsoa", 151))])
    assert one.endswith("**1 of the 151 LSOAs was a hot spot at 90%**.")
    none = no_hotspot_sentence([("crime", hot_count())], [("crime", hot_count(units=151, unit="lsoa"))])
    assert none.endswith("none of the 151 LSOAs was a hot spot.")
    # Two years, or two things tested: each count says which it is.
    two = no_hotspot_sentence([("crime", hot_count(fy="2014-15")), ("crime", hot_count())],
                              [("crime", hot_count((9, 0, 0), "lsoa", 151, "2014-15")),
                               ("crime", hot_count((8, 0, 0), "lsoa", 151))])
    assert "in 2014-15 or 2019-20:" in two
    assert "in 2014-15, **9 of the 151 LSOAs were hot spots at 99%**; in 2019-20, **8 of the 151" in two
    both = no_hotspot_sentence([("crime", hot_count()), ("anti-social behaviour", hot_count())],
                               [("crime", hot_count((9, 0, 0), "lsoa", 151)),
                                ("anti-social behaviour", "no incidents")])
    assert "for crime or anti-social behaviour in 2019-20" in both
    assert "for crime, **9 of the 151" in both
    assert "for anti-social behaviour, no test could be run (no incidents)" in both


def test_without_lsoas_the_sentence_says_so_and_a_hot_ward_needs_no_sentence():
    from sia.views.wording import no_hotspot_sentence

    assert "This dataset holds no LSOAs" in no_hotspot_sentence([("crime", hot_count())], None)
    assert no_hotspot_sentence([("crime", hot_count((0, 1, 0)))], [("crime", hot_count((9, 0, 0), "lsoa"))]) == ""
    assert no_hotspot_sentence([("crime", hot_count(unit="lsoa", units=151))], None) == ""  # only wards: few, large
    assert no_hotspot_sentence([], None) == ""


def test_a_ward_pack_says_why_no_ward_is_a_hotspot_with_the_lsoas_the_map_finds(real_data_dir):
    pack = ward_briefing(open_dataset(real_data_dir), "Arboretum", ["2019-20"])
    crime, asb = lsoa_hot_spots(real_data_dir, "2019-20"), lsoa_hot_spots(real_data_dir, "2019-20", "asb")
    assert crime.hot == 9 and dict(crime.levels)["99%"] == 9  # as the issue found them
    sentence = next(p for p in pack.narrative if p.startswith("No ward is a significant hot spot"))
    assert "for crime or anti-social behaviour in 2019-20: with 17 wards" in sentence
    assert f"for crime, **{crime.hot} of the {crime.units} LSOAs were hot spots at 99%**" in sentence
    assert f"for anti-social behaviour, **{asb.hot} of the {asb.units} LSOAs were hot spots" in sentence
    # Right after the hotspot test it explains.
    found = [i for i, p in enumerate(pack.narrative) if "not a significant hotspot" in p]
    assert pack.narrative.index(sentence) == found[-1] + 1


def test_a_ward_pack_puts_the_open_caution_in_the_sentence_of_the_shares(real_data_dir):
    pack = ward_briefing(open_dataset(real_data_dir), "Arboretum", ["2019-20"])
    sentence = next(p for p in pack.narrative if "were charged or summonsed" in p)
    assert "; **0% (Derby: 0%)** were charged or summonsed, or had a court result — but **46% of 2019-20's " \
           "crimes were still open** (Derby: 50%)" in sentence
    assert sentence.endswith("the share charged can rise as those crimes are resolved.")


def test_a_year_of_one_month_is_a_small_table_not_a_trend(real_data_dir):
    dataset = open_dataset(real_data_dir)
    one = ward_briefing(dataset, "Arboretum", ["2019-20"])
    assert not [e for e in one.exhibits if e.title == "Crimes per month in Arboretum"]
    table = next(t for t in one.tables if t.title == "Crimes per month in Arboretum")
    crimes = int(((dataset.incidents["ward_name"] == "Arboretum") & (dataset.incidents["month"] == "2019-09")
                  & (dataset.incidents["category"] != "Anti-social behaviour")).sum())
    assert table.table.to_dict("records") == [{"Year": "2019-20", "Month": "September 2019", "Incidents": crimes}]
    assert "one month" in table.note and "no chart" in table.note
    seven = ward_briefing(dataset, "Arboretum", ["2014-15"])
    trend = next(e for e in seven.exhibits if e.title == "Crimes per month in Arboretum")
    assert "one month" not in trend.description
    assert not [t for t in seven.tables if t.title == "Crimes per month in Arboretum"]
    # Seven months beside one: the trend is drawn, and the year of one month is said to be a point.
    from sia.analysis.filters import Filters
    from sia.analysis.measures import monthly_series, select
    from sia.views.briefing.content import Briefing, _add_monthly

    both = Briefing("t", "s", "stem")
    _add_monthly(both, monthly_series(select(dataset.incidents, Filters(fys=("2014-15", "2019-20"),
                                                                        like_for_like=False)), "Arboretum"), "T")
    assert both.tables == [] and both.exhibits[0].description.endswith("2019-20 holds one month, drawn as a point.")


def test_a_chart_shrinks_to_fill_a_page_but_keeps_its_caption_and_a_readable_size():
    from reportlab.platypus import Paragraph

    from sia.views.briefing.files import MIN_FIGURE_SCALE, _figure_type, _styles

    png = _chart_png_of_size(400, 300)
    figure = _figure_type()(png, Paragraph("A caption.", _styles()["small"]), 400, 300)
    width, full = figure.wrap(400, 1000)
    assert figure.draw_size == (400, 300) and full > 300  # the chart, its caption and the space between
    _, fitted = figure.wrap(400, full - 30)  # a little short of room: the chart shrinks to fit
    assert fitted <= full - 30 and figure.draw_size[1] < 300
    _, kept = figure.wrap(400, full / 2)  # far too little: it stays readable, and goes to the next page
    assert kept > full / 2 and figure.draw_size[1] == pytest.approx(300 * MIN_FIGURE_SCALE)


def _chart_png_of_size(width: int, height: int) -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(buffer, format="PNG")
    return buffer.getvalue()


def test_the_still_ward_map_labels_do_not_collide_and_read_on_every_fill(real_data_dir):
    """The pack's map: each label on a white halo, and no two labels' boxes overlap at the
    map's scale (Abbey's and Arboretum's did), laid out as the interactive map's are."""
    import geopandas as gpd
    import numpy as np
    import pandas as pd

    from sia.analysis.filters import Filters
    from sia.analysis.measures import select, ward_measures
    from sia.views import charts
    from sia.views.labels import WEB_MERCATOR, text_width
    from sia.views.maps import web_wards

    dataset = open_dataset(real_data_dir)
    table = ward_measures(select(dataset.incidents, Filters(fys=("2019-20",), measure="rate")), dataset.wards)
    spec = charts.ward_choropleth(dataset.wards, table, "Per 1,000", "Crime by ward").to_dict()
    halo, ink = spec["layer"][-2], spec["layer"][-1]
    assert halo["mark"]["stroke"] == "white" and halo["mark"]["strokeWidth"] >= 2 and "stroke" not in ink["mark"]
    assert halo["data"] == ink["data"]  # the same labels, the halo drawn first
    labels = pd.DataFrame(spec["datasets"][halo["data"]["name"]])
    shapes = web_wards(dataset.wards)  # as the map draws them
    anchors = shapes.set_index("ward_name").geometry.representative_point()
    moved = {name.split(" (")[0] for name, lat in zip(labels["label"], labels["lat"])
             if abs(lat - anchors[name.split(" (")[0]].y) > 1e-6}
    assert moved & {"Abbey", "Arboretum"}
    # No two boxes overlap, in the map's own pixels (Mercator fitted to 480 by 432).
    bounds = shapes.to_crs(WEB_MERCATOR).total_bounds
    per_pixel = max((bounds[2] - bounds[0]) / 480, (bounds[3] - bounds[1]) / 432)
    at = gpd.GeoSeries(gpd.points_from_xy(labels["lon"], labels["lat"]), crs="EPSG:4326").to_crs(WEB_MERCATOR)
    xy = np.column_stack([at.x, at.y]) / per_pixel
    half = [text_width(t, 9) / 2 for t in labels["label"]]
    for i in range(len(xy)):
        for j in range(i + 1, len(xy)):
            dx, dy = abs(xy[i] - xy[j])
            assert dx >= half[i] + half[j] or dy >= 9 * 1.25, (labels["label"][i], labels["label"][j])


def test_a_pack_tables_columns_fit_their_longest_words():
    """No header word is broken ('Resident s') when the page has room; when it has not, the text
    columns give way and the figures keep their width."""
    from sia.views.briefing.files import _CELL_PADDING, _CHAR_WIDTH, _column_widths

    rows = [["Year", "Months counted", "Residents", "Per 1,000 a year"],
            ["2019-20", "Sep 2019, 1 month", "51,141", "10.1"]]
    widths = _column_widths(rows, [False, False, True, True], 480)
    for column, width in zip(zip(*rows), widths):
        assert width >= max(len(w) for text in column for w in text.split()) * _CHAR_WIDTH + _CELL_PADDING
    assert sum(widths) == pytest.approx(480)
    crowded = [["Rank", "Covered by", "Category"],
               ["1", "youth-violence-2019, gangs-ocg-2019", "Possession of weapons"]]
    tight = _column_widths(crowded, [True, False, False], 120)
    assert tight[0] == pytest.approx(4 * _CHAR_WIDTH + _CELL_PADDING) and sum(tight) == pytest.approx(120)
