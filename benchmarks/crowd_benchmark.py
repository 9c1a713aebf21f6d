"""Crowd benchmark: many sessions opening heavy map views at once while one viewer reads
light pages (run by hand; prints figures; exits 1 on any failure).

    python benchmarks/crowd_benchmark.py [--data-dir DIR | --demo] [--sessions 20]
        [--timeout 120] [--deadline 900] [--same-filter]

Starts a fresh server (serve.py, the request gate in front of app.py) on a free loopback
port on the real dataset (built from ../shared/data into a temporary folder unless
--data-dir names a built one; --demo: the built-in synthetic demo) and drives it with
tests/streamlit_client.py, which speaks Streamlit's websocket protocol (no browser), so a
view's time is the server's: from the request to the script's end, every element received.

- The crowd: --sessions sessions at once, each opening the HEAVY map views in turn (each
  session starting at a different one), every session with its own filter (all crime,
  anti-social behaviour, then one crime type each, then pairs), so that the server's
  caches do not make all but the first session free (--same-filter: all alike).
- Beside it a light viewer: one session opening About, the Overview and a ward's profile
  (a different ward each time), one after another for as long as the crowd runs; one round
  alone before the crowd gives its times on an idle server.
- /_stcore/health polled every 0.5 s, its answer time.
- The server's memory: RSS of its process and children, from /proc every 0.2 s.

Targets (printed beside the figures; the exit status is 1 when one is missed): the light
viewer's every view under 2 s and its p95 under 1 s; no error (an exception or error on a
page, the server refusing a heavy figure, a timeout, a dropped connection, a failed health
check); the server's memory under 1.5 GB. Bounded: each view has --timeout seconds, the
crowd and the light viewer together --deadline seconds. The server is always stopped (by
its process id) at the end.
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

from load_test import Clock, CpuMeter, MemorySampler, _process_table, _status_kb, dataset_megabytes, percentile, tree
from map_benchmark import real_dataset  # also puts the repository and tests/ on sys.path

from sia.categories import CRIME_CATEGORIES

from e2e_server import StreamlitServer
from streamlit_client import AsyncStreamlitClient, ConnectionDropped, Run, StreamlitClient

# Four heavy map views, all different: each runs a hotspot or pattern test on many small
# units and sends a map of them. Two years are compared; the trend views are on 2014-15,
# the year with several months, every month of it (lfl=0: matched months would leave only
# September, the one month of 2019-20 in the real data, and no trend to find).
YEARS = "fy=2014-15&fy=2019-20"
HEAVY = {
    "Gi* on LSOAs": f"map?{YEARS}&unit=lsoa&layer=gistar",
    "EHSA trend on hexagons": f"map?{YEARS}&lfl=0&map_fy=2014-15&unit=hex&layer=ehsa",
    "sfhotspot trend on grid": f"map?{YEARS}&lfl=0&map_fy=2014-15&unit=grid&layer=sfhotspot",
    "hotspot shift on LSOAs, points": f"map?{YEARS}&unit=lsoa&layer=shift&points=1",
}
# The light viewer's round: About, the Overview, a ward's profile ({ward}: one per round).
LIGHT = {"about": "about", "overview": "", "ward": "ward?ward={ward}"}
# What a heavy view falls back to, the measure, when its test cannot run (not an error).
FALLBACK = ("No hotspot test", "No pattern over the months")
BUSY = "The server is preparing"  # sia.app.heavy.Busy: the server refused a heavy figure

TARGETS = {"light_max": 2.0, "light_p95": 1.0, "memory_mb": 1500}


def failure(exc: Exception, budget: float) -> str:
    """What went wrong with a view, in words."""
    if isinstance(exc, TimeoutError):
        return f"timed out after {budget:.0f} s"
    if isinstance(exc, ConnectionDropped):
        return f"connection dropped: {exc}"
    return f"failed: {exc!r}"


@dataclass
class View:
    label: str
    run: Run | None = None
    seconds: float = float("nan")
    error: str | None = None
    fallback: bool = False
    ignored: list[str] = field(default_factory=list)  # the app's "Link ignored" notes: part of the link unused


@dataclass
class Viewer:
    name: str
    filter: str = ""
    views: list[View] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def filters(n: int, same: bool) -> list[str]:
    """n different filters for n sessions (the URL's own parameters), or n times all crime."""
    one = [""] + ["type=asb"] + [f"crime={c}" for c in CRIME_CATEGORIES]
    pairs = [f"crime={a}&crime={b}" for i, a in enumerate(CRIME_CATEGORIES) for b in CRIME_CATEGORIES[i + 1:]]
    return [""] * n if same else [(one + pairs)[i % len(one + pairs)] for i in range(n)]


def check(view: View, run: Run, heavy: bool) -> None:
    """What a finished view must show; its problems go to view.error."""
    problems = []
    if run.status != "finished":
        problems.append(f"script ended with {run.status}")
    problems += [f"exception on the page: {e}" for e in run.exceptions]
    problems += [f"page not found: {p}" for p in run.page_not_found]
    problems += [f"{kind} on the page: {body[:200]}" for kind, body in run.alerts
                 if kind == "error" or body.startswith(BUSY)]
    if heavy and not run.element_types.get("component_instance"):
        problems.append("no map was sent")
    if not run.texts:
        problems.append("no text was sent")
    view.fallback = heavy and any(t.startswith(FALLBACK) for t in run.texts)
    view.ignored = [t for t in run.toasts if t.startswith("Link ignored")]
    view.error = "; ".join(problems) or None


# --- the crowd (one event loop, one async client per session) ------------------------------

async def crowd_session(client: AsyncStreamlitClient, viewer: Viewer, order: list[str], clock: Clock) -> None:
    """The connected session's views in turn; it stays connected afterwards (crowd() closes it)."""
    try:
        for label in order:
            view = View(label)
            viewer.views.append(view)
            budget = clock.step_budget()
            if budget <= 0:
                view.error = "overall deadline reached before the view"
                return
            page, query = HEAVY[label].split("?", 1)
            query = "&".join(q for q in (query, viewer.filter) if q)
            began = time.perf_counter()
            try:
                view.run = await client.rerun(page, query, timeout=budget)
            except Exception as exc:
                view.error = failure(exc, budget)
            view.seconds = time.perf_counter() - began
            if view.run is not None:
                check(view, view.run, heavy=True)
            if view.error and (client.dropped or view.run is None):
                return  # a dropped or stuck session goes no further
    finally:
        if client.dropped and not any((v.error or "").startswith("connection dropped") for v in viewer.views):
            viewer.errors.append(f"connection dropped: {client.drop_reason}")


async def crowd(url: str, viewers: list[Viewer], clock: Clock, started: threading.Event, done) -> float:
    """Every session's views, all at once; done() is called when they are over, before the
    sessions are closed."""
    labels = list(HEAVY)
    clients = [AsyncStreamlitClient(url, timeout=max(clock.step_budget(), 1.0)) for _ in viewers]
    connected = await asyncio.gather(*(client.connect() for client in clients), return_exceptions=True)
    tasks = {}
    began = time.perf_counter()
    started.set()
    for i, (client, viewer, outcome) in enumerate(zip(clients, viewers, connected)):
        if isinstance(outcome, BaseException):
            viewer.errors.append(f"could not connect: {outcome!r}")
        else:
            order = labels[i % len(labels):] + labels[:i % len(labels)]
            tasks[asyncio.create_task(crowd_session(client, viewer, order, clock))] = viewer
    _, pending = await asyncio.wait(tasks, timeout=max(clock.end - time.monotonic(), 0) + 30) if tasks else ((), ())
    for task, viewer in tasks.items():
        if task in pending:
            task.cancel()
            viewer.errors.append("session did not finish by the overall deadline")
        elif task.exception() is not None:
            viewer.errors.append(f"session failed: {task.exception()!r}")
    wall = time.perf_counter() - began
    await asyncio.to_thread(done)
    await asyncio.gather(*(client.aclose() for client in clients), return_exceptions=True)
    return wall


# --- the light viewer (its own thread and event loop) --------------------------------------

class LightViewer(threading.Thread):
    """One session: About, Overview, a ward's profile, again and again until told to stop."""

    def __init__(self, url: str, clock: Clock):
        super().__init__(daemon=True)
        self.url, self.clock = url, clock
        self.alone = Viewer("light viewer, alone")
        self.during = Viewer("light viewer, during the crowd")
        self.wards: list[str] = []
        self.client: StreamlitClient | None = None
        self.ready, self.crowd_started, self.halt = threading.Event(), threading.Event(), threading.Event()

    def view(self, viewer: Viewer, label: str, n: int) -> bool:
        budget = self.clock.step_budget()
        if budget <= 0:
            viewer.errors.append("overall deadline reached")
            return False
        path = LIGHT[label].format(ward=self.wards[n % len(self.wards)] if self.wards else "")
        page, _, query = path.partition("?")
        view = View(label)
        viewer.views.append(view)
        began = time.perf_counter()
        try:
            view.run = self.client.rerun(page, query, timeout=budget)
        except Exception as exc:
            view.error = failure(exc, budget)
        view.seconds = time.perf_counter() - began
        if view.run is None:
            return False
        check(view, view.run, heavy=False)
        if label == "ward" and not self.wards:
            self.wards = view.run.widgets.get("Ward", [])
            if not self.wards:
                view.error = (view.error + "; " if view.error else "") + "no ward picker on the ward profile"
        return True

    def run(self) -> None:
        try:
            self.client = StreamlitClient(self.url)
            self.client.connect()
            n = 0
            for label in LIGHT:  # one round alone, on an idle server
                if not self.view(self.alone, label, n):
                    return
            self.ready.set()
            self.crowd_started.wait()
            while not self.halt.is_set():
                for label in LIGHT:
                    if not self.view(self.during, label, n):
                        return
                n += 1
        except Exception as exc:
            self.during.errors.append(f"light viewer failed: {exc!r}")
        finally:
            self.ready.set()
            if self.client is not None:
                if self.client.dropped:
                    self.during.errors.append(f"connection dropped: {self.client.drop_reason}")
                self.client.close()


class ServerMemory(MemorySampler):
    """load_test's sampler (RSS of the server's process tree), which also keeps what each
    process held at the peak: the server, Python's forkserver, worker processes."""

    at_peak: dict[int, tuple[str, int]] = {}

    def _sample(self) -> int:
        table = _process_table()
        each = {pid: _status_kb(f"/proc/{pid}/status", "VmRSS:") * 1024 for pid in tree(self.server_pid, table)}
        self.latest = sum(each.values())
        if self.latest > self.peak:
            self.peak = self.latest
            self.at_peak = {pid: (self._kind(pid, table), rss) for pid, rss in each.items()}
        return self.latest

    def _kind(self, pid: int, table: dict[int, tuple[int, int]]) -> str:
        if pid == self.server_pid:
            return "server"
        if table.get(pid, (0, 0))[0] != self.server_pid:
            return "worker"  # forked by the forkserver (or by another child of the server)
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            return "ended"
        for word, kind in (("forkserver", "forkserver"), ("resource_tracker", "resource tracker")):
            if word in command:
                return kind
        return command[:40] or "?"

    def peak_breakdown(self) -> str:
        kinds: dict[str, list[int]] = {}
        for kind, rss in self.at_peak.values():
            kinds.setdefault(kind, []).append(rss)
        return ", ".join(f"{kind} {sum(v) / 1e6:.0f} MB" + (f" ({len(v)} processes)" if len(v) > 1 else "")
                         for kind, v in sorted(kinds.items(), key=lambda item: -sum(item[1])))


class HealthPoller(threading.Thread):
    """/_stcore/health every `interval` seconds: its answer time, and failures."""

    def __init__(self, url: str, interval: float = 0.5):
        super().__init__(daemon=True)
        self.url, self.interval = f"{url}/_stcore/health", interval
        self.times: list[float] = []
        self.failures: list[str] = []
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.wait(self.interval):
            began = time.perf_counter()
            try:
                with urllib.request.urlopen(self.url, timeout=30) as answer:
                    answer.read()
                self.times.append(time.perf_counter() - began)
            except OSError as exc:
                self.failures.append(str(exc))

    def stop(self) -> None:
        self._halt.set()
        if self.is_alive():
            self.join()


# --- the report --------------------------------------------------------------------------------

def seconds_line(times: list[float]) -> str:
    return (f"n {len(times)}, p50 {percentile(times, 50):.2f} s, p95 {percentile(times, 95):.2f} s, "
            f"max {max(times, default=float('nan')):.2f} s")


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def report(args, data: str, result: dict, sampler: ServerMemory, health: HealthPoller) -> int:
    mb = 1 / 1e6
    crowd_viewers, light = result["crowd"], result["light"]
    n = len(crowd_viewers)
    print(f"crowd benchmark: {n} sessions x {len(HEAVY)} heavy map views at once, one light viewer beside them; "
          f"{data}; server on 127.0.0.1, {os.cpu_count()} CPUs (load average {result['load'][0]:.1f} at the start)")
    print(f"  filters: {'all crime for every session' if args.same_filter else 'one per session'}; "
          f"crowd wall time {result['wall']:.1f} s")

    during = [v.seconds for v in light.during.views if v.run is not None]  # timeouts are errors below
    print("light viewer (About, Overview, a ward's profile, one after another):")
    print("  alone, before the crowd:  " + ", ".join(f"{v.label} {v.seconds:.2f} s" for v in light.alone.views))
    print(f"  during the crowd: {seconds_line(during)}; above 1 s: {sum(t > 1 for t in during)}, "
          f"above 2 s: {sum(t > 2 for t in during)}")
    for label in LIGHT:
        times = [v.seconds for v in light.during.views if v.label == label and v.run is not None]
        print(f"    {label:<10} {seconds_line(times)}")
    light_ok = bool(during) and max(during) < TARGETS["light_max"] and percentile(during, 95) < TARGETS["light_p95"]
    print(f"  target: every view under {TARGETS['light_max']:g} s and p95 under {TARGETS['light_p95']:g} s: "
          f"{verdict(light_ok)}")

    heavy = [v for c in crowd_viewers for v in c.views]
    done = [v.seconds for v in heavy if v.run is not None]
    print(f"heavy views: {len(done)}/{n * len(HEAVY)} done, {seconds_line(done)}")
    for label in HEAVY:
        times = [v.seconds for v in heavy if v.label == label and v.run is not None]
        sizes = [v.run.bytes for v in heavy if v.label == label and v.run is not None]
        fallbacks = sum(v.fallback for v in heavy if v.label == label)
        ignored = [t for v in heavy if v.label == label for t in v.ignored]
        print(f"    {label:<32} {seconds_line(times)}; {percentile(sizes, 50) / 1e6:.2f} MB sent"
              + (f"; {fallbacks} showed the measure (no test possible)" if fallbacks else "")
              + (f"; {len(ignored)} ignored part of the link: {ignored[0]}" if ignored else ""))

    print(f"/_stcore/health every {health.interval:g} s: {seconds_line(health.times)}"
          + (f"; {len(health.failures)} failed: {health.failures[0]}" if health.failures else ""))

    errors = [f"{'alone' if v in light.alone.views else 'light'} {v.label}: {v.error}"
              for v in light.alone.views + light.during.views if v.error]
    errors += [f"{light.alone.name}: {e}" for e in light.alone.errors]
    errors += [f"{light.during.name}: {e}" for e in light.during.errors]
    for i, c in enumerate(crowd_viewers):
        errors += [f"session {i} ({c.filter or 'all crime'}) {v.label}: {v.error}" for v in c.views if v.error]
        errors += [f"session {i}: {e}" for e in c.errors]
    errors += [f"health check: {f}" for f in health.failures]
    print(f"errors (exceptions on pages, timeouts, dropped connections): {len(errors)}; target none: "
          f"{verdict(not errors)}")
    for error in errors[:40]:
        print(f"  {error}")
    if len(errors) > 40:
        print(f"  ... and {len(errors) - 40} more")

    c = result["cpu"]
    print(f"server memory (RSS of the server process and its children, every {sampler.interval:g} s):")
    print(f"  started, idle:                          {result['idle'] * mb:7.1f} MB")
    print(f"  after the crowd (sessions still open):  {result['after_crowd'] * mb:7.1f} MB")
    print(f"  final, every session closed:            {result['final'] * mb:7.1f} MB")
    memory_ok = sampler.peak * mb < TARGETS["memory_mb"]
    print(f"  peak:                                   {sampler.peak * mb:7.1f} MB; target under "
          f"{TARGETS['memory_mb']:,} MB: {verdict(memory_ok)}")
    print(f"  at the peak: {sampler.peak_breakdown()} (RSS counts pages forked processes share once in each)")
    print(f"CPU while the crowd ran ({c['wall']:.1f} s wall, {os.cpu_count()} CPUs): server {c['server']:.1f} s "
          f"({c['server'] / c['wall']:.0%} of one core), this benchmark's clients "
          f"{result['client_cpu']:.1f} s, other processes "
          f"{max(c['machine'] - c['server'] - result['client_cpu'], 0):.1f} s")
    missed = [what for what, ok in (("errors", not errors), ("light viewer's times", light_ok),
                                    ("memory", memory_ok)) if not ok]
    print("FAILED: " + ", ".join(missed) if missed else "every target met")
    return 1 if missed else 0


# --- the run -------------------------------------------------------------------------------------

def run(args, url: str, sampler: ServerMemory, health: HealthPoller, server_pid: int) -> dict:
    clock = Clock(args.timeout, args.deadline)
    result = {"load": os.getloadavg(), "idle": sampler.sample()}
    light = LightViewer(url, clock)
    light.start()
    light.ready.wait(timeout=args.timeout * len(LIGHT) + 30)
    viewers = [Viewer(f"session {i}", f) for i, f in enumerate(filters(args.sessions, args.same_filter))]
    cpu = CpuMeter(server_pid)
    health.start()
    cpu.start()
    cpu_before = time.process_time()

    def crowd_over() -> None:  # every session still connected
        light.halt.set()
        result["cpu"] = cpu.stop()
        result["client_cpu"] = time.process_time() - cpu_before
        time.sleep(args.settle)
        result["after_crowd"] = sampler.sample()

    try:
        result["wall"] = asyncio.run(crowd(url, viewers, clock, light.crowd_started, crowd_over))
    finally:
        light.crowd_started.set()
        light.halt.set()
        light.join(timeout=args.timeout + 30)
        health.stop()
    time.sleep(args.settle)
    result["final"] = sampler.sample()
    result["crowd"], result["light"] = viewers, light
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, help="a built dataset (default: the real data, built now)")
    parser.add_argument("--demo", action="store_true", help="the built-in synthetic demo (SIA_DATA_DIR unset)")
    parser.add_argument("--sessions", type=int, default=20, help="sessions in the crowd (default 20)")
    parser.add_argument("--timeout", type=float, default=120, help="seconds allowed for each view (default 120)")
    parser.add_argument("--deadline", type=float, default=900,
                        help="seconds allowed for the crowd and the light viewer, server start excluded (default 900)")
    parser.add_argument("--same-filter", action="store_true",
                        help="every session with the same filter (all crime): the caches' best case")
    parser.add_argument("--settle", type=float, default=2, help="seconds to wait before reading memory at the end")
    parser.add_argument("--log", type=Path, default=Path("/tmp/crowd_benchmark/server.log"))
    args = parser.parse_args()
    if args.demo and args.data_dir:
        parser.error("--demo and --data-dir exclude each other")

    def stop_on_term(*_):  # so that `finally` stops the server on kill <pid> as on Ctrl-C
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop_on_term)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        env = {"SIA_CACHE_DIR": str(tmp)}
        if args.demo:
            data = "the built-in synthetic demo"
            os.environ.pop("SIA_DATA_DIR", None)
        else:
            data_dir = args.data_dir or real_dataset(tmp / "real")
            rows, megabytes = dataset_megabytes(data_dir)
            data = f"dataset {data_dir} ({rows:,} incidents, {megabytes:.1f} MB in memory)"
            env["SIA_DATA_DIR"] = str(data_dir)
        server = StreamlitServer(env, args.log)
        sampler, health = ServerMemory(server.process.pid), HealthPoller(server.url)
        try:
            sampler.start()
            result = run(args, server.url, sampler, health, server.process.pid)
        finally:
            server.stop()
            sampler.halt()
            health.stop()
    code = report(args, data, result, sampler, health)
    print(f"server log: {args.log}")
    return code


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("interrupted; the server was stopped", file=sys.stderr)
        sys.exit(130)
