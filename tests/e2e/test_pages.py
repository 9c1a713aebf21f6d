"""The app in a real browser on the real data: every page, the map, clicks and links.

Nothing may be fetched from outside the machine (council networks are locked down), and
each page is saved as a screenshot in tests/artifacts/ to be looked at.
"""
import json
from urllib.parse import urlparse

import pytest

from sia.app.map_component import MAP_FRAME, MAP_FRAME_NAME

from e2e_server import StreamlitServer
from support import ARTIFACTS, run_sia

pytestmark = pytest.mark.e2e

PAGES = {"": "Derby community safety overview", "map": "Hotspot map", "ward": "Ward profile",
         "priorities": "Priorities", "violence": "Serious violence and weapons searches",
         "assessment": "Strategic assessment",
         "data": "Data and quality", "about": "About this dashboard"}


def open_page(page, url: str, heading: str) -> None:
    page.goto(url)
    page.get_by_role("heading", name=heading).first.wait_for(timeout=120_000)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(1000)


def assert_no_error(page) -> None:
    assert page.locator("[data-testid='stException']").count() == 0
    assert page.get_by_text("Traceback").count() == 0


def outside_requests(page) -> list[str]:
    return [u for u in page.requests_seen
            if urlparse(u).hostname not in ("127.0.0.1", "localhost") and not u.startswith(("data:", "blob:"))]


def map_frame(page):
    page.frame_locator(MAP_FRAME).locator(
        "path.leaflet-interactive").first.wait_for(timeout=60_000)
    return next(f for f in page.frames if MAP_FRAME_NAME in f.url)


def click_ward(page, frame, ward: str) -> None:
    """Click the map where the ward's label sits (inside the ward)."""
    x, y = frame.evaluate("""name => {
        let at = null;
        window.map_div.eachLayer(l => {
            if (l.options && l.options.icon && l.options.icon.options.html &&
                l.options.icon.options.html.includes('>' + name + ' ')) {
                const p = window.map_div.latLngToContainerPoint(l.getLatLng()); at = [p.x, p.y];
            }
        });
        return at;
    }""", ward)
    map_box = frame.locator("#map_div").bounding_box()  # in page coordinates already
    page.mouse.click(map_box["x"] + x, map_box["y"] + y)


@pytest.mark.parametrize("path,heading", PAGES.items())
def test_every_page_loads_on_real_data(page, serve, real_data_dir, path, heading):
    open_page(page, f"{serve(real_data_dir)}/{path}", heading)
    assert_no_error(page)
    assert page.get_by_text("2014-15: 7 of 12 months").first.is_visible()
    if path == "map":
        map_frame(page)
        page.wait_for_timeout(1500)
    page.screenshot(path=ARTIFACTS / f"page-{path or 'overview'}.png", full_page=True)
    assert outside_requests(page) == []


def test_the_about_page_shows_the_emerging_hotspot_rules(page, serve, real_data_dir):
    from sia.analysis.hotspots import ehsa_rules

    open_page(page, f"{serve(real_data_dir)}/about", PAGES["about"])
    rules = dict(ehsa_rules())
    for name in ("intensifying hotspot", "oscillating coldspot", "no pattern"):
        row = page.get_by_role("row").filter(has_text=name)
        assert row.count() == 1 and rules[name] in row.inner_text(), name
    assert page.get_by_text("Gi* in each month").first.is_visible()  # the star is shown, not markup
    assert_no_error(page)


def test_the_demo_says_so(page, serve):
    open_page(page, serve(None), PAGES[""])
    assert page.get_by_text("Synthetic demo data").first.is_visible()
    assert_no_error(page)
    page.screenshot(path=ARTIFACTS / "page-overview-demo.png", full_page=True)


