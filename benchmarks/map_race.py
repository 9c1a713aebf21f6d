"""The hotspot map against a naive one-file Streamlit + folium page (run by hand; prints figures).

    python benchmarks/map_race.py [--datasets real,synthetic] [--repeat 5] [--data-dir DIR]
        [--synthetic-dir DIR] [--synthetic-rows 676782] [--profile]

For each dataset (the real months of ../shared/data, built into a temporary folder unless
--data-dir is given; a synthetic dataset of --synthetic-rows incidents placed in Derby's
wards, by default three times the 225,594 rows of the issue's Derby dataset, written the
way the page CPU benchmark writes one; built once into --synthetic-dir if given), starts
in the same run the app (serve.py, with the repository's .streamlit/config.toml, as a host
runs it) and the naive page of benchmarks/naive_map_page.py (what an analyst would write
in an afternoon: pandas, folium wards shaded by count, st_folium, a sidebar selectbox for
the crime type; copied to a folder of its own with static serving on, so that Leaflet
comes from local files), both on 127.0.0.1 and with no file watcher, and drives one
headless Chromium (Debian's; nothing leaves the machine). Each page is warmed (each view
below opened once), then, --repeat times, the two sides taking turns:

  open           a new browser context (empty cache) opens /map (the app) or / (the naive
                 page) until the 17 ward polygons are drawn in the folium frame (the issue's
                 measure: the app sends the rest of /map once its map is drawn);
  complete       the same open, until the page's script has finished too (the map drawn,
                 nothing loading; for the naive page, its rerun after the map's first report);
  again          the same, in a new tab of that context (the browser's cache warm);
  filter, seen   the incidents switched to anti-social behaviour in the sidebar (a view
                 each side has drawn before) until the map is redrawn (17 new polygons)
                 and the script has finished;
  filter, new    a crime type not chosen before in this run (nothing cached for it) until
                 the map is redrawn.

Prints the medians of each side, the server's CPU seconds for an open (to the page complete,
the browser's cache empty), and the naive page's time over the app's: the target is the
app at least 1.3x faster to open. Both servers run on the same 2 cores as the browser, and
other work on the machine shows in the figures: compare the two sides of one run, not runs.

--profile first runs benchmarks/map_profile.py's profile of the open on the first dataset:
what the browser loads and when, what the server sends and when, the map's message and
frame, the script's time before and after the map, two filter changes.
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from load_test import NO_WAY_OUT  # also puts ROOT and tests/ on sys.path
from map_benchmark import CHROMIUM_ARGS, FRAME, VIEW, real_dataset
from page_cpu_benchmark import HostServer, server_cpu, synthetic_dataset

from e2e_server import StreamlitServer  # noqa: E402

HERE = Path(__file__).resolve().parent
DERBY_ROWS = 225_594  # the Derby dataset
TARGET = 1.3  # the app at least this many times faster to open than the naive page
# Crime types chosen as "new" filters, one a round; the warm-up uses WARM_TYPE.
NEW_TYPES = ("Burglary", "Robbery", "Drugs", "Shoplifting", "Bicycle theft", "Vehicle crime",
             "Criminal damage and arson", "Other theft", "Public order", "Possession of weapons",
             "Theft from the person", "Other crime")
WARM_TYPE = "Violence and sexual offences"
ASB = "Anti-social behaviour"

# Evaluated every 20 ms: "done" when the script has finished and the last folium frame
# holds 17 ward polygons that were not there before the action (the old ones are marked
# by MARK_OLD) and no control is still loading its code (Streamlit shows a skeleton in its
# place meanwhile): the page complete; "exception" when the page shows a Streamlit exception.
# MAP_DRAWN: the same without waiting for the script, the map drawn (the app's /map sends the
# rest of the page once its map is drawn: sia.app.first_paint).
DRAWN = """() => {
    const app = document.querySelector("[data-testid='stApp']");
    if (!app || app.dataset.testScriptState !== "notRunning") return false;
    if (document.querySelector("[data-testid='stException']")) return "exception";
    if (document.querySelector("[data-testid='stSkeleton']")) return false;  // a control still loading
    const frames = document.querySelectorAll(FRAMES);
    const doc = frames.length ? frames[frames.length - 1].contentDocument : null;
    if (!doc) return false;
    const fresh = [...doc.querySelectorAll("path.leaflet-interactive")].filter(p => !p.dataset.raceOld);
    return fresh.length >= 17 ? "done" : false;
}""".replace("FRAMES", repr(FRAME))
MAP_DRAWN = DRAWN.replace('if (!app || app.dataset.testScriptState !== "notRunning") return false;', "").replace(
    """if (document.querySelector("[data-testid='stSkeleton']")) return false;""", "")
assert MAP_DRAWN != DRAWN
MARK_OLD = """() => { for (const f of document.querySelectorAll(FRAMES)) {
    if (f.contentDocument) f.contentDocument.querySelectorAll("path.leaflet-interactive")
        .forEach(p => { p.dataset.raceOld = "1"; }); } }""".replace("FRAMES", repr(FRAME))
STEPS = {"open": "open to the map drawn, empty cache", "complete": "open to the page complete",
         "again": "open, browser cache warm",
         "seen": "filter change, view seen before", "new": "filter change, new crime type"}


# --- the two sides --------------------------------------------------------------------------------

class NaiveServer(StreamlitServer):
    """benchmarks/naive_map_page.py in a folder of its own: Streamlit's defaults but static
    serving (for its Leaflet files), no file watcher (as for the app)."""

    def __init__(self, folder: Path, data_dir: Path, env: dict | None = None):
        folder.mkdir(parents=True, exist_ok=True)
        script = folder / "naive.py"
        shutil.copy(HERE / "naive_map_page.py", script)
        (folder / "static").mkdir(exist_ok=True)  # Streamlit serves it only if there at the start
        (folder / ".streamlit").mkdir(exist_ok=True)
        (folder / ".streamlit" / "config.toml").write_text("[server]\nenableStaticServing = true\n")
        super().__init__({"NAIVE_DATA_DIR": str(data_dir), **(env or {})}, folder / "naive.log", script=script,
                         cwd=folder)


@dataclass
class Side:
    name: str
    server: StreamlitServer
    path: str
    times: dict[str, list[float]] = field(default_factory=dict)
    cpu: list[float] = field(default_factory=list)  # server CPU seconds per open

    @property
    def url(self) -> str:
        return self.server.url + self.path

    def choose(self, page, what: str) -> float:
        """Switch the page to ``what`` (ASB, "All crime" or a crime type) as a user would;
        the perf_counter of the click that asks for it."""
        sidebar = page.get_by_test_id("stSidebar")
        if self.name == "naive":
            sidebar.get_by_test_id("stSelectbox").filter(has_text="Crime type").click()
            page.keyboard.type(what)  # the list shows the first options only
            option = page.get_by_role("option", name=what, exact=True)
            option.wait_for()
            start = time.perf_counter()
            option.click()
            return start
        if what in (ASB, "All crime"):
            radio = sidebar.get_by_text(ASB if what == ASB else "Crime", exact=True)
            start = time.perf_counter()
            radio.click()
            return start
        sidebar.get_by_test_id("stMultiSelect").filter(has_text="Crime types").click()
        page.keyboard.type(what)
        option = page.get_by_role("option", name=what, exact=True)
        option.wait_for()
        start = time.perf_counter()
        option.click()
        return start


def wait_drawn(page, timeout_s: float = 120, complete: bool = True) -> None:
    """Until the map is drawn and (``complete``) the page's script has finished."""
    state = page.wait_for_function(DRAWN if complete else MAP_DRAWN, polling=20, timeout=timeout_s * 1000)
    if state.json_value() == "exception":
        shown = page.locator("[data-testid='stException']").first.inner_text()
        raise RuntimeError("Streamlit exception on the page: " + " | ".join(shown.splitlines()[:3]))


