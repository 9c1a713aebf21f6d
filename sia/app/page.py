"""The one call a page makes: its dataset and the shared sidebar's filters, after the
sign-in gate (once a run: app.py runs it, and a page run on its own runs it itself)."""
from __future__ import annotations

from typing import NamedTuple

import streamlit as st

from sia.analysis.filters import Filters
from sia.analysis.measures import years_without_months
from sia.app import loaders, navigation
from sia.app.sidebar import FilterSidebar, forget_filters
from sia.app.sign_in import access_gate, app_name, gate_passed_this_run
from sia.dataset.store import Dataset
from sia.errors import InputError
from sia.views.shown_text import markdown_text, shown


class PageContext(NamedTuple):
    dataset: Dataset
    filters: Filters


def page_context(need_months: bool = True, stop_when_damaged: bool = True) -> PageContext:
    """The dataset and the filters of the shared sidebar (drawn here, so that it is the
    same on every page). Stops the page with the sign-in screen when the viewer may not see
    the data; with a clear message when the dataset cannot be opened (or, without
    ``stop_when_damaged``, gives None for both after the message, for the Data page to offer
    a rebuild); and, when the page's figures need every chosen year to keep some month
    (``need_months``), with what to choose instead when one keeps none."""
    dataset = dataset_or_problem()
    if dataset is None:
        if not stop_when_damaged:
            return PageContext(None, None)
        st.stop()
    context, filters = _settled(dataset, need_months)
    filters.draw()
    return context


def page_context_sidebar_later() -> tuple[PageContext, FilterSidebar]:
    """As ``page_context``, for a page that draws something first (the hotspot map: see
    sia.app.first_paint): the sidebar's place is kept and its controls are drawn when the
    page calls the FilterSidebar's ``draw``, which it must do before the run can end (a page
    stopped for want of months draws them here, so that other months can be chosen)."""
    dataset = dataset_or_problem()
    if dataset is None:
        st.stop()
    return _settled(dataset, need_months=True)


def _settled(dataset: Dataset, need_months: bool) -> tuple[PageContext, FilterSidebar]:
    filters = FilterSidebar(dataset)
    empty = years_without_months(dataset.months, filters.filters) if need_months else []
    if empty:
        filters.draw()
        _nothing_to_show(dataset, filters.filters, empty)
    return PageContext(dataset, filters.filters), filters


def dataset_or_problem() -> Dataset | None:
    """The configured dataset, or the demo (built on first use); None, with what is wrong
    and how to repair it shown, when it cannot be opened (the Data page then still offers
    its stewards a new build)."""
    navigation.run_through_app_navigation()
    if not gate_passed_this_run() and not access_gate():
        st.stop()
    try:
        return loaders.current_dataset()
    except InputError as exc:
        st.title(markdown_text(app_name()))
        st.error("The dataset cannot be opened, so no figures can be shown:\n\n"
                 + "\n".join(f"- {shown(p)}" for p in exc.problems), icon=":material/error:")
        st.info("To repair it, a data steward builds the dataset again: on the Data page (upload or "
                "fetch), or on the server with `python -m sia ingest` or `python -m sia fetch` into "
                "the same data directory. Until then no page can show data.", icon=":material/build:")
        return None


def refresh_dataset() -> None:
    """After an upload or a fetch built a dataset: find the data directory again (the demo
    may give way to the new build) and let the sidebar start from the new dataset's years."""
    loaders.forget_data_dir()
    forget_filters()


def _nothing_to_show(dataset: Dataset, filters: Filters, empty: list[str]) -> None:
    coverage = "; ".join(dataset.coverage.set_index("fy").loc[
        [fy for fy in filters.fys if fy in dataset.financial_years], "label"])
    chosen = ", ".join(filters.months) if len(filters.months) < 12 else "all months"
    st.title(markdown_text(app_name()))
    st.info(f"Nothing to show: {' and '.join(empty)} {'has' if len(empty) == 1 else 'have'} no data "
            f"for the months chosen ({chosen}). The data covers {coverage}. Choose other months of the year "
            "in the sidebar, or another year.",
            icon=":material/event_busy:")
    st.stop()
