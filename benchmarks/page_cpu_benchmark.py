"""Server CPU per complete page view, beside a bare Streamlit page (run by hand; prints figures).

    python benchmarks/page_cpu_benchmark.py [--datasets demo,real,synthetic] [--views 8]
        [--data-dir DIR] [--synthetic-rows 3000000] [--synthetic-dir DIR]

For each dataset (the demo; the real months of ../shared/data; a synthetic dataset of
--synthetic-rows incidents over two financial years, written the way the ingest benchmark
writes its force month), starts the app as the README tells a host to run it (``streamlit
run serve.py`` from the repository, so with its .streamlit/config.toml, given only the
address and port), and in the same run a one-title Streamlit page without a file watcher,
all on 127.0.0.1, and drives one headless Chromium. A view is counted until the page is
complete, not only until its script has finished: the script finished, the page's title
shown, no spinner, skeleton or stale element left, every chart drawn, every component frame
loaded (the hotspot map: its 17 ward polygons drawn), every image loaded, and then no
request under way for 0.3 s (so that the frames', static files' and media's requests are
counted too). In one browser tab:

- warm view: once every page has been loaded once (the server's one-time work, such as
  starting its worker processes, is no page's), each page loaded --views times after a
  first load, the server's CPU seconds (user + system, from /proc, for the server process
  and its children: the app's worker processes too) over those loads divided by their
  number; of that, the part used by the time the browser saw the script finished (what
  this benchmark counted before); and the wall seconds to complete;
- first view of a new filter: each page loaded with a crime type not asked for before (so
  nothing is cached for it), CPU seconds and wall seconds until the page is complete;
- the server's memory (RSS) after all of that;

and prints each beside the bare page's warm view (a one-title page with Streamlit's
defaults but no file watcher: what Streamlit itself needs for a view) and the ratio; the
same page under this app's .streamlit/config.toml is printed too. Targets: complete warm
views of /, /map and /ward within 2x the bare page (issue 18's were on the real data; at 3
million rows within 3x, first views of a new filter under 3 s and the server under 1 GB).
Other work on the machine (two cores, shared with the browser) shows in the figures.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from load_test import NO_WAY_OUT, WAIT, _process_table, tree  # also puts ROOT and tests/ on sys.path
from map_benchmark import CHROMIUM_ARGS, FRAME, VIEW, real_dataset

from e2e_server import StreamlitServer, _free_port  # noqa: E402
from support import ROOT  # noqa: E402

PAGES = {"/about": "About this dashboard", "/": "Derby community safety overview", "/map": "Hotspot map",
         "/ward?ward=Normanton": "Ward profile: Normanton", "/priorities": "Priorities", "/data": "Data and quality"}
# A crime type per first view: none of them asked for before on that page.
FRESH_TYPES = ("Burglary", "Robbery", "Drugs", "Shoplifting", "Bicycle theft", "Vehicle crime")
BARE_PAGE = 'import streamlit as st\nst.title("Bare page")\n'
TARGET_PAGES = ("/", "/map", "/ward?ward=Normanton")  # complete warm views within 2x the bare page
TICKS = os.sysconf("SC_CLK_TCK")


def server_cpu(pid: int) -> float:
    """CPU seconds (user + system) of the process and its children so far."""
    table = _process_table()
    return sum(table[p][1] for p in tree(pid, table)) / TICKS


def server_rss_mb(pid: int) -> float:
    total = 0
    for p in tree(pid, _process_table()):
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


# Evaluated every 50 ms after the script has finished: "done" when nothing on the page is
# still loading (see the module's docstring); "exception" when Streamlit shows one.
COMPLETE = """(title) => {
    const app = document.querySelector("[data-testid='stApp']");
    if (!app || app.dataset.testScriptState !== "notRunning") return false;
    if (document.querySelector("[data-testid='stException']")) return "exception";
    if (![...document.querySelectorAll("h1")].some(h => h.textContent.includes(title))) return false;
    if (document.querySelector("[data-testid='stSpinner'], [data-testid='stSkeleton'], [data-stale='true']"))
        return false;
    if ([...document.querySelectorAll("[data-testid='stVegaLiteChart']")].some(c => !c.querySelector("canvas, svg")))
        return false;
    for (const frame of document.querySelectorAll("iframe")) {
        const doc = frame.contentDocument;
        if (!doc || doc.readyState !== "complete" || doc.location.href === "about:blank") return false;
        if (frame.matches(FRAME) && doc.querySelectorAll("path.leaflet-interactive").length < 17) return false;
        if ([...doc.images].some(i => !i.complete)) return false;
    }
    if ([...document.images].some(i => !i.complete)) return false;
    return "done";
}""".replace("FRAME", repr(FRAME))
QUIET_S, SETTLE_LIMIT_S = 0.3, 5.0


class Requests:
    """The tab's HTTP requests under way (the websocket is not one), and when one last
    started or ended."""

    def __init__(self, page):
        self.pending, self.last = set(), time.monotonic()
        page.on("request", self._started)
        page.on("requestfinished", self._ended)
        page.on("requestfailed", self._ended)

    def _started(self, request):
        self.pending.add(request)
        self.last = time.monotonic()

    def _ended(self, request):
        self.pending.discard(request)
        self.last = time.monotonic()

    def settle(self, page) -> None:
        """Until no request has been under way for QUIET_S (at most SETTLE_LIMIT_S)."""
        end = time.monotonic() + SETTLE_LIMIT_S
        while time.monotonic() < end:
            page.wait_for_timeout(50)  # Playwright delivers the tab's events meanwhile
            if not self.pending and time.monotonic() - self.last >= QUIET_S:
                return


def load(page, requests: Requests, url: str, title: str, pid: int | None = None,
         timeout_s: float = 300) -> tuple[float, float, float]:
    """Loads the page until it is complete and the requests have settled: (wall seconds to
    complete, the server's CPU seconds by the time the script was seen finished, and by the
    end of the settling); the CPU figures are 0 without ``pid``."""
    cpu = server_cpu(pid) if pid else 0.0
    start = time.perf_counter()
    page.goto(url)
    page.wait_for_function(WAIT, arg={"stage": "script", "title": title, "text": "", "charts": 0, "legend": ""},
                           polling=50, timeout=timeout_s * 1000)
    script_cpu = server_cpu(pid) - cpu if pid else 0.0
    state = page.wait_for_function(COMPLETE, arg=title, polling=50, timeout=timeout_s * 1000)
    if state.json_value() == "exception":
        shown = page.locator("[data-testid='stException']").first.inner_text()
        raise RuntimeError(f"{url}: Streamlit exception on the page: " + " | ".join(shown.splitlines()[:3]))
    wall = time.perf_counter() - start
    requests.settle(page)
    return wall, script_cpu, (server_cpu(pid) - cpu if pid else 0.0)


def warm_cpu(page, requests: Requests, pid: int, url: str, title: str, views: int) -> dict[str, float]:
    """Mean server CPU seconds of a complete warm view (and by the script's end), mean wall
    seconds to complete."""
    load(page, requests, url, title)  # the first load fills the caches
    time.sleep(0.5)  # let the server settle before counting
    runs = [load(page, requests, url, title, pid) for _ in range(views)]
    return {"cpu": statistics.mean(r[2] for r in runs), "script_cpu": statistics.mean(r[1] for r in runs),
            "wall": statistics.mean(r[0] for r in runs)}


class HostServer(StreamlitServer):
    """``streamlit run serve.py`` from the repository as the README tells a host to start
    it (its .streamlit/config.toml applies), given only the address and port."""

    def __init__(self, env: dict, log: Path):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = open(log, "w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "serve.py", "--server.address", "127.0.0.1",
             "--server.port", str(self.port)],
            cwd=ROOT, env={**os.environ, **env}, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"streamlit exited early; see {log}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"streamlit did not answer within 60 s; see {log}")


class BareServer(StreamlitServer):
    """A one-title Streamlit page on the same machine, without a file watcher: the floor of a
    page view. Started in a folder of its own, it runs with Streamlit's defaults otherwise;
    ``app_config`` gives it this app's .streamlit/config.toml instead (which, for one, skips
    the garbage collection Streamlit runs after every script run by default)."""

    def __init__(self, folder: Path, app_config: bool = False):
        folder = folder / ("bare-app-config" if app_config else "bare")
        folder.mkdir(exist_ok=True)
        script = folder / "bare.py"
        script.write_text(BARE_PAGE)
        # StreamlitServer passes --server.fileWatcherType none (and headless, no usage statistics)
        super().__init__({}, folder / "bare.log", script=script, cwd=ROOT if app_config else folder)


def measure(dataset: str, data_dir: Path, tmp: Path, views: int, browser) -> dict:
    server = bare = bare_app_config = None
    out: dict = {"pages": {}}
    try:
        server = HostServer({"SIA_DATA_DIR": str(data_dir), "SIA_CACHE_DIR": str(tmp / f"cache-{dataset}")},
                            tmp / f"{dataset}.log")
        bare, bare_app_config = BareServer(tmp), BareServer(tmp, app_config=True)
        context = browser.new_context(**VIEW)
        page = context.new_page()
        requests = Requests(page)
        out["bare"] = warm_cpu(page, requests, bare.process.pid, bare.url, "Bare page", views)
        out["bare_app_config"] = warm_cpu(page, requests, bare_app_config.process.pid, bare_app_config.url,
                                          "Bare page", views)
        for path, title in PAGES.items():  # once each first: the server's one-time work (its worker
            try:                             # processes starting, say) is no page's
                load(page, requests, server.url + path, title)
            except Exception:  # noqa: BLE001 - reported below
                pass
        time.sleep(2)
        for path, title in PAGES.items():
            try:
                warm = warm_cpu(page, requests, server.process.pid, server.url + path, title, views)
                firsts, walls = [], []
                for crime in FRESH_TYPES[:3]:
                    joiner = "&" if "?" in path else "?"
                    wall, _, cpu = load(page, requests, f"{server.url}{path}{joiner}crime={crime.replace(' ', '+')}",
                                        title, server.process.pid)
                    walls.append(wall)
                    firsts.append(cpu)
            except Exception as exc:  # noqa: BLE001 - a page that fails is reported, the others still measured
                out["pages"][path] = {"error": str(exc).splitlines()[0][:200]}
                continue
            out["pages"][path] = {**warm, "first_cpu": statistics.median(firsts), "first_wall": max(walls)}
        out["rss_mb"] = server_rss_mb(server.process.pid)
        context.close()
    finally:
        for running in (server, bare, bare_app_config):
            if running is not None:
                running.stop()
    return out


def synthetic_dataset(folder: Path, rows: int) -> Path:
    """Two financial years (April 2018 to March 2020) of incidents all over Derby, a street
    file a month written by the ingest benchmark's writer, ingested with the real wards."""
    from ingest_benchmark import REAL_WARDS, write_force_month

    months = [f"{y}-{m:02d}" for y, ms in ((2018, range(4, 13)), (2019, range(1, 13)), (2020, range(1, 4)))
              for m in ms]
    sources = folder / "police"
    for i, month in enumerate(months):
        path = sources / month / f"{month}-derbyshire-street.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        write_force_month(path, rows // len(months), seed=i, month=month, derby_share=1.0)
    data_dir = folder / "data"
    subprocess.run([sys.executable, "-m", "sia", "ingest", str(sources), "--wards", str(REAL_WARDS),
                    "--data-dir", str(data_dir)], cwd=ROOT, check=True, capture_output=True)
    return data_dir


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default="demo,real,synthetic")
    parser.add_argument("--views", type=int, default=8)
    parser.add_argument("--data-dir", type=Path, help="the real dataset, if already built")
    parser.add_argument("--synthetic-rows", type=int, default=3_000_000)
    parser.add_argument("--synthetic-dir", type=Path, help="the synthetic dataset, if already built "
                        "(its data/ folder), or where to build it")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    results = {}
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        tmp = Path(tmp)
        browser = p.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS + NO_WAY_OUT)
        for name in args.datasets.split(","):
            if name == "demo":
                data_dir = tmp / "demo"
                subprocess.run([sys.executable, "-m", "sia", "demo", "--data-dir", str(data_dir)], cwd=ROOT,
                               check=True, capture_output=True)
            elif name == "real":
                data_dir = args.data_dir or real_dataset(tmp / "real")
            elif args.synthetic_dir and (args.synthetic_dir / "data" / "CURRENT").exists():
                data_dir = args.synthetic_dir / "data"
            else:
                data_dir = synthetic_dataset(args.synthetic_dir or tmp / "synthetic", args.synthetic_rows)
            results[name] = measure(name, data_dir, tmp, args.views, browser)
            report(name, results[name], args.views)
        browser.close()


def report(name: str, result: dict, views: int) -> None:
    bare = result["bare"]["cpu"]
    print(f"\n{name}: server CPU a complete view (warm: mean of {views}; first view of a new filter: median of 3), "
          f"bare one-title page {bare:.3f} s a view (Streamlit's defaults, no file watcher; under this app's "
          f".streamlit/config.toml {result['bare_app_config']['cpu']:.3f} s)")
    print(f"  {'page':<24} {'warm':>8} {'x bare':>7} {'by script end':>14} {'wall':>6} {'first':>8} {'x bare':>7} "
          f"{'first, wall':>12}")
    for path, r in result["pages"].items():
        if "error" in r:
            print(f"  {path:<24} failed: {r['error']}")
            continue
        target = "  (target 2x)" if path in TARGET_PAGES else ""
        print(f"  {path:<24} {r['cpu']:>7.3f}s {r['cpu'] / bare:>6.1f}x {r['script_cpu']:>13.3f}s {r['wall']:>5.2f}s "
              f"{r['first_cpu']:>7.2f}s {r['first_cpu'] / bare:>6.1f}x {r['first_wall']:>11.2f}s{target}")
    print(f"  server memory after: {result['rss_mb']:,.0f} MB")


if __name__ == "__main__":
    main()
