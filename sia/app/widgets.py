"""Widgets the pages share: tables in UK number formats with safe downloads, briefing-pack
buttons, a download progress bar, letting uploads go, how concentrated incidents are, and
what happened after crimes were reported."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import pandas as pd
import streamlit as st
from streamlit.dataframe_util import convert_anything_to_arrow_bytes, convert_pandas_df_to_arrow_table

from sia.analysis.filters import ASB, Filters
from sia.analysis.hotspots.runs import NoTest
from sia.analysis.outcomes import OutcomeGroups
from sia.app.caching import cache_data, cache_resource, digest
from sia.app.chrome import control_hint, presenting
from sia.app.heavy import Busy, in_worker
from sia.app.loaders import concentration, dataset_of, hot_count, outcome_groups, outcome_mixes, stability
from sia.dataset.fetch.progress import DrawnProgress
from sia.errors import InputError
from sia.views import charts
from sia.views.briefing.files import FORMATS as PACK_FORMATS
from sia.views.exports import XLSX_MAX_ROWS, safe_csv, safe_xlsx
from sia.views.outcomes import CityMix, outcome_sentences, outcome_table
from sia.views.shown_text import markdown_text, shown
from sia.views.wording import concentration_sentence, no_hotspot_sentence, stability_sentence

NO_DATA = "–"

_FORMATS = {"i": ("{:,.0f}", "%,d"), "u": ("{:,.0f}", "%,d"), "f": ("{:,.1f}", "%,.1f")}

def download_buttons(table, stem: str, what: str = "", index: bool = False, rows: int | None = None) -> None:
    """CSV and XLSX downloads of a table, safe to open in a spreadsheet (sia.views.exports). The
    files are made only when clicked, and downloading does not rerun the page. ``table`` is
    the table, or a function that makes it, of ``rows`` rows: then a button makes the file
    and another saves it (prepared_downloads, which says on the page what went wrong)."""
    formats = [("CSV", "csv", "text/csv", safe_csv)]
    if (len(table) if rows is None else rows) <= XLSX_MAX_ROWS:
        formats.append(("XLSX", "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        safe_xlsx))
    if callable(table):  # made when asked, which may fail (its build replaced since): said here
        prepared_downloads([PreparedFile(f"{what} ({name})" if what else name,
                                         lambda write=write: write(table(), index=index), f"{stem}.{suffix}",
                                         mimetype, f"{suffix}-{stem}", f"Preparing {what or stem} ({name})...")
                            for name, suffix, mimetype, write in formats])
        return
    row = st.container(horizontal=True, gap="small")
    for name, suffix, mimetype, write in formats:
        row.download_button(f"{what} ({name})" if what else name,
                            lambda write=write: write(table, index=index),
                            f"{stem}.{suffix}", mimetype,
                            on_click="ignore", type="tertiary", icon=":material/download:",
                            key=f"{suffix}-{stem}")

def briefing_buttons(pack, args: tuple, stem: str, what: str) -> None:
    """PDF and HTML briefing packs (sia.views.briefing) of ``what``: ``pack(*args, suffix)``
    (a function of sia.app.packs) makes one in a worker when its button is pressed, and a
    button to save it follows."""
    prepared_downloads([
        PreparedFile(f"Briefing pack ({name})", lambda suffix=suffix: in_worker(pack, *args, suffix),
                     f"{stem}{suffix}", PACK_FORMATS[suffix], f"briefing{suffix}",
                     f"Preparing the briefing pack ({name}): a few seconds...",
                     help=f"A handout of {what}: key figures, a summary in words, charts and a ward map, "
                          "tables, caveats and sources, as "
                          f"{'a PDF' if suffix == '.pdf' else 'one HTML file'}.")
        for name, suffix in (("PDF", ".pdf"), ("HTML", ".html"))])


@dataclass(frozen=True)
class PreparedFile:
    """A file that takes time to make, or may fail: ``make()`` gives its bytes."""
    label: str
    make: Callable[[], bytes]
    file_name: str
    mime: str
    key: str
    preparing: str  # said while it is made
    help: str | None = None


# The file a session last prepared with each key: (the view it was made for, its bytes).
# One a key, so a session holds a few files at most.
_PREPARED, _ASKED = "_prepared_downloads", "_download_asked"


@st.fragment
def prepared_downloads(files: list[PreparedFile]) -> None:
    """A row of buttons, each making its file when pressed (while its ``preparing`` text
    shows), then a button that saves it. A fragment: pressing one reruns only this row, so
    the page stays drawn around it, and a session makes one file at a time. Whatever goes
    wrong is said beneath the row: the problems of an InputError, or that the server is
    busy (Busy). A file is kept for the view it was made for (the page and its URL's
    settings) until another is made with the same key."""
    view = tuple(sorted((k, tuple(st.query_params.get_all(k))) for k in st.query_params.keys()))
    row, below = st.container(horizontal=True, gap="small"), st.container()
    prepared = st.session_state.get(_PREPARED, {})
    slots, asked = {}, None
    for file in files:
        slots[file.key] = row.empty()
        made = prepared.get(file.key)
        if made is not None and made[0] == (file.file_name, view):
            _save_button(slots[file.key], file, made[1])
            continue
        if st.session_state.get(_ASKED) == file.key:
            asked = file
        # The same button while its file is made (another would stand beside the old one).
        _make_button(slots[file.key], file)
    if st.session_state.get(_ASKED) in slots:  # asked of this row: now, or of a file made already
        del st.session_state[_ASKED]
    if asked is None:
        return
    with below, st.spinner(asked.preparing):
        try:
            data = asked.make()
        except (InputError, Busy) as exc:
            if isinstance(exc, Busy):
                below.warning(str(exc), icon=":material/hourglass_top:")
            else:
                below.error(f"{asked.label} could not be made:\n\n"
                            + "\n".join(f"- {shown(p)}" for p in exc.problems), icon=":material/error:")
            return
    st.session_state[_PREPARED] = {**prepared, asked.key: ((asked.file_name, view), data)}
    _save_button(slots[asked.key], asked, data)


def _make_button(where, file: PreparedFile) -> None:
    # The press is kept by its callback, so that a rerun before the row is drawn (a page
    # first sent through app.py's navigation) does not lose it.
    where.button(file.label, key=file.key, icon=":material/description:", help=file.help,
                 on_click=st.session_state.update, args=({_ASKED: file.key},))


def _save_button(where, file: PreparedFile, data: bytes) -> None:
    where.download_button(f"Save: {file.label}", data, file.file_name, file.mime, on_click="ignore", type="primary",
                          icon=":material/download:", key=f"save-{file.key}")


def show_table(table, widths: dict[str, str] | None = None, download: str | None = None,
               **kwargs) -> None:
    """A table at its full height (no inner scrolling), in UK number formats (1,234 for
    counts, 1,234.5 for rates) and a dash where there is no data; `widths` sets columns to
    "small", "medium" or "large"; `download` names the files of CSV and XLSX downloads
    below it (the table's own export is off in .streamlit/config.toml: it does not
    neutralise formulas).

    Streamlit shows missing numbers as 'None', so a column with gaps is shown as
    right-aligned text; complete columns stay numeric (and sort as numbers).

    In presentation mode the table is plain HTML (st.table), whose text grows with the
    page's: the interactive table draws its text on a canvas at a fixed size."""
    if presenting():
        st.table(_presented_table(table), hide_index=kwargs.get("hide_index"))
    else:
        shown, config = _table_view(table, widths)
        st.dataframe(shown, width="stretch", height=35 * (len(table) + 1) + 3,
                     column_config=config, **kwargs)
    if download:
        download_buttons(table, download, index=not kwargs.get("hide_index", False))


