"""The filters every page shares, drawn in the sidebar and kept in step with the URL, and
the pages' own view settings kept in the URL beside them."""
from __future__ import annotations

import streamlit as st

from sia.analysis.filters import (
    CRIME,
    FILTER_KEYS,
    INCIDENT_TYPES,
    MEASURES,
    Filters,
    echo,
    from_query_params,
)
from sia.analysis.measures import cover_different_months, measures_for
from sia.app.loaders import WARDS_KEPT, WARDS_PARAM
from sia.categories import CRIME_CATEGORIES
from sia.dataset.store import Dataset
from sia.periods import MONTH_ABBREVIATIONS
from sia.views.shown_text import markdown_text

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

class FilterSidebar:
    """The filters every page shares, drawn in the sidebar and mirrored in the URL (a link
    that was opened, or an edited URL, sets them; a page switch keeps them): settled here
    (``filters``) and their place in the sidebar kept, the controls themselves drawn there by
    ``draw``: at once (sia.app.page.page_context), or later in the run,
    after what the page wants drawn first (the hotspot map: sia.app.first_paint). Each
    control's value is its session state, set here before it is drawn, so the filters are
    the same either way."""

    def __init__(self, dataset: Dataset):
        self.dataset = dataset
        fys = dataset.financial_years
        params = {k: st.query_params.get_all(k) for k in st.query_params.keys()}
        meaningful = {k: v for k, v in params.items() if k in FILTER_KEYS}
        # The URL read afresh when it changed, and also when the controls' values are gone: a
        # run that ended before it drew them (st.rerun) lets Streamlit drop them.
        if meaningful and (meaningful != st.session_state.get(_LAST_PARAMS) or _WIDGETS["fys"] not in st.session_state):
            parsed = from_query_params(meaningful, fys, dataset.ward_names)
            _load_widgets(parsed.filters)
            for note in parsed.notes:
                st.toast(f"Link ignored: {markdown_text(note)}")
        elif not meaningful and _KEPT in st.session_state:
            # A page switch: the page links carry no query, and Streamlit drops the values of
            # widgets a page has not drawn yet (each page draws this sidebar itself).
            _load_widgets(st.session_state[_KEPT])
        elif _WIDGETS["fys"] not in st.session_state:
            _load_widgets(from_query_params({}, fys, dataset.ward_names).filters)

        state = st.session_state
        chosen_fys = state[_WIDGETS["fys"]] or fys[-1:]
        # The switch matters only when the two years cover different months of the year.
        self.matching_switch = len(chosen_fys) == 2 and cover_different_months(
            dataset.months, _filters_from_widgets(chosen_fys))
        if not self.matching_switch:
            state[_WIDGETS["like_for_like"]] = True
        self.measures = measures_for(dataset.wards, chosen_fys)
        if state.get(_WIDGETS["measure"]) not in self.measures:
            state[_WIDGETS["measure"]] = "count"
        self.filters = _filters_from_widgets(chosen_fys)
        st.session_state[_KEPT] = self.filters
        wanted = _normalised(self.filters.to_query_params())
        st.session_state[_LAST_PARAMS] = dict(wanted)
        # Keys the filters do not own (a page's own view settings) stay as they are.
        wanted.update({k: v for k, v in params.items() if k not in FILTER_KEYS})
        if _normalised(params) != wanted:
            st.query_params.from_dict(wanted)
        self._place = st.sidebar.container()
        self._drawn = False

    def draw(self) -> None:
        """The controls, in the place kept for them (once)."""
        if self._drawn:
            return
        self._drawn = True
        dataset, fys = self.dataset, self.dataset.financial_years
        with self._place:
            st.caption("Synthetic demo data" if dataset.is_demo else
                       f"police.uk data: {len(dataset.incidents):,} incidents")
            ward_set_choice(dataset)
            st.multiselect("Financial years", fys, key=_WIDGETS["fys"], max_selections=2,
                           help="Choose one year, or two to compare.")
            st.radio("Incidents", list(INCIDENT_TYPES), format_func=INCIDENT_TYPES.get,
                     key=_WIDGETS["incident_type"], horizontal=True,
                     help="Anti-social behaviour is counted apart from crime, never added to it.")
            if st.session_state[_WIDGETS["incident_type"]] == CRIME:
                st.multiselect("Crime types", list(CRIME_CATEGORIES), key=_WIDGETS["crime_types"],
                               placeholder="All crime types")
            st.multiselect("Months of the year", list(MONTH_ABBREVIATIONS), key=_WIDGETS["months"],
                           placeholder="All months")
            if self.matching_switch:
                st.toggle("Matched months", key=_WIDGETS["like_for_like"],
                          help="On (the default): the two years are compared on the months of the year both "
                               "cover, so seasons compare alike. Off: every month each year holds.")
            st.radio("Measure", self.measures, format_func=MEASURES.get, key=_WIDGETS["measure"],
                     help="Per month and per 1,000 residents a year let years that cover different "
                          "months be compared." + ("" if "rate" in self.measures else
                                                   " Rates need ward populations, which this dataset lacks."))


