"""Community safety dashboard (Derby's by default): entry point.

Run with ``streamlit run serve.py`` (this script behind the request gate of
sia.app.request_gate). Uses the dataset in $SIA_DATA_DIR, or the built-in synthetic demo
when none is configured. The sidebar's filters are shared by every page
and kept in the URL, so a copied link reopens the same view.
"""
from pathlib import Path

import streamlit as st

from sia.app.first_paint import count_run
from sia.app.heavy import Busy
from sia.app.navigation import page_links, signed_out_navigation
from sia.app.sign_in import access_gate, app_name, gate_passed, note_session_uploads, signed_in_sidebar

# A local icon: a ':material/...:' page icon makes browsers fetch the favicon from a
# font CDN, which fails offline and on locked-down council networks.
ICON = Path(__file__).parent / "sia" / "app" / "assets" / "icon.png"
st.set_page_config(page_title=app_name(), page_icon=str(ICON), layout="wide")

PAGES = [
    st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
    st.Page("pages/map.py", title="Hotspot map", icon=":material/map:", url_path="map"),
    st.Page("pages/ward.py", title="Ward profile", icon=":material/location_city:", url_path="ward"),
    st.Page("pages/priorities.py", title="Priorities", icon=":material/flag:", url_path="priorities"),
    st.Page("pages/violence.py", title="Serious violence", icon=":material/shield:", url_path="violence"),
    st.Page("pages/assessment.py", title="Assessment", icon=":material/fact_check:", url_path="assessment"),
    st.Page("pages/data.py", title="Data and quality", icon=":material/table_chart:", url_path="data"),
    st.Page("pages/about.py", title="About", icon=":material/info:", url_path="about"),
]
# With sign-in configured, settle who is looking before any page runs: a viewer who may not
# see the data gets the sign-in (or no-access) screen, and not even the pages' names or
# addresses (sia.app.navigation.signed_out_navigation: a link such as
# /ward?ward=Normanton shows that screen rather than "page not found").
allowed = access_gate()
note_session_uploads(allowed)  # the request gate (serve.py) takes uploads only from stewards
if not allowed:
    signed_out_navigation(PAGES, app_name())
else:
    page = st.navigation(PAGES, position="hidden")  # the links are drawn below
    count_run()  # the hotspot map tells a new map frame by it (sia.app.first_paint)
    page_links(PAGES)
    signed_in_sidebar()
    with gate_passed():  # the page need not run the gate again
        try:
            page.run()  # each page draws the shared sidebar (sia.app.page.page_context)
        except Busy as busy:  # a heavy figure the server could not queue (sia.app.heavy)
            st.warning(str(busy), icon=":material/hourglass_top:")
