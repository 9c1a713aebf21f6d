"""What opening the hotspot map costs, step by step (``map_race.py --profile``; or run alone:
``python benchmarks/map_profile.py --data-dir DIR [--opens 5] [--cprofile]``).

On a warm server (each side opened once first), for the app's /map and the naive page:

- what the browser loads before the map is drawn, from the DevTools protocol: Streamlit's
  own bundle (summed), then each other request: when it started and ended, its size on the
  wire, whether it came from the browser's cache and the Cache-Control it was sent with;
  for an empty cache and for a returning visit (a new tab of the same browser);
- what the server sends over the websocket and when: each element of the script's output,
  in order, the map among them, then the map drawn;
- the map's component message (its parts and sizes) and the frame's document;
- from inside the server (benchmarks/script_probe, a sitecustomize that times Streamlit's
  script runs and streamlit-folium's component call, leaving the app's code as it is): the
  script's wall and CPU seconds before the map is sent and after it, and when the browser
  reached each step of the open (websocket, map element, map frame, its scripts, map
  drawn), medians of --opens views; with --cprofile the functions the map page spends its
  time in;
- the websocket messages and the script's split of two filter changes: one seen before,
  and a crime type not asked for before.
"""
from __future__ import annotations

import argparse
import base64
import json
import os
import pstats
import re
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from load_test import NO_WAY_OUT  # also puts ROOT and tests/ on sys.path
from map_benchmark import CHROMIUM_ARGS, FRAME, VIEW
from map_race import ASB, MARK_OLD, NEW_TYPES, WARM_TYPE, NaiveServer, Side, one_round, wait_drawn
from page_cpu_benchmark import HostServer, server_cpu

PROBE = Path(__file__).resolve().parent / "script_probe"


@dataclass
class Recording:
    """What one tab asked for and received, from the DevTools protocol: requests (by id) and
    the websocket's frames, in the protocol's monotonic seconds."""
    requests: dict = field(default_factory=dict)
    frames: list = field(default_factory=list)  # (time, "in"/"out", bytes)
    start: float | None = None  # the first request (the page's)
    websocket: float | None = None  # the websocket's handshake sent


def record(context, page) -> Recording:
    rec = Recording()
    cdp = context.new_cdp_session(page)

    def sent(e):
        if rec.start is None:
            rec.start = e["timestamp"]
        rec.requests[e["requestId"]] = {"url": e["request"]["url"], "type": e.get("type", ""),
                                        "start": e["timestamp"], "end": None, "bytes": 0, "status": None,
                                        "cache": "", "cache_control": ""}

    def received(e):
        r = rec.requests.get(e["requestId"])
        if r is not None:
            response = e["response"]
            headers = {k.lower(): v for k, v in response.get("headers", {}).items()}
            r.update(status=response["status"], cache_control=headers.get("cache-control", ""),
                     cache="disk" if response.get("fromDiskCache") else r["cache"])

    def finished(e):
        r = rec.requests.get(e["requestId"])
        if r is not None:
            r["end"], r["bytes"] = e["timestamp"], e["encodedDataLength"]

    def from_cache(e):
        r = rec.requests.get(e["requestId"])
        if r is not None:
            r["cache"] = r["cache"] or "memory"

    def handshake(e):
        rec.websocket = rec.websocket or e["timestamp"]

    def frame(direction):
        def on(e):
            payload = e["response"]["payloadData"]
            data = base64.b64decode(payload) if e["response"]["opcode"] == 2 else payload.encode()
            rec.frames.append((e["timestamp"], direction, data))
        return on

    cdp.on("Network.requestWillBeSent", sent)
    cdp.on("Network.responseReceived", received)
    cdp.on("Network.loadingFinished", finished)
    cdp.on("Network.requestServedFromCache", from_cache)
    cdp.on("Network.webSocketWillSendHandshakeRequest", handshake)
    cdp.on("Network.webSocketFrameReceived", frame("in"))
    cdp.on("Network.webSocketFrameSent", frame("out"))
    cdp.send("Network.enable", {"maxTotalBufferSize": 100_000_000})
    return rec


