"""Hotspot map: by ward, LSOA, grid square or hexagon, the chosen measure, the Getis-Ord Gi*
hotspots, each unit's space-time pattern over the year's months, or the years it was a hot
spot in; how concentrated incidents are over those units; a kernel density layer and
incident points on demand. Clicking a ward selects it for the side panel and the ward
profile."""
from sia.app.navigation import run_through_app_navigation

# First, before the imports below (which take a moment on a freshly started server): a
# link opened first must not show Streamlit's own page list meanwhile.
run_through_app_navigation()


import pandas as pd
import streamlit as st

from sia.analysis.filters import MEASURES, format_value
from sia.analysis.hotspots.runs import NoTest, unit_label
from sia.analysis.measures import matched_months, months_counted
from sia.app import first_paint
from sia.app.chrome import control_hint, page_header, presenting
from sia.app.loaders import (
    dataset_key,
    ward_changes,
    ward_table,
    without_ward,
)
from sia.app.map_component import show_map
from sia.app.map_events import event_key, ward_from_click
from sia.app.map_view import chosen_overlay, map_view
from sia.app.page import page_context_sidebar_later
from sia.app.sidebar import select_ward, view_param, view_setting
from sia.app.widgets import show_concentration, show_why_no_hotspot
from sia.dataset.denominators import population_column
from sia.periods import period_text
from sia.views.hotspot_layers import (
    SHADINGS,
    ClassLayer,
    HotspotLayer,
)
from sia.views.maps import MAX_POINTS, tiles_from_environment
from sia.views.shown_text import markdown_text, shown
from sia.views.wording import change_sentence, no_population_note, rank_text

# The sidebar's filters and the map's controls are settled here, drawn below: after the map when
# it goes first (sia.app.first_paint).
(dataset, filters), sidebar = page_context_sidebar_later()
page_header("Hotspot map", dataset, filters)


# The units the map shows ('unit' in the URL) and what it shades them by ('layer').
UNITS = {"ward": "Wards", **({"lsoa": "LSOAs"} if dataset.lsoas is not None else {}),
         "grid": "Grid squares", "hex": "Hexagons"}
SHADING = {name: label for name, label in SHADINGS.items() if name != "shift" or filters.comparing}
# Links made before units were a choice: layer=ward and layer=grid were Gi* by ward or grid.
if st.query_params.get("layer") in ("ward", "grid"):
    st.query_params["unit"], st.query_params["layer"] = st.query_params["layer"], "gistar"


# The map's own settings live in the URL beside the filters (map_fy, points, density, unit,
# layer). Settled here; their controls are drawn after the map, in the row kept for them.
view_setting("unit", "w_unit", list(UNITS), "ward")
view_setting("layer", "w_layer", list(SHADING), "measure")
view_setting("map_fy", "w_map_fy", list(filters.fys), filters.fys[-1])
view_setting("points", "w_points", [True, False], False, from_url=lambda text: text == "1")
view_setting("density", "w_density", [True, False], False, from_url=lambda text: text == "1")
unit, shading = st.session_state["w_unit"], st.session_state["w_layer"]
fy = st.session_state["w_map_fy"] if filters.comparing else filters.fys[0]
show_points, show_density = st.session_state["w_points"], st.session_state["w_density"]
controls = st.container(key="map_controls").columns([1, 2.2, 1.5, 1.3] if filters.comparing
                                                     else [0.01, 2.2, 1.5, 1.3])


def draw_controls() -> None:
    controls[1].radio("Units", list(UNITS), format_func=UNITS.get, horizontal=True, key="w_unit",
                      help="Wards; LSOAs (small areas of about 1,500 residents, when the "
                           "dataset holds them); or small areas of one size: grid squares, or "
                           "hexagons of the same area.")
    controls[2].selectbox(
        "Map shows", list(SHADING), format_func=SHADING.get, key="w_layer",
        help="The measure chosen in the sidebar; hotspots: Getis-Ord Gi* on incident counts, each unit "
             "with its neighbours, tested against the city as a whole; the trend over the year's months: "
             "each unit's Gi* month by month, classed as Esri's emerging hot spot analysis or sfhotspot "
             "does; or, comparing two years, the units that were hot spots in both, one or neither. "
             "See About for the methods.")
    if filters.comparing:
        controls[0].radio("Year on the map", filters.fys, horizontal=True, key="w_map_fy")
    controls[3].toggle("Show incidents as points", key="w_points",
                       help=f"Clustered; at most {MAX_POINTS:,} are drawn.")
    controls[3].toggle("Show incident density", key="w_density",
                       help="A kernel density surface of the year's incidents (incidents per km²), "
                            "over the wards.")


# A map quick to make (the wards shaded by the measure) in a frame new to the browser is drawn
# before the rest of the page is sent (sia.app.first_paint). Any other view is made first, for
# up to seconds when new (hot spots, small units, points, density): the filters and controls
# are not held back for it, but drawn first, as on every rerun.
new_frame = first_paint.frame_is_new("presenting" if presenting() else "beside")
map_first = new_frame and unit == "ward" and shading == "measure" and not show_points and not show_density
if not map_first:
    sidebar.draw()
    draw_controls()