def test_map_draws_the_17_wards_offline(page, serve, real_data_dir):
    open_page(page, f"{serve(real_data_dir)}/map", PAGES["map"])
    frame = map_frame(page)
    assert frame.locator("path.leaflet-interactive").count() == 17
    assert page.locator(".sia-legend").inner_text().startswith("Incidents, 2019-20")  # beside the map
    assert frame.locator(".sia-legend").count() == 0  # not over it
    assert frame.locator(".sia-label", has_text="Arboretum #1").count() == 1
    assert outside_requests(page) == []


def test_the_lsoa_map_draws_every_lsoa_offline(page, serve, real_data_dir):
    open_page(page, f"{serve(real_data_dir)}/map?unit=lsoa&fy=2014-15", PAGES["map"])
    frame = map_frame(page)
    frame.locator("path.leaflet-interactive").nth(17 + 150).wait_for(timeout=60_000)
    assert frame.locator("path.leaflet-interactive").count() == 17 + 151  # the wards, and every LSOA
    assert page.locator(".sia-legend").inner_text().startswith("Incidents, 2014-15: LSOAs")
    assert outside_requests(page) == []
    assert_no_error(page)
    page.screenshot(path=ARTIFACTS / "page-map-lsoas.png", full_page=True)


def test_clicking_normanton_on_the_map_selects_it(page, serve, real_data_dir):
    # Tall enough that the whole map is in view: a click that first scrolls the page to reach
    # the map lands by where the map was, a ward lower.
    page.set_viewport_size({"width": 1440, "height": 1400})
    open_page(page, f"{serve(real_data_dir)}/map", PAGES["map"])
    click_ward(page, map_frame(page), "Normanton")
    page.get_by_text("Open the Normanton profile").wait_for(timeout=30_000)
    assert page.get_by_role("heading", name="Normanton").is_visible()
    assert "ward=Normanton" in page.url
    page.screenshot(path=ARTIFACTS / "page-map-normanton-selected.png", full_page=True)


def test_a_filter_change_redraws_the_map_in_its_frame_and_clicks_still_select(page, serve, real_data_dir):
    page.set_viewport_size({"width": 1440, "height": 1400})
    open_page(page, f"{serve(real_data_dir)}/map", PAGES["map"])
    frame = map_frame(page)
    frame.evaluate("() => { window.__before = true; document.querySelectorAll('path.leaflet-interactive')"
                   ".forEach(p => { p.dataset.old = '1'; }); }")
    page.get_by_test_id("stSidebar").get_by_text("Anti-social behaviour", exact=True).click()
    # The new map's 17 wards, drawn in the frame that was there: no new frame is loaded.
    frame.wait_for_function("() => document.querySelectorAll('path.leaflet-interactive:not([data-old])')"
                            ".length === 17", timeout=30_000)
    assert frame.evaluate("window.__before") is True and page.locator(MAP_FRAME).count() == 1
    assert frame.evaluate("document.querySelectorAll('#map_div').length") == 1
    click_ward(page, frame, "Arboretum")
    page.get_by_text("Open the Arboretum profile").wait_for(timeout=30_000)
    assert "ward=Arboretum" in page.url and "type=asb" in page.url


def test_the_map_is_drawn_before_the_rest_of_its_page_is_sent(page, serve, real_data_dir):
    # The page's title and the map come first; the sidebar's filters, the map's controls and
    # the panel once the map's frame has said the map is drawn (sia.app.first_paint).
    events = []
    page.on("request", lambda r: events.append("drawn") if "/_sia/drawn/" in r.url else None)
    page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: events.append(
        "filters" if isinstance(payload, bytes) and b"Financial years" in payload else
        "map" if isinstance(payload, bytes) and MAP_FRAME_NAME.encode() in payload else "other")))
    open_page(page, f"{serve(real_data_dir)}/map", PAGES["map"])
    frame = map_frame(page)
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_text("Financial years").wait_for(timeout=30_000)
    assert events.count("drawn") == 1 and events.count("filters") >= 1
    assert events.index("map") < events.index("drawn") < events.index("filters")
    # All of it in its place: the filters below the page links, the controls above the map.
    links, years = sidebar.get_by_text("Overview"), sidebar.get_by_text("Financial years")
    assert links.bounding_box()["y"] < years.bounding_box()["y"]
    assert page.get_by_text("Units").bounding_box()["y"] < page.locator(MAP_FRAME).bounding_box()["y"]
    assert page.get_by_text("Top five wards by incidents").is_visible()
    assert frame.locator("path.leaflet-interactive").count() == 17
    assert_no_error(page)
    # Reruns of the page draw the map in the frame already there: nothing more is waited for.
    page.get_by_test_id("stSidebar").get_by_text("Anti-social behaviour", exact=True).click()
    page.get_by_text("Showing anti-social behaviour").wait_for(timeout=30_000)
    page.wait_for_load_state("networkidle")
    assert events.count("drawn") == 1


