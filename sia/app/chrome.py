"""What every page wears: its header (title, the data banner, what is shown over which
months) and presentation mode for a projector."""
from __future__ import annotations

import streamlit as st

from sia.analysis.filters import MEASURES, Filters
from sia.analysis.measures import matched_months, months_counted
from sia.dataset.location import DATA_DIR_VARIABLE
from sia.dataset.store import Dataset
from sia.periods import period_text
from sia.views.shown_text import markdown_text
from sia.views.wording import wards_sentence


def data_banner(dataset: Dataset) -> None:
    """Say which data the page shows and which months it covers."""
    coverage = "; ".join(dataset.coverage["label"])
    if dataset.is_demo:
        st.warning(
            f"**Synthetic demo data**: invented incidents on schematic wards, for trying the "
            f"dashboard. Not real crime figures. To use police.uk data, upload or fetch it on "
            f"the Data page, or build a dataset with `python -m sia fetch` (or `ingest`) and set "
            f"`{DATA_DIR_VARIABLE}`. Coverage: {coverage}.",
            icon=":material/science:")
    else:
        st.info(f"police.uk street-level data, {len(dataset.incidents):,} incidents. "
                f"Coverage: {coverage}." + (f" {markdown_text(wards)}" if (wards := wards_sentence(dataset)) else ""),
                icon=":material/database:")

PRESENT = "present"  # ?present=1: for a projector in a meeting

# Hides the sidebar, the header and every control (the view comes from the URL, so nothing
# is lost), enlarges the text (Streamlit sizes it in rem) and lets charts and the map take
# the whole width. (CSS zoom would enlarge charts too, but misplaces the map's iframe.)
_PRESENTATION_CSS = """<style>
[data-testid="stSidebar"], [data-testid="stExpandSidebarButton"], [data-testid="stHeader"],
[data-testid="stToolbar"], [data-testid="stButton"], [data-testid="stDownloadButton"],
[data-testid="stSelectbox"], [data-testid="stMultiSelect"], [data-testid="stRadio"],
[data-testid="stCheckbox"], [data-testid="stExpander"], [data-testid="stFileUploader"],
[data-testid="stPageLink"], .st-key-map_controls { display: none !important; }
.st-key-leave_presentation [data-testid="stButton"] { display: block !important; }
html { font-size: 125%; }
[data-testid="stMainBlockContainer"] { max-width: 100%; padding: 1rem 2.5rem; }
</style>"""

def presenting() -> bool:
    return st.query_params.get(PRESENT) == "1"

def control_hint(text: str, presenting_text: str = "") -> str:
    """``text``, which points at a control (the sidebar's, the map's), or in presentation
    mode, where the controls are hidden, ``presenting_text``: nothing, or the same said
    without the control."""
    return presenting_text if presenting() else text

def _presentation_switch() -> None:
    """In presentation mode: the styles and a way out. Otherwise: a way in, in the sidebar."""
    if presenting():
        st.html(_PRESENTATION_CSS)
        if st.button("Leave presentation", key="leave_presentation", type="tertiary",
                     icon=":material/close_fullscreen:"):
            del st.query_params[PRESENT]
            st.rerun()
    elif st.sidebar.button("Present this view", key="enter_presentation", icon=":material/slideshow:",
                           help="Full screen for a projector: no sidebar or controls, larger text. "
                                "The link (with present=1) opens straight into it."):
        st.query_params[PRESENT] = "1"
        st.rerun()

def page_header(title: str, dataset: Dataset, filters: Filters | None = None) -> None:
    """Title, the data banner and, given the filters, what is shown over which months."""
    _presentation_switch()
    st.title(title)
    data_banner(dataset)
    if filters is not None:
        counted = months_counted(dataset.months, filters)
        parts = [f"{fy}: {period_text(ms)}" for fy, ms in counted.items()]
        basis = ""
        if filters.comparing:
            basis = (" (the months of the year both years hold)" if matched_months(dataset.months, filters)
                     else " (all months each year holds)")
        st.caption(f"Showing {filters.subject()}; {'; '.join(parts)}{basis}. "
                   f"Measure: {MEASURES[filters.measure].lower()}.")
