"""Derby community safety dashboard: entry point.

Run with ``streamlit run app.py``. Uses the dataset in $SIA_DATA_DIR, or the built-in
synthetic demo when none is configured.
"""
from pathlib import Path

import streamlit as st

# A local icon: a ':material/...:' page icon makes browsers fetch the favicon from a
# font CDN, which fails offline and on locked-down council networks.
ICON = Path(__file__).parent / "sia" / "assets" / "icon.png"
st.set_page_config(page_title="Derby community safety", page_icon=str(ICON), layout="wide")

pages = [
    st.Page("pages/dataset.py", title="What the data holds", icon=":material/table_chart:",
            url_path="data", default=True),
]
st.navigation(pages).run()