def _filters_from_widgets(fys: list[str]) -> Filters:
    state = st.session_state
    crime_types = tuple(c for c in CRIME_CATEGORIES if c in state.get(_WIDGETS["crime_types"], []))
    months = tuple(m for m in MONTH_ABBREVIATIONS if m in state.get(_WIDGETS["months"], []))
    return Filters(fys=tuple(sorted(fys)),
                   incident_type=state.get(_WIDGETS["incident_type"], CRIME),
                   crime_types=crime_types or CRIME_CATEGORIES,
                   months=months or MONTH_ABBREVIATIONS,
                   like_for_like=bool(state.get(_WIDGETS["like_for_like"], True)),
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
    given = st.query_params.get_all(key)
    asked = given[0] if given else None  # None: absent, the setting's default
    written = st.session_state.get(_WRITTEN, {}).get(key, _NEVER)
    if asked is None and widget not in st.session_state and written not in (None, _NEVER):
        # Back from another page: its links carry no query and Streamlit dropped the control's
        # value; the setting is kept as the page last wrote it, as the sidebar keeps the filters.
        asked = written
    value = from_url(asked) if asked is not None else default
    from_a_link = asked != written
    if from_a_link and len(given) > 1:
        st.toast(f"Link ignored: only the first {key} is used ({markdown_text(echo(asked))})")
    # A control whose value is gone (a run ended before drawing it) starts from the URL too.
    if (from_a_link or widget not in st.session_state) and value in options:
        st.session_state[widget] = value
    else:
        if from_a_link and asked is not None:  # say so, as the sidebar does for its filters
            st.toast(f"Link ignored: {key} {markdown_text(echo(asked))} is not offered here "
                     f"(one of: {markdown_text(', '.join(map(str, options)))})")
        if st.session_state.get(widget) not in options:
            st.session_state[widget] = default


def ward_set_choice(dataset: Dataset) -> None:
    """For a dataset of several ward sets: which wards the figures use, the latest (every
    month) or an earlier set (the months it was in force), kept in the URL (?wards=)."""
    sets = dataset.ward_sets
    if len(sets) < 2:
        return
    labels = [s["label"] for s in sets]
    current = labels.index(dataset.ward_set_label)

    def chosen() -> None:
        k = labels.index(st.session_state["w_ward_set"])
        if k == len(sets) - 1:
            st.query_params.pop(WARDS_PARAM, None)
            st.session_state.pop(WARDS_KEPT, None)
        else:  # in the URL for a link, in the session for a page switch (page links carry no query)
            st.query_params[WARDS_PARAM] = st.session_state[WARDS_KEPT] = sets[k]["last_month"]
        forget_filters()  # the years and wards differ from one set to another

    st.session_state["w_ward_set"] = labels[current]
    st.selectbox("Wards", labels, key="w_ward_set", on_change=chosen,
                 format_func=lambda label: label + (" (every month)" if label == labels[-1] else
                                                    f" (to {sets[labels.index(label)]['last_month']})"),
                 help="The latest wards count every month, earlier ones placed by their points; an earlier set "
                      "counts the months it was in force, on the wards of the time.")


def forget_filters() -> None:
    """Let the sidebar start afresh from the (new) dataset's years on the next run."""
    for key in [*_WIDGETS.values(), "ward", _LAST_PARAMS, _KEPT]:
        st.session_state.pop(key, None)
