"""Altair charts. Pure builders: tables in, charts out, titled and labelled in plain words.

Colours are the Okabe-Ito palette (safe for colour-blind readers), and years also differ
by point shape and dash, so nothing depends on colour alone.
"""
from __future__ import annotations

import math

import altair as alt
import pandas as pd

from sia.analysis.filters import format_value
from sia.periods import MONTH_ABBREVIATIONS, month_label

YEAR_COLOURS = ["#0072B2", "#E69F00"]  # Okabe-Ito blue and orange
YEAR_SHAPES = ["circle", "square"]
YEAR_DASHES = [[1, 0], [6, 3]]


_TOP = alt.Legend(orient="top")

# A count axis: from 0 to a labelled tick at or above the highest value, so that every
# point lies below (or left of) the axis's last label. Left to Vega, the scale's end was
# rounded for about ten ticks but a short axis labelled fewer: 2,396 once stood above a top
# label of 2,000. At most AXIS_TICKS steps, so that no label is dropped as too close.
AXIS_TICKS = 5


def axis_ticks(highest: float, at_most: int = AXIS_TICKS, whole: bool = False) -> list[float]:
    """Ticks from 0 to the tightest end at or above ``highest`` in at most ``at_most``
    steps of 1, 2, 2.5 or 5 times a power of ten (the more steps, of two with one end);
    ``whole``: whole steps only (counts)."""
    if not highest > 0:  # nothing, or no value: an axis from 0 to 1
        return [0, 1]
    power = math.floor(math.log10(highest))
    choices = []
    for step in (m * 10.0 ** k for k in range(power - 1, power + 2) for m in (1, 2, 2.5, 5)):
        steps = math.ceil(highest / step - 1e-9)
        if steps <= at_most and not (whole and step % 1):
            choices.append((round(steps * step, 10), -steps, step))
    _, steps, step = min(choices)
    return [round(i * step, 10) for i in range(-steps + 1)]


def _count_axis(field: str, title: str, values: pd.Series, **axis) -> dict:
    """A quantitative encoding of counts, rates or shares (``values``) from 0, its last
    label at or above the highest."""
    ticks = axis_ticks(float(values.max()), whole=bool((values.dropna() % 1 == 0).all()))
    return {"field": field, "type": "quantitative", "title": title,
            "scale": alt.Scale(domain=[0, ticks[-1]], nice=False), "axis": alt.Axis(values=ticks, **axis)}


def _year_scales(fys: list[str]):
    return (alt.Scale(domain=fys, range=YEAR_COLOURS[: len(fys)]),
            alt.Scale(domain=fys, range=YEAR_SHAPES[: len(fys)]),
            alt.Scale(domain=fys, range=YEAR_DASHES[: len(fys)]))


def monthly_trend(series: pd.DataFrame, title: str) -> alt.Chart:
    """Incidents per month, April to March, one line per financial year."""
    fys = sorted(series["fy"].unique())
    colour, shape, dash = _year_scales(fys)
    base = alt.Chart(series, title=title).encode(
        x=alt.X("month_of_year:O", sort=list(MONTH_ABBREVIATIONS), title="Month",
                scale=alt.Scale(domain=list(MONTH_ABBREVIATIONS)), axis=alt.Axis(labelAngle=0)),
        y=alt.Y(**_count_axis("count", "Incidents in the month", series["count"])),
        color=alt.Color("fy:N", scale=colour, title="Financial year", legend=_TOP),
        tooltip=[alt.Tooltip("month:N", title="Month"), alt.Tooltip("count:Q", title="Incidents", format=",")])
    # Colour, dash and shape share one legend (Vega-Lite merges them by field and title).
    lines = base.mark_line().encode(strokeDash=alt.StrokeDash("fy:N", scale=dash, title="Financial year",
                                                              legend=_TOP))
    points = base.mark_point(filled=True, size=70).encode(
        shape=alt.Shape("fy:N", scale=shape, title="Financial year", legend=_TOP))
    # Streamlit fits the whole chart (title, legend, axes) into this height.
    return (lines + points).properties(height=420)


