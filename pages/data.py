"""Data and quality: loading real data (upload, or fetch from police.uk), coverage of months,
incidents by year and category, the ingest report, and downloads of the filtered tables.
UI only: the figures and the builds come from the sia package."""
from sia.app.navigation import run_through_app_navigation

# First, before the imports below (which take a moment on a freshly started server): a
# link opened first must not show Streamlit's own page list meanwhile.
run_through_app_navigation()

import pandas as pd
import streamlit as st

from sia.analysis.filters import ASB
from sia.analysis.priorities.draft import draft_set
from sia.analysis.priorities.register import CITY, load_register_into, read_register, register_in_use
from sia.app.access import IN_APP_LOADING_VARIABLE
from sia.app.chrome import control_hint, page_header
from sia.app.heavy import served
from sia.app.loaders import (
    data_tables,
    dataset_key,
    incident_counts,
    outcome_counts,
    outcome_groups,
    selected_incidents,
    selected_total,
    ward_table,
)
from sia.app.page import page_context, refresh_dataset
from sia.app.request_gate import behind_gate
from sia.app.sign_in import viewer_may_load
from sia.app.widgets import StreamlitProgress, download_buttons, release_uploads, show_table
from sia.categories import ANTI_SOCIAL_BEHAVIOUR
from sia.dataset.fetch.dataset import DEFAULT_AREA, FetchRequest, fetch_dataset, fetchable_years
from sia.dataset.limits import size_text
from sia.dataset.location import app_data_dir
from sia.dataset.store import scratch_folder
from sia.dataset.uploads import MAX_UPLOAD_FILE, MAX_UPLOAD_TOTAL, Upload, UploadedInputs, build_from_uploads
from sia.errors import InputError
from sia.periods import financial_year, fy_months, period_text
from sia.views.shown_text import markdown_text, shown, without_paths

LOADED = "_sia_data_loaded"  # what the last upload or fetch built, shown after the rerun
REGISTER_LOADED = "_sia_register_loaded"  # what the last register loaded held, shown after the rerun
ROUND = "_sia_upload_round"  # part of the uploaders' keys: a new round starts them empty

# None when the dataset cannot be opened: stewards may still rebuild it.
dataset, filters = page_context(need_months=False, stop_when_damaged=False)
steward = viewer_may_load()
if dataset is not None:
    page_header("Data and quality", dataset)


def load(build) -> None:
    """Run an upload or a fetch; on success make its dataset the app's, else show why not.
    The role is checked again here, on the server, whatever the page drew."""
    if not viewer_may_load():
        st.error("Only a data steward may load data.", icon=":material/block:")
        return
    try:
        lines = build()
    except InputError as exc:
        for problem in exc.problems:
            st.error(shown(problem), icon=":material/error:")
        return
    refresh_dataset()
    st.session_state[LOADED] = lines
    st.rerun()


