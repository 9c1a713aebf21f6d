"""Load test: many browser sessions at once against the app on 127.0.0.1 (run by hand).

    python benchmarks/load_test.py [--data-dir DIR] [--sessions 20] [--timeout 120] [--deadline 900]

Starts the app on a free loopback port on the real dataset (built from ../shared/data into
a temporary folder unless --data-dir is given) and drives Debian's Chromium, one browser
context per session. One session runs alone first (it fills the server's caches and gives
the memory after one session), then --sessions sessions run at once. Each session:

  overview  open / until the page title is shown, its three charts are drawn and the
            script has finished (stApp's data-test-script-state is notRunning);
  map       follow the sidebar link to /map until the 17 ward polygons are drawn in the
            folium frame and the script has finished;
  filter    pick "Per 1,000 residents a year" in the sidebar until the map is redrawn with
            that legend and the script has finished.

Prints p50/p95 per step, every error (a step timing out, a Streamlit exception on the page,
a browser console error or page error, a request to anything but 127.0.0.1), and the
server's memory (RSS of its process and children from /proc, sampled every 0.2 s): its peak,
after one session and after all the sessions (all still connected), so that data copied per
session would show. Also the CPU time used by the server and by the browser during the
concurrent run, to tell which one is the bottleneck. Bounded: each step has --timeout
seconds and the whole run --deadline seconds. Exits 1 if anything went wrong. Screenshots of
failed steps and the server log go to --artifacts (default /tmp/loadtest).
"""
from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
from map_benchmark import CHROMIUM_ARGS, FRAME, VIEW, real_dataset  # also puts ROOT and tests/ on sys.path

from e2e_server import StreamlitServer  # noqa: E402

OVERVIEW_TITLE = "Derby community safety overview"
MAP_TITLE = "Hotspot map"
RATE = "Per 1,000 residents a year"
STEPS = {
    "overview": "open / (3 charts)",
    "map": "sidebar link to /map (17 wards)",
    "filter": "measure to rate (map redrawn)",
}
LOOPBACK = "127.0.0.1"
# Whatever is not for 127.0.0.1 is sent to a closed port on it and fails there, so nothing
# leaves the machine (such requests are also reported as errors). Blocking with
# context.route instead would pass every request through this script and turn off the cache.
NO_WAY_OUT = ["--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=127.0.0.1"]

# Evaluated in the page every 50 ms until it returns "done" (or "exception": fail at once).
# Stage "script": the server has run the page's script and the browser has its output (stApp
# says notRunning, the page's title and `text` are there). Stage "drawn": moreover the
# browser has drawn it: `charts` Altair charts, or the map in the last folium frame (while
# the page reruns the old and new frames are both present) with 17 ward polygons and a
# legend starting with `legend`.
WAIT = """({stage, title, text, charts, legend}) => {
    const app = document.querySelector("[data-testid='stApp']");
    if (!app || app.dataset.testScriptState !== "notRunning") return false;
    if (document.querySelector("[data-testid='stException']")) return "exception";
    if (![...document.querySelectorAll("h1")].some(h => h.textContent.includes(title))) return false;
    const main = document.querySelector("[data-testid='stMain']");
    if (text && !(main && main.textContent.includes(text))) return false;
    if (stage === "script") return "done";
    if (charts && [...document.querySelectorAll("[data-testid='stVegaLiteChart']")]
            .filter(c => c.querySelector("canvas, svg")).length < charts) return false;
    if (legend) {
        const frames = document.querySelectorAll(FRAMES);
        const doc = frames.length ? frames[frames.length - 1].contentDocument : null;
        if (!doc || doc.querySelectorAll("path.leaflet-interactive").length < 17) return false;
        const shown = doc.querySelector(".sia-legend");
        if (!(shown && shown.textContent.startsWith(legend))) return false;
    }
    return "done";
}""".replace("FRAMES", repr(FRAME))

# What the page shows when a step fails, for the error message.
PAGE_STATE = """() => {
    const app = document.querySelector("[data-testid='stApp']");
    const charts = [...document.querySelectorAll("[data-testid='stVegaLiteChart']")];
    const frames = document.querySelectorAll(FRAMES);
    const doc = frames.length ? frames[frames.length - 1].contentDocument : null;
    const legend = doc && doc.querySelector(".sia-legend");
    return `script ${app ? app.dataset.testScriptState : "-"}, ` +
        `connection ${app ? app.dataset.testConnectionState : "-"}, ` +
        `title "${[...document.querySelectorAll("h1")].map(h => h.textContent).join("|")}", ` +
        `charts ${charts.filter(c => c.querySelector("canvas, svg")).length}/${charts.length} drawn, ` +
        `map frames ${frames.length}, polygons ${doc ? doc.querySelectorAll("path.leaflet-interactive").length : 0}, ` +
        `legend "${legend ? legend.textContent.slice(0, 40) : ""}"`;
}""".replace("FRAMES", repr(FRAME))


