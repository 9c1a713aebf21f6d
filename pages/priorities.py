"""Priorities: the SIA priority sets of 2014-15 and 2019-20 side by side, and what the
police.uk data says for each priority it can indicate."""
from sia.app.navigation import run_through_app_navigation

# First, before the imports below (which take a moment on a freshly started server): a
# link opened first must not show Streamlit's own page list meanwhile.
run_through_app_navigation()

import pandas as pd
import streamlit as st

from sia.analysis.filters import ASB, Filters
from sia.analysis.priorities.register import CITY, INDICATORS, REGISTER, TEMPLATE, compare, lineage_years
from sia.app.chrome import page_header
from sia.app.loaders import (
    dataset_key,
    priority_figures,
    priority_register,
    priority_set_table,
    priority_summary,
    register_version,
)
from sia.app.packs import priority_pack
from sia.app.page import page_context
from sia.app.sidebar import view_param, view_setting
from sia.app.widgets import briefing_buttons, show_chart, show_outcomes, show_table
from sia.categories import ANTI_SOCIAL_BEHAVIOUR
from sia.views import charts
from sia.views.briefing.content import priority_stem
from sia.views.shown_text import markdown_text
from sia.views.stops import FIND_RATE_CAVEAT, search_rate_text, wards_table, year_sentence, years_table
from sia.words import plural, slug

dataset, _ = page_context(need_months=False)  # the shared sidebar; this page chooses its own years and types
area = dataset.area
version = register_version(dataset_key(dataset))  # the register loaded with the data, else the built-in one
years = sorted(s.fy for s in priority_register(version).sets.values() if s.kind == CITY)
if len(years) < 2:
    page_header("Priorities", dataset)
    held = ("has no priority register yet" if not years else
            f"has a priority register with one city priority set ({years[0]}), so there is nothing to compare")
    st.info(f"{markdown_text(area.name)} {held}. A data steward loads the partnership's register on the "
            "Data page, or with `python -m sia register load FILE --data-dir DIR`; the template below is where a "
            "register starts (one document, one set, one priority per entry).", icon=":material/flag:")
    st.download_button("Download the register template", TEMPLATE.read_bytes(), "priorities-template.toml",
                       mime="application/toml", icon=":material/download:")
    st.stop()
# Any two of the register's city sets; the two latest by default.
view_setting("from", "w_from", years[:-1], years[-2])
view_setting("to", "w_to", years[1:], years[-1])
pick_from, pick_to = st.columns(2)
EARLIER = pick_from.selectbox("Compare the city priorities of", years[:-1], key="w_from")
later_years = [fy for fy in years if fy > EARLIER]
if st.session_state.get("w_to") not in later_years:  # the earlier year moved past it
    st.session_state["w_to"] = later_years[-1]
LATER = pick_to.selectbox("with those of", later_years, key="w_to")
view_param("from", EARLIER, default=years[-2])
view_param("to", LATER, default=years[-1])
register = priority_register(version, (EARLIER, LATER))  # the sets the page compares, or the problems
page_header(f"Priorities: {EARLIER} and {LATER}", dataset)
loaded = version[0] != str(REGISTER)
st.caption("The Community Safety Partnership sets its priorities in an annual Strategic "
           "Intelligence Assessment (SIA). Numbers are each priority's position in its "
           "document's list; the register behind this page is "
           + ("the one a data steward loaded with the data." if loaded else "`data/priorities.toml`."))

# --- the two sets side by side -------------------------------------------------------
comparison = compare(register, EARLIER, LATER)
words = {"retained": "retained", "changed": "continued with a new focus", "added": "new",
         "dropped": "dropped"}
st.subheader("What changed between the two assessments")
st.markdown(" · ".join(f"**{len(items)}** {words[status]}" for status, items in comparison.items()))
show_chart(charts.priority_lineage, comparison, EARLIER, LATER, width="content")
if len(years) > 2:
    with st.expander(f"The lineage across every year the register holds ({years[0]} to {years[-1]})"):
        show_chart(charts.lineage_across_years, *lineage_years(register), width="content")
