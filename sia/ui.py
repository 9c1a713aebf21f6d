"""The only module of the package that imports Streamlit: cached loading and the banner
every page shows."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from .datadir import DATA_DIR_VARIABLE, configured_data_dir, resolve_data_dir
from .errors import InputError
from .periods import fy_coverage
from .store import Dataset, current_build, open_dataset


@st.cache_resource(show_spinner=False, max_entries=4)
def _open(data_dir: str, build_id: str) -> Dataset:
    # Keyed by the build id, so a new build is picked up; one copy shared by all sessions.
    # Callers must not modify the frames.
    return open_dataset(Path(data_dir))


@st.cache_resource(show_spinner="Preparing the dataset (the synthetic demo is built on first run)...")
def _data_dir(configured: str | None) -> str:
    # Keyed by $SIA_DATA_DIR's value; cached so that concurrent first sessions build the
    # demo once, not side by side.
    return str(resolve_data_dir())


def current_dataset() -> Dataset:
    """The configured dataset, or the demo (built on first use); stops the page with a
    clear message when the configured one cannot be opened."""
    configured = configured_data_dir()
    try:
        data_dir = Path(_data_dir(str(configured) if configured else None))
        build = current_build(data_dir)
        if build is None:  # removed since it was resolved
            _data_dir.clear()
            st.rerun()
        return _open(str(data_dir), build.name)
    except InputError as exc:
        st.error(f"The dataset cannot be opened: {exc}")
        st.stop()


def data_banner(dataset: Dataset) -> None:
    """Say which data the page shows and which months it covers."""
    coverage = "; ".join(fy_coverage(dataset.months)["label"])
    if dataset.is_demo:
        st.warning(
            f"**Synthetic demo data**: invented incidents on schematic wards, for trying the "
            f"dashboard. Not real crime figures. To use police.uk data, build a dataset with "
            f"`python -m sia ingest` and set `{DATA_DIR_VARIABLE}`. Coverage: {coverage}.",
            icon=":material/science:")
    else:
        st.info(f"police.uk street-level data, {len(dataset.incidents):,} incidents. "
                f"Coverage: {coverage}.", icon=":material/database:")


NO_DATA = "–"
_FORMATS = {"i": ("{:,.0f}", "%,d"), "u": ("{:,.0f}", "%,d"), "f": ("{:,.1f}", "%,.1f")}


def show_table(table, **kwargs) -> None:
    """A table at its full height (no inner scrolling), in UK number formats (1,234 for
    counts, 1,234.5 for rates) and a dash where there is no data.

    Streamlit shows missing numbers as 'None', so a column with gaps is shown as
    right-aligned text; complete columns stay numeric (and sort as numbers)."""
    shown, config = table.copy(), {}
    for name, dtype in table.dtypes.items():
        kind = "i" if str(dtype) == "Int64" else dtype.kind
        if kind not in _FORMATS:
            continue
        text_format, number_format = _FORMATS[kind]
        if table[name].isna().any():
            shown[name] = [NO_DATA if pd.isna(v) else text_format.format(v) for v in table[name]]
            config[name] = st.column_config.TextColumn(alignment="right")
        else:
            config[name] = st.column_config.NumberColumn(format=number_format)
    st.dataframe(shown, width="stretch", height=35 * (len(table) + 1) + 3,
                 column_config=config, **kwargs)
