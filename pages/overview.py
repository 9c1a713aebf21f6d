"""Overview: headline figures per year, the monthly trend, the category mix, the ward
ranking, the biggest changes, how concentrated incidents are in small areas, and the
outcomes of crimes."""
from sia.app.navigation import run_through_app_navigation

# First, before the imports below (which take a moment on a freshly started server): a
# link opened first must not show Streamlit's own page list meanwhile.
run_through_app_navigation()

import math

import numpy as np
import streamlit as st

from sia.analysis.filters import INCIDENT_TYPES, MEASURES
from sia.analysis.hotspots.runs import NoTest, small_areas, unit_label
from sia.analysis.measures import comparison_basis, cover_different_months, matched_months, months_counted
from sia.app.chrome import page_header
from sia.app.loaders import (
    biggest_changes,
    category_mixes,
    dataset_key,
    headline_figures,
    monthly_counts,
    peer_figures,
    ward_table,
    without_ward,
)
from sia.app.page import page_context
from sia.app.widgets import show_chart, show_concentration, show_outcomes, show_table
from sia.periods import period_text
from sia.views import charts
from sia.views.shown_text import markdown_text
from sia.views.tables import peers_shown

dataset, filters = page_context()
page_header(f"{markdown_text(dataset.area.name)} community safety overview", dataset, filters)

key, unfiltered = dataset_key(dataset), without_ward(filters)
heads = headline_figures(key, filters)
counted = months_counted(dataset.months, filters)
st.markdown("**Incidents per month**, " + "; ".join(f"{fy}: {period_text(ms)}" for fy, ms in counted.items())
            + (" (the months of the year both years hold)" if matched_months(dataset.months, filters) else
               " (every month each year holds)" if filters.comparing else "") + ":")
cols = st.columns(2 * len(heads))
for i, row in heads.iterrows():
    for j, (kind, label) in enumerate((("crime", "Crime"), ("asb", "Anti-social behaviour"))):
        change = row[f"{kind}_change"]
        # Signed, so that the arrow points the way the change goes: '+34%', '-39%'.
        delta = (f"{change.percent:+.0f}% on {heads.iloc[0]['fy']}" if change is not None and change.testable
                 and not math.isinf(change.rate_ratio) else None)
        cols[2 * i + j].metric(f"{label}, {row['fy']}", f"{row[f'{kind}_per_month']:,.0f}",
                               delta, delta_color="inverse",
                               help=f"{row[kind]:,} incidents over {row['period']}"
                                    + (f"; {change.significance()}" if change is not None and change.testable else "")
                                    + ".")

show_chart(charts.monthly_trend, monthly_counts(key, filters), f"Incidents per month: {filters.subject()}",
           alt=f"Line chart of {filters.subject()} per month, April to March, one line per year.")

left, right = st.columns(2)
with left:
    show_chart(charts.category_mix, category_mixes(key, filters),
               "Incidents per month by category (ASB shown apart)")
with right:
    table = ward_table(key, filters)
    latest = filters.fys[-1]
    show_chart(charts.ward_ranking, table[table["fy"] == latest], filters.measure, MEASURES[filters.measure],
               f"Wards ranked by {MEASURES[filters.measure].lower()}, {latest} "
               f"({period_text(months_counted(dataset.months, filters)[latest])})")

if filters.comparing:
    st.subheader(f"Biggest changes, {filters.fys[0]} to {filters.fys[1]}")
    st.caption("Change in incidents a month, so that years covering different months compare, "
               "with an exact Poisson test of each ward's counts at the 5% level. Each ward is "
               "tested alone (with 17 wards, about one in twenty unchanged wards would still "
               "show as significant by chance), and crime counts vary more than the test assumes, "
               "so treat borderline results with care."
               + (f" On {comparison_basis(months_counted(dataset.months, filters), True)}."
                  if matched_months(dataset.months, filters) else
                  " On all months each year holds: the years cover different months, so seasons can play "
                  "a part." if cover_different_months(dataset.months, filters) else ""))
    show_table(biggest_changes(key, filters), download=f"{dataset.area.slug}-biggest-changes")

st.subheader("How concentrated")
areas = small_areas(dataset)
units = unit_label(dataset, areas)
words, chart = st.columns(2)
with words:
    measured = show_concentration(key, unfiltered, filters.fys, areas, units)
    st.caption(f"Each curve ranks the {units} from the busiest down: the further it bows above the "
               "diagonal, the more incidents are concentrated in a few places. The Gini coefficient "
               "measures that bow (0: spread evenly; near 1: all in a few). See About for the methods.")
# As arrays: the chart's cache then knows a curve of thousands of grid squares at a glance.
curves = {fy: np.asarray(r.lorenz) for fy, r in measured.items() if not isinstance(r, NoTest)}
if curves:
    show_chart(charts.lorenz_curves, curves, units, f"Lorenz curve: {filters.subject()} over {units}", where=chart,
               alt=f"Lorenz curve of {filters.subject()} over {units}, one line per year, "
                   "over the diagonal of incidents spread evenly.")

st.subheader("What happened after crimes were reported")
show_outcomes(key, unfiltered, dataset.area.name, f"{dataset.area.slug}-outcomes")

peers = peer_figures(key, filters.fys[-1], filters.incident_type)
if peers is not None:  # the force-wide files hold every district of the force
    area, fy = dataset.area.name, filters.fys[-1]
    st.subheader(f"{markdown_text(area)} against the other districts of its police force, {fy}")
    measure = peers["ranked_by"].iloc[0]
    subject = INCIDENT_TYPES[filters.incident_type].lower()
    title = f"{subject.capitalize()} by district, {fy}: {MEASURES[measure].lower()}"
    show_chart(charts.ward_ranking, peers.rename(columns={"district": "ward_name", measure: "value"}), measure,
               MEASURES[measure], title, tuple(peers.loc[peers["area"], "district"]), "District",
               alt=f"Bar chart: the force's districts ranked by {MEASURES[measure].lower()}, {area} highlighted.")
    show_table(peers_shown(peers), hide_index=True, download=f"{dataset.area.slug}-against-the-force-{fy}")
    st.caption("From the force's own files, every incident placed in its district's boundary, the area's as the "
               "others' (so its figure here is of its district boundary, not its wards; British Transport Police's "
               "crimes are left out, being no district's own). All crime types and months of the year. "
               + ("Rates use the districts' residents (ONS mid-year estimates)." if measure == "rate" else
                  "Ranked by incidents a month: rates need the districts' residents (--district-population)."))
