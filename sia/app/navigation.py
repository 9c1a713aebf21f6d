"""Keeping every page under app.py's st.navigation, and its links in the sidebar.

The product card fixes a folder named pages/, which Streamlit runs as old-style multipage
until some session has run st.navigation: until then it lists the files (app, about, data,
map, ...) in the sidebar and runs a linked page on its own. So Streamlit's own page list is
switched off (client.showSidebarNavigation = false in .streamlit/config.toml: it then lists
nothing, old or new style), st.navigation runs with its pages hidden, and the sidebar's
links are drawn here; a page opened first on a fresh server is sent through app.py."""
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


def page_links(pages) -> None:
    """The pages' links at the top of the sidebar, in their order (the current one marked)."""
    with st.sidebar.container(key="page_links"):
        for page in pages:
            st.page_link(page)


def _gate_screen() -> None:
    """A page of nothing: app.py's sign-in gate has drawn the screen already."""


def signed_out_navigation(pages, title: str):
    """st.navigation for a viewer the sign-in gate keeps out: no page of the app, by name or
    address, only the sign-in screen (``title``) at the root and, when the viewer opened a
    link to one of ``pages``, at that link's address too, so that it shows the sign-in screen
    rather than "page not found". Returns the page to (not) run."""
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    ctx = get_script_run_ctx()
    asked = ctx.pages_manager.intended_page_name if ctx is not None else None
    screens = [st.Page(_gate_screen, title=title, url_path="sign-in", default=True)]
    if asked and asked in {page.url_path for page in pages}:
        screens.append(st.Page(_gate_screen, title=title, url_path=asked))
    return st.navigation(screens, position="hidden")