@cache_data(max_entries=256)
def _table_view(table: pd.DataFrame, widths: dict[str, str] | None):
    """show_table's table as shown (as the Arrow table Streamlit would make of it on every
    view) and its column settings, made once per table."""
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
    for name, width in (widths or {}).items():
        config[name] = {**config.get(name, st.column_config.Column()), "width": width}
    return convert_pandas_df_to_arrow_table(shown), config


def _presented_table(table: pd.DataFrame):
    """show_table's table for a projector: its numbers in the same UK formats, a dash where
    there is no data (numbers stay numbers, so they are aligned right)."""
    formats = {}
    for name, dtype in table.dtypes.items():
        kind = "i" if str(dtype) == "Int64" else dtype.kind
        if kind in _FORMATS:
            formats[name] = _FORMATS[kind][0]
    return table.style.format(formats, na_rep=NO_DATA)

class StreamlitProgress(DrawnProgress):
    """Download progress in an ``st.progress`` bar."""

    def __init__(self):
        super().__init__()
        self._bar = st.progress(0.0, text="Connecting...")

    def draw(self, final: bool) -> None:
        self._bar.progress(1.0 if final else self.share, text=self.describe())

def release_uploads(files, round_key: str) -> None:
    """Let the server's memory go of uploaded files (Streamlit keeps them for the session
    otherwise) and start the uploaders afresh, whose keys carry ``round_key``'s number."""
    from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager
    from streamlit.runtime.scriptrunner_utils.script_run_context import (
        get_script_run_ctx,
    )

    ctx = get_script_run_ctx()
    if ctx is not None and isinstance(ctx.uploaded_file_mgr, MemoryUploadedFileManager):
        for file in files:
            ctx.uploaded_file_mgr.remove_file(session_id=ctx.session_id, file_id=file.file_id)
    st.session_state[round_key] = st.session_state.get(round_key, 0) + 1