def one_round(browser, side: Side, new_type: str, record: bool = True) -> None:
    """The four steps of the module's docstring, on one side."""
    times: dict[str, float] = {}
    context = browser.new_context(**VIEW)
    try:
        page = context.new_page()
        pid = side.server.process.pid
        cpu = server_cpu(pid)
        start = time.perf_counter()
        page.goto(side.url)
        wait_drawn(page, complete=False)
        times["open"] = time.perf_counter() - start
        wait_drawn(page)
        times["complete"] = time.perf_counter() - start
        opened_cpu = server_cpu(pid) - cpu
        for step, what in (("seen", ASB), (None, "All crime"), ("new", new_type)):
            page.evaluate(MARK_OLD)
            start = side.choose(page, what)
            wait_drawn(page)
            if step:
                times[step] = time.perf_counter() - start
        page.close()
        page = context.new_page()
        start = time.perf_counter()
        page.goto(side.url)
        wait_drawn(page)
        times["again"] = time.perf_counter() - start
        page.close()
    finally:
        context.close()
    if record:
        for step, seconds in times.items():
            side.times.setdefault(step, []).append(seconds)
        side.cpu.append(opened_cpu)


def race(name: str, data_dir: Path, tmp: Path, repeat: int, browser) -> dict[str, Side]:
    app = HostServer({"SIA_DATA_DIR": str(data_dir), "SIA_CACHE_DIR": str(tmp / f"cache-{name}")},
                     tmp / f"app-{name}.log")
    naive = None
    try:
        naive = NaiveServer(tmp / f"naive-{name}", data_dir)
        sides = [Side("app", app, "/map"), Side("naive", naive, "/")]
        for side in sides:  # fills the servers' caches (the seen filter too) and the static files
            one_round(browser, side, WARM_TYPE, record=False)
        for i in range(repeat):
            for side in (sides if i % 2 == 0 else sides[::-1]):
                one_round(browser, side, NEW_TYPES[i % len(NEW_TYPES)])
        return {side.name: side for side in sides}
    finally:
        app.stop()
        if naive is not None:
            naive.stop()


