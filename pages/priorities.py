"""Priorities: the SIA priority sets of 2014-15 and 2019-20 against the data (coming)."""
import streamlit as st

from sia.ui import current_dataset, current_filters, page_header

current_filters()  # the shared sidebar
page_header("Priorities: 2014-15 and 2019-20", current_dataset())
st.info(
    "Coming next: Derby's Strategic Intelligence Assessment chose nine priorities for "
    "2014-15 and seven for 2019-20. This page will set the two lists side by side, show which "
    "priorities were kept, changed, added or dropped, and hold each one against what the "
    "police.uk data shows, including the priorities that open data cannot measure.",
    icon=":material/construction:")
