"""Strategic assessment: every crime category and ward of a year side by side, scored with
weights the analyst sets, against the register's priorities for that year."""
from sia.app.navigation import run_through_app_navigation

# First, before the imports below (which take a moment on a freshly started server): a
# link opened first must not show Streamlit's own page list meanwhile.
run_through_app_navigation()

import streamlit as st

from sia.analysis.assessment import NOT_COMPARED, WEIGHTED, default_against
from sia.app.chrome import page_header
from sia.app.loaders import dataset_key, priority_register, register_version, strategic_assessment
from sia.app.packs import assessment_pack
from sia.app.page import page_context
from sia.app.sidebar import view_param, view_setting
from sia.app.widgets import briefing_buttons, download_buttons, show_table
from sia.categories import CRIME_CATEGORIES
from sia.views.assessment import assessment_lines, shown_table
from sia.views.shown_text import markdown_text

COLUMN_WORDS = {"volume": "Volume", "rate": "Rate per 1,000", "change": "Change", "trend": "Trend over the months",
                "concentration": "Concentration", "no_suspect": "No suspect identified"}
NO_YEAR = "no other year"

dataset, _ = page_context(need_months=False)  # this page chooses its own year
page_header("Strategic assessment", dataset)
st.caption("What the data would rank for a year, before the partnership weighs it: each crime category (anti-social "
           "behaviour apart, not scored with crime) and each ward with its volume, rate, change on the months both "
           "years hold (exact Poisson test), trend over the year's months (Mann-Kendall), concentration (1 - the "
           "share of LSOAs holding half), the share with no suspect identified, and the register's priorities for "
           "the year that cover it. Counted as `python -m sia assess` counts.")
years = list(dataset.financial_years)
view_setting("assess", "w_assess", years, years[-1])
left, right = st.columns(2)
fy = left.selectbox("Year assessed", years, key="w_assess")
view_param("assess", fy, default=years[-1])
others = [NO_YEAR, *[y for y in years if y != fy]]
default = default_against(fy, years) or NO_YEAR
if st.session_state.get("w_against") not in others:
    st.session_state["w_against"] = default
against = right.selectbox("Changes measured against", others, key="w_against")
against = None if against == NO_YEAR else against

with st.expander("Weights of the score: yours to set"):
    st.caption("Each column's rank among the categories (or wards), from 0 to 1, is averaged with these weights; "
               "0 leaves a column out. Harm weights multiply a category's score: none is assumed (1 each). If you "
               "use the ONS Crime Severity Score to set them, say so: it weighs offences, and a police.uk category "
               "holds many.")
    cols = st.columns(3)
    weights = tuple((name, float(cols[i % 3].slider(COLUMN_WORDS[name], 0.0, 5.0, 1.0, 0.5, key=f"w_weight_{name}")))
                    for i, name in enumerate(WEIGHTED))
    harm_cols = st.columns(3)
    harm = tuple((c, float(harm_cols[i % 3].number_input(c, 0.0, 100.0, 1.0, 0.5, key=f"w_harm_{i}")))
                 for i, c in enumerate(CRIME_CATEGORIES))

key, version = dataset_key(dataset), register_version(dataset_key(dataset))
register = priority_register(version)
compared = NOT_COMPARED if against is None else against  # "no other year" is a choice, not the default
result = strategic_assessment(key, version, fy, compared, weights, harm)
st.markdown("\n".join(f"- {markdown_text(line[0].upper() + line[1:])}." for line in assessment_lines(result)))
briefing_buttons(assessment_pack, (key, register, fy, compared, weights, harm),
                 f"assessment-{fy}" + (f"-against-{against}" if against else ""), f"the assessment of {fy}")
for by, title in (("category", f"Crime categories, {fy}"), ("ward", f"Wards, all crime, {fy}")):
    st.subheader(title)
    show_table(shown_table(result, by), hide_index=True)
    download_buttons(result.categories if by == "category" else result.wards, f"assessment-{fy}-{by}",
                     "Every figure")
st.caption("Change: * marks a change significant at the 5% level. Concentration: 1 - the share of LSOAs holding half "
           "the incidents (higher: more concentrated). The downloads hold every figure, the tests' p-values too.")