def category_mix(mix: pd.DataFrame, title: str) -> alt.Chart:
    """Incidents per month by category, the years side by side."""
    fys = sorted(mix["fy"].unique())
    colour, _, _ = _year_scales(fys)
    order = (mix.groupby("category")["per_month"].sum().sort_values(ascending=False).index.tolist())
    return alt.Chart(mix, title=title).mark_bar().encode(
        y=alt.Y("category:N", sort=order, title=None, axis=alt.Axis(labelLimit=220, labelOverlap=False)),
        yOffset=alt.YOffset("fy:N"),
        x=alt.X(**_count_axis("per_month", "Incidents per month", mix["per_month"])),
        color=alt.Color("fy:N", scale=colour, title="Financial year"),
        tooltip=[alt.Tooltip("category:N", title="Category"), alt.Tooltip("fy:N", title="Year"),
                 alt.Tooltip("per_month:Q", title="Per month", format=",.1f"),
                 alt.Tooltip("count:Q", title="Incidents", format=",")],
    ).properties(height=alt.Step(9))


def ward_ranking(table: pd.DataFrame, measure: str, value_title: str, title: str,
                 selected: str | tuple[str, ...] | None = None, unit: str = "Ward") -> alt.Chart:
    """Wards ranked by the chosen measure, with the value written on each bar; the
    selected ward (or wards) in a second colour."""
    chosen = (selected,) if isinstance(selected, str) else tuple(selected or ())
    data = table.assign(selected=table["ward_name"].isin(chosen),
                        label=table["value"].map(lambda v: format_value(v, measure)))
    # Every ward named: Streamlit's theme lets Vega drop labels it finds too close (9 of 17
    # were left on a projector), and each bar has room for its label's line.
    base = alt.Chart(data, title=title).encode(
        y=alt.Y("ward_name:N", sort=alt.EncodingSortField("value", order="descending"), title=None,
                axis=alt.Axis(labelOverlap=False, labelLimit=220)),
        x=alt.X(**_count_axis("value", value_title, data["value"])))
    bars = base.mark_bar().encode(
        color=alt.condition("datum.selected", alt.value("#D55E00"), alt.value("#0072B2")),
        tooltip=[alt.Tooltip("ward_name:N", title=unit), alt.Tooltip("value:Q", title=value_title, format=",.1f"),
                 alt.Tooltip("rank:Q", title="Rank")])
    text = base.mark_text(align="left", dx=3).encode(text="label:N")  # 11 px, larger on a projector
    return (bars + text).properties(height=alt.Step(20))


def against_city(table: pd.DataFrame, ward: str, city: str, title: str) -> alt.Chart:
    """A ward's rate per 1,000 residents by category beside the city's (``city``: its name)."""
    long = table.melt(id_vars="category", value_vars=["ward", "city"], var_name="area", value_name="rate")
    long["area"] = long["area"].map({"ward": ward, "city": city})
    order = table.sort_values("ward", ascending=False)["category"].tolist()
    return alt.Chart(long, title=title).mark_bar().encode(
        y=alt.Y("category:N", sort=order, title=None, axis=alt.Axis(labelLimit=220, labelOverlap=False)),
        yOffset=alt.YOffset("area:N"),
        x=alt.X(**_count_axis("rate", "Per 1,000 residents a year", long["rate"])),
        color=alt.Color("area:N", scale=alt.Scale(domain=[ward, city], range=["#D55E00", "#999999"]),
                        title="Area"),
        tooltip=[alt.Tooltip("category:N", title="Category"), alt.Tooltip("area:N", title="Area"),
                 alt.Tooltip("rate:Q", title="Per 1,000 a year", format=",.1f")],
    ).properties(height=alt.Step(9))


LINEAGE_COLOURS = {"retained": "#0072B2", "changed": "#E69F00", "added": "#009E73", "dropped": "#767676"}
LINEAGE_WORDS = {"retained": "retained", "changed": "changed focus", "added": "new", "dropped": "dropped"}


