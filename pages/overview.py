"""Overview: headline figures per year, the monthly trend, the category mix, the ward
ranking, the biggest changes, how concentrated incidents are in small areas, and the
outcomes of crimes."""
from sia.app.navigation import run_through_app_navigation

# First, before the imports below (which take a moment on a freshly started server): a
# link opened first must not show Streamlit's own page list meanwhile.
run_through_app_navigation()

import numpy as np
import streamlit as st

from sia.analysis.filters import MEASURES
from sia.analysis.hotspots.runs import NoTest, small_areas, unit_label
from sia.analysis.measures import cover_different_months
from sia.app.chrome import page_header
from sia.app.loaders import (
    biggest_changes,
    category_mixes,
    dataset_key,
    headline_figures,
    monthly_counts,
    ward_table,
    without_ward,
)
from sia.app.page import page_context
from sia.app.widgets import show_chart, show_concentration, show_outcomes, show_table
from sia.views import charts

dataset, filters = page_context()
page_header("Derby community safety overview", dataset, filters)

key, unfiltered = dataset_key(dataset), without_ward(filters)
heads = headline_figures(key, filters)
st.markdown("**Incidents per month**, so that years covering different months compare:")
cols = st.columns(2 * len(heads))
for i, row in heads.iterrows():
    before = heads.iloc[0] if i > 0 else None
    for j, (kind, label) in enumerate((("crime", "Crime"), ("asb", "Anti-social behaviour"))):
        value = row[f"{kind}_per_month"]
        delta = None
        if before is not None and before[f"{kind}_per_month"] > 0:
            delta = f"{(value / before[f'{kind}_per_month'] - 1) * 100:+.0f}% on {before['fy']}"
        cols[2 * i + j].metric(f"{label}, {row['fy']}", f"{value:,.0f}", delta,
                               delta_color="inverse",
                               help=f"{row[kind]:,} incidents over {row['months']} month(s).")

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
               f"Wards ranked by {MEASURES[filters.measure].lower()}, {latest}")

if filters.comparing:
    st.subheader(f"Biggest changes, {filters.fys[0]} to {filters.fys[1]}")
    st.caption("Change in incidents a month, so that years covering different months compare, "
               "with an exact Poisson test of each ward's counts at the 5% level. Each ward is "
               "tested alone (with 17 wards, about one in twenty unchanged wards would still "
               "show as significant by chance), and crime counts vary more than the test assumes, "
               "so treat borderline results with care."
               + (" The years cover different months: switch on like-for-like months to compare "
                  "the same months." if not filters.like_for_like
                  and cover_different_months(dataset.months, filters) else ""))
    show_table(biggest_changes(key, filters), download="derby-biggest-changes")

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
show_outcomes(key, unfiltered, "Derby", "derby-outcomes")