def test_a_map_frame_that_never_answers_holds_back_the_rest_only_a_moment(page, serve, real_data_dir):
    page.route("**/_sia/drawn/**", lambda route: route.abort())
    open_page(page, f"{serve(real_data_dir)}/map?type=asb", PAGES["map"])
    frame = map_frame(page)
    page.get_by_test_id("stSidebar").get_by_text("Financial years").wait_for(timeout=30_000)
    page.get_by_text("Top five wards by incidents").wait_for(timeout=30_000)
    assert frame.locator("path.leaflet-interactive").count() == 17
    assert_no_error(page)


def test_under_a_base_path_the_map_is_drawn_first_from_the_apps_own_files(page, real_data_dir, tmp_path):
    # A host may serve the app below a path (server.baseUrlPath): the frame finds Leaflet and
    # the first-paint signal below it, not at the server's root.
    server = StreamlitServer({"SIA_DATA_DIR": str(real_data_dir), "SIA_CACHE_DIR": str(tmp_path)},
                             ARTIFACTS / "streamlit-base-path.log", base_path="csp")
    try:
        drawn = []
        page.on("request", lambda r: drawn.append(urlparse(r.url).path) if "/_sia/drawn/" in r.url else None)
        open_page(page, f"{server.url}/map", PAGES["map"])
        frame = map_frame(page)
        page.get_by_test_id("stSidebar").get_by_text("Financial years").wait_for(timeout=30_000)
        assert frame.locator("path.leaflet-interactive").count() == 17
        assert len(drawn) == 1 and drawn[0].startswith("/csp/_sia/drawn/")
        leaflet = [urlparse(u).path for u in page.requests_seen if u.endswith("leaflet.js")]
        assert leaflet and all(path.startswith("/csp/app/static/map/") for path in leaflet)
        assert_no_error(page)
    finally:
        server.stop()


# Streamlit's own page list, from the file names in pages/ (lower case, with app.py's).
OLD_STYLE_NAV = ["app", "about", "data", "map", "overview", "priorities", "ward"]


@pytest.mark.parametrize("path,heading", [("ward?ward=Normanton", "Ward profile: Normanton"),
                                          ("", PAGES[""])])
def test_the_first_visitor_of_a_fresh_server_sees_only_the_apps_navigation(page, real_data_dir, tmp_path,
                                                                              path, heading):
    """Streamlit treats pages/ as old-style multipage until st.navigation has run once: the
    first visitor once saw its page list for about two seconds, and a link ran its page
    outside app.py. Every page now sends such a request through app.py before its imports,
    and app.py reaches st.navigation before any heavy import (sia.app.navigation)."""
    server = StreamlitServer({"SIA_DATA_DIR": str(real_data_dir), "SIA_CACHE_DIR": str(tmp_path)},
                             ARTIFACTS / "streamlit-fresh.log")
    try:
        page.goto(f"{server.url}/{path}")
        seen = []
        for _ in range(60):  # every 50 ms for 3 s: what the sidebar lists
            seen.append(page.locator("[data-testid='stSidebar'] a").all_inner_texts())
            page.wait_for_timeout(50)
        assert not [links for links in seen if [t.strip().lower() for t in links][:len(OLD_STYLE_NAV)] == OLD_STYLE_NAV]
        open_page(page, page.url, heading)
        nav = page.locator(".st-key-page_links").inner_text()
        assert "Hotspot map" in nav and "Data and quality" in nav
        assert_no_error(page)
    finally:
        server.stop()