@dataclass
class Session:
    number: int
    timings: dict[str, float] = field(default_factory=dict)  # step -> seconds to drawn
    script: dict[str, float] = field(default_factory=dict)  # step -> seconds to the script's output
    errors: list[str] = field(default_factory=list)
    pending: dict = field(default_factory=dict)  # request -> when it started
    waits: list[float] = field(default_factory=list)  # each HTTP request: seconds to the first byte


# --- the server's memory and CPU, from /proc ----------------------------------------------

def _process_table() -> dict[int, tuple[int, int]]:
    """pid -> (parent pid, utime + stime in clock ticks) for every process."""
    table = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()  # after "pid (comm) "
        table[int(entry.name)] = (int(fields[1]), int(fields[11]) + int(fields[12]))
    return table


def tree(root: int, table: dict[int, tuple[int, int]]) -> list[int]:
    """root and all its descendants."""
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        if pid in table:
            found.append(pid)
            todo.extend(children.get(pid, []))
    return found


def _status_kb(path: str, key: str) -> int:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(key):
                return int(line.split()[1])
    except OSError:
        pass  # ended meanwhile
    return 0


def rss_bytes(pids: list[int]) -> int:
    return sum(_status_kb(f"/proc/{pid}/status", "VmRSS:") for pid in pids) * 1024


def pss_bytes(pids: list[int]) -> int:
    """Proportional set size: Chromium's processes share much of their memory, which a sum
    of RSS would count many times over."""
    return sum(_status_kb(f"/proc/{pid}/smaps_rollup", "Pss:") for pid in pids) * 1024


class MemorySampler(threading.Thread):
    """RSS of the server's process tree every `interval` seconds; the peak and the latest."""

    def __init__(self, server_pid: int, interval: float = 0.2):
        super().__init__(daemon=True)
        self.server_pid, self.interval = server_pid, interval
        self.peak = self.latest = 0
        self.browser_peak = 0  # PSS of the rest of this script's tree: Playwright's driver, Chromium
        self._count = 0
        self._halt, self._lock = threading.Event(), threading.Lock()

    def sample(self) -> int:
        with self._lock:
            return self._sample()

    def _sample(self) -> int:
        table = _process_table()
        server = tree(self.server_pid, table)
        self.latest = rss_bytes(server)
        self.peak = max(self.peak, self.latest)
        self._count += 1
        if self._count % 5 == 1:  # once a second: reading smaps_rollup costs more
            others = [p for p in tree(os.getpid(), table) if p not in server and p != os.getpid()]
            self.browser_peak = max(self.browser_peak, pss_bytes(others))
        return self.latest

    def run(self) -> None:
        while not self._halt.wait(self.interval):
            self.sample()

    def halt(self) -> None:
        self._halt.set()
        if self.is_alive():
            self.join()


class HealthProbe(threading.Thread):
    """How long the server takes to answer /_stcore/health, once a second while probing:
    slow answers would mean its event loop (or the interpreter lock) is the bottleneck."""

    def __init__(self, url: str):
        super().__init__(daemon=True)
        self.url, self.times, self.failures = f"{url}/_stcore/health", [], []
        self.probing, self._halt = threading.Event(), threading.Event()

    def run(self) -> None:
        while not self._halt.wait(1):
            if self.probing.is_set():
                start = time.perf_counter()
                try:
                    with urllib.request.urlopen(self.url, timeout=30) as answer:
                        answer.read()
                    self.times.append(time.perf_counter() - start)
                except OSError as exc:
                    self.failures.append(str(exc))

    def halt(self) -> None:
        self._halt.set()
        if self.is_alive():
            self.join()