# In presentation mode charts grow by more than the page's text: their heights, bar steps
# and the sizes of the theme's text and of text marks left at Vega's default (a chart's own
# sizes, such as the priorities' lineage laid out for its width, stay). Streamlit's chart
# theme turns the page's text size into pixels when it draws a chart, and charts drawn
# before the presentation styles took effect kept the small text: the sizes are set here.
PRESENTATION_CHART_SCALE = 1.4
_SCALED = ("height", "step", "labelLimit", "titleLimit")
# Streamlit's chart theme's font sizes in pixels at the normal text size, and Vega's for text.
_THEME_FONTS = {"axis": {"labelFontSize": 12, "titleFontSize": 14},
                "legend": {"labelFontSize": 14, "titleFontSize": 14}, "title": {"fontSize": 16},
                "text": {"fontSize": 11}}


def _enlarged(node, factor: float):
    """A Vega-Lite spec (as a dict) with its sizes (_SCALED) times ``factor``; data untouched."""
    if isinstance(node, dict):
        return {k: round(v * factor, 1) if k in _SCALED and isinstance(v, int | float) and not isinstance(v, bool)
                else v if k in ("data", "datasets") else _enlarged(v, factor) for k, v in node.items()}
    if isinstance(node, list):
        return [_enlarged(v, factor) for v in node]
    return node


@cache_data(max_entries=256)
def _chart_spec(inputs: bytes, builder: str, _args: tuple, _kwargs: dict, scale: float = 1.0) -> dict:
    # Keyed by the digest of the builder's inputs (``inputs``): Streamlit's own hashing of
    # nested inputs (the priorities' lineage, a dict of lists of dicts) took 1 ms a chart.
    spec = getattr(charts, builder)(*_args, **_kwargs).to_dict()
    if scale != 1:
        spec = _enlarged(spec, scale)
        config = spec.setdefault("config", {})
        for part, sizes in _THEME_FONTS.items():
            config[part] = {**{name: round(size * scale, 1) for name, size in sizes.items()}, **config.get(part, {})}
    # The chart's data as the Arrow bytes Streamlit would make of it on every view (it sends
    # bytes it is given as they are).
    spec["datasets"] = {name: convert_anything_to_arrow_bytes(values)
                        for name, values in spec.get("datasets", {}).items()}
    return spec


def show_chart(builder, *args, alt: str | None = None, where=st, width="stretch", **kwargs) -> None:
    """The chart ``builder`` (a function of sia.views.charts) makes of ``args``, drawn in
    ``where`` (a column, say), larger in presentation mode. Its Vega-Lite spec is made once
    per inputs and shared: building and validating an Altair chart costs more than the rest
    of a page's run."""
    spec = _chart_spec(digest((builder.__name__, args, kwargs)), builder.__name__, args, kwargs,
                       PRESENTATION_CHART_SCALE if presenting() else 1.0)
    where.vega_lite_chart(spec=spec, width=width, alt=alt)


def show_concentration(key: tuple[str, str], filters: Filters, fys, unit: str, units: str) -> dict:
    """How concentrated the filters' incidents are over ``unit`` (called ``units`` in words)
    in each of ``fys``, in sentences; comparing two years, whether the first year's busiest
    units held the last year's incidents. Returns the Concentration (or NoTest) of each year.
    Pass filters without the ward. Each year over every month it holds, as ``sia
    concentration`` and ``sia stability`` count: how concentrated a year is compares no counts."""
    filters = replace(filters, like_for_like=False)
    measured = {fy: concentration(key, filters, fy, unit) for fy in fys}
    for fy, result in measured.items():
        st.markdown(concentration_sentence(result, filters.subject(), fy, units) if not isinstance(result, NoTest)
                    else f"{fy}: nothing to measure ({shown(result.reason)}).")
    if filters.comparing and not any(isinstance(r, NoTest) for r in measured.values()):
        moved = stability(key, filters, unit)
        if isinstance(moved, NoTest):
            st.markdown(f"Whether the busiest places stayed busy cannot be said: {shown(moved.reason)}.")
        else:
            st.markdown(stability_sentence(moved, units))
            for caution in moved.caution:
                st.caption(f"Caution: {shown(caution)}.")
    return measured