def priority_lineage(comparison: dict[str, list[dict]], earlier: str, later: str,
                     width: int = 1000) -> alt.LayerChart:
    """The two years' priority lists facing each other, in the documents' order, with a
    line from each earlier priority to the one that continues it (solid: retained,
    dashed: changed focus); new and dropped priorities have no line and say so."""
    left, right = width * 0.42, width * 0.58  # room for the titles either side
    nodes, links = [], []
    for status, items in comparison.items():
        for n, item in enumerate(items):
            for fy, x in ((earlier, left), (later, right)):
                if fy in item:
                    a = item[fy]
                    suffix = {"added": "  (new)", "dropped": "  (dropped)"}.get(status, "")
                    nodes.append({"x": x, "rank": a["rank"], "status": status, "side": fy,
                                  "label": f"{a['rank']}. {a['title']}{suffix}",
                                  "title": a["title"], "fy": fy})
            if earlier in item and later in item:
                for fy, x in ((earlier, left), (later, right)):
                    links.append({"pair": f"{status}{n}", "x": x, "rank": item[fy]["rank"],
                                  "status": status})
    node_data, link_data = pd.DataFrame(nodes), pd.DataFrame(links)
    deepest = int(node_data["rank"].max())
    x = alt.X("x:Q", scale=alt.Scale(domain=[0, width]), axis=None)
    y = alt.Y("rank:Q", scale=alt.Scale(domain=[0.3, deepest + 0.5], reverse=True), axis=None)
    words = " + ".join(f"(datum.label == '{k}' ? '{v}' : '')" for k, v in LINEAGE_WORDS.items())
    colour = alt.Color("status:N", title=None,
                       legend=alt.Legend(orient="top", labelFontSize=13, labelExpr=words),
                       scale=alt.Scale(domain=list(LINEAGE_COLOURS), range=list(LINEAGE_COLOURS.values())))
    lines = alt.Chart(link_data).mark_line(strokeWidth=3).encode(
        x=x, y=y, detail="pair:N", color=colour,
        strokeDash=alt.condition("datum.status == 'changed'", alt.value([7, 4]), alt.value([1, 0])))
    dots = alt.Chart(node_data).mark_circle(size=110, opacity=1).encode(
        x=x, y=y, color=colour,
        tooltip=[alt.Tooltip("fy:N", title="Year"), alt.Tooltip("rank:Q", title="Position"),
                 alt.Tooltip("title:N", title="Priority"), alt.Tooltip("status:N", title="Lineage")])
    text = alt.Chart(node_data).mark_text(fontSize=14, baseline="middle").encode(
        x=x, y=y, text="label:N",
        color=alt.condition("datum.status == 'dropped'", alt.value("#595959"), alt.value("#1f1f1f")))
    left_text = text.transform_filter(alt.datum.side == earlier).mark_text(
        fontSize=14, baseline="middle", align="right", dx=-12)
    right_text = text.transform_filter(alt.datum.side == later).mark_text(
        fontSize=14, baseline="middle", align="left", dx=12)
    heads = alt.Chart(pd.DataFrame({"x": [left, right], "rank": [0.3, 0.3], "label": [earlier, later]})
                      ).mark_text(fontSize=16, fontWeight="bold", baseline="top").encode(x=x, y=y, text="label:N")
    return (lines + dots + left_text + right_text + heads).properties(
        width=width, height=42 * deepest + 40).configure_view(stroke=None)


def lineage_across_years(years: list[str], nodes: pd.DataFrame, links: pd.DataFrame,
                         width: int = 1000) -> alt.LayerChart:
    """Every year's city priorities in columns, in the documents' order, with a line from
    each priority to the one that continues it the next year (solid: retained, dashed:
    changed focus); the titles, shortened, beside each point and whole in the tooltip."""
    step = width / len(years)
    x_of = {fy: i * step + 8 for i, fy in enumerate(years)}
    room = int(step * 0.72 / 7)  # characters a title may take before the gap the lines cross
    nodes = nodes.assign(x=nodes["fy"].map(x_of),
                         label=[f"{r}. {t if len(t) <= room else t[:room - 1] + '…'}" for r, t in zip(nodes["rank"],
                                                                                                 nodes["title"])])
    # A line leaves a priority at the end of its column's titles and reaches the next year's point.
    pairs = pd.DataFrame([{"pair": i, "x": x_of[row["from_fy"]] + step * 0.78 if end == "from" else x_of[row["to_fy"]],
                           "rank": row[f"{end}_rank"], "lineage": row["lineage"]}
                          for i, row in links.iterrows() for end in ("from", "to")],
                         columns=["pair", "x", "rank", "lineage"])
    deepest = int(nodes["rank"].max())
    x = alt.X("x:Q", scale=alt.Scale(domain=[0, width]), axis=None)
    y = alt.Y("rank:Q", scale=alt.Scale(domain=[0.3, deepest + 0.5], reverse=True), axis=None)
    colour = alt.Color("lineage:N", title=None, legend=alt.Legend(orient="top", labelFontSize=13),
                       scale=alt.Scale(domain=["retained", "changed"],
                                       range=[LINEAGE_COLOURS["retained"], LINEAGE_COLOURS["changed"]]))
    lines = alt.Chart(pairs).mark_line(strokeWidth=2.5).encode(
        x=x, y=y, detail="pair:N", color=colour,
        strokeDash=alt.condition("datum.lineage == 'changed'", alt.value([7, 4]), alt.value([1, 0])))
    dots = alt.Chart(nodes).mark_circle(size=80, opacity=1, color="#1f1f1f").encode(
        x=x, y=y, tooltip=[alt.Tooltip("fy:N", title="Year"), alt.Tooltip("rank:Q", title="Position"),
                           alt.Tooltip("title:N", title="Priority")])
    text = alt.Chart(nodes).mark_text(fontSize=12, baseline="middle", align="left", dx=8).encode(
        x=x, y=y, text="label:N")
    heads = alt.Chart(pd.DataFrame({"x": list(x_of.values()), "rank": 0.3, "label": years})).mark_text(
        fontSize=15, fontWeight="bold", baseline="top", align="left").encode(x=x, y=y, text="label:N")
    return (lines + dots + text + heads).properties(width=width, height=34 * deepest + 40).configure_view(stroke=None)