def upload_panel(target) -> None:
    """Uploaders for a build's files, and the button that builds from them."""
    round_ = st.session_state.setdefault(ROUND, 0)
    police = st.file_uploader(
        "police.uk street-level CSVs (YYYY-MM-force-street.csv), with their outcomes and stop-and-search "
        "files if you have them (YYYY-MM-force-outcomes.csv: later outcomes by Crime ID; "
        "YYYY-MM-force-stop-and-search.csv), or an archive zip",
        type=["csv", "zip"], accept_multiple_files=True, key=f"upload_police_{round_}")
    wards = st.file_uploader("Ward boundaries (required): GeoJSON or GeoPackage",
                             type=["geojson", "json", "gpkg"], key=f"upload_wards_{round_}")
    lsoas = st.file_uploader("LSOA boundaries (optional; GeoJSON or GeoPackage): kept with the data "
                             "for LSOA hotspots, each LSOA with its ward and population",
                             type=["geojson", "json", "gpkg"], key=f"upload_lsoas_{round_}")
    lookup = st.file_uploader("LSOA to ward lookup (optional; ONS CSV)", type=["csv"],
                              key=f"upload_lookup_{round_}")
    population = st.file_uploader(
        "Population by LSOA or ward (optional; one CSV a financial year, with the year in "
        "its name, e.g. population-2014-15.csv; by LSOA needs the lookup or the LSOA boundaries)",
        type=["csv"], accept_multiple_files=True, key=f"upload_population_{round_}")
    area = st.text_input("The area's name, in every title and pack", dataset.area.name if dataset else "Derby",
                         key=f"upload_area_{round_}", max_chars=60,
                         help="As ONS writes it, e.g. 'Derby' or 'Bristol, City of'")
    files = [f for f in [*(police or []), wards, lsoas, lookup, *(population or [])] if f is not None]
    st.caption(f"Up to {size_text(MAX_UPLOAD_FILE)} a file and {size_text(MAX_UPLOAD_TOTAL)} in all. "
               "A whole police.uk archive is larger: upload your force's street files, or use "
               "`python -m sia fetch`.")
    total = sum(f.size for f in files)
    if total > MAX_UPLOAD_TOTAL:
        release_uploads(files, ROUND)
        st.error(f"The files came to {size_text(total)}, more than the {size_text(MAX_UPLOAD_TOTAL)} "
                 "one upload may hold, so they were let go. Upload fewer months at a time.",
                 icon=":material/error:")
    elif st.button("Build the dataset from these files", key="build_upload", disabled=not files):
        def as_upload(file):
            return Upload(file.name, file) if file is not None else None
        inputs = UploadedInputs(police=[as_upload(f) for f in police or []], wards=as_upload(wards),
                                lsoa_lookup=as_upload(lookup), lsoas=as_upload(lsoas),
                                population=[as_upload(f) for f in population or []], area_name=area)
        with st.spinner("Reading and checking the files..."):
            def build() -> list[str]:
                try:
                    loaded = build_from_uploads(inputs, target)[1].loaded
                finally:  # on disk now, or refused: the server's memory is let go
                    release_uploads(files, ROUND)
                return [f"Built from {len(inputs.police)} uploaded police.uk file(s): "
                        f"{loaded:,} incidents loaded."]
            load(build)


def register_panel(dataset) -> None:
    """Check the partnership's priority register and keep it with the data shown."""
    if dataset is None:
        st.info("The dataset cannot be opened: build it again first, then load its register.")
        return
    st.markdown("The partnership's own priority register (a TOML file, as `python -m sia register check` checks it; "
                "the README has a template and `python -m sia register draft` starts next year's set from this "
                "year's). It is checked against this dataset's wards, then kept with the data and used by every "
                "page; the previous one is kept.")
    if REGISTER_LOADED in st.session_state:
        st.success(shown(st.session_state.pop(REGISTER_LOADED)), icon=":material/check_circle:")
    draft_panel(dataset)
    round_ = st.session_state.setdefault(ROUND, 0)
    upload = st.file_uploader("Priority register (TOML)", type=["toml"], key=f"upload_register_{round_}")
    if upload is not None and st.button("Check and load the register", key="load_register",
                                        icon=":material/flag:"):
        data_dir = dataset.build.parent.parent
        with scratch_folder(data_dir) as folder:
            path = folder / "priorities.toml"  # the uploaded name is shown, never used as a path
            path.write_bytes(upload.getvalue())
            try:
                _, register = load_register_into(data_dir, path, upload.name, dataset.ward_names)
            except InputError as exc:
                st.error("The register was not loaded:\n\n" + "\n".join(
                    f"- {shown(p)}" for p in exc.problems))  # shown: without the scratch folder's path
                return
        cities = sorted(s.fy for s in register.sets.values() if s.kind == CITY)
        st.session_state[REGISTER_LOADED] = (f"Register loaded: city sets for {', '.join(cities)}, "
                                             f"{len(register.priorities)} priorities.")
        st.session_state[ROUND] = round_ + 1
        st.rerun()