def report(name: str, rows: int, sides: dict[str, Side], repeat: int) -> None:
    app, naive = sides["app"], sides["naive"]
    print(f"\n{name} ({rows:,} incidents): median of {repeat} (min to max), seconds")
    print(f"  {'':<34} {'app /map':>19} {'naive page':>19} {'naive / app':>12}")
    for step, label in STEPS.items():
        a, n = app.times[step], naive.times[step]

        def cell(runs):
            return f"{statistics.median(runs):.2f} ({min(runs):.2f}-{max(runs):.2f})"

        print(f"  {label:<34} {cell(a):>19} {cell(n):>19} {statistics.median(n) / statistics.median(a):>11.2f}x")
    cpu = "server CPU per open (to complete)"
    print(f"  {cpu:<34} {statistics.median(app.cpu):>18.3f}s {statistics.median(naive.cpu):>18.3f}s")
    ratio = statistics.median(naive.times["open"]) / statistics.median(app.times["open"])
    print(f"  open /map against the naive page: the app is {ratio:.2f}x as fast (target at least {TARGET}x) "
          f"-> {'met' if ratio >= TARGET else 'NOT met'}")


# --- data ---------------------------------------------------------------------------------------------

def incident_rows(data_dir: Path) -> int:
    import pyarrow.parquet as pq

    build = data_dir / "builds" / (data_dir / "CURRENT").read_text().strip()
    return pq.ParquetFile(build / "incidents.parquet").metadata.num_rows


def synthetic(folder: Path, rows: int) -> Path:
    """A synthetic dataset of about ``rows`` incidents placed in Derby's wards (built once
    into ``folder``): page_cpu_benchmark.synthetic_dataset, asked for as many more as fall
    outside the wards or have no location."""
    if (folder / "data" / "CURRENT").exists():
        return folder / "data"
    import geopandas as gpd
    import numpy as np
    import shapely
    from ingest_benchmark import REAL_WARDS

    from sia.dataset.geography import BNG, SNAP_DISTANCE_M

    # The share of the writer's points (uniform over a box around Derby) that the ingest
    # keeps: those in a ward or within its snapping distance of one, less 1% without a place.
    rng = np.random.default_rng(0)
    n = 200_000
    points = gpd.GeoSeries(gpd.points_from_xy(rng.uniform(-1.55, -1.40, n), rng.uniform(52.87, 52.96, n)),
                           crs=4326).to_crs(BNG)
    city = gpd.read_file(REAL_WARDS).to_crs(BNG).union_all().buffer(SNAP_DISTANCE_M)
    share = shapely.contains(city, points.values).mean() * 0.99
    return synthetic_dataset(folder, round(rows / share))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default="real,synthetic")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--data-dir", type=Path, help="the real dataset, if already built")
    parser.add_argument("--synthetic-rows", type=int, default=3 * DERBY_ROWS,
                        help="incidents in Derby's wards (default: three times the issue's Derby dataset)")
    parser.add_argument("--synthetic-dir", type=Path, help="where the synthetic dataset is (or is to be) built")
    parser.add_argument("--profile", action="store_true", help="profile /map's open on the first dataset")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        tmp = Path(tmp)
        browser = p.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS + NO_WAY_OUT)
        try:
            for n, name in enumerate(args.datasets.split(",")):
                if name == "real":
                    data_dir = args.data_dir or real_dataset(tmp / "real")
                else:
                    data_dir = synthetic(args.synthetic_dir or tmp / "synthetic", args.synthetic_rows)
                if args.profile and n == 0:
                    from map_profile import profile

                    profile(data_dir, tmp, browser)
                sides = race(name, data_dir, tmp, args.repeat, browser)
                report(name, incident_rows(data_dir), sides, args.repeat)
        finally:
            browser.close()


if __name__ == "__main__":
    main()