def ward_choropleth(wards, table: pd.DataFrame, value_title: str, title: str,
                    outlined: tuple[str, ...] = (), width: int = 480) -> alt.LayerChart:
    """A still ward map (for packs): wards shaded by ``table``'s value in the interactive
    map's natural-breaks classes and colours, each labelled with its name and rank (on a
    white halo, readable on every fill; labels that would overlap nudged apart), and
    ``outlined`` wards drawn with a heavy edge."""
    from sia.views.classes import NO_DATA_COLOUR, PALETTE, classify
    from sia.views.labels import WEB_MERCATOR, spread_labels
    from sia.views.maps import web_wards

    shapes = web_wards(wards)
    data = shapes.merge(table[["ward_name", "value", "rank"]], on="ward_name", how="left")
    classes, labels = classify(data["value"])
    data["band"] = [labels[c] if c >= 0 else "no data" for c in classes]
    data["outlined"] = data["ward_name"].isin(outlined)
    points = data.geometry.representative_point()
    data["label"] = [f"{n} ({_rank_label(r)})" for n, r in zip(data["ward_name"], data["rank"])]
    domain = labels + (["no data"] if (classes < 0).any() else [])
    palette = list(PALETTE[:len(labels)]) + ([NO_DATA_COLOUR] if (classes < 0).any() else [])
    fill = alt.Chart(data[["ward_name", "band", "geometry"]], title=title).mark_geoshape(
        stroke="#4d4d4d", strokeWidth=0.8).encode(
        color=alt.Color("band:N", scale=alt.Scale(domain=domain, range=palette), sort=domain,
                        title=value_title, legend=alt.Legend(orient="right", labelFontSize=11, titleLimit=260)))
    edges = alt.Chart(data.loc[data["outlined"], ["ward_name", "geometry"]]).mark_geoshape(
        filled=False, stroke="#08306b", strokeWidth=3)
    # Nudged apart where two would overlap at the map's own scale (Abbey's and Arboretum's
    # did), as the interactive map's are (sia.views.labels).
    height = int(width * 0.9)
    bounds = shapes.to_crs(WEB_MERCATOR).total_bounds
    spread = spread_labels(points, list(data["label"]), _LABEL_SIZE,
                           max((bounds[2] - bounds[0]) / width, (bounds[3] - bounds[1]) / height))
    names = alt.Chart(pd.DataFrame({"lon": spread.x, "lat": spread.y, "label": data["label"]})).encode(
        longitude="lon:Q", latitude="lat:Q", text="label:N")
    # A white halo under dark text: readable on every fill, the darkest red too.
    halo = names.mark_text(fontSize=_LABEL_SIZE, fontWeight="bold", stroke="white", strokeWidth=3,
                           strokeJoin="round")
    ink = names.mark_text(fontSize=_LABEL_SIZE, fontWeight="bold", color="#1f1f1f")
    return (fill + edges + halo + ink).project("mercator").properties(width=width, height=height)


_LABEL_SIZE = 9  # px, bold


def _rank_label(rank) -> str:
    return "–" if pd.isna(rank) else f"#{int(rank)}"