def draft_panel(dataset) -> None:
    """Next year's set drafted from the register's latest city set, to download, edit and load."""
    try:  # a damaged register must not stop this page: loading a sound one here is the repair
        path = register_in_use(dataset.build.parent.parent)
        register = read_register(path)
    except InputError as exc:
        st.caption("No draft can be made: " + shown(exc.problems[0]))
        return
    cities = sorted((s for s in register.sets.values() if s.kind == CITY), key=lambda s: s.fy)
    if not cities:
        return
    latest = cities[-1]  # a draft follows the latest set (draft_set refuses any other)
    start = int(latest.fy[:4]) + 1
    fy = st.selectbox(f"Draft next year's set from {markdown_text(latest.id)} for the year",
                      [f"{y}-{(y + 1) % 100:02d}" for y in range(start, start + 5)], key="draft_fy")
    st.download_button("Download the draft register (TOML)",
                       lambda: draft_set(register, path.read_text(encoding="utf-8"), latest.id,
                                         fy).encode("utf-8"),  # made when clicked, not on every view
                       f"register-draft-{fy}.toml", "application/toml", on_click="ignore",
                       icon=":material/download:",
                       help="The register in use with the new set: every priority carried over as retained. "
                            "Edit it, then load it here.")


def load_panel() -> None:
    """Upload files, or fetch them from police.uk and ONS: for data stewards only."""
    target = app_data_dir()
    if LOADED in st.session_state:
        st.success("  \n".join(shown(line) for line in st.session_state.pop(LOADED)),
                   icon=":material/check_circle:")
    st.caption("A new dataset is built in the app's data directory and replaces the one shown "
               "only once it is complete: a failed upload or fetch changes nothing.")
    upload_tab, fetch_tab = st.tabs(["Upload files", "Fetch from police.uk"])
    with upload_tab:
        if served() and not behind_gate():
            st.info("Uploads are off: this server was started without the request gate that bounds "
                    "what uploads may hold. Start it with `streamlit run serve.py`, or build the "
                    "dataset with `python -m sia ingest` on the server.", icon=":material/block:")
        else:
            upload_panel(target)
    with fetch_tab:
        st.markdown("Downloads the months of the chosen years from the data.police.uk archives "
                    "(only the force's files are read from each archive) and the wards, the LSOAs "
                    "and the LSOA lookup from the ONS Open Geography Portal, then builds the dataset. Needs "
                    "internet access; downloads are kept, so a second try resumes.")
        years = st.multiselect("Financial years", fetchable_years(), default=["2014-15", "2019-20"],
                               key="fetch_years")
        left, right = st.columns(2)
        area = left.text_input("Local authority district or Community Safety Partnership (ONS code)",
                               DEFAULT_AREA, key="fetch_area", max_chars=9,
                               help="A district (E06, E07, E08, E09, W06) or a partnership of districts (E22, W22)")
        force = right.text_input("Police force (as in police.uk file names)", "", key="fetch_force", max_chars=40,
                                 help="Leave empty for the force of the area, as ONS's lookup gives it")
        if st.button("Fetch from police.uk", key="fetch", icon=":material/cloud_download:"):
            partnership = area.strip().upper()[:3] in ("E22", "W22")
            request = FetchRequest(months=[m for fy in years for m in fy_months(fy)], data_dir=target,
                                   force=force.strip() or None, area=area if not partnership else DEFAULT_AREA,
                                   csp=area if partnership else None)
            load(lambda: fetch_dataset(request, StreamlitProgress()).summary)


if steward:
    with st.expander("Load real data: upload files, or fetch them from police.uk and ONS",
                     expanded=dataset is None or dataset.is_demo, icon=":material/upload:"):
        load_panel()
    with st.expander("Load the partnership's priority register", icon=":material/flag:",
                     expanded=REGISTER_LOADED in st.session_state):
        register_panel(dataset)
else:
    st.info("The data is loaded by the dashboard's data stewards, not from this page: on the server, "
            "`python -m sia fetch --fy 2019-20 --data-dir DIR` (or `python -m sia ingest` on "
            "downloaded files), with `SIA_DATA_DIR=DIR` set for the app. With sign-in, stewards are "
            "listed in the app's secrets (`[access] steward_emails`). On a computer used by one "
            f"person, without sign-in, `{IN_APP_LOADING_VARIABLE}=1` lets its user upload and fetch "
            "here. See the README, \"Data: the demo, or your own\".", icon=":material/lock:")
