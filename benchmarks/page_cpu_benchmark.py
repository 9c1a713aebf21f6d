"""Server CPU per page view, beside a bare Streamlit page (run by hand; prints figures).

    python benchmarks/page_cpu_benchmark.py [--datasets demo,real,synthetic] [--views 8]
        [--data-dir DIR] [--synthetic-rows 3000000] [--synthetic-dir DIR]

For each dataset (the demo; the real months of ../shared/data; a synthetic dataset of
--synthetic-rows incidents over two financial years, written the way the ingest benchmark
writes its force month), starts the app and, in the same run, a one-title Streamlit page on
127.0.0.1, and drives one headless Chromium:

- warm view: each page opened --views times after a first opening, the server's CPU
  seconds (user + system, from /proc, for the server process and its children) over those
  openings divided by their number;
- first view of a new filter: each page opened with a crime type not asked for before (so
  nothing is cached for it), CPU seconds and wall seconds until the script has finished;
- the server's memory (RSS) after all of that;

and prints each beside the bare page's warm view (a one-title page with Streamlit's
defaults: what Streamlit itself needs for a view) and the ratio; the same page under this
app's .streamlit/config.toml is printed too. Targets (issue 18): warm
views within 2x the bare page on the real data; at 3 million rows within 3x, first views
of a new filter under 3 s and the server under 1 GB.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from load_test import WAIT, _process_table, tree  # also puts ROOT and tests/ on sys.path
from map_benchmark import CHROMIUM_ARGS, VIEW, real_dataset

from e2e_server import StreamlitServer  # noqa: E402
from support import ROOT  # noqa: E402

PAGES = {"/about": "About this dashboard", "/": "Derby community safety overview", "/map": "Hotspot map",
         "/ward?ward=Normanton": "Ward profile: Normanton", "/priorities": "Priorities", "/data": "Data and quality"}
# A crime type per first view: none of them asked for before on that page.
FRESH_TYPES = ("Burglary", "Robbery", "Drugs", "Shoplifting", "Bicycle theft", "Vehicle crime")
BARE_PAGE = 'import streamlit as st\nst.title("Bare page")\n'
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


def open_until_done(page, url: str, title: str, timeout_s: float = 300) -> float:
    """Wall seconds from asking for the page to its script finished and its output shown."""
    start = time.perf_counter()
    page.goto(url)
    page.wait_for_function(WAIT, arg={"stage": "script", "title": title, "text": "", "charts": 0, "legend": ""},
                           polling=50, timeout=timeout_s * 1000)
    return time.perf_counter() - start


def warm_cpu(page, pid: int, url: str, title: str, views: int) -> float:
    open_until_done(page, url, title)  # the first opening fills the caches
    time.sleep(0.5)  # let the server settle before counting
    before = server_cpu(pid)
    for _ in range(views):
        open_until_done(page, url, title)
    time.sleep(0.3)
    return (server_cpu(pid) - before) / views


class BareServer(StreamlitServer):
    """A one-title Streamlit page on the same machine: the floor of a page view. Started in
    a folder of its own, it runs with Streamlit's defaults; ``app_config`` gives it this
    app's .streamlit/config.toml instead (which, for one, skips the garbage collection
    Streamlit runs after every script run by default)."""

    def __init__(self, folder: Path, app_config: bool = False):
        folder = folder / ("bare-app-config" if app_config else "bare")
        folder.mkdir(exist_ok=True)
        script = folder / "bare.py"
        script.write_text(BARE_PAGE)
        super().__init__({}, folder / "bare.log", script=script, cwd=ROOT if app_config else folder)


def measure(dataset: str, data_dir: Path, tmp: Path, views: int, browser) -> dict:
    server = StreamlitServer({"SIA_DATA_DIR": str(data_dir), "SIA_CACHE_DIR": str(tmp / f"cache-{dataset}")},
                             tmp / f"{dataset}.log")
    bare, bare_app_config = BareServer(tmp), BareServer(tmp, app_config=True)
    out: dict = {"pages": {}}
    try:
        context = browser.new_context(**VIEW)
        page = context.new_page()
        out["bare"] = warm_cpu(page, bare.process.pid, bare.url, "Bare page", views)
        out["bare_app_config"] = warm_cpu(page, bare_app_config.process.pid, bare_app_config.url, "Bare page", views)
        for path, title in PAGES.items():
            warm = warm_cpu(page, server.process.pid, server.url + path, title, views)
            firsts, walls = [], []
            for crime in FRESH_TYPES[:3]:
                joiner = "&" if "?" in path else "?"
                before = server_cpu(server.process.pid)
                walls.append(open_until_done(page, f"{server.url}{path}{joiner}crime={crime.replace(' ', '+')}", title))
                time.sleep(0.3)
                firsts.append(server_cpu(server.process.pid) - before)
            out["pages"][path] = {"warm": warm, "first_cpu": statistics.median(firsts), "first_wall": max(walls)}
        out["rss_mb"] = server_rss_mb(server.process.pid)
        context.close()
    finally:
        server.stop()
        bare.stop()
        bare_app_config.stop()
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
        browser = p.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
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
    bare = result["bare"]
    print(f"\n{name}: server CPU a view (warm: mean of {views}; first view of a new filter: median of 3), "
          f"bare one-title page {bare:.3f} s a view (with Streamlit's defaults; with this app's "
          f".streamlit/config.toml {result['bare_app_config']:.3f} s)")
    print(f"  {'page':<24} {'warm':>8} {'x bare':>7} {'first':>8} {'x bare':>7} {'first, wall':>12}")
    for path, r in result["pages"].items():
        print(f"  {path:<24} {r['warm']:>7.3f}s {r['warm'] / bare:>6.1f}x {r['first_cpu']:>7.2f}s "
              f"{r['first_cpu'] / bare:>6.1f}x {r['first_wall']:>11.2f}s")
    print(f"  server memory after: {result['rss_mb']:,.0f} MB")


if __name__ == "__main__":
    main()