class CpuMeter:
    """CPU seconds used between start() and stop() by the server tree, by the rest of this
    script's process tree (Playwright's driver and Chromium) and by the whole machine."""

    def __init__(self, server_pid: int):
        self.server_pid = server_pid

    def _read(self):
        table = _process_table()
        server = set(tree(self.server_pid, table))
        mine = set(tree(os.getpid(), table)) - server - {os.getpid()}
        with open("/proc/stat") as f:
            cpu = [int(x) for x in f.readline().split()[1:]]
        busy = sum(cpu) - cpu[3] - cpu[4]  # all but idle and iowait
        return ({p: table[p][1] for p in server}, {p: table[p][1] for p in mine}, busy, time.monotonic())

    def start(self) -> None:
        self._start = self._read()

    def stop(self) -> dict[str, float]:
        end, start = self._read(), self._start
        tick = os.sysconf("SC_CLK_TCK")

        def used(i):  # processes that started meanwhile count in full; ended ones are lost
            return sum(t - start[i].get(p, 0) for p, t in end[i].items()) / tick

        return {"wall": end[3] - start[3], "server": used(0), "browser": used(1),
                "machine": (end[2] - start[2]) / tick}


# --- one browser session ----------------------------------------------------------------------

class Clock:
    """The overall deadline; each step gets --timeout seconds or what is left of it."""

    def __init__(self, step_timeout: float, deadline: float):
        self.step_timeout, self.end = step_timeout, time.monotonic() + deadline

    def step_budget(self) -> float:
        return min(self.step_timeout, self.end - time.monotonic())


async def open_session(browser, session: Session):
    """A new browser context and tab that records errors, requests leaving 127.0.0.1 and
    the requests still under way (for the message when a step times out)."""
    context = await browser.new_context(**VIEW, locale="en-GB")
    page = await context.new_page()
    note = session.errors.append

    def outside(u: str) -> bool:
        parsed = urlparse(u)
        return parsed.scheme not in ("data", "blob", "about") and parsed.hostname != LOOPBACK

    def request(r):
        session.pending[r] = time.monotonic()
        if outside(r.url):
            note(f"request outside 127.0.0.1: {r.url}")

    def finished(r):
        session.pending.pop(r, None)
        timing = r.timing
        if timing["requestStart"] >= 0 and timing["responseStart"] >= 0:
            session.waits.append((timing["responseStart"] - timing["requestStart"]) / 1000)

    page.on("request", request)
    page.on("requestfinished", finished)
    page.on("requestfailed", lambda r: session.pending.pop(r, None))
    page.on("websocket", lambda ws: outside(ws.url) and note(f"websocket outside 127.0.0.1: {ws.url}"))
    page.on("console", lambda m: m.type == "error" and note(f"console error: {m.text} ({m.location.get('url')})"))
    page.on("pageerror", lambda e: note(f"page error: {e}"))
    return context, page


async def run_steps(page, url: str, session: Session, clock: Clock, artifacts: Path) -> None:
    """The three steps in one tab, timed; a failed step ends the session (the tab stays
    open, so that its server session stays live)."""
    note = session.errors.append

    async def step(name: str, action, done: dict) -> bool:
        budget = clock.step_budget()
        if budget <= 0:
            note(f"{name}: overall deadline reached before the step")
            return False
        start = time.perf_counter()
        try:
            await action(budget * 1000)
            for stage in ("script", "drawn"):
                left = budget - (time.perf_counter() - start)
                state = await page.wait_for_function(WAIT, arg={**done, "stage": stage},
                                                     timeout=max(left, 0.001) * 1000, polling=50)
                outcome = await state.json_value()
                if outcome != "done":
                    break
                (session.script if stage == "script" else session.timings)[name] = time.perf_counter() - start
        except Exception as exc:  # Playwright's TimeoutError and anything the browser throws
            outcome = f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
            if "Timeout" in type(exc).__name__:
                outcome = f"timed out after {budget:.0f} s"
        if outcome == "done":
            return True
        if outcome == "exception":
            shown = await page.locator("[data-testid='stException']").first.inner_text()
            outcome = "Streamlit exception on the page: " + " | ".join(shown.splitlines()[:3])
        try:
            outcome += f"; page: {await page.evaluate(PAGE_STATE)}"
        except Exception:
            pass
        if session.pending:
            now = time.monotonic()
            waiting = sorted(session.pending.items(), key=lambda item: item[1])
            outcome += f"; {len(waiting)} request(s) unanswered, e.g. " + ", ".join(
                f"{urlparse(r.url).path} ({now - t:.0f} s)" for r, t in waiting[:3])
        note(f"{name}: {outcome}")
        try:
            await page.screenshot(path=artifacts / f"session-{session.number}-{name}.png", full_page=True)
        except Exception:
            pass
        return False

    sidebar = page.locator("[data-testid='stSidebar']")
    ok = await step("overview", lambda ms: page.goto(url + "/", wait_until="commit", timeout=ms),
                    {"title": OVERVIEW_TITLE, "charts": 3})
    ok = ok and await step("map", lambda ms: sidebar.get_by_role("link", name=MAP_TITLE).click(timeout=ms),
                           {"title": MAP_TITLE, "legend": "Incidents, "})
    ok = ok and await step("filter", lambda ms: sidebar.get_by_text(RATE, exact=True).click(timeout=ms),
                           {"title": MAP_TITLE, "text": f"Measure: {RATE.lower()}.", "legend": RATE + ", "})
    if ok and session.number == 0:
        await page.screenshot(path=artifacts / "session-0-map.png", full_page=True)


