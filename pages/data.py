"""Data and quality: coverage of months, incidents by year and category, the ingest report,
and downloads of the filtered tables. UI only: the figures come from the sia package."""
import pandas as pd
import streamlit as st

from sia.categories import ANTI_SOCIAL_BEHAVIOUR
from sia.periods import fy_coverage
from sia.summaries import coverage_grid, counts_by_ward_and_year, counts_by_year_and_category
from sia.counts import count_incidents
from sia.exports import safe_csv
from sia.measures import select
from sia.ui import current_dataset, current_filters, dataset_key, page_header, show_table, ward_table

dataset = current_dataset()
filters = current_filters()
incidents = dataset.incidents

page_header("Data and quality", dataset)

asb = int((incidents["category"] == ANTI_SOCIAL_BEHAVIOUR).sum())
cols = st.columns(4)
cols[0].metric("Incidents loaded", f"{len(incidents):,}")
cols[1].metric("Crimes", f"{len(incidents) - asb:,}")
cols[2].metric("Anti-social behaviour", f"{asb:,}")
cols[3].metric("Months covered", f"{len(dataset.months)}",
               help="; ".join(fy_coverage(dataset.months)["label"]))

st.subheader("Months covered")
st.caption("Incidents recorded in each month, April to March. A dash marks a month with no "
           "data, so compare years per month or on the months both cover.")
show_table(coverage_grid(incidents))

st.subheader("Incidents by financial year and category")
st.caption("Anti-social behaviour is shown beside crime, not added into it. "
           "Per-month figures let partial years be compared.")
show_table(counts_by_year_and_category(incidents))

st.subheader("Incidents per month by ward")
show_table(counts_by_ward_and_year(incidents))

st.subheader("How the data was loaded")
report = dataset.report
st.markdown(
    f"**{report.rows_read:,}** rows read from **{len(report.files)}** street file(s); "
    f"**{report.loaded:,}** loaded"
    + (f", of which {report.placed_by_nearest_ward:,} were placed in the nearest ward because "
       "police.uk's anonymised point lies just outside every ward boundary (within 100 m)."
       if report.placed_by_nearest_ward else "."))
set_aside = {reason: n for reason, n in report.set_aside().items() if n}
if set_aside:
    show_table(pd.DataFrame({"Reason set aside": list(set_aside), "Rows": list(set_aside.values())}),
               hide_index=True)
else:
    st.markdown("No rows were set aside.")
with st.expander("Files read, files skipped and notes"):
    show_table(pd.DataFrame([{"File": f.file, "Rows": f.rows, "Months": ", ".join(f.months),
                              "SHA-256": f.sha256[:16] + "…"} for f in report.files]),
               hide_index=True)
    if report.skipped_files:
        st.dataframe([{"Skipped file": s["file"], "Reason": s["reason"]} for s in report.skipped_files],
                     width="stretch", hide_index=True)
    for note in report.notes:
        st.markdown(f"- {note}")
    built = pd.Timestamp(dataset.manifest["built_at"]).strftime("%-d %B %Y at %H:%M UTC")
    st.caption(f"Dataset build {dataset.build_id}, built {built}.")

st.subheader("Download the filtered tables")
st.caption(f"For the filters in the sidebar: {filters.subject()}, {', '.join(filters.fys)}. "
           "CSV files open in Excel; text that a spreadsheet would run as a formula is neutralised.")
selection = select(incidents, filters)
by_ward = ward_table(dataset_key(dataset), filters)[
    ["ward_code", "ward_name", "fy", "count", "months", "per_month", "population", "rate", "rank"]]
by_category = count_incidents(selection.rows, ["ward", "crime_type", "fy", "month"],
                              crime_types=list(filters.categories))
by_category = by_category[by_category["fy"].isin(filters.fys)]
rows = selection.rows[["month", "fy", "category", "ward_name", "lsoa_code", "location", "outcome",
                       "lon", "lat", "crime_id"]]
downloads = st.columns(3)
downloads[0].download_button("Ward figures (CSV)", safe_csv(by_ward), "derby-ward-figures.csv",
                             "text/csv", help="Count, per month, rate per 1,000 residents a year and "
                                              "rank per ward and year.")
downloads[1].download_button("Counts by ward, type and month (CSV)", safe_csv(by_category),
                             "derby-counts-by-ward-type-month.csv", "text/csv")
downloads[2].download_button(f"Incidents ({len(rows):,} rows, CSV)", safe_csv(rows),
                             "derby-incidents.csv", "text/csv")
