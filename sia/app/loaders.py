"""The only module of the package that imports Streamlit: cached loading, the shared
sidebar (kept in step with the URL), the header every page shows, and cached figures."""
from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError

from sia.app.access import Access, AccessPolicy, access_policy, signed_in_as
from sia.views.briefing.files import FORMATS as PACK_FORMATS, briefing_file
from sia.categories import CRIME_CATEGORIES
from sia.dataset.location import DATA_DIR_VARIABLE, configured_data_dir, resolve_data_dir
from sia.errors import InputError, Problem
from sia.views.exports import XLSX_MAX_ROWS, safe_csv, safe_xlsx
from sia.dataset.fetch.progress import DrawnProgress
from sia.analysis.filters import CRIME, FILTER_KEYS, INCIDENT_TYPES, MEASURES, Filters, from_query_params
from sia.analysis.hotspots.runs import HotspotRun, NoTest, hotspots_for_filters
from sia.analysis.measures import (cover_different_months, measures_for, months_counted, select, ward_measures,
                       years_without_months)
from sia.periods import MONTH_ABBREVIATIONS, fy_coverage
from sia.analysis.priorities.register import REGISTER, Register, load_register
from sia.analysis.priorities.evidence import evidence_table
from sia.views.shown_text import markdown_text, shown
from sia.dataset.store import Dataset, current_build, open_dataset
from sia.views.wording import plural


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


def _run_through_app_navigation() -> None:
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


# --- sign-in (sia.access decides who may see the data; this draws it) ---------------------

APP_NAME = "Derby community safety"


def app_access_policy() -> AccessPolicy:
    """The sign-in and allowlist policy in the app's secrets; InputError when malformed."""
    try:
        secrets = st.secrets.to_dict()  # looked up at call time: AppTest swaps st.secrets
    except StreamlitSecretNotFoundError as exc:
        if exc.error_id != "no-secrets-found":  # a file that may hold [auth]: stay closed
            raise InputError(Problem(str(exc), "the app's secrets", "correct the file's TOML"))
        secrets = {}  # no secrets file at all: the app is open
    return access_policy(secrets, os.environ)


def viewer_may_load() -> bool:
    """Whether the viewer is a data steward, who may upload, fetch and rebuild the data
    every viewer sees (sia.access); False when the settings cannot be read."""
    try:
        return app_access_policy().may_load(st.user.to_dict())
    except InputError:
        return False


def access_gate() -> bool:
    """Whether the viewer may see the data: the app is open, or they are signed in and on
    the allowlist. Otherwise draws only the sign-in screen, the no-access screen or what is
    wrong with the access settings, and returns False. Call before anything of the data."""
    try:
        policy = app_access_policy()
    except InputError as exc:
        st.title(APP_NAME)
        st.error("Sign-in is not set up correctly, so no data is shown. The app's secrets "
                 "need correcting:\n\n" + "\n".join(f"- {shown(p)}" for p in exc.problems))
        return False
    viewer = st.user.to_dict()
    access = policy.access(viewer)
    if access in (Access.OPEN, Access.ALLOWED):
        return True
    st.title(APP_NAME)
    if access is Access.SIGN_IN:
        several = len(policy.providers) > 1
        for provider in policy.providers:
            st.button(f"Sign in with {markdown_text(provider.title())}" if several else "Sign in", type="primary",
                      on_click=st.login, args=(provider,), key=f"sign_in_{provider or 'default'}",
                      icon=":material/login:")
    elif access is Access.UNVERIFIED:
        st.markdown(f"You are signed in as **{markdown_text(signed_in_as(viewer))}**, but the identity "
                    "provider has not confirmed that this email address is yours, so the dashboard "
                    "cannot let you in. Confirm the address with the provider, then sign in again.")
    else:
        st.markdown(f"You are signed in as **{markdown_text(signed_in_as(viewer))}**, which does "
                    "not have access to this dashboard.")
    if access in (Access.UNVERIFIED, Access.NOT_LISTED):
        st.markdown(f"To ask for access, contact {markdown_text(policy.contact)}." if policy.contact else
                    "To ask for access, contact the team that runs this dashboard.")
        st.button("Sign out", on_click=st.logout, key="sign_out", icon=":material/logout:")
    return False


def signed_in_sidebar() -> None:
    """Who is signed in, and a way out, at the top of the sidebar (nothing when the app is
    open). app.py draws it once a run, after access_gate."""
    viewer = st.user.to_dict()
    if viewer.get("is_logged_in") is True:
        with st.sidebar:
            st.caption(f"Signed in as {markdown_text(signed_in_as(viewer))}")
            st.button("Sign out", on_click=st.logout, key="sign_out", icon=":material/logout:",
                      type="tertiary")