def test_the_ward_profile_shows_the_outcome_mix(page, serve, real_data_dir):
    """The outcome mix of the ward's crimes beside Derby's, as a chart and a table, with the
    caution for 2019-20, whose crimes were mostly still open."""
    open_page(page, f"{serve(real_data_dir)}/ward?ward=Normanton&fy=2014-15&fy=2019-20", "Ward profile: Normanton")
    heading = page.get_by_role("heading", name="What happened after crimes were reported in Normanton")
    heading.scroll_into_view_if_needed()
    page.get_by_text("crimes in Normanton in 2014-15, no suspect was identified for").wait_for(timeout=60_000)
    assert page.get_by_text("(Derby: ", exact=False).count() >= 2
    assert page.get_by_text("of 2019-20's crimes were still open").count() == 1
    chart = page.locator("[data-testid='stVegaLiteChart']").filter(has_text="Outcomes of all crime in Normanton")
    chart.wait_for(timeout=60_000)
    assert chart.bounding_box()["height"] > 120  # the bars drawn, not squeezed by the legend
    assert page.get_by_text("Still open", exact=True).count() >= 1
    assert_no_error(page)
    assert outside_requests(page) == []
    page.screenshot(path=ARTIFACTS / "page-ward-outcomes.png", full_page=True)


def test_a_link_to_a_ward_opens_it(page, serve, real_data_dir):
    open_page(page, f"{serve(real_data_dir)}/ward?ward=Arboretum", "Ward profile: Arboretum")
    assert_no_error(page)
    assert "ward=Arboretum" in page.url


def test_a_link_reopens_the_same_view(page, serve, real_data_dir):
    url = f"{serve(real_data_dir)}/?fy=2019-20&type=asb&measure=rate"
    open_page(page, url, PAGES[""])
    assert page.get_by_text("Showing anti-social behaviour").is_visible()
    assert "type=asb" in page.url and "measure=rate" in page.url


def test_incident_points_are_drawn_clustered_on_demand(page, serve, real_data_dir):
    open_page(page, f"{serve(real_data_dir)}/map?fy=2019-20", PAGES["map"])
    map_frame(page)
    page.get_by_text("Show incidents as points").click()
    clusters = page.frame_locator(MAP_FRAME).last.locator(".marker-cluster")
    clusters.first.wait_for(timeout=60_000)
    assert clusters.count() > 0
    assert "points=1" in page.url  # the map's own settings are in the link too
    assert_no_error(page)
    assert outside_requests(page) == []


def test_priorities_page_shows_both_sets_and_their_lineage(page, serve, real_data_dir):
    open_page(page, f"{serve(real_data_dir)}/priorities?priority=asb-2019", PAGES["priorities"])
    lineage = page.locator("[data-testid='stVegaLiteChart']").first
    lineage.wait_for(timeout=60_000)
    assert lineage.bounding_box()["height"] > 300
    counts = page.locator("[data-testid='stMarkdownContainer']", has_text="retained").first.inner_text()
    assert counts.strip() == "4 retained · 2 continued with a new focus · 1 new · 3 dropped"
    assert "Preventing and Reducing Serious Youth Violence (Knife Crime) moved up 8 places" in page.inner_text("body")
    assert page.get_by_role("heading", name="Anti-Social Behaviour (2019-20, #2)").is_visible()
    assert page.get_by_text("Priorities open data cannot measure").is_visible()


