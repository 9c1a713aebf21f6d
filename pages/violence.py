"""Serious violence: violence, robbery and weapons possession by place and over time, beside
weapons searches of 10 to 24 year olds, whether the searches go where the violence is, and
what the open data cannot say."""
from sia.app.navigation import run_through_app_navigation

# First, before the imports below (which take a moment on a freshly started server): a
# link opened first must not show Streamlit's own page list meanwhile.
run_through_app_navigation()

import pandas as pd
import streamlit as st

from sia.analysis.measures import matched_months, months_counted
from sia.analysis.stops import SERIOUS_VIOLENCE
from sia.app.chrome import page_header
from sia.app.loaders import dataset_key, violence_picture
from sia.app.page import page_context
from sia.app.widgets import show_chart, show_table
from sia.periods import period_text
from sia.views import charts
from sia.views.wording import percent
from sia.words import plural

dataset, filters = page_context()
page_header("Serious violence and weapons searches", dataset)  # the page has its own crime types and measures
counted = months_counted(dataset.months, filters)
st.caption("Since 2022 the Serious Violence Duty asks every Community Safety Partnership for a strategy built on "
           "a needs assessment. This page sets the crimes police.uk records that come nearest to serious "
           "violence (violence and sexual offences, robbery, possession of weapons) beside the searches police "
           "made for weapons on people aged 10 to 24, the one open source that speaks of weapons and of young "
           "people by place.")
if dataset.stops is None:
    st.info("This dataset holds no stop-and-search files, so only the crimes are shown. A data steward can add "
            "the force's YYYY-MM-<force>-stop-and-search.csv files with its street files (the Data page, "
            "`python -m sia ingest` or `fetch`).", icon=":material/info:")

key = dataset_key(dataset)
for fy in filters.fys:
    picture = violence_picture(key, fy, counted[fy])
    months, searched_months = picture["months"], picture["stop_months"]
    wards = picture["wards"]
    st.subheader(f"{fy}: {period_text(months)}")
    basis = ["the months of the year both years hold (Matched months)"] if matched_months(dataset.months, filters) \
        else []
    if dataset.stops is not None and searched_months:
        basis.append("that both the street and the stop-and-search files cover, so that crimes and searches stand "
                     "on the same months")
    if basis:
        st.caption("Counted on " + ", and ".join(basis) + ".")
    if dataset.stops is not None and not searched_months:
        st.caption(f"The stop-and-search files cover none of these months of {fy}: crimes only.")
    cols = st.columns(len(SERIOUS_VIOLENCE) + 1)
    for col, category in zip(cols, SERIOUS_VIOLENCE):
        col.metric(category, f"{int(wards[category].sum()):,}", help=f"Crimes over {plural(len(months), 'month')}.")
    searches = wards["weapons_searches_young"]
    cols[-1].metric("Weapons searches, aged 10-24", "no files" if searches.isna().all() else f"{int(searches.sum()):,}",
                    help="Searches for offensive weapons, firearms, anything to threaten or harm, crossbows, and "
                         "every section 60 search, of people aged 10 to 24.")

    show_chart(charts.violence_trend, picture["monthly"], f"Serious violence and weapons searches per month, {fy}",
               alt="Line chart per month: violence and sexual offences, robbery, possession of weapons and weapons "
                   "searches of 10 to 24 year olds.")

    for a in picture["alignments"]:
        units = "LSOAs" if a.unit == "LSOA" else "wards"
        if not a.violence or not a.searched:
            st.markdown(f"**{a.searches.capitalize()}**: too few crimes or searches to set side by side.")
            continue
        st.markdown(
            f"**Where the {a.searches} go against where the violence is** ({units}): half of the "
            f"{a.violence:,} serious violence crimes were in {a.violence_core} of the {a.units} {units}, which saw "
            f"**{percent(a.searches_in_violence_core)}** of the {a.searched:,} {a.searches}. Half of those "
            f"searches were in {a.searches_core} {units}, which saw **{percent(a.violence_in_searches_core)}** of "
            f"the violence. Rank correlation across every one of the {units}: "
            + ("not defined (one of the two is the same everywhere)" if pd.isna(a.spearman)
               else f"{a.spearman:.2f}") + ".")

    shown = wards.rename(columns={
        "ward": "Ward", "Violence and sexual offences": "Violence, sexual", "Possession of weapons": "Weapons held",
        "serious_violence": "All three", "violence_per_1000_a_year": "All three per 1,000",
        "weapons_searches_young": "Searches 10-24",
        "searches_per_1000_young_a_year": "Searches per 1,000 aged 10-24"}) \
        .sort_values("All three", ascending=False)
    show_table(shown, hide_index=True, download=f"{dataset.area.slug}-serious-violence-{fy}")
    st.caption("Rates are per 1,000 residents a year (of ages 10 to 24 for the searches), annualised from the months "
               "counted; a dash where the year's population gives no ages.")

st.subheader("What the open data cannot say")
st.markdown(
    "- **No knife flag.** police.uk records no weapon on a crime: possession of weapons counts people caught "
    "carrying one, and violence and robbery are counted whatever the weapon, if any.\n"
    "- **No ages of victims or offenders.** Crime records carry no age, so youth violence is approached "
    "through the searches, which record the age of the person searched.\n"
    "- **Searches show police activity, not crime.** Where weapons searches are many, officers looked for "
    "weapons there; that says where they were deployed as much as where weapons were carried.\n"
    "- **Points are anonymised.** Crimes and searches are moved to a nearby map point, so a small area's "
    "count is approximate and a search just outside the area cannot be told from one inside it (searches are "
    "counted only inside a ward's boundary).\n"
    "- **Hospital admissions for assault with a sharp object and NHS data** are what would measure knife "
    "violence among young people properly; they are not open at this level.")