def current_dataset() -> Dataset:
    """The configured dataset, or the demo (built on first use); stops the page with a
    clear message when the configured one cannot be opened, and with the sign-in screen
    when the viewer may not see the data (app.py checks first; this guards any page run
    on its own)."""
    dataset = dataset_or_problem()
    if dataset is None:
        st.stop()
    return dataset


def dataset_or_problem() -> Dataset | None:
    """As current_dataset, but None (with what is wrong shown) when the dataset cannot be
    opened, so that the Data page can still offer its stewards a new build."""
    _run_through_app_navigation()
    if not access_gate():
        st.stop()
    configured = configured_data_dir()
    try:
        data_dir = Path(_data_dir(str(configured) if configured else None))
        build = current_build(data_dir)
        if build is None:  # removed since it was resolved
            _data_dir.clear()
            st.rerun()
        return _open(str(data_dir), build.name)
    except InputError as exc:
        st.title(APP_NAME)
        st.error("The dataset cannot be opened, so no figures can be shown:\n\n"
                 + "\n".join(f"- {shown(p)}" for p in exc.problems), icon=":material/error:")
        st.info("To repair it, a data steward builds the dataset again: on the Data page (upload or "
                "fetch), or on the server with `python -m sia ingest` or `python -m sia fetch` into "
                "the same data directory. Until then no page can show data.", icon=":material/build:")
        return None


def refresh_dataset() -> None:
    """After an upload or a fetch built a dataset: resolve the data directory again (the
    demo may give way to the new build) and let the sidebar start from the new dataset's
    years. Builds are cached by id, so the new one is opened fresh."""
    _data_dir.clear()
    for key in [*_WIDGETS.values(), "ward", _LAST_PARAMS]:
        st.session_state.pop(key, None)


def release_uploads(files, round_key: str) -> None:
    """Let the server's memory go of uploaded files (Streamlit keeps them for the session
    otherwise) and start the uploaders afresh, whose keys carry ``round_key``'s number."""
    from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    ctx = get_script_run_ctx()
    if ctx is not None and isinstance(ctx.uploaded_file_mgr, MemoryUploadedFileManager):
        for file in files:
            ctx.uploaded_file_mgr.remove_file(session_id=ctx.session_id, file_id=file.file_id)
    st.session_state[round_key] = st.session_state.get(round_key, 0) + 1


class StreamlitProgress(DrawnProgress):
    """Download progress in an ``st.progress`` bar."""

    def __init__(self):
        super().__init__()
        self._bar = st.progress(0.0, text="Connecting...")

    def draw(self, final: bool) -> None:
        self._bar.progress(1.0 if final else self.share, text=self.describe())


def data_banner(dataset: Dataset) -> None:
    """Say which data the page shows and which months it covers."""
    coverage = "; ".join(fy_coverage(dataset.months)["label"])
    if dataset.is_demo:
        st.warning(
            f"**Synthetic demo data**: invented incidents on schematic wards, for trying the "
            f"dashboard. Not real crime figures. To use police.uk data, upload or fetch it on "
            f"the Data page, or build a dataset with `python -m sia fetch` (or `ingest`) and set "
            f"`{DATA_DIR_VARIABLE}`. Coverage: {coverage}.",
            icon=":material/science:")
    else:
        st.info(f"police.uk street-level data, {len(dataset.incidents):,} incidents. "
                f"Coverage: {coverage}.", icon=":material/database:")


NO_DATA = "–"
_FORMATS = {"i": ("{:,.0f}", "%,d"), "u": ("{:,.0f}", "%,d"), "f": ("{:,.1f}", "%,.1f")}