def test_the_hotspot_layer_draws_and_names_its_method(page, serve, real_data_dir):
    open_page(page, f"{serve(real_data_dir)}/map?fy=2014-15&layer=grid", PAGES["map"])
    frame = map_frame(page)
    legend = page.locator(".sia-legend").inner_text()
    assert legend.startswith("Hotspots, 2014-15: 250 m grid cells")
    assert "Getis-Ord Gi*" in legend and "Benjamini-Hochberg" in legend
    assert frame.locator("path.leaflet-interactive").count() > 17  # significant cells over the wards
    page.wait_for_timeout(1000)
    page.screenshot(path=ARTIFACTS / "page-map-hotspots.png", full_page=True)
    assert_no_error(page)
    assert outside_requests(page) == []


def test_the_space_time_pattern_of_each_lsoa_is_drawn_offline(page, serve, real_data_dir):
    """Every LSOA drawn with its pattern over 2014-15's months, the legend beside the map,
    and a tooltip that names the LSOA's code and ward."""
    open_page(page, f"{serve(real_data_dir)}/map?unit=lsoa&layer=ehsa&fy=2014-15", PAGES["map"])
    frame = map_frame(page)
    frame.locator("path.leaflet-interactive").nth(17 + 150).wait_for(timeout=60_000)
    assert frame.locator("path.leaflet-interactive").count() == 17 + 151
    legend = page.locator(".sia-legend").inner_text()
    assert legend.startswith("Space-time pattern, 2014-15: LSOAs") and "Persistent hotspot (" in legend
    red = frame.locator("path.leaflet-interactive[fill='#a50f15']")  # persistent hot spots
    assert red.count() > 0
    red.first.hover(force=True)
    tip = frame.locator(".leaflet-tooltip").first
    tip.wait_for(timeout=10_000)
    assert "Pattern: persistent hotspot" in tip.inner_text() and "Ward: " in tip.inner_text()
    assert outside_requests(page) == []
    assert_no_error(page)
    page.screenshot(path=ARTIFACTS / "page-map-lsoa-patterns.png", full_page=True)


def test_the_map_controls_take_the_first_click(page, serve, real_data_dir):
    """Each click on the map's own controls takes at once (they once lost the first click
    after the URL had changed), and the URL follows."""
    open_page(page, f"{serve(real_data_dir)}/map?fy=2014-15", PAGES["map"])
    main = page.locator("[data-testid='stMain']")
    for label, param in (("Hotspots (Gi*)", "layer=gistar"), ("Grid squares", "unit=grid"),
                         ("Hexagons", "unit=hex"), ("The measure", "!layer="), ("Wards", "!unit="),
                         ("Trend over months (EHSA)", "layer=ehsa"), ("Hotspots (Gi*)", "layer=gistar")):
        if label in ("Hotspots (Gi*)", "The measure", "Trend over months (EHSA)"):  # the "Map shows" list
            main.locator("[data-testid='stSelectbox']").filter(has_text="Map shows").click()
            page.get_by_role("option", name=label, exact=True).click()
        else:
            main.get_by_text(label, exact=True).click()
        if param.startswith("!"):  # back to the default: the URL leaves it out
            page.wait_for_function(f"() => !location.search.includes('{param[1:]}')", timeout=60_000)
        else:
            page.wait_for_url(f"**{param}*", timeout=60_000)
    page.get_by_text("Show incidents as points").click()
    page.wait_for_url("**points=1*", timeout=60_000)
    assert_no_error(page)


def test_a_selection_with_no_months_says_so(page, serve, real_data_dir):
    open_page(page, f"{serve(real_data_dir)}/map?month=Apr&measure=per_month", "Derby community safety")
    assert page.get_by_text("Nothing to show: 2019-20 has no data for the months chosen (Apr)").count() == 1
    assert_no_error(page)