if dataset is None:
    st.stop()
key = dataset_key(dataset)
tables = data_tables(key)
area_slug = dataset.area.slug  # download names begin with it
loaded, asb = len(dataset.incidents), tables["asb"]
cols = st.columns(4)
cols[0].metric("Incidents loaded", f"{loaded:,}")
cols[1].metric("Crimes", f"{loaded - asb:,}")
cols[2].metric("Anti-social behaviour", f"{asb:,}")
cols[3].metric("Months covered", f"{len(dataset.months)}",
               help="; ".join(dataset.coverage["label"]))

if len(tables["by_force"]) > 1:  # British Transport Police's crimes beside the force's
    st.subheader("Recorded by")
    st.caption("British Transport Police records crimes at stations and on the railway in its own files; those "
               "inside the area are counted with the force's.")
    show_table(tables["by_force"], hide_index=True, download=f"{area_slug}-incidents-by-force")

st.subheader("Months covered")
st.caption("Incidents recorded in each month, April to March. A dash marks a month with no "
           "data, so compare years per month or on the months both cover.")
show_table(tables["coverage"], download=f"{area_slug}-months-covered")

st.subheader("Incidents by financial year and category")
st.caption("Anti-social behaviour is shown beside crime, not added into it. "
           "Per-month figures let partial years be compared.")
show_table(tables["by_year_and_category"], download=f"{area_slug}-incidents-by-year-and-category")

st.subheader("Incidents per month by ward")
show_table(tables["by_ward_and_year"], download=f"{area_slug}-incidents-per-month-by-ward")

st.subheader("How the data was loaded")
report = dataset.report
st.markdown(
    f"**{report.rows_read:,}** rows read from **{len(report.files)}** street file(s); "
    f"**{report.loaded:,}** loaded"
    + (f", of which {report.placed_by_nearest_ward:,} were placed in the nearest ward because "
       "police.uk's anonymised point lies just outside every ward boundary (within 100 m)."
       if report.placed_by_nearest_ward else "."))
outcomes = report.outcomes
if outcomes.files:
    st.markdown(f"**{outcomes.rows_read:,}** later outcomes read from **{len(outcomes.files)}** outcomes file(s): "
                f"{outcomes.matched:,} matched to a crime here, {outcomes.unmatched:,} for crimes not in this "
                f"build (counted, not lost); **{outcomes.superseded:,}** crimes now carry a later outcome than "
                "their street file gave, and every figure uses the latest.")
searches = report.stops
if searches.files:
    covered = "; ".join(period_text([m for m in searches.months if financial_year(m) == fy])
                        for fy in sorted({financial_year(m) for m in searches.months}))
    st.markdown(
        f"**{searches.rows_read:,}** stop-and-search rows read from **{len(searches.files)}** file(s) "
        f"({covered}): **{searches.placed:,}** placed in a ward"
        + (f" ({searches.no_lsoa:,} of them in no LSOA of the data)" if searches.no_lsoa else "")
        + f", {searches.outside_area:,} outside the area (the files cover the whole force)"
        + (f", {searches.near_boundary:,} of them within 100 m of its boundary, which a search is not moved across"
           if searches.near_boundary else "")
        + f", {searches.no_location:,} with no location"
        + (f", {searches.duplicate:,} repeating a month already read" if searches.duplicate else "")
        + (f", {searches.malformed_rows:,} malformed" if searches.malformed_rows else "")
        + (f", {searches.blank_lines:,} blank lines" if searches.blank_lines else "") + ".")
else:
    st.caption("This build holds no stop-and-search files: add the force's YYYY-MM-<force>-stop-and-search.csv "
               "files with its street files (`fetch` takes them) for the Serious violence page and the knife-crime "
               "priority's second indicator.")