moves = [item for status in ("retained", "changed") for item in comparison[status]]
st.caption("Solid lines: kept; dashed: the theme continues under a new focus. " + "; ".join(
    f"{markdown_text(item[LATER]['title'])} moved {'up' if item['rank_change'] < 0 else 'down'} "
    f"{plural(abs(item['rank_change']), 'place')}"
    for item in moves if item["rank_change"]) + ".")

force = next((s for s in register.sets.values() if s.kind == "force" and s.fy == EARLIER), None)
if force is not None:
    with st.expander(f"Where {EARLIER} started: the {markdown_text(force.name)}"):
        st.markdown(markdown_text(force.note))
        show_table(priority_set_table(version, force.id), hide_index=True,
                   download=f"{slug(force.body)}-priorities-{force.fy}")

# --- what the data says ------------------------------------------------------------------
st.subheader("What the data says")
fys = tuple(fy for fy in (EARLIER, LATER) if fy in dataset.financial_years)
city_sets = (register.city_set(EARLIER).id, register.city_set(LATER).id)
if not fys:
    st.info(f"This dataset has no data for {EARLIER} or {LATER}, the years of the two "
            "assessments, so the priorities cannot be held against it.")
    st.stop()
summary = priority_summary(dataset_key(dataset), version, fys, city_sets)
show_table(summary.table, hide_index=True, download=f"{area.slug}-priorities-evidence")
basis = summary.basis
coverage = "; ".join(f"{fy}: {period}" for fy, period in summary.periods.items())
st.caption(
    f"Incidents a month over the months counted ({coverage}; " +
    (f"{basis}" if basis else "all months the year holds") + "), counted as `python -m sia counts` counts. " +
    (f"Changes from {fys[0]} to {fys[1]} are on those months, with an exact Poisson test at the 5% level; "
     "each test stands alone (no correction for testing several priorities), and crime counts vary more than a "
     "Poisson model allows, so treat borderline results with care. Recording practice also "
     "changed between the years: violence and sexual offences in particular were recorded "
     "more fully after 2014's national inspections, which inflates their rise."
     if basis else ""))

# --- one priority in detail --------------------------------------------------------------
measurable = [p for s in city_sets for p in register.in_set(s) if p.measurable]
ids = [p.id for p in measurable]
view_setting("priority", "w_priority", ids, ids[0])
chosen = st.selectbox("Priority in detail", ids, key="w_priority",
                      format_func=lambda i: f"{register.fy_of(register.priorities[i])} "
                                            f"#{register.priorities[i].rank}: {register.priorities[i].title}")
view_param("priority", chosen, default=ids[0])
priority = register.priorities[chosen]
own_fy = register.fy_of(priority)
document = register.document_for(priority)

st.markdown(f"#### {markdown_text(priority.title)} ({own_fy}, #{priority.rank})")
briefing_buttons(priority_pack, (dataset_key(dataset), register, chosen, fys), priority_stem(chosen, fys),
                 f"this priority against the data of {' and '.join(fys)}")
# The register's text is shown as text, never as Markdown: a steward's file is input too.
st.markdown(f"{markdown_text(priority.summary)}  \n**{INDICATORS[priority.indicator]}**: "
            f"{', '.join(priority.categories)}. {markdown_text(priority.indicator_note)}"
            + (f" *Better measured by*: {markdown_text(priority.measure_with)}" if priority.measure_with else ""))
if priority.figures:
    st.markdown("**Figures in the document**: " + "; ".join(
        f"{markdown_text(f.what)}: {markdown_text(f.text())}" for f in priority.figures))

ranking_fy = own_fy if own_fy in fys else fys[-1]
figures = priority_figures(dataset_key(dataset), version, chosen, tuple(fys), ranking_fy)
table = figures["volumes"]
cols = st.columns(2 * len(fys))
for i, row in enumerate(table.itertuples()):
    cols[2 * i].metric(f"Incidents per month, {row.fy} ({row.period})", f"{row.per_month:,.1f}",
                       help=f"{row.count:,} incidents over {row.period}.")
    cols[2 * i + 1].metric(f"Per 1,000 residents a year, {row.fy}",
                           "no population" if pd.isna(row.rate) else f"{row.rate:,.1f}")