try:  # the filters and controls are drawn whatever happens (the server busy, an error)
    view_param("map_fy", fy, default=filters.fys[-1])
    view_param("points", "1" if show_points else None)
    view_param("density", "1" if show_density else None)
    view_param("layer", shading, default="measure")
    view_param("unit", unit, default="ward")
    key, unfiltered = dataset_key(dataset), without_ward(filters)
    layer = shading if shading in ("gistar", "ehsa", "sfhotspot", "shift") else "measure"
    column = filters.measure
    if layer != "measure":
        overlay = chosen_overlay(key, unfiltered, fy, unit, layer, column)
        if isinstance(overlay, NoTest):
            what = "hotspot test" if shading in ("gistar", "shift") else "pattern over the months"
            advice = ""
            if shading in ("ehsa", "sfhotspot"):
                matched = matched_months(dataset.months, filters)
                advice = (" Patterns are found over the months of the year on the map"
                          + control_hint(": " + ("switch off matched months, or " if matched else "")
                                         + "choose a year with more months of data")
                          + ".")
            st.info(f"No {what} for this selection: {shown(overlay.reason)}.{advice}")
            layer = "measure"  # the measure instead
    if layer == "measure" and unit != "ward" and column == "rate" and (
            unit != "lsoa" or population_column(fy) not in dataset.lsoas):
        # grid cells have no residents' figures, nor LSOAs without a population file by LSOA for the year
        # (the LSOAs of earlier wards among them)
        st.info("There are no residents' figures for " + (f"LSOAs in {fy}" if unit == "lsoa" else UNITS[unit].lower())
                + ": they are shaded by incidents per month.")
        column = "per_month"
    overlay = chosen_overlay(key, unfiltered, fy, unit, layer, column)
    if unit == "ward" and layer in ("gistar", "shift"):  # a blank map of wards: why, and where to look
        show_why_no_hotspot(key, unfiltered, [fy] if layer == "gistar" else filters.fys, dataset.lsoas is not None,
                            map_widgets={"w_unit": "lsoa", "w_layer": "gistar"})

    if presenting():  # on a projector the map takes the whole width, its legend and figures below it
        map_column, (legend_column, panel) = st.container(), st.columns([1, 2], gap="large")
    else:
        map_column, panel = st.columns([3, 1])
        legend_column = panel
    arguments, legend = map_view(key, filters, fy, show_points, show_density, unit, layer, column,
                                 tiles_from_environment(), presenting())
    token = first_paint.new_token() if map_first else None
    with map_column:
        event = show_map(arguments, drawn=token)
    first_paint.wait_for_map(token)
finally:
    if map_first:
        sidebar.draw()
        draw_controls()
with map_column:
    st.caption(control_hint("Click a ward to select it. Layers (density, points, labels) switch on and off at "
                            "the top right. ") + "Wards are labelled with their name (and rank), so the map reads "
               "without colour.")
    if isinstance(overlay, HotspotLayer):
        st.caption(f"Hotspots: {overlay.method}. Shaded units have significantly more (red) or "
                   "fewer (blue) incidents, with their neighbours, than the city's average; "
                   "police.uk's anonymised locations and partial years limit what they show.")
    elif isinstance(overlay, ClassLayer) and shading != "shift":
        st.caption(f"Space-time patterns within {fy}: each unit's Gi* month by month, and how it ran. "
                   "Reds are hot spot patterns and blues cold, darker where a hot spot lasted or grew; "
                   "hover over a unit for its pattern. Few months, or a last month cut short, make "
                   + ("'new' and 'diminishing'" if shading == "ehsa" else "'emerging' and 'former'") + " less sure.")
    elif isinstance(overlay, ClassLayer):
        st.caption(f"Did the hotspots move? Each year's Gi* on the same units, {filters.fys[0]} and "
                   f"{filters.fys[-1]} each tested on its own, so years of different lengths compare.")

# A click seen for the first time selects its ward; reruns bring the same event back.
if event and event_key(event) != st.session_state.get("_last_map_event"):
    st.session_state["_last_map_event"] = event_key(event)
    clicked = ward_from_click(event, dataset.wards)
    if clicked and clicked != filters.ward:
        select_ward(clicked)
        st.rerun()

legend_column.html(legend)  # beside the map (below it on a projector), never over a ward or a tooltip
with panel:
    table = ward_table(key, filters)
    year = table[table["fy"] == fy].set_index("ward_name")
    ward = filters.ward
    if ward and ward in year.index:
        row = year.loc[ward]
        st.subheader(markdown_text(ward))
        st.metric(MEASURES[filters.measure] + f", {fy}", format_value(row["value"], filters.measure))
        st.markdown(f"Rank: **{rank_text(row)}**  \n"
                    f"{row['count']:,.0f} incidents over {period_text(months_counted(dataset.months, filters)[fy])}")
        if filters.measure == "rate" and pd.isna(row["rate"]):
            st.info(markdown_text(no_population_note(ward, fy)))
        if filters.comparing:
            change = ward_changes(key, filters).loc[ward]
            st.markdown("**Change**: " + change_sentence(change, *filters.fys))
        st.page_link("pages/ward.py", label=f"Open the {markdown_text(ward)} profile",
                     icon=":material/arrow_forward:")
        if st.button("Clear selection"):
            select_ward(None)
            st.rerun()
    elif not presenting():  # a hint for the user at the screen, not for a meeting
        st.info("Click a ward on the map to see its figures here.")
    st.markdown(f"**Top five wards by {MEASURES[filters.measure].lower()}**")
    top = year[year["rank"].notna()].sort_values(["rank", "ward_name"]).head(5)
    # Not a Markdown list, which would number tied wards 3 and 4: each line shows its own rank.
    st.markdown("  \n".join(f"#{int(r['rank'])} {markdown_text(name)}: {format_value(r['value'], filters.measure)}"
                             for name, r in top.iterrows()))
    st.markdown("**How concentrated**")
    show_concentration(key, unfiltered, [fy], unit, unit_label(dataset, unit))