if dataset.lsoas is not None:
    held = [what for what, prefix in (("population", "population_"), ("deprivation", "imd"))
            if any(str(c).startswith(prefix) for c in dataset.lsoas.columns)]
    st.markdown(f"**{len(dataset.lsoas):,}** LSOAs are kept with the data, each with its ward"
                f"{''.join(f' and {w}' if i == len(held) - 1 else f', {w}' for i, w in enumerate(held))}: "
                "LSOA hotspots need no file.")
else:
    st.caption("This build holds no LSOA boundaries: add them to the upload (or `--lsoas FILE` to "
               "`python -m sia ingest`; `fetch` gets them) for LSOA hotspots.")
set_aside = {reason: n for reason, n in report.set_aside().items() if n}
if set_aside:
    show_table(pd.DataFrame({"Reason set aside": list(set_aside), "Rows": list(set_aside.values())}),
               hide_index=True, download=f"{area_slug}-rows-set-aside")
else:
    st.markdown("No rows were set aside.")
with st.expander("Files read, files skipped and notes"):
    show_table(pd.DataFrame([{"File": without_paths(f.file), "Rows": f.rows, "Months": ", ".join(f.months),
                              "SHA-256": f.sha256[:16] + "…"} for f in report.files]),
               hide_index=True, download=f"{area_slug}-files-read")
    if report.skipped_files:
        show_table(pd.DataFrame([{"Skipped file": without_paths(s["file"]), "Reason": s["reason"]}
                                 for s in report.skipped_files]),
                   hide_index=True, download=f"{area_slug}-files-skipped")
    for note in report.notes:
        st.markdown(f"- {shown(note)}")
    built = pd.Timestamp(dataset.manifest["built_at"]).strftime("%-d %B %Y at %H:%M UTC")
    st.caption(f"Dataset build {dataset.build_id}, built {built}.")

st.subheader("Download the filtered tables")
st.caption(f"For the filters{control_hint(' in the sidebar')}: {filters.subject()}, {', '.join(filters.fys)}. "
           "Ward figures are count, per month, rate per 1,000 residents a year and rank per ward "
           "and year. Every table on these pages downloads as CSV or XLSX; both open in Excel, "
           "and text a spreadsheet would run as a formula is made harmless.")
by_ward = ward_table(key, filters)[
    ["ward_code", "ward_name", "fy", "count", "months", "per_month", "population", "rate", "rank"]]
by_category = incident_counts(key, filters)
groups = outcome_groups()


def incidents_with_outcome_group() -> pd.DataFrame:
    """The incidents the filters select, with each crime's outcome group (ASB has no outcome,
    so no group): made when the download is clicked, not on every view."""
    rows = selected_incidents(key, filters, ["month", "fy", "category", "ward_name", "lsoa_code", "location",
                                             "outcome", "lon", "lat", "crime_id"])
    crimes = rows["category"] != ANTI_SOCIAL_BEHAVIOUR
    return rows.assign(outcome_group=groups.classify(rows["outcome"])["outcome_group"].astype(object).where(crimes, ""))


download_buttons(by_ward, f"{area_slug}-ward-figures", "Ward figures")
download_buttons(by_category, f"{area_slug}-counts-by-ward-type-month", "Counts by ward, type and month")
if filters.incident_type != ASB:
    by_outcome = outcome_counts(key, filters, groups, ["ward", "fy", "outcome_group", "outcome"])
    download_buttons(by_outcome[by_outcome["count"] > 0], f"{area_slug}-outcomes-by-ward", "Crimes by ward and outcome")
total = selected_total(key, filters)
download_buttons(incidents_with_outcome_group, f"{area_slug}-incidents", f"Incidents, {total:,} rows", rows=total)
if dataset.stops is not None:
    held_fys = [fy for fy in filters.fys if any(financial_year(m) == fy for m in dataset.stop_months)]
    searched = dataset.stops[dataset.stops["fy"].astype(str).isin(held_fys).to_numpy()]
    download_buttons(searched.drop(columns=["ward_code"]), f"{area_slug}-stop-and-search",
                     f"Stop and search in the area, {', '.join(held_fys) or 'no year chosen'}, {len(searched):,} rows")