def test_presentation_mode_hides_the_controls_and_keeps_the_view(page, serve, real_data_dir):
    base = serve(real_data_dir)
    open_page(page, f"{base}/?fy=2019-20&type=asb", PAGES[""])
    normal_size = page.get_by_text("Showing anti-social behaviour").evaluate(
        "e => parseFloat(getComputedStyle(e).fontSize)")
    page.get_by_role("button", name="Present this view").click()
    page.get_by_role("button", name="Leave presentation").wait_for(timeout=60_000)
    assert "present=1" in page.url and "type=asb" in page.url
    page.reload()  # the link alone opens the same view in presentation mode
    page.get_by_role("button", name="Leave presentation").wait_for(timeout=60_000)
    # The presentation styles arrive with the page's first run, just after the sidebar.
    page.locator("[data-testid='stSidebar']").wait_for(state="hidden", timeout=30_000)
    assert not page.get_by_role("button", name="Present this view").is_visible()
    shown = page.get_by_text("Showing anti-social behaviour")
    assert shown.is_visible()
    assert shown.evaluate("e => parseFloat(getComputedStyle(e).fontSize)") >= 1.2 * normal_size
    page.get_by_role("button", name="Leave presentation").click()
    page.locator("[data-testid='stSidebar']").wait_for(state="visible", timeout=60_000)
    assert "present" not in page.url and "type=asb" in page.url
    assert_no_error(page)


def test_a_briefing_pack_downloads_from_the_ward_page(page, serve, real_data_dir):
    import io

    from pypdf import PdfReader

    open_page(page, f"{serve(real_data_dir)}/ward?ward=Normanton&fy=2014-15", "Ward profile: Normanton")
    page.get_by_role("button", name="Briefing pack (PDF)").click()  # made (in a worker), then saved
    with page.expect_download(timeout=120_000) as info:
        page.get_by_role("button", name="Save: Briefing pack (PDF)").click(timeout=120_000)
    assert info.value.suggested_filename == "briefing-normanton-2014-15.pdf"
    reader = PdfReader(io.BytesIO(open(info.value.path(), "rb").read()))
    text = " ".join((p.extract_text() or "") for p in reader.pages)
    assert len(reader.pages) >= 1 and "Normanton: crime and anti-social behaviour" in text
    page.get_by_role("button", name="Briefing pack (HTML)").click()
    with page.expect_download(timeout=120_000) as info:
        page.get_by_role("button", name="Save: Briefing pack (HTML)").click(timeout=120_000)
    html = open(info.value.path(), encoding="utf-8").read()
    assert html.startswith("<!DOCTYPE html>") and "Derby ward briefing, 2014-15" in html
    assert_no_error(page)
    assert outside_requests(page) == []


def test_switching_pages_keeps_the_filters(page, serve, real_data_dir):
    open_page(page, f"{serve(real_data_dir)}/?fy=2014-15&type=asb&measure=rate", PAGES[""])
    for link, heading in (("Hotspot map", PAGES["map"]), ("Ward profile", PAGES["ward"]), ("Overview", PAGES[""])):
        page.get_by_role("link", name=link).click()
        page.get_by_role("heading", name=heading).first.wait_for(timeout=120_000)
        page.get_by_text("Showing anti-social behaviour; 2014-15: Apr to Oct 2014, 7 months").wait_for(timeout=60_000)
        page.wait_for_function("() => location.search.includes('type=asb') && location.search.includes('measure=rate')",
                               timeout=60_000)
        assert "fy=2019-20" not in page.url
    assert_no_error(page)


def test_the_knife_crime_priority_shows_weapons_searches_of_young_people(page, serve, stops_data):
    """With stop-and-search files in the data, the knife-crime priority's page shows its second
    indicator: the weapons searches of 10 to 24 year olds counted as 'sia stops' counts them."""
    data_dir, _, _ = stops_data
    result = run_sia("stops", "--data-dir", str(data_dir), "--by", "month", "--object", "weapons", "--age", "10-17",
                     "--age", "18-24", "--format", "json")
    september = {r["month"]: r["count"] for r in json.loads(result.stdout)}["2019-09"]
    open_page(page, f"{serve(data_dir)}/priorities?priority=youth-violence-2019", PAGES["priorities"])
    assert_no_error(page)
    page.get_by_text("Second indicator: Weapons searches of people aged 10 to 24").first.wait_for(timeout=60_000)
    metric = page.locator("[data-testid='stMetric']",
                          has_text="Weapons searches 10-24, 2019-20").first
    assert metric.locator("[data-testid='stMetricValue']").inner_text().strip() == f"{september:,}"
    page.get_by_text("Most searched wards, 2019-20").scroll_into_view_if_needed()
    page.screenshot(path=ARTIFACTS / "page-priorities-knife-crime.png", full_page=True)
    assert outside_requests(page) == []


