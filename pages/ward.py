"""Ward profile: key figures and rank, categories against the city, monthly trend,
deprivation, the places with most incidents, and change between the years."""
from sia.app.navigation import run_through_app_navigation

# First, before the imports below (which take a moment on a freshly started server): a
# link opened first must not show Streamlit's own page list meanwhile.
run_through_app_navigation()

from dataclasses import replace

import pandas as pd
import streamlit as st

from sia.analysis.measures import comparison_basis, matched_months, measures_for, months_counted
from sia.app.chrome import page_header
from sia.app.loaders import (
    against_city,
    busiest_places,
    category_changes,
    dataset_key,
    hotspot_finding,
    monthly_counts,
    ward_changes,
    ward_deprivation,
    ward_table,
)
from sia.app.packs import ward_pack
from sia.app.page import page_context
from sia.app.sidebar import select_ward
from sia.app.widgets import briefing_buttons, show_chart, show_outcomes, show_table, show_why_no_hotspot
from sia.dataset.denominators import IMD_COLUMN
from sia.periods import period_text
from sia.views import charts
from sia.views.briefing.content import ward_stem
from sia.views.shown_text import markdown_text
from sia.views.wording import RANKED_BY, change_sentence, no_population_note, rank_text, rate_text, significance_cell

dataset, filters = page_context()
names = dataset.ward_names
table = ward_table(dataset_key(dataset), filters)
busiest = table[table["fy"] == filters.fys[-1]].sort_values("rank")["ward_name"].iloc[0]
ward = filters.ward if filters.ward in names else busiest
slug = ward.lower().replace(" ", "-")  # for download file names

shown_ward = markdown_text(ward)  # ward names come from the boundary file: text, never markup
page_header(f"Ward profile: {shown_ward}", dataset, filters)
picked = st.selectbox("Ward", names, index=names.index(ward))
if picked != filters.ward:
    select_ward(picked)
    if picked != ward:
        st.rerun()
# The pack counts as this view does: its years, its measure, its months.
briefing_buttons(ward_pack, (dataset_key(dataset), ward, filters.fys, filters.measure, filters.like_for_like),
                 ward_stem(ward, filters.fys),
                 f"{shown_ward}'s crime and anti-social behaviour in {' and '.join(filters.fys)}")

mine = table[table["ward_name"] == ward].set_index("fy")
counted = months_counted(dataset.months, filters)
cols = st.columns(len(filters.fys) * 2)
for i, fy in enumerate(filters.fys):
    row = mine.loc[fy]
    cols[2 * i].metric(f"Incidents per month, {fy} ({period_text(counted[fy])})", f"{row['per_month']:,.1f}",
                       help=f"{row['count']:,.0f} incidents over {period_text(counted[fy])}.")
    cols[2 * i + 1].metric(f"Per 1,000 residents a year, {fy}", rate_text(row["rate"]),
                           help=f"Rank: {rank_text(row, by=RANKED_BY[filters.measure])}.")
st.markdown(" · ".join(f"**{fy}**: {rank_text(mine.loc[fy], by=RANKED_BY[filters.measure])}"
                       for fy in filters.fys))
without = [fy for fy in filters.fys if pd.isna(mine.loc[fy, "rate"])]
if without and "rate" in measures_for(dataset.wards, filters.fys):
    st.info(markdown_text(no_population_note(ward, without)))
st.markdown("**Hotspot test**")
for fy in filters.fys:
    st.markdown(hotspot_finding(dataset_key(dataset), filters, fy, "ward", ward))
show_why_no_hotspot(dataset_key(dataset), filters, filters.fys, dataset.lsoas is not None)
if filters.comparing:
    change = ward_changes(dataset_key(dataset), filters).loc[ward]
    st.markdown(f"**Change**: {change_sentence(change, *filters.fys)}. An exact Poisson test of the counts on "
                f"{comparison_basis(counted, matched_months(dataset.months, filters))}.")

if filters.comparing:
    with st.expander(f"Change by category in {shown_ward}, {filters.fys[0]} to {filters.fys[1]}"):
        mine = category_changes(dataset_key(dataset), filters, ward)
        show_table(pd.DataFrame({
            "Category": mine["category"], f"{filters.fys[0]} a month": mine["before"].round(1),
            f"{filters.fys[1]} a month": mine["after"].round(1), "Change": mine["direction"],
            "Significant?": [significance_cell(s, p) for s, p in zip(mine["significant"], mine["p_value"])]}),
            hide_index=True, download=f"{dataset.area.slug}-{slug}-change-by-category")
        st.caption("Each category tested alone with an exact Poisson test; with many categories, "
                   "expect about one in twenty unchanged ones to show as significant by chance.")

left, right = st.columns(2)
with left:
    show_chart(charts.monthly_trend, monthly_counts(dataset_key(dataset), filters, ward),
               f"Incidents per month in {ward}: {filters.subject()}",
               alt=f"Line chart of {filters.subject()} per month in {ward}, one line per year.")
with right:
    against = against_city(dataset_key(dataset), filters, ward)
    if against["ward"].notna().any():
        show_chart(charts.against_city, against, ward, dataset.area.name,
                   f"{ward} against {dataset.area.name} by category, {filters.fys[-1]}")
    elif "rate" in measures_for(dataset.wards, filters.fys[-1:]):
        st.info("Rates by category: " + markdown_text(no_population_note(ward, filters.fys[-1])))
    else:
        st.info("Rates by category need ward populations, which this dataset lacks.")

left, right = st.columns(2)
with left:
    st.subheader("Places with most incidents")
    st.caption("police.uk gives each incident's location as an anonymised nearby point "
               "('On or near ...'), so these name streets and places, not addresses.")
    places = busiest_places(dataset_key(dataset), filters, ward)
    show_table(places.rename_axis("Location"), download=f"{dataset.area.slug}-{slug}-places")
with right:
    st.subheader("Deprivation")
    summaries = ward_deprivation(dataset_key(dataset), ward)
    if not summaries and any(IMD_COLUMN.match(c) for c in dataset.wards.columns):
        st.info(f"No deprivation figures for {shown_ward}: no LSOA of the area is assigned to it by the LSOA to "
                "ward lookup.")
    elif not summaries:
        st.info("No deprivation data in this dataset (ingest with --imd to add it).")
    for d in summaries:
        st.markdown(
            f"**IMD {d.edition}**: {d.lsoas} neighbourhoods (LSOAs); "
            f"{d.decile1_share * 100:.0f}% are among the most deprived 10% in England; "
            f"mean national rank {d.mean_rank:,.0f} of 32,844 (1 = most deprived)."
            + (f" Mean score {d.mean_score:.1f}." if d.mean_score is not None else ""))

st.subheader(f"What happened after crimes were reported in {shown_ward}")
show_outcomes(dataset_key(dataset), replace(filters, ward=ward), ward, f"{dataset.area.slug}-{slug}-outcomes")
