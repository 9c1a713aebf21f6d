"""Hotspot map speed in a real browser (run by hand; prints figures).

    python benchmarks/map_benchmark.py [--data-dir DIR] [--repeat 5]

On the real dataset (built from ../shared/data into a temporary folder unless --data-dir
is given), with the server warm: time from opening /map to the 17 ward polygons drawn
(target under 2 s), time from changing a filter to the map redrawn (target under 1 s),
and the size of the map HTML sent to the browser for the ward view (target under 500 kB).
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

from e2e_server import StreamlitServer  # noqa: E402
from support import SHARED_DATA, real_ingest_args  # noqa: E402

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
FRAME = "iframe[title='streamlit_folium.st_folium']"


def map_payload_bytes(data_dir: Path) -> int:
    """What st_folium ships for the default ward view: the map's rendered HTML."""
    from sia.analysis.filters import Filters
    from sia.analysis.measures import select, ward_measures
    from sia.dataset.store import open_dataset
    from sia.views.hotspot_layers import incident_density
    from sia.views.maps import ward_map, web_wards

    dataset = open_dataset(data_dir)
    filters = Filters(fys=tuple(dataset.financial_years[-2:]))
    selection = select(dataset.incidents, filters)
    table = ward_measures(selection, dataset.wards)
    fy = filters.fys[-1]
    rows = selection.rows[selection.rows["fy"] == fy]
    m = ward_map(web_wards(dataset.wards), table[table["fy"] == fy], fy=fy, measure_label="Incidents",
                 density=incident_density(rows, dataset.wards))
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
                browser.close()
        finally:
            server.stop()
        payload = map_payload_bytes(data_dir)

    print(f"real dataset, server warm, median of {args.repeat} (min to max):")
    for label, runs in (("first visit (empty browser cache)", first_visit),
                        ("returning visit (browser cache warm)", again)):
        opens, updates = [r[0] for r in runs], [r[1] for r in runs]
        print(f"{label}:")
        print(f"  open /map to 17 ward polygons drawn: {statistics.median(opens):.2f} s "
              f"({min(opens):.2f} to {max(opens):.2f}); target under 2 s")
        print(f"  filter change to map redrawn:        {statistics.median(updates):.2f} s "
              f"({min(updates):.2f} to {max(updates):.2f}); target under 1 s")
    print(f"map HTML for the ward view: {payload / 1000:,.0f} kB; target under 500 kB")


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
    # While the page reruns, the old and new map frames are both present.
    page.frame_locator(FRAME).last.locator(".sia-legend").filter(
        has_text="Per 1,000 residents a year").wait_for(timeout=60_000)
    updated = time.perf_counter() - start
    page.close()
    return opened, updated


if __name__ == "__main__":
    main()