def download_buttons(table: pd.DataFrame, stem: str, what: str = "", index: bool = False) -> None:
    """CSV and XLSX downloads of a table, safe to open in a spreadsheet (sia.exports). The
    files are made only when clicked, and downloading does not rerun the page."""
    row = st.container(horizontal=True, gap="small")
    formats = [("CSV", "csv", "text/csv", safe_csv)]
    if len(table) <= XLSX_MAX_ROWS:
        formats.append(("XLSX", "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        safe_xlsx))
    for name, suffix, mimetype, write in formats:
        row.download_button(f"{what} ({name})" if what else name,
                            lambda write=write: write(table, index=index), f"{stem}.{suffix}", mimetype,
                            on_click="ignore", type="tertiary", icon=":material/download:",
                            key=f"{suffix}-{stem}")


def briefing_buttons(make, stem: str, what: str) -> None:
    """PDF and HTML briefing packs (sia.briefing) of ``what``: ``make`` builds the Briefing,
    only when a button is clicked, and downloading does not rerun the page."""
    row = st.container(horizontal=True, gap="small")
    for name, suffix in (("PDF", ".pdf"), ("HTML", ".html")):
        row.download_button(f"Briefing pack ({name})", lambda suffix=suffix: briefing_file(make(), suffix),
                            f"{stem}{suffix}", PACK_FORMATS[suffix], on_click="ignore", icon=":material/description:",
                            key=f"briefing{suffix}",
                            help=f"A handout of {what}: key figures, a summary in words, charts and a ward "
                                 f"map, tables, caveats and sources, as {'a PDF' if suffix == '.pdf' else 'one HTML file'}. "
                                 "Takes a few seconds to make.")


def show_table(table, widths: dict[str, str] | None = None, download: str | None = None,
               **kwargs) -> None:
    """A table at its full height (no inner scrolling), in UK number formats (1,234 for
    counts, 1,234.5 for rates) and a dash where there is no data; `widths` sets columns to
    "small", "medium" or "large"; `download` names the files of CSV and XLSX downloads
    below it (the table's own export is off in .streamlit/config.toml: it does not
    neutralise formulas).

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
    for name, width in (widths or {}).items():
        config[name] = {**config.get(name, st.column_config.Column()), "width": width}
    st.dataframe(shown, width="stretch", height=35 * (len(table) + 1) + 3,
                 column_config=config, **kwargs)
    if download:
        download_buttons(table, download, index=not kwargs.get("hide_index", False))


# --- the shared sidebar and the URL -----------------------------------------------------

_WIDGETS = {"fys": "w_fys", "incident_type": "w_type", "crime_types": "w_crime",
            "months": "w_months", "like_for_like": "w_lfl", "measure": "w_measure"}
_LAST_PARAMS = "_sia_last_params"
_KEPT = "_sia_filters"  # the last run's filters, which outlive a page switch


def _normalised(params: dict) -> dict[str, list[str]]:
    return {k: ([v] if isinstance(v, str) else list(v)) for k, v in params.items()}


def _load_widgets(filters: Filters) -> None:
    everything = {"crime_types": set(CRIME_CATEGORIES), "months": set(MONTH_ABBREVIATIONS)}
    for field, key in _WIDGETS.items():
        value = getattr(filters, field)
        if field in everything and set(value) == everything[field]:
            value = ()  # an empty choice reads as "all", which keeps the sidebar short
        st.session_state[key] = list(value) if isinstance(value, tuple) else value
    st.session_state["ward"] = filters.ward


def sidebar(dataset: Dataset) -> Filters:
    """The filters every page shares, drawn in the sidebar and mirrored in the URL: a
    link that was opened (or an edited URL) sets them; a page switch keeps them."""
    fys = dataset.financial_years
    ward_names = sorted(dataset.wards["ward_name"])
    params = {k: st.query_params.get_all(k) for k in st.query_params.keys()}
    meaningful = {k: v for k, v in params.items() if k in FILTER_KEYS}
    if meaningful and meaningful != st.session_state.get(_LAST_PARAMS):
        parsed = from_query_params(meaningful, fys, ward_names)
        _load_widgets(parsed.filters)
        for note in parsed.notes:
            st.toast(f"Link ignored: {markdown_text(note)}")
    elif not meaningful and _KEPT in st.session_state:
        # A page switch: the page links carry no query, and Streamlit drops the values of
        # widgets a page has not drawn yet (each page draws this sidebar itself).
        _load_widgets(st.session_state[_KEPT])
    elif _WIDGETS["fys"] not in st.session_state:
        _load_widgets(from_query_params({}, fys, ward_names).filters)

    with st.sidebar:
        st.caption("Synthetic demo data" if dataset.is_demo else
                   f"police.uk data: {len(dataset.incidents):,} incidents")
        chosen_fys = st.multiselect("Financial years", fys, key=_WIDGETS["fys"], max_selections=2,
                                    help="Choose one year, or two to compare.") or fys[-1:]
        st.radio("Incidents", list(INCIDENT_TYPES), format_func=INCIDENT_TYPES.get,
                 key=_WIDGETS["incident_type"], horizontal=True,
                 help="Anti-social behaviour is counted apart from crime, never added to it.")
        if st.session_state[_WIDGETS["incident_type"]] == CRIME:
            st.multiselect("Crime types", list(CRIME_CATEGORIES), key=_WIDGETS["crime_types"],
                           placeholder="All crime types")
        st.multiselect("Months of the year", list(MONTH_ABBREVIATIONS), key=_WIDGETS["months"],
                       placeholder="All months")
        # The switch matters only when the two years cover different months of the year.
        if len(chosen_fys) == 2 and cover_different_months(dataset.months, _filters_from_widgets(chosen_fys)):
            st.toggle("Like-for-like months", key=_WIDGETS["like_for_like"],
                      help="Compare only the months of the year that both years cover.")
        else:
            st.session_state[_WIDGETS["like_for_like"]] = False
        options = measures_for(dataset.wards, chosen_fys)
        has_population = "rate" in options
        if st.session_state.get(_WIDGETS["measure"]) not in options:
            st.session_state[_WIDGETS["measure"]] = "count"
        st.radio("Measure", options, format_func=MEASURES.get, key=_WIDGETS["measure"],
                 help="Per month and per 1,000 residents a year let years that cover different "
                      "months be compared." + ("" if has_population else
                                               " Rates need ward populations, which this dataset lacks."))
    filters = _filters_from_widgets(chosen_fys)
    st.session_state[_KEPT] = filters
    wanted = _normalised(filters.to_query_params())
    st.session_state[_LAST_PARAMS] = dict(wanted)
    # Keys the filters do not own (a page's own view settings) stay as they are.
    wanted.update({k: v for k, v in params.items() if k not in FILTER_KEYS})
    if _normalised(params) != wanted:
        st.query_params.from_dict(wanted)
    return filters


def _filters_from_widgets(fys: list[str]) -> Filters:
    state = st.session_state
    crime_types = tuple(c for c in CRIME_CATEGORIES if c in state.get(_WIDGETS["crime_types"], []))
    months = tuple(m for m in MONTH_ABBREVIATIONS if m in state.get(_WIDGETS["months"], []))
    return Filters(fys=tuple(sorted(fys)),
                   incident_type=state.get(_WIDGETS["incident_type"], CRIME),
                   crime_types=crime_types or CRIME_CATEGORIES,
                   months=months or MONTH_ABBREVIATIONS,
                   like_for_like=bool(state.get(_WIDGETS["like_for_like"], False)),
                   measure=state.get(_WIDGETS["measure"], "count"),
                   ward=state.get("ward"))


def select_ward(name: str | None) -> None:
    """Make a ward the selected one (map click, ward picker); the URL follows."""
    st.session_state["ward"] = name
    if name:
        st.query_params["ward"] = name
    elif "ward" in st.query_params:
        del st.query_params["ward"]
    st.session_state[_LAST_PARAMS] = {k: st.query_params.get_all(k) for k in st.query_params.keys()
                                      if k in FILTER_KEYS}


def current_filters(need_months: bool = True) -> Filters:
    """Draw the shared sidebar and return its filters. Every page calls this once, so the
    sidebar is the same on every page (and a page run on its own, as AppTest does on
    reruns, still has it). A page whose figures need every chosen year to keep some month
    (``need_months``) stops, saying so, when one keeps none."""
    dataset = current_dataset()
    filters = sidebar(dataset)
    empty = years_without_months(dataset.months, filters) if need_months else []
    if empty:
        coverage = "; ".join(fy_coverage(dataset.months).set_index("fy").loc[
            [fy for fy in filters.fys if fy in dataset.financial_years], "label"])
        chosen = ", ".join(m for m in filters.months) if len(filters.months) < 12 else "all months"
        st.title(APP_NAME)
        st.info(f"Nothing to show: {' and '.join(empty)} {'has' if len(empty) == 1 else 'have'} no data "
                f"for the months chosen ({chosen}"
                + (", like-for-like" if filters.like_for_like else "") + f"). The data covers {coverage}. "
                "Choose other months of the year in the sidebar"
                + (", switch off like-for-like months" if filters.like_for_like else "") + ", or another year.",
                icon=":material/event_busy:")
        st.stop()
    return filters


# --- presentation mode ---------------------------------------------------------------------

PRESENT = "present"  # ?present=1: for a projector in a meeting

# Hides the sidebar, the header and every control (the view comes from the URL, so nothing
# is lost), enlarges the text (Streamlit sizes it in rem) and lets charts and the map take
# the whole width. (CSS zoom would enlarge charts too, but misplaces the map's iframe.)
_PRESENTATION_CSS = """<style>
[data-testid="stSidebar"], [data-testid="stExpandSidebarButton"], [data-testid="stHeader"],
[data-testid="stToolbar"], [data-testid="stButton"], [data-testid="stDownloadButton"],
[data-testid="stSelectbox"], [data-testid="stMultiSelect"], [data-testid="stRadio"],
[data-testid="stCheckbox"], [data-testid="stExpander"], [data-testid="stFileUploader"],
[data-testid="stPageLink"] { display: none !important; }
.st-key-leave_presentation [data-testid="stButton"] { display: block !important; }
html { font-size: 125%; }
[data-testid="stMainBlockContainer"] { max-width: 100%; padding: 1rem 2.5rem; }
</style>"""


def presenting() -> bool:
    return st.query_params.get(PRESENT) == "1"


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
        parts = [f"{fy}: {plural(len(ms), 'month')}"
                 for fy, ms in months_counted(dataset.months, filters).items()]
        basis = "like-for-like months" if filters.like_for_like else "all months each year covers"
        st.caption(f"Showing {filters.subject()}; {'; '.join(parts)} ({basis}). "
                   f"Measure: {MEASURES[filters.measure].lower()}.")


# --- cached figures -------------------------------------------------------------------

def dataset_key(dataset: Dataset) -> tuple[str, str]:
    return str(dataset.build.parent.parent), dataset.build_id


def ward_table(key: tuple[str, str], filters: Filters):
    """ward_measures for the filters, cached per build. The selected ward is left out of
    the key: selecting a ward (a map click) recomputes nothing."""
    return _ward_table(key, without_ward(filters))


@st.cache_data(max_entries=64, show_spinner=False)
def _ward_table(key: tuple[str, str], filters: Filters):
    dataset = _open(*key)
    return ward_measures(select(dataset.incidents, filters), dataset.wards)


def hotspot_run(key: tuple[str, str], filters: Filters, fy: str, unit: str) -> HotspotRun | NoTest:
    """Gi* by ward or grid cell for what the filters select in one year, cached per build
    (the selected ward left out of the key); NoTest, saying why, when nothing can be tested."""
    return _hotspot_run(key, without_ward(filters), fy, unit)


@st.cache_data(max_entries=32, show_spinner="Testing for hotspots (Getis-Ord Gi*)...")
def _hotspot_run(key: tuple[str, str], filters: Filters, fy: str, unit: str) -> HotspotRun | NoTest:
    return hotspots_for_filters(_open(*key), filters, fy, unit)


def without_ward(filters: Filters) -> Filters:
    return replace(filters, ward=None)


_WRITTEN = "_sia_view_params"  # what each page setting last wrote to the URL (None: left out)
_NEVER = object()


def view_param(key: str, value: str | None, default: str | None = None) -> None:
    """Keep one of a page's own view settings in the URL (left out at its default)."""
    at_default = value is None or value == default
    st.session_state.setdefault(_WRITTEN, {})[key] = None if at_default else value  # as the URL reads
    if at_default:
        if key in st.query_params:
            del st.query_params[key]
    elif st.query_params.get(key) != value:
        st.query_params[key] = value


def view_setting(key: str, widget: str, options, default, from_url=lambda text: text) -> None:
    """Before a page draws the keyed control ``widget`` of its own setting ``key``: start it
    from the URL when the URL says something the control did not write itself (a link was
    opened or edited), else keep the control's own value. Keyed controls keep a click on
    the first try (an unkeyed one whose default came from the URL became a new widget
    each time the URL changed, and lost the click)."""
    asked = st.query_params.get(key)  # None: absent, the setting's default
    value = from_url(asked) if asked is not None else default
    if asked != st.session_state.get(_WRITTEN, {}).get(key, _NEVER) and value in options:
        st.session_state[widget] = value
    elif st.session_state.get(widget) not in options:
        st.session_state[widget] = default


def priority_register() -> Register:
    """The priority register, re-read when the file changes; a malformed register stops
    the page with the validation messages."""
    try:
        return _register(str(REGISTER), REGISTER.stat().st_mtime_ns)
    except InputError as exc:
        st.error("The priority register cannot be read:\n\n" +
                 "\n".join(f"- {shown(p)}" for p in exc.problems))
        st.stop()


@st.cache_data(show_spinner=False, max_entries=2)
def _register(path: str, mtime: int) -> Register:
    return load_register(Path(path))


@st.cache_data(show_spinner=False, max_entries=8)
def priority_evidence(key: tuple[str, str], register_mtime: int, fys: tuple[str, ...],
                      sets: tuple[str, ...]) -> pd.DataFrame:
    """evidence_table for the city sets, cached per build and register version."""
    dataset = _open(*key)
    return evidence_table(_register(str(REGISTER), register_mtime), dataset.incidents,
                          dataset.wards, dataset.months, fys, sets)