def describe(message) -> tuple[str, str]:
    """(what a ForwardMsg is, details) in a few words."""
    kind = message.WhichOneof("type")
    if kind != "delta":
        return kind, ""
    delta = message.delta
    which = delta.WhichOneof("type")
    path = list(message.metadata.delta_path)
    where = "sidebar" if path and path[0] == 1 else "main"
    if which != "new_element":
        return which, where
    element = delta.new_element
    etype = element.WhichOneof("type")
    inner = getattr(element, etype)
    if etype == "component_instance":
        return etype, f"{where} {inner.component_name}"
    if etype in ("markdown", "heading", "html"):
        return etype, f"{where} {inner.body[:50]!r}"
    if hasattr(inner, "label"):
        return etype, f"{where} {inner.label[:40]!r}"
    return etype, where


def websocket_messages(rec: Recording, since: float) -> list[tuple]:
    """(seconds after ``since``, "in"/"out", bytes, kind, details, message) for each message."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    out = []
    for t, direction, data in rec.frames:
        if t < since:
            continue
        try:
            message = (BackMsg if direction == "out" else ForwardMsg).FromString(data)
        except Exception:  # noqa: BLE001 - not a message of Streamlit's
            continue
        if direction == "out":
            out.append((t - since, "out", len(data), message.WhichOneof("type") or "?", "", message))
        else:
            out.append((t - since, "in", len(data), *describe(message), message))
    return out


def show_requests(rec: Recording, drawn: float) -> None:
    """The requests started before the map was drawn: Streamlit's hashed bundle summed (before
    the websocket and after it: the widgets' code is loaded once their elements arrive),
    everything else one a line."""
    until = rec.start + drawn
    rows = sorted((r for r in rec.requests.values() if r["start"] <= until), key=lambda r: r["start"])
    bundle = [r for r in rows if urlparse(r["url"]).path.startswith("/static/")]
    ws = rec.websocket or until
    for label, part in (("before the websocket", [r for r in bundle if r["start"] < ws]),
                        ("after it (widgets' code)", [r for r in bundle if r["start"] >= ws])):
        if part:
            ends = [r["end"] for r in part if r["end"]]
            cached = sum(1 for r in part if r["cache"])
            print(f"    Streamlit's bundle {label}: {len(part)} files, {sum(r['bytes'] for r in part) / 1000:,.0f} kB "
                  f"on the wire ({cached} from the cache), {part[0]['start'] - rec.start:.2f} to "
                  f"{(max(ends) if ends else part[-1]['start']) - rec.start:.2f} s")
    print(f"    {'start':>6} {'end':>6} {'kB':>7} {'status':>6} {'cache':>6}  {'cache-control':<20} what")
    for r in rows:
        if r in bundle:
            continue
        end = f"{r['end'] - rec.start:6.2f}" if r["end"] else "     -"
        parsed = urlparse(r["url"])
        what = parsed.path if parsed.scheme.startswith("http") else r["url"][:60]
        print(f"    {r['start'] - rec.start:6.2f} {end} {r['bytes'] / 1000:7.1f} {r['status'] or '':>6} "
              f"{r['cache'] or '-':>6}  {r['cache_control'][:20] or '(none)':<20} {r['type']} {what}")
    print(f"    in all {len(rows)} requests, {sum(r['bytes'] for r in rows) / 1000:,.0f} kB on the wire")


def show_messages(messages: list[tuple], drawn: float | None) -> None:
    print(f"    {'t (s)':>6} {'dir':>4} {'bytes':>8}  message")
    pending = drawn is not None
    for t, direction, size, kind, detail, _ in messages:
        if pending and t > drawn:
            print(f"    {drawn:6.2f}  --- map drawn (17 polygons, script finished)")
            pending = False
        print(f"    {t:6.2f} {direction:>4} {size:>8,}  {kind} {detail}")
    if pending:
        print(f"    {drawn:6.2f}  --- map drawn (17 polygons, script finished)")


def frame_report(page, messages: list[tuple]) -> None:
    """The map's component message: its parts and their sizes; the frame's document."""
    found = [m for _, d, _, kind, detail, m in messages if kind == "component_instance" and "folium" in detail]
    if not found:
        print("  no folium component message seen")
        return
    element = found[-1].delta.new_element.component_instance
    args = json.loads(element.json_args)
    parts = sorted(((k, len(json.dumps(v))) for k, v in args.items()), key=lambda kv: -kv[1])
    print(f"  map component message: {found[-1].ByteSize() / 1000:,.1f} kB; its arguments: "
          + ", ".join(f"{k} {n / 1000:,.1f} kB" for k, n in parts[:5]))
    print(f"    scripts and styles it asks for: {args.get('js_links', [])} {args.get('css_links', [])}")
    script = args.get("script", "")
    names = {var: name for name, var in re.findall(r'"([^"]+)"\s*:\s*(geo_json_\w+)', script)}
    decoder, layers = json.JSONDecoder(), 0
    for found_layer in re.finditer(r"(geo_json_\w+)_add\((\{)", script):
        try:
            data, end = decoder.raw_decode(script, found_layer.start(2))
        except ValueError:
            continue
        layers += end - found_layer.start(2)
        print(f"    its GeoJSON layer {names.get(found_layer.group(1), found_layer.group(1))!r}: "
              f"{len(data.get('features', []))} features, {(end - found_layer.start(2)) / 1000:,.1f} kB")
    print(f"    the rest of its script: {(len(script) - layers) / 1000:,.1f} kB")
    docs = page.evaluate("""(frames) => [...document.querySelectorAll(frames)].map(f => {
        const d = f.contentDocument; if (!d) return null;
        return {html: d.documentElement.outerHTML.length,
                inline: [...d.querySelectorAll('script:not([src])')].reduce((n, s) => n + s.text.length, 0),
                scripts: [...d.querySelectorAll('script[src]')].map(s => s.src),
                styles: [...d.querySelectorAll('link[rel=stylesheet]')].map(s => s.href),
                paths: d.querySelectorAll('path.leaflet-interactive').length,
                markers: d.querySelectorAll('.leaflet-marker-icon').length};
    })""", FRAME)
    for d in filter(None, docs):
        print(f"    the frame's document: {d['html'] / 1000:,.1f} kB of HTML ({d['inline'] / 1000:,.1f} kB inline "
              f"script), {d['paths']} polygons, {d['markers']} markers; loads "
              f"{[urlparse(u).path for u in d['scripts'] + d['styles']]}")


def probe_lines(log: Path, skip: int) -> list[dict]:
    lines = log.read_text().splitlines() if log.exists() else []
    return [json.loads(line) for line in lines[skip:]]


def split(run: dict) -> dict[str, tuple[float, float]]:
    """Wall and CPU seconds of a script run before the map component was called, in the call
    (to the element sent), after it to the end; {} for a run without the map."""
    marks = {name: (wall, cpu) for name, wall, cpu in run["marks"]}
    if "map sent" not in marks:
        return {}
    called, sent, end = marks["map called"], marks["map sent"], marks["end"]
    return {"before the map": called, "the map call": (sent[0] - called[0], sent[1] - called[1]),
            "after the map": (end[0] - sent[0], end[1] - sent[1]), "whole script": end}


def show_split(runs: list[dict]) -> None:
    parts = [split(r) for r in runs]
    parts = [p for p in parts if p]
    if not parts:
        print("    (no script run with the map recorded)")
        return
    print(f"    script runs with the map: {len(parts)}; median seconds (wall / script thread CPU):")
    for name in parts[0]:
        walls, cpus = [p[name][0] for p in parts], [p[name][1] for p in parts]
        print(f"      {name:<16} {statistics.median(walls):6.3f} / {statistics.median(cpus):6.3f}")


def show_cprofile(stats: Path, runs: list[dict]) -> None:
    """The functions of the app's and the project's code the given script runs spent their
    time in (cumulative seconds over the runs, cProfile's overhead included)."""
    files = [f"{stats}.{r['run']}" for r in runs if Path(f"{stats}.{r['run']}").exists()]
    if not files:
        return
    print(f"    under cProfile, the {len(files)} runs above (their cumulative seconds, with the profiler's overhead; "
          "the project's functions, top 25):")
    table = pstats.Stats(*files)
    table.sort_stats("cumulative").print_stats(r"/(sia|pages)/|app\.py", 25)


MILESTONES = ("websocket opened", "map element received", "map frame requested", "frame's scripts loaded",
              "map drawn")


def milestones(rec: Recording, drawn: float) -> dict[str, float]:
    """Seconds after the page's first request at which each of MILESTONES happened, and the
    detour of a page at a path: the first health check at /PAGE/_stcore/ (404) to the one at
    /_stcore/ that answers."""
    requests = sorted(rec.requests.values(), key=lambda r: r["start"])
    at = {"map drawn": drawn}
    if rec.websocket:
        at["websocket opened"] = rec.websocket - rec.start
    sent = [t for t, _, _, kind, detail, _ in websocket_messages(rec, rec.start)
            if kind == "component_instance" and "folium" in detail]
    if sent:
        at["map element received"] = sent[0]
    frame = next((r for r in requests if "/component/" in r["url"] and r["type"] == "Document"), None)
    if frame:
        at["map frame requested"] = frame["start"] - rec.start
        loaded = [r["end"] for r in requests if r["end"] and r["start"] >= frame["start"]
                  and r["start"] - rec.start <= drawn and r["type"] in ("Script", "Stylesheet")]
        if loaded:
            at["frame's scripts loaded"] = max(loaded) - rec.start
    health = [r for r in requests if r["url"].endswith("/_stcore/health")]
    if health and health[0]["status"] == 404:
        answered = next((r for r in health if r["status"] == 200), None)
        if answered:
            at["detour"] = answered["start"] - health[0]["start"]
    return at


def show_milestones(runs: list[dict[str, float]]) -> None:
    print("    median seconds after the page's first request (min to max):")
    before = 0.0
    for name in MILESTONES:
        values = [r[name] for r in runs if name in r]
        if values:
            median = statistics.median(values)
            print(f"      {name:<24} {median:5.2f} ({min(values):.2f}-{max(values):.2f})   +{median - before:.2f}")
            before = median
    detours = [r.get("detour", 0.0) for r in runs]
    if any(detours):
        print(f"      of which the health check at the page's path (404) and the retry: "
              f"{statistics.median(detours):.2f} s")


def one_view(browser, side: Side, visit_context=None) -> tuple[Recording, float, object, object]:
    context = visit_context or browser.new_context(**VIEW)
    page = context.new_page()
    rec = record(context, page)
    wall = time.time()
    page.goto(side.url)
    wait_drawn(page)
    return rec, time.time() - wall, page, context


def profile(data_dir: Path, tmp: Path, browser, opens: int = 5, cprofile: bool = False) -> None:
    log = {name: tmp / f"probe-{name}.jsonl" for name in ("app", "naive")}
    stats = tmp / "app.prof"
    env = {name: {"PYTHONPATH": os.pathsep.join(filter(None, [str(PROBE), os.environ.get("PYTHONPATH")])),
                  "SCRIPT_PROBE_LOG": str(log[name]), **({"SCRIPT_PROBE_PROFILE": str(stats)}
                                                         if cprofile and name == "app" else {})}
           for name in log}
    server = HostServer({"SIA_DATA_DIR": str(data_dir), "SIA_CACHE_DIR": str(tmp / "cache-profile"), **env["app"]},
                        tmp / "app-profile.log")
    naive = None
    try:
        naive = NaiveServer(tmp / "naive-profile", data_dir, env["naive"])
        sides = [Side("app", server, "/map"), Side("naive", naive, "/")]
        for side in sides:
            one_round(browser, side, WARM_TYPE, record=False)
        print(f"\nPROFILE of opening the map, server warm ({data_dir}); t: seconds after the page's first request")
        for side in sides:
            context = None
            for visit in ("first visit (empty browser cache)", "returning visit (a new tab, cache warm)"):
                cpu = server_cpu(side.server.process.pid)
                rec, drawn, page, context = one_view(browser, side, context)
                time.sleep(1.0)  # anything late
                cpu = server_cpu(side.server.process.pid) - cpu
                print(f"\n== {side.name} {side.path}, {visit}: map drawn at {drawn:.2f} s; server CPU {cpu:.3f} s "
                      "(to 1 s after)")
                print("  requests started before the map was drawn:")
                show_requests(rec, drawn)
                late = [r for r in rec.requests.values() if r["start"] > rec.start + drawn]
                if late:
                    print(f"    after it: {len(late)} more, {sum(r['bytes'] for r in late) / 1000:,.0f} kB: "
                          + ", ".join(urlparse(r["url"]).path for r in late[:6]))
                opened = f"{rec.websocket - rec.start:.2f} s" if rec.websocket else "?"
                print(f"  websocket messages (opened at {opened}):")
                messages = websocket_messages(rec, rec.start)
                show_messages(messages, drawn)
                if visit.startswith("first"):
                    frame_report(page, messages)
                page.close()
            context.close()
        print("\n== inside the server: each script run, timed by benchmarks/script_probe")
        for side in sides:
            skip = len(probe_lines(log[side.name], 0))
            cpus, points = [], []
            for _ in range(opens):
                cpu = server_cpu(side.server.process.pid)
                rec, drawn, page, context = one_view(browser, side)
                time.sleep(0.5)
                cpus.append(server_cpu(side.server.process.pid) - cpu)
                points.append(milestones(rec, drawn))
                context.close()
            print(f"  {side.name} {side.path}, {opens} opens (new browser context each): server CPU a view, to 0.5 s "
                  f"after the map was drawn: median {statistics.median(cpus):.3f} s")
            show_milestones(points)
            show_split(probe_lines(log[side.name], skip))
            if cprofile and side.name == "app":
                show_cprofile(stats, probe_lines(log[side.name], skip))
        filter_profile(sides[0], browser, log["app"])
    finally:
        server.stop()
        if naive is not None:
            naive.stop()


def filter_profile(side: Side, browser, log: Path) -> None:
    """The websocket messages and the script's split of two filter changes: to anti-social
    behaviour (seen before), and to a crime type not asked for before."""
    context = browser.new_context(**VIEW)
    try:
        page = context.new_page()
        page.goto(side.url)
        wait_drawn(page)
        for label, what in (("anti-social behaviour (seen before)", ASB), (None, "All crime"),
                            (f"{NEW_TYPES[0]} (not asked for before)", NEW_TYPES[0])):
            rec = record(context, page)
            skip = len(probe_lines(log, 0))
            page.evaluate(MARK_OLD)
            start = side.choose(page, what)
            wait_drawn(page)
            redrawn = time.perf_counter() - start
            time.sleep(0.5)
            if label is None:
                continue
            asked = [t for t, d, _ in rec.frames if d == "out"]
            since = asked[0] if asked else rec.frames[0][0]
            print(f"\n== {side.name}: filter change to {label}: map redrawn {redrawn:.2f} s after the click; "
                  "messages, t after the rerun request:")
            show_messages(websocket_messages(rec, since), None)
            show_split(probe_lines(log, skip))
    finally:
        context.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--opens", type=int, default=5)
    parser.add_argument("--cprofile", action="store_true", help="profile the app's script runs with cProfile")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS + NO_WAY_OUT)
        try:
            profile(args.data_dir, Path(tmp), browser, args.opens, args.cprofile)
        finally:
            browser.close()


if __name__ == "__main__":
    main()
