"""The chart builders, drawn by vl-convert (Vega, as in the browser): every point lies within
its axis's labelled range, and every ward is named on the ranking."""
import re

import pandas as pd
import pytest
import vl_convert as vlc

from sia.views import charts

MONTHS = ["Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct"]
# Derby's crime a month on the real data: 2019-20's one month, 2,396, stood above the
# trend's top label (2,000) on screen.
TREND = pd.DataFrame({"fy": ["2014-15"] * 7 + ["2019-20"],
                      "month": [f"2014-{m:02d}" for m in range(4, 11)] + ["2019-09"],
                      "month_of_year": MONTHS + ["Sep"],
                      "count": [1677, 1633, 1585, 1650, 1649, 1784, 1796, 2396]})
WARDS = ["Arboretum", "Sinfin", "Alvaston", "Darley", "Derwent", "Abbey", "Normanton", "Boulton", "Mackworth",
         "Chaddesden", "Littleover", "Spondon", "Chellaston", "Oakwood", "Blagreaves", "Mickleover", "Allestree"]
COUNTS = [639, 189, 187, 164, 162, 141, 141, 129, 123, 104, 84, 75, 71, 55, 47, 45, 40]
RANKING = pd.DataFrame({"ward_name": WARDS, "value": [float(c) for c in COUNTS], "count": COUNTS,
                        "rank": [1, 2, 3, 4, 5, 6, 6, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17]})
# What Streamlit's chart theme sets that matters here: labels it finds too close are dropped,
# and its text (and the room it wants around labels) is larger in presentation mode. With
# this, a ranking left to the theme names 9 of its 17 wards, as it did on screen.
STREAMLIT_LIKE = {"axis": {"labelOverlap": True, "labelFontSize": 15, "labelSeparation": 6}}


def svg_of(chart, **config) -> str:
    spec = chart.to_dict()
    spec["config"] = {**spec.get("config", {}), **config}
    return vlc.vegalite_to_svg(spec)


def axis_labels(svg: str, axis: str) -> list[str]:
    """The labels Vega drew (not hidden as overlapping) on the ``axis`` ('X' or 'Y')."""
    start = svg.index(f'aria-label="{axis}-axis')
    end = svg.find('aria-roledescription="axis"', start + 1)
    group = re.search(r'class="mark-text role-axis-label"(.*?)</g>', svg[start:end if end > 0 else None], re.S)[1]
    return [text for attributes, text in re.findall(r"<text([^>]*)>([^<]*)</text>", group)
            if 'opacity="0"' not in attributes]


def top_label(svg: str, axis: str) -> float:
    return max(float(label.replace(",", "")) for label in axis_labels(svg, axis))


@pytest.mark.parametrize("height", [150, 250, 420])
def test_the_trend_axis_holds_every_point(height):
    """However short Streamlit makes the plot, the y axis's top label is at or above the
    highest month (its domain rounded up to a labelled tick)."""
    chart = charts.monthly_trend(TREND, "Incidents per month: all crime").properties(height=height)
    assert top_label(svg_of(chart), "Y") >= TREND["count"].max()


@pytest.mark.parametrize("width", [160, 300, 700])
def test_bar_axes_hold_every_bar(width):
    ranking = charts.ward_ranking(RANKING, "count", "Incidents", "Wards ranked").properties(width=width)
    assert top_label(svg_of(ranking), "X") >= max(COUNTS)
    mix = pd.DataFrame({"fy": ["2014-15", "2019-20"] * 2, "category": ["Burglary"] * 2 + ["Drugs"] * 2,
                        "per_month": [1434.3, 860.9, 45.0, 61.0], "count": [10040, 861, 315, 61]})
    category = charts.category_mix(mix, "By category").properties(width=width)
    assert top_label(svg_of(category), "X") >= mix["per_month"].max()
    rates = pd.DataFrame({"category": ["Burglary", "Drugs"], "ward": [96.5, 12.0], "city": [40.2, 6.1]})
    against = charts.against_city(rates, "Normanton", "Derby", "Against Derby").properties(width=width)
    assert top_label(svg_of(against), "X") >= rates["ward"].max()


@pytest.mark.parametrize("step", [20, 28])
def test_the_ranking_names_every_ward(step):
    """On a projector the ranking named 9 of the 17 wards: Streamlit's theme lets Vega drop
    labels it finds too close. Every ward is named, at the normal and the enlarged step."""
    chart = charts.ward_ranking(RANKING, "count", "Incidents", "Wards ranked by incidents, 2019-20")
    spec = chart.to_dict()
    spec["height"] = {"step": step}
    spec["config"] = STREAMLIT_LIKE
    assert sorted(axis_labels(vlc.vegalite_to_svg(spec), "Y")) == sorted(WARDS)
