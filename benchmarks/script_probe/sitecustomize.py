"""Times each run of a Streamlit page's script, for map_race.py's profile: put this folder
on PYTHONPATH and name a file in $SCRIPT_PROBE_LOG when starting a Streamlit server (and
for no other process). Python imports it at start; it wraps Streamlit's script execution
and the map component's call (the app's frame or the naive page's st_folium), and after
each run appends one JSON line: the query string, and for the run's start, the map
component called, the map component sent and the end, seconds of wall time and of the
script thread's CPU since the start. With
$SCRIPT_PROBE_PROFILE naming a file, each run is also profiled (cProfile, the script's
thread only), its statistics written to that name with the run's number appended (the
"run" of its JSON line). The app's code is not
touched: this changes only what the server process runs around it.
"""
import json
import os
import sys
import threading
import time

LOG = os.environ.get("SCRIPT_PROBE_LOG")
PROFILE = os.environ.get("SCRIPT_PROBE_PROFILE")
_state = threading.local()
_lock = threading.Lock()
_runs = [0]


def _mark(name: str) -> None:
    marks = getattr(_state, "marks", None)
    if marks is not None:
        marks.append((name, time.perf_counter(), time.thread_time()))


def _patch_folium() -> None:
    # The app's map frame (sia.app.map_component._frame) or the naive page's st_folium.
    for name, attribute in (("sia.app.map_component", "_frame"), ("streamlit_folium", "_component_func")):
        module = sys.modules.get(name)
        if module is not None and not getattr(getattr(module, attribute), "_probed", False):
            _probe(module, attribute)


def _probe(module, attribute: str) -> None:
    original = getattr(module, attribute)

    def component(*args, **kwargs):
        _mark("map called")
        try:
            return original(*args, **kwargs)
        finally:
            _mark("map sent")

    component._probed = True
    setattr(module, attribute, component)


def _install() -> None:
    from streamlit.runtime.scriptrunner import script_runner

    original = script_runner.exec_func_with_error_handling

    def timed(func, ctx):
        _patch_folium()
        with _lock:
            _runs[0] += 1
            run = _runs[0]
        profiler = None
        if PROFILE:
            import cProfile
            profiler = cProfile.Profile()
        _state.marks = [("start", time.perf_counter(), time.thread_time())]
        if profiler is not None:
            profiler.enable()
        try:
            return original(func, ctx)
        finally:
            if profiler is not None:
                profiler.disable()
            _mark("end")
            (_, wall0, cpu0), marks = _state.marks[0], _state.marks
            _state.marks = None
            if profiler is not None:
                profiler.dump_stats(f"{PROFILE}.{run}")
            _patch_folium()  # the first run of a map page imports streamlit_folium
            line = {"run": run, "query": getattr(ctx, "query_string", ""),
                    "marks": [[name, round(wall - wall0, 4), round(cpu - cpu0, 4)] for name, wall, cpu in marks]}
            with _lock, open(LOG, "a") as out:
                out.write(json.dumps(line) + "\n")

    script_runner.exec_func_with_error_handling = timed


if LOG:
    try:
        _install()
    except Exception as exc:  # noqa: BLE001 - a probe must never stop the server
        print(f"script probe not installed: {exc}", file=sys.stderr)