def show_why_no_hotspot(key: tuple[str, str], filters: Filters, fys, has_lsoas: bool,
                        map_widgets: dict[str, str] | None = None) -> None:
    """Where no ward is a Gi* hot spot in a year of ``fys``: why, in one plain sentence, how
    many LSOAs are (counted from the map's own cached runs), and a link to the map's LSOA
    hot spots that keeps the view's other settings; on the map itself, a button that sets its
    ``map_widgets`` (key: value) instead, and the map writes its URL as it does for a click (a
    page's link to itself would leave the browser's URL behind). Pass filters without the ward."""
    subject, quiet, small = filters.subject(), [], []
    for fy in fys:
        count = hot_count(key, filters, fy, "ward")
        if isinstance(count, NoTest) or count.hot:
            continue
        quiet.append((subject, count))
        if has_lsoas:
            lsoas = hot_count(key, filters, fy, "lsoa")
            small.append((subject, shown(lsoas.reason) if isinstance(lsoas, NoTest) else lsoas))
    sentence = no_hotspot_sentence(quiet, small if has_lsoas else None)
    if not sentence:
        return
    st.markdown(sentence)
    hot_years = [count.fy for _, count in small if not isinstance(count, str) and count.hot]
    if hot_years and map_widgets is not None:
        st.button("Show the LSOA hot spots", icon=":material/map:", type="tertiary",
                  on_click=st.session_state.update, args=(map_widgets,))
    elif hot_years:
        params = {k: st.query_params.get_all(k) for k in st.query_params.keys()}
        params.update(unit="lsoa", layer="gistar")
        params.pop("map_fy", None)
        if hot_years[-1] != filters.fys[-1]:
            params["map_fy"] = hot_years[-1]
        st.page_link("pages/map.py", label=f"Show the LSOA hot spots on the map ({hot_years[-1]})",
                     icon=":material/map:", query_params=params)


@cache_resource(max_entries=64, hash_funcs={OutcomeGroups: repr})
def _outcome_view(key: tuple[str, str], filters: Filters, groups: OutcomeGroups, where: str):
    """What show_outcomes shows, in words and a table, made once per filter set and shared
    (not copied) by every session: show_outcomes only reads it."""
    mix, city = outcome_mixes(key, filters, groups)
    name = dataset_of(key).area.name
    table = outcome_table(mix, CityMix(name, city) if filters.ward else None)
    shown = CityMix(markdown_text(name), city) if filters.ward else None
    return mix, outcome_sentences(mix, groups, f"in {markdown_text(where)}", shown), table


def show_outcomes(key: tuple[str, str], filters: Filters, where: str, stem: str,
                  asb_note: str | None = None) -> None:
    """What happened after the selected crimes were reported: each year's mix of outcome
    groups, in the filters' ward (set against the whole area) when they name one, else in
    the area; with the caution a year needs when many of its crimes are still open. ``where``
    names the place in words ('Normanton', 'Derby'); ``stem`` the download files; ``asb_note``
    follows the word that anti-social behaviour has no outcomes."""
    if filters.incident_type == ASB:
        note = control_hint("Choose crime in the sidebar to see them.") if asb_note is None else asb_note
        st.info(f"police.uk gives no outcomes for anti-social behaviour. {note}")
        return
    # Each year's crimes, every month it holds: an outcome mix is no change between years.
    mix, sentences, table = _outcome_view(key, replace(filters, like_for_like=False), outcome_groups(),
                                                    where)
    for sentence in sentences:  # a year with many crimes still open says so in its sentence
        st.markdown(sentence)
    show_chart(charts.outcome_mix, mix, f"Outcomes of {filters.subject()} in {where}, by year",
               alt=f"Bar chart: each year's {filters.subject()} in {where} shared between the outcome groups.")
    show_table(table, hide_index=True, download=stem)
    st.caption("The latest outcome police.uk records for each crime, grouped as on the About page. "
               "Anti-social behaviour has no outcomes and is never counted here.")