# --- the run ------------------------------------------------------------------------------

def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def dataset_megabytes(data_dir: Path) -> tuple[int, float]:
    """Rows and in-memory size of the dataset's frames, for scale."""
    from sia.dataset.store import open_dataset

    dataset = open_dataset(data_dir)
    size = dataset.incidents.memory_usage(deep=True).sum() + dataset.wards.memory_usage(deep=True).sum()
    return len(dataset.incidents), size / 1e6


async def load(args, url: str, sampler: MemorySampler, cpu: CpuMeter, health: HealthProbe,
               clock: Clock) -> dict:
    from playwright.async_api import async_playwright

    result = {"load": os.getloadavg()}
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS + NO_WAY_OUT)
        try:
            first = Session(0)
            _, page = await open_session(browser, first)
            cpu.start()
            await run_steps(page, url, first, clock, args.artifacts)
            result["cpu_first"] = cpu.stop()
            await asyncio.sleep(args.settle)
            result["after_one"] = sampler.sample()
            result["first"] = first

            # Open every context and tab first, then start all the sessions together.
            sessions = [Session(i) for i in range(1, args.sessions + 1)]
            pages = [page for _, page in await asyncio.gather(*(open_session(browser, s) for s in sessions))]
            cpu.start()
            health.probing.set()
            started = time.perf_counter()
            tasks = [asyncio.create_task(run_steps(page, url, s, clock, args.artifacts))
                     for page, s in zip(pages, sessions)]
            _, pending = await asyncio.wait(tasks, timeout=max(clock.end - time.monotonic(), 0) + 30)
            result["wall"] = time.perf_counter() - started
            result["cpu"] = cpu.stop()
            health.probing.clear()
            for task, session in zip(tasks, sessions):
                if task in pending:
                    task.cancel()
                    session.errors.append("session did not finish by the overall deadline")
                elif task.exception() is not None:
                    session.errors.append(f"session failed: {task.exception()!r}")
            await asyncio.sleep(args.settle)
            result["after_all"] = sampler.sample()
            result["sessions"] = sessions
        finally:
            await browser.close()
    return result


