"""Overview: headline figures per year, the monthly trend, the category mix, the ward
ranking and the biggest changes."""
import streamlit as st

from sia import charts
from sia.filters import MEASURES
from sia.measures import category_mix, headline, monthly_series, select, ward_change
from sia.ui import current_dataset, current_filters, dataset_key, page_header, show_table, ward_table

dataset = current_dataset()
filters = current_filters()
page_header("Derby community safety overview", dataset, filters)

heads = headline(dataset.incidents, filters)
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

selection = select(dataset.incidents, filters)
st.altair_chart(charts.monthly_trend(monthly_series(selection),
                                     f"Incidents per month: {filters.subject()}"),
                width="stretch",
                alt=f"Line chart of {filters.subject()} per month, April to March, one line per year.")

left, right = st.columns(2)
with left:
    st.altair_chart(charts.category_mix(category_mix(dataset.incidents, filters),
                                        "Incidents per month by category (ASB shown apart)"),
                    width="stretch")
with right:
    table = ward_table(dataset_key(dataset), filters)
    latest = filters.fys[-1]
    st.altair_chart(charts.ward_ranking(table[table["fy"] == latest], filters.measure,
                                        MEASURES[filters.measure],
                                        f"Wards ranked by {MEASURES[filters.measure].lower()}, {latest}"),
                    width="stretch")

if filters.comparing:
    st.subheader(f"Biggest changes, {filters.fys[0]} to {filters.fys[1]}")
    st.caption("Change in incidents per month, so that years covering different months compare. "
               "Whether a change is statistically significant is not yet tested here.")
    change = ward_change(table, filters.fys).dropna(subset=["change"])
    change = change.reindex(change["change"].abs().sort_values(ascending=False).index).head(8)
    show_table(change.rename(columns={
        "before": f"{filters.fys[0]} per month", "after": f"{filters.fys[1]} per month",
        "change": "Change per month", "change_pct": "Change (%)"}).rename_axis("Ward"))