if len(fys) == 2:
    found = figures["change"]
    if found is not None:
        c = found.change
        st.markdown(f"**Change, {fys[0]} to {fys[1]}**: {c.verdict()}. {c.after:,} against "
                    f"{c.before:,} incidents; rate ratio {c.rate_ratio:.2f} ({c.interval_text()}), "
                    f"on {found.basis()}.")

second = figures["second"]
if second is not None:
    st.markdown(f"**Second indicator: {markdown_text(second.name)}**")
    st.caption(markdown_text(second.note))
    if second.missing:
        st.info(markdown_text(f"No figures: {second.missing}."))
    else:
        cols = st.columns(2 * len(second.years))
        for i, row in enumerate(second.years.to_dict("records")):
            rate = row["per_1000_a_year"]
            cols[2 * i].metric(f"Weapons searches 10-24, {row['fy']}", f"{row['count']:,}",
                               help=f"Over {row['period']} of stop-and-search files.")
            cols[2 * i + 1].metric(f"Per 1,000 aged 10-24, {row['fy']}", "–" if pd.isna(rate) else f"{rate:,.1f}",
                                   help="Searches a year per 1,000 residents aged 10 to 24: "
                                        + (f"{search_rate_text(rate)} (the year's population file gives no single "
                                           "years of age)." if pd.isna(rate) else "from a population file by single "
                                                                                   "year of age."))
        st.markdown(" ".join(markdown_text(year_sentence(row, "weapons searches of people aged 10 to 24"))
                             for row in second.years.to_dict("records")))
        show_table(years_table(second.years), hide_index=True, download=f"{area.slug}-{chosen}-weapons-searches")
        left2, right2 = st.columns([3, 2])
        with left2:
            st.markdown(f"**Most searched wards, {second.ranking_fy}**")
            show_table(wards_table(second.wards, top=5), hide_index=True,
                       download=f"{area.slug}-{chosen}-weapons-searches-by-ward")
        right2.caption(FIND_RATE_CAVEAT + " Counted as `python -m sia stops --object weapons --age 10-17 --age "
                       "18-24` counts them: searches for offensive weapons, firearms, anything to threaten or harm, "
                       "crossbows, and every section 60 search.")

ranking = figures["ranking"]
value_title = "Per 1,000 residents a year" if ranking["measure"].iloc[0] == "rate" else "Incidents per month"
left, right = st.columns([3, 2])
with left:
    show_chart(charts.ward_ranking, ranking, ranking["measure"].iloc[0], value_title,
               f"Where it concentrates: wards by {value_title.lower()}, {ranking_fy}", selected=priority.wards)
    if priority.wards:
        st.caption("Wards the document names are in orange.")
with right:
    st.markdown(f"**Named in the document against found in the data** ({ranking_fy})")
    if not priority.wards:
        st.caption(f"The {markdown_text(document.date[:4])} document names no wards for this priority; "
                   "the wards the data ranks highest are listed.")
    show_table(figures["against"], hide_index=True, download=f"{area.slug}-{chosen}-named-against-found")
    if priority.wards:
        top_n = max(len(priority.wards), 5)
        st.caption(f"{figures['named_in_top']} of the {len(priority.wards)} named wards are among the "
                   f"{top_n} highest in the data.")

st.markdown("**What happened after these crimes were reported**")
crimes = [c for c in priority.categories if c != ANTI_SOCIAL_BEHAVIOUR]
show_outcomes(dataset_key(dataset), Filters(fys=tuple(fys), crime_types=tuple(crimes)) if crimes
              else Filters(fys=tuple(fys), incident_type=ASB), area.name, f"{area.slug}-{chosen}-outcomes",
              asb_note="This priority is measured by anti-social behaviour alone.")

# --- what open data cannot measure ---------------------------------------------------------
st.subheader("Priorities open data cannot measure")
st.caption("police.uk street-level data has no category for these. They are listed with the "
           "data that would measure them, rather than given a stand-in.")
for p in (p for s in city_sets for p in register.in_set(s) if not p.measurable):
    st.markdown(f"**{markdown_text(p.title)}** ({register.fy_of(p)}, #{p.rank}). {markdown_text(p.indicator_note)}  \n"
                f"*What would measure it*: {markdown_text(p.measure_with)}")