def report(data_rows: int, data_mb: float, idle: int, result: dict, sampler: MemorySampler,
           health: HealthProbe) -> int:
    mb = 1 / 1e6
    first, sessions = result["first"], result["sessions"]
    n = len(sessions)
    print(f"load test: {n} concurrent browser sessions, real dataset ({data_rows:,} incidents), "
          f"server on 127.0.0.1, {os.cpu_count()} CPUs (load average {result['load'][0]:.1f} at the start)")
    print("one session alone first (fills the server's caches), seconds to drawn:  " +
          (", ".join(f"{k} {first.timings[k]:.2f}" for k in STEPS if k in first.timings) or "none") +
          f"; server CPU {result['cpu_first']['server']:.1f} s")
    print(f"{n} sessions at once (wall time for all: {result['wall']:.1f} s), seconds from the step's "
          f"start until:")
    print(f"  {'':<40} {'script output':^15} {'drawn':^23}")
    print(f"  {'step':<40} {'p50':>7} {'p95':>7} {'p50':>7} {'p95':>7} {'max':>7}  done")
    for name, label in STEPS.items():
        script = [s.script[name] for s in sessions if name in s.script]
        drawn = [s.timings[name] for s in sessions if name in s.timings]
        print(f"  {name + ': ' + label:<40} {percentile(script, 50):7.2f} {percentile(script, 95):7.2f} "
              f"{percentile(drawn, 50):7.2f} {percentile(drawn, 95):7.2f} "
              f"{max(drawn, default=float('nan')):7.2f}  {len(drawn)}/{n}")
    errors = [(s.number, e) for s in [first, *sessions] for e in s.errors]
    print(f"errors: {len(errors)}")
    for number, error in errors:
        print(f"  session {number}: {error}")
    c = result["cpu"]
    print(f"server memory (RSS of the server process and its children, sampled every "
          f"{sampler.interval:g} s):")
    print(f"  started, before any session:               {idle * mb:7.1f} MB")
    print(f"  after 1 session:                           {result['after_one'] * mb:7.1f} MB")
    print(f"  after {n} more sessions (all still open):   {result['after_all'] * mb:7.1f} MB  "
          f"({(result['after_all'] - result['after_one']) * mb / max(n, 1):+.1f} MB a session)")
    print(f"  peak:                                      {sampler.peak * mb:7.1f} MB")
    print(f"  the dataset's frames take {data_mb:.1f} MB in memory; one copy per session would add "
          f"{data_mb * n:.0f} MB for {n} sessions")
    print(f"CPU time while the {n} sessions ran ({c['wall']:.1f} s wall, {os.cpu_count()} CPUs = "
          f"{c['wall'] * os.cpu_count():.0f} CPU s): server {c['server']:.1f} s "
          f"({c['server'] / c['wall']:.0%} of one core; {c['server'] / n:.2f} s a session), "
          f"Playwright + Chromium {c['browser']:.1f} s, "
          f"other processes {max(c['machine'] - c['server'] - c['browser'], 0):.1f} s; "
          f"browser peak memory (PSS) {sampler.browser_peak * mb:,.0f} MB")
    waits = [w for s in sessions for w in s.waits]
    print(f"the server's answers meanwhile: HTTP requests' time to first byte p50 "
          f"{percentile(waits, 50) * 1000:.0f} ms, p95 {percentile(waits, 95) * 1000:.0f} ms, "
          f"max {max(waits, default=float('nan')) * 1000:.0f} ms ({len(waits)} requests);")
    print(f"  /_stcore/health answered in p50 {percentile(health.times, 50) * 1000:.0f} ms, "
          f"max {max(health.times, default=float('nan')) * 1000:.0f} ms ({len(health.times)} probes"
          + (f", {len(health.failures)} failed: {health.failures[0]}" if health.failures else "") + ")")
    return 1 if errors else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, help="a built dataset (default: the real data, built now)")
    parser.add_argument("--sessions", type=int, default=20, help="concurrent browser sessions (default 20)")
    parser.add_argument("--timeout", type=float, default=120, help="seconds allowed for each step (default 120)")
    parser.add_argument("--deadline", type=float, default=900,
                        help="seconds allowed for all the sessions, server start excluded (default 900)")
    parser.add_argument("--settle", type=float, default=2, help="seconds to wait before reading memory")
    parser.add_argument("--chromium", default=os.environ.get("SIA_CHROMIUM", "/usr/bin/chromium"))
    parser.add_argument("--artifacts", type=Path, default=Path("/tmp/loadtest"))
    args = parser.parse_args()
    args.artifacts.mkdir(parents=True, exist_ok=True)
    for old in args.artifacts.glob("session-*.png"):
        old.unlink()
    os.environ["PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD"] = "1"  # never fetch a browser

    def stop_on_term(*_):  # so that `finally` stops the server on kill <pid> as on Ctrl-C
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop_on_term)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        data_dir = args.data_dir or real_dataset(tmp / "real")
        data_rows, data_mb = dataset_megabytes(data_dir)
        server = StreamlitServer({"SIA_DATA_DIR": str(data_dir), "SIA_CACHE_DIR": str(tmp)},
                                 args.artifacts / "server.log")
        sampler, health = MemorySampler(server.process.pid), HealthProbe(server.url)
        try:
            idle = sampler.sample()
            sampler.start()
            health.start()
            clock = Clock(args.timeout, args.deadline)
            result = asyncio.run(load(args, server.url, sampler, CpuMeter(server.process.pid), health, clock))
        finally:
            server.stop()
            sampler.halt()
            health.halt()
    code = report(data_rows, data_mb, idle, result, sampler, health)
    print(f"server log and screenshots: {args.artifacts}")
    return code


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("interrupted; the server and the browser were stopped", file=sys.stderr)
        sys.exit(130)
