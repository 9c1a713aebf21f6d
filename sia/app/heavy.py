"""Heavy figures made outside the server's Python interpreter.

Every session's script runs in a thread of one Python process, so a view that computes for
seconds (Gi* and the space-time patterns on small units, grids and hexagons, incident
points, a briefing pack) holds the interpreter and every other viewer's page waits behind
it. Such work is sent here to a pool of worker processes (one fewer than the machine's
cores, at least one; ``SIA_WORKERS`` sets the number) and the session's thread only waits
for the answer, so a light page (the overview, About, a ward's figures) is answered in about
its usual time while others open heavy views.

The queue is bounded: with ``QUEUE_LIMIT`` requests already waiting, a new one is refused at
once with ``Busy``, which the page shows (sia.app.page), rather than waiting for minutes.
Results come back to the server, where the caller's Streamlit cache keeps them, so each
heavy figure is made once per build and filters, whoever asks.

A worker opens the dataset itself (sia.app.loaders, by its folder and build id). Where no
server runs (tests through AppTest, ``SIA_WORKERS=0``) the work is done in the calling
thread.
"""
from __future__ import annotations

import atexit
import logging
import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from sia.errors import InputError, Problem

WORKERS_VARIABLE = "SIA_WORKERS"
QUEUE_LIMIT = 24  # heavy requests waiting or running at once, from all sessions
# What the process workers are forked from imports: only this module (which quiets
# Streamlit's logging there). A worker imports the rest on its first task (sia.app.loaders
# has one run as a dataset opens), once: a forkserver preloaded with pandas, geopandas and
# folium would hold its own 300 MB beside the server and the worker.
PRELOAD = ["sia.app.heavy"]


class Busy(Exception):
    """The server is making as many heavy figures as it may queue: try again shortly."""

    def __init__(self, waiting: int):
        super().__init__(f"The server is preparing {waiting} other maps, tests or packs just now, "
                         "as many as it queues at once. Try again in a minute.")


_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None
_waiting = 0
_in_worker = False


def worker_count() -> int:
    """How many worker processes to run: ``SIA_WORKERS``, else one fewer than the cores."""
    value = os.environ.get(WORKERS_VARIABLE, "").strip()
    if value:
        if not value.isdigit() or int(value) > 64:
            raise InputError(Problem(f"{WORKERS_VARIABLE}={value[:20]!r} is not a number of worker "
                                     "processes from 0 to 64", "the environment", "set it to 0 (no "
                                     "workers: heavy work in the server) or a small number"))
        return int(value)
    return max(1, (os.cpu_count() or 2) - 1)


def served() -> bool:
    """Whether the app runs in a Streamlit server (AppTest stands a mock in its place)."""
    from streamlit.runtime import Runtime

    return Runtime.exists() and type(Runtime.instance()) is Runtime


def _quiet() -> None:
    # Streamlit's cached functions, imported and called outside a server, warn each time.
    from streamlit.logger import set_log_level

    set_log_level(logging.ERROR)


if multiprocessing.parent_process() is not None:  # imported in a worker, or its forkserver
    _quiet()


def _start_worker() -> None:
    global _in_worker
    _in_worker = True
    _quiet()


def _executor(workers: int) -> ProcessPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            # forkserver: workers are forked from a clean process with the modules preloaded,
            # never from the server itself, whose threads (and locks) a fork would copy.
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(PRELOAD)
            _pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker)
            atexit.register(_pool.shutdown, wait=False, cancel_futures=True)
        return _pool


def in_worker(function, *args):
    """``function(*args)`` in a worker process (a module-level function whose arguments and
    result pickle); in this thread when already in a worker or when no server runs. Busy when
    the queue is full; InputError when a worker died (its memory ran out, say)."""
    global _waiting, _pool
    workers = worker_count()
    if _in_worker or workers == 0 or not served():
        return function(*args)
    with _lock:
        if _waiting >= QUEUE_LIMIT:
            raise Busy(_waiting)
        _waiting += 1
    try:
        return _executor(workers).submit(function, *args).result()
    except BrokenProcessPool:
        with _lock:
            _pool = None  # started afresh by the next request
        raise InputError(Problem("the worker making this figure stopped (the server may be short of "
                                 "memory)", "the server", "try again; if it recurs, ask for a smaller "
                                 "view (one year, fewer crime types)")) from None
    finally:
        with _lock:
            _waiting -= 1


def warm_up(function, *args) -> None:
    """Start the workers and have one run ``function(*args)`` (opening a dataset, say) ahead
    of the first heavy view, without waiting for it; a no-op where no workers are used."""
    if not _in_worker and worker_count() and served():
        _executor(worker_count()).submit(function, *args)
