"""A view a council meeting can read, on the real data, at a projector's 1,440 x 900 and
1,920 x 1,080, on screen and in presentation mode (?present=1): every ward named on the
ranking chart, the map the whole width (presenting) with its 17 ward labels drawn and
apart, tables and legends at the enlarged size, and no word of the hidden controls.

Streamlit draws Vega charts as SVG, so what Vega drew is in the DOM: axis labels are
<text> elements (those it hides as overlapping get opacity 0). The map's ward labels are
HTML (div.sia-label) inside the map's frame.
"""
import re

import pytest

from sia.app.map_component import MAP_FRAME, MAP_FRAME_NAME
from sia.dataset.store import open_dataset

from support import ARTIFACTS

pytestmark = pytest.mark.e2e

SCREENS = {"1440x900": (1440, 900), "1920x1080": (1920, 1080)}
YEARS = "fy=2014-15&fy=2019-20"
# Words that point at a control the presentation hides.
CONTROL_HINTS = re.compile(r"sidebar|switch (on|off)|Click a ward|Choose crime", re.I)


@pytest.fixture(params=list(SCREENS))
def screen(browser, request):
    """A page at one of the projector sizes (its name in ``page.screen``)."""
    width, height = SCREENS[request.param]
    context = browser.new_context(viewport={"width": width, "height": height}, locale="en-GB")
    page = context.new_page()
    page.screen = request.param
    yield page
    context.close()


@pytest.fixture(scope="module")
def wards(real_data_dir) -> list[str]:
    return list(open_dataset(real_data_dir).ward_names)


def open_view(page, url: str, heading: str) -> None:
    page.goto(url)
    page.get_by_role("heading", name=heading).first.wait_for(timeout=120_000)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(1000)
    assert page.locator("[data-testid='stException']").count() == 0


def overlapping(boxes: list[dict]) -> list[tuple[str, str]]:
    """Pairs of boxes ({text, x, y, w, h}) that overlap (by more than half a pixel)."""
    return [(a["text"], b["text"]) for i, a in enumerate(boxes) for b in boxes[i + 1:]
            if a["x"] + a["w"] - 0.5 > b["x"] and b["x"] + b["w"] - 0.5 > a["x"]
            and a["y"] + a["h"] - 0.5 > b["y"] and b["y"] + b["h"] - 0.5 > a["y"]]


# Each element's text, box and font size; left out, those Vega hid as overlapping.
BOXES = """els => els.filter(e => e.getAttribute('opacity') !== '0').map(e => {
    const b = e.getBoundingClientRect();
    return {text: e.textContent.trim(), x: b.x, y: b.y, w: b.width, h: b.height,
            size: parseFloat(getComputedStyle(e).fontSize)}; })"""


@pytest.mark.parametrize("present", [False, True], ids=["screen", "presenting"])
def test_the_ranking_names_all_17_wards(screen, serve, real_data_dir, wards, present):
    page = screen
    open_view(page, f"{serve(real_data_dir)}/?{YEARS}{'&present=1' if present else ''}",
              "Derby community safety overview")
    chart = page.locator("[data-testid='stVegaLiteChart']").filter(has_text="Wards ranked by")
    chart.scroll_into_view_if_needed()
    assert chart.locator("svg.marks").count() == 1, "Vega drew on a canvas: read its view's scenegraph instead"
    labels = [box for box in chart.locator(".role-axis-label text").evaluate_all(BOXES) if box["text"] in wards]
    assert sorted(box["text"] for box in labels) == sorted(wards)
    assert overlapping(labels) == []
    if present:  # larger than on screen (12 px there)
        assert min(box["size"] for box in labels) >= 15
        table = page.locator("[data-testid='stTable'] td").first  # the biggest changes, as HTML
        assert table.evaluate("e => parseFloat(getComputedStyle(e).fontSize)") >= 16
        assert not CONTROL_HINTS.search(page.locator("[data-testid='stMain']").inner_text())
    page.screenshot(path=ARTIFACTS / f"present-overview-{page.screen}{'-presenting' if present else ''}.png")


@pytest.mark.parametrize("present", [False, True], ids=["screen", "presenting"])
def test_the_map_labels_every_ward_apart(screen, serve, real_data_dir, wards, present):
    page = screen
    open_view(page, f"{serve(real_data_dir)}/map?{YEARS}{'&present=1' if present else ''}", "Hotspot map")
    page.frame_locator(MAP_FRAME).locator(".sia-label").nth(16).wait_for(
        timeout=60_000)
    frame = next(f for f in page.frames if MAP_FRAME_NAME in f.url)
    labels = frame.locator(".sia-label").evaluate_all(BOXES)
    assert sorted(box["text"].split(" #")[0] for box in labels) == sorted(wards)
    assert all(box["w"] > 0 and box["h"] > 0 for box in labels)
    assert overlapping(labels) == []
    iframe = page.locator(MAP_FRAME).bounding_box()
    width = page.viewport_size["width"]
    if present:  # the whole width, larger labels, the legend at the enlarged size
        assert iframe["width"] >= 0.9 * width
        assert min(box["size"] for box in labels) >= 16
        assert page.locator(".sia-legend").evaluate("e => parseFloat(getComputedStyle(e).fontSize)") >= 17
        assert not CONTROL_HINTS.search(page.locator("[data-testid='stMain']").inner_text())
    else:
        assert iframe["width"] < 0.75 * width  # beside the sidebar and the legend
    page.wait_for_timeout(500)
    page.screenshot(path=ARTIFACTS / f"present-map-{page.screen}{'-presenting' if present else ''}.png")
