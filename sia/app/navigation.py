"""Keeping every page under app.py's st.navigation (the product card fixes a folder named
pages/, which Streamlit would otherwise run as old-style pages)."""
from __future__ import annotations

import streamlit as st


def run_through_app_navigation() -> None:
    """Make sure the page runs under app.py's st.navigation.

    Streamlit treats a folder named pages/ (fixed by the product card) as old-style
    multipage until some session has run st.navigation; until then a link such as
    /map?ward=Normanton runs pages/map.py on its own, without app.py's page setup and
    navigation. Clearing the flag (as st.navigation itself does) and rerunning sends
    the request through app.py. tests/e2e checks this on a freshly started server.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()