def test_the_serious_violence_page_draws_its_charts(page, serve, stops_data):
    data_dir, _, _ = stops_data
    open_page(page, f"{serve(data_dir)}/violence", PAGES["violence"])
    assert_no_error(page)
    assert page.locator("[data-testid='stVegaLiteChart']").count() == 2  # one a year
    page.locator("[data-testid='stVegaLiteChart'] canvas, [data-testid='stVegaLiteChart'] svg").first.wait_for()
    assert page.get_by_text("Where the weapons searches of people aged 10 to 24 go against where the "
                            "violence is").count() == 2
    page.screenshot(path=ARTIFACTS / "page-violence.png", full_page=True)
    assert outside_requests(page) == []


def test_a_steward_loads_the_partnerships_register_on_the_data_page(page, serve, demo_data_dir, tmp_path):
    """A sound register is kept and the Priorities page compares its two latest sets; an
    unsound one is refused, every problem listed, and the one in use stays."""
    import shutil
    data_dir = tmp_path / "data"
    shutil.copytree(demo_data_dir, data_dir, ignore=shutil.ignore_patterns("sources"))
    drafted = run_sia("register", "draft", "--from-set", "city-2019-20", "--fy", "2020-21", "--data-dir", str(data_dir))
    sound, unsound = tmp_path / "next-year.toml", tmp_path / "careless.toml"
    sound.write_text(drafted.stdout)
    unsound.write_text(drafted.stdout.replace('wards = ["Normanton", "Arboretum"]', 'wards = ["Atlantis"]'))
    url = serve(data_dir, SIA_IN_APP_LOADING="1")
    for given, expected in ((sound, "Register loaded: city sets for 2014-15, 2019-20, 2020-21"),
                            (unsound, "'Atlantis' is not a ward of the area")):
        open_page(page, f"{url}/data", PAGES["data"])
        page.get_by_text("Load the partnership's priority register").click()
        page.locator("input[type=file]").last.set_input_files(str(given))
        # the file is on the server (its chip shown) before the button is pressed: a press while it
        # is still on its way would check no file
        page.locator("[data-testid='stFileChipName']", has_text=given.name).wait_for(timeout=30_000)
        page.get_by_role("button", name="Check and load the register").click()
        page.get_by_text(expected).first.wait_for(timeout=60_000)
        assert_no_error(page)
    open_page(page, f"{url}/priorities", "Priorities: 2019-20 and 2020-21")
    assert page.get_by_text("The lineage across every year the register holds").is_visible()


def test_a_steward_downloads_next_years_draft_from_the_data_page(page, serve, demo_data_dir, tmp_path):
    """The draft the app offers is the one the command writes, and it loads."""
    import shutil
    data_dir = tmp_path / "data"
    shutil.copytree(demo_data_dir, data_dir, ignore=shutil.ignore_patterns("sources"))
    open_page(page, f"{serve(data_dir, SIA_IN_APP_LOADING='1')}/data", PAGES["data"])
    page.get_by_text("Load the partnership's priority register").click()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the draft register (TOML)").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name == "register-draft-2020-21.toml"
    command = run_sia("register", "draft", "--from-set", "city-2019-20", "--fy", "2020-21", "--data-dir", str(data_dir))
    assert saved.read_text() == command.stdout
    assert run_sia("register", "load", str(saved), "--data-dir", str(data_dir)).returncode == 0
