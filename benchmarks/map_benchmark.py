"""Hotspot map speed in a real browser (run by hand; prints figures).

    python benchmarks/map_benchmark.py [--data-dir DIR] [--repeat 5]

On the real dataset (built from ../shared/data into a temporary folder unless --data-dir
is given), with the server warm: time from opening /map to the 17 ward polygons drawn
(target under 2 s), time from changing a filter to the map redrawn (target under 1 s),
time from switching the units or the shading to the new legend beside the map, once each
has been computed (target under 1.5 s), and the size of the map HTML sent to the browser
for the ward and the LSOA views (target under 500 kB).
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from sia.app.map_component import MAP_FRAME  # noqa: E402
from sia.views.hotspot_layers import SHADINGS  # noqa: E402

from e2e_server import StreamlitServer  # noqa: E402
from support import SHARED_DATA, real_ingest_args  # noqa: E402

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
# The app's map frame, or the naive page's (streamlit-folium's own).
FRAME = f"{MAP_FRAME}, iframe[title='streamlit_folium.st_folium']"


def map_payload_bytes(data_dir: Path, unit: str = "ward") -> int:
    """What st_folium ships for the ward view, or the LSOAs shaded by incidents (2014-15,
    when every LSOA has some): the map's rendered HTML."""
    from sia.analysis.filters import Filters
    from sia.analysis.hotspots.runs import unit_label, unit_measures_for_filters
    from sia.analysis.measures import select, ward_measures
    from sia.dataset.store import open_dataset
    from sia.views.hotspot_layers import incident_density, measure_layer
    from sia.views.maps import ward_map, web_wards

    dataset = open_dataset(data_dir)
    filters = Filters(fys=tuple(dataset.financial_years[-2:]))
    selection = select(dataset.incidents, filters)
    table = ward_measures(selection, dataset.wards)
    fy = filters.fys[-1] if unit == "ward" else filters.fys[0]
    rows = selection.rows[selection.rows["fy"] == fy]
    overlay = None if unit == "ward" else measure_layer(
        unit_measures_for_filters(dataset, filters, fy, unit), "count", "Incidents", unit_label(dataset, unit))
    m = ward_map(web_wards(dataset.wards), table[table["fy"] == fy], fy=fy, measure_label="Incidents",
                 density=incident_density(rows, dataset.wards), overlay=overlay)
    return len(m.get_root().render().encode())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        data_dir = args.data_dir or real_dataset(tmp / "real")
        server = StreamlitServer({"SIA_DATA_DIR": str(data_dir), "SIA_CACHE_DIR": str(tmp)}, tmp / "server.log")
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
                first_visit = [measure(browser.new_context(**VIEW), server.url) for _ in range(args.repeat + 1)][1:]
                returning = browser.new_context(**VIEW)
                measure(returning, server.url)  # fills this browser's cache
                again = [measure(returning, server.url) for _ in range(args.repeat)]
                switches = switch_times(browser.new_context(**VIEW), server.url, args.repeat)
                browser.close()
        finally:
            server.stop()
        payload = map_payload_bytes(data_dir)
        lsoa_payload = map_payload_bytes(data_dir, "lsoa")

    print(f"real dataset, server warm, median of {args.repeat} (min to max):")
    for label, runs in (("first visit (empty browser cache)", first_visit),
                        ("returning visit (browser cache warm)", again)):
        opens, updates = [r[0] for r in runs], [r[1] for r in runs]
        print(f"{label}:")
        print(f"  open /map to 17 ward polygons drawn: {statistics.median(opens):.2f} s "
              f"({min(opens):.2f} to {max(opens):.2f}); target under 2 s")
        print(f"  filter change to map redrawn:        {statistics.median(updates):.2f} s "
              f"({min(updates):.2f} to {max(updates):.2f}); target under 1 s")
    print("switching the map, each view computed once before (median, max); target under 1.5 s:")
    for label, runs in switches.items():
        print(f"  {label:<48} {statistics.median(runs):.2f} s ({max(runs):.2f})")
    print(f"map HTML for the ward view: {payload / 1000:,.0f} kB; for the LSOAs: {lsoa_payload / 1000:,.0f} kB; "
          "target under 500 kB")


VIEW = {"viewport": {"width": 1400, "height": 1000}}


def real_dataset(data_dir: Path) -> Path:
    """The real Derby months from ../shared/data, ingested into data_dir."""
    subprocess.run([sys.executable, "-m", "sia", "ingest", *real_ingest_args(SHARED_DATA, data_dir)],
                   cwd=ROOT, check=True, capture_output=True)
    return data_dir


def measure(context, url: str) -> tuple[float, float]:
    """(seconds from opening /map to the 17 wards drawn, seconds from a filter change to
    the map redrawn) in a new tab of the given browser context."""
    page = context.new_page()
    start = time.perf_counter()
    page.goto(f"{url}/map")
    page.frame_locator(FRAME).locator("path.leaflet-interactive").nth(16).wait_for(timeout=60_000)
    opened = time.perf_counter() - start
    start = time.perf_counter()
    page.get_by_text("Per 1,000 residents a year", exact=True).click()
    page.locator(".sia-legend").filter(has_text="Per 1,000 residents a year").wait_for(timeout=60_000)
    updated = time.perf_counter() - start
    page.close()
    return opened, updated


# The map's views: (units, shading) as the controls label them.
UNIT_LABELS = ("Wards", "LSOAs", "Grid squares", "Hexagons")
SWITCHES = [(units, shading) for shading in SHADINGS.values() for units in UNIT_LABELS]


def _shading_in(url: str) -> str:
    """What the map shows, as the list names it, from its URL ('layer'; absent: the measure)."""
    from urllib.parse import parse_qs, urlparse

    return SHADINGS[parse_qs(urlparse(url).query).get("layer", ["measure"])[0]]


def switch_times(context, url: str, repeat: int) -> dict[str, list[float]]:
    """Seconds from a click on the units or the shading to the new view's legend beside the
    map, per view, over ``repeat`` rounds after a first round that computes each view. Both
    years are chosen (so that every shading is offered), the map showing 2014-15 (7 months)."""
    page = context.new_page()
    page.goto(f"{url}/map?fy=2014-15&fy=2019-20&map_fy=2014-15")
    page.locator(".sia-legend").wait_for(timeout=60_000)
    main = page.locator("[data-testid='stMain']")
    shading_list = main.locator("[data-testid='stSelectbox']").filter(has_text="Map shows")
    times: dict[str, list[float]] = {f"{u}, {s.lower()}": [] for u, s in SWITCHES}
    for round_ in range(repeat + 1):
        for units, shading in SWITCHES:
            for label in (units, shading):
                before = page.locator(".sia-legend").inner_text()
                if label in UNIT_LABELS:
                    radio = main.get_by_text(label, exact=True)
                    if radio.locator("xpath=ancestor::label//input").is_checked():
                        continue
                    start = time.perf_counter()
                    radio.click()
                else:
                    if _shading_in(page.url) == label:  # shown already
                        continue
                    shading_list.click()
                    start = time.perf_counter()
                    page.get_by_role("option", name=label, exact=True).click()
                page.wait_for_function("(old) => { const l = document.querySelector('.sia-legend');"
                                       " return l && l.innerText !== old; }", arg=before, timeout=120_000)
                if round_:  # the first round computes each view
                    times[f"{units}, {shading.lower()}"].append(time.perf_counter() - start)
    page.close()
    return {k: v for k, v in times.items() if v}


if __name__ == "__main__":
    main()
