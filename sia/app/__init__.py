"""The Streamlit side, and the only package that imports Streamlit: cached loaders, the
sign-in gate and roles, the shared sidebar and URL, page chrome, widgets and map glue."""
