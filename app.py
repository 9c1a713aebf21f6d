"""Derby community safety dashboard: entry point.

Run with ``streamlit run app.py``. Uses the dataset in $SIA_DATA_DIR, or the built-in
synthetic demo when none is configured.
"""
import streamlit as st

st.set_page_config(page_title="Derby community safety", page_icon=":material/shield:",
                   layout="wide")

pages = [
    st.Page("pages/dataset.py", title="What the data holds", icon=":material/table_chart:",
            url_path="data", default=True),
]
st.navigation(pages).run()