def lorenz_curves(curves: dict[str, tuple[tuple[float, float], ...]], unit_label: str, title: str) -> alt.Chart:
    """Lorenz curves of incidents over units, one per financial year (the busiest units
    first), over the diagonal of incidents spread evenly."""
    fys = sorted(curves)
    colour, _, dash = _year_scales(fys)
    data = pd.DataFrame([{"fy": fy, "units": 100 * u, "incidents": 100 * i}
                         for fy in fys for u, i in curves[fy]])
    x = alt.X("units:Q", title=f"Share of {unit_label}, busiest first (%)", scale=alt.Scale(domain=[0, 100]))
    y = alt.Y("incidents:Q", title="Share of incidents (%)", scale=alt.Scale(domain=[0, 100]))
    even = alt.Chart(pd.DataFrame({"units": [0, 100], "incidents": [0, 100]})).mark_line(
        color="#999", strokeDash=[2, 3]).encode(x=x, y=y)
    lines = alt.Chart(data, title=title).mark_line().encode(
        x=x, y=y, color=alt.Color("fy:N", scale=colour, title="Financial year", legend=_TOP),
        strokeDash=alt.StrokeDash("fy:N", scale=dash, title="Financial year", legend=_TOP),
        tooltip=[alt.Tooltip("fy:N", title="Year"), alt.Tooltip("units:Q", title=f"% of {unit_label}", format=".1f"),
                 alt.Tooltip("incidents:Q", title="% of incidents", format=".1f")])
    return (even + lines).properties(height=400)


# Outcome groups in the table's order: a court result dark, out of court lighter, no suspect
# and not pursued in greys, still open amber (Okabe-Ito where it has a hue), other pale.
OUTCOME_COLOURS = ["#009E73", "#56B4E9", "#7f7f7f", "#bdbdbd", "#E69F00", "#f0e442"]


def outcome_mix(mix: pd.DataFrame, title: str) -> alt.Chart:
    """Each year's crimes shared between the outcome groups (sia.analysis.outcomes.outcome_mix),
    a bar a year, the groups in the table's order."""
    groups = list(dict.fromkeys(mix["group"]))
    shown = mix.assign(order=mix["group"].map({g: i for i, g in enumerate(groups)}))
    return alt.Chart(shown, title=title).mark_bar().encode(
        y=alt.Y("fy:N", title=None),
        x=alt.X("share:Q", stack="normalize", title="Share of the year's crimes", axis=alt.Axis(format="%")),
        color=alt.Color("group:N", sort=groups, title="Outcome",
                        scale=alt.Scale(domain=groups, range=OUTCOME_COLOURS[:len(groups)]),
                        legend=alt.Legend(orient="bottom", columns=2, labelLimit=400)),
        order=alt.Order("order:Q"),
        tooltip=[alt.Tooltip("fy:N", title="Year"), alt.Tooltip("group:N", title="Outcome"),
                 alt.Tooltip("count:Q", title="Crimes", format=","),
                 alt.Tooltip("share:Q", title="Share", format=".1%")],
    ).properties(height=alt.Step(44))  # a band a year: the legend below is not squeezed into a set height


# Serious violence's three categories, then weapons searches of 10 to 24 year olds.
VIOLENCE_COLOURS = ["#D55E00", "#0072B2", "#CC79A7", "#009E73"]


def violence_trend(series: pd.DataFrame, title: str) -> alt.Chart:
    """Per month: each serious violence category and weapons searches of 10 to 24 year olds
    (sia.analysis.violence.monthly), one line each, months in order across the years."""
    names = list(dict.fromkeys(series["series"]))
    shown = series.assign(label=series["month"].map(lambda m: month_label(m)[:3] + " " + m[:4]))
    return alt.Chart(shown, title=title).mark_line(point=True).encode(
        x=alt.X("label:O", sort=list(dict.fromkeys(shown["label"])), title="Month", axis=alt.Axis(labelAngle=0)),
        y=alt.Y(**_count_axis("count", "In the month", series["count"])),
        color=alt.Color("series:N", sort=names, title=None,
                        legend=alt.Legend(orient="top", labelLimit=0, columns=2),
                        scale=alt.Scale(domain=names, range=VIOLENCE_COLOURS[: len(names)])),
        tooltip=[alt.Tooltip("label:N", title="Month"), alt.Tooltip("series:N", title="What"),
                 alt.Tooltip("count:Q", title="Number", format=",")]).properties(height=380)
