"""The hotspot map drawn before the rest of its page.

A browser draws what one script run sends in one go: the sidebar's filters, the map's
controls, the map and the panel beside it. Most of that first paint is the browser loading
and laying out the controls' code; the map's frame is only asked for once all of it is done,
and it is what the page is opened for. So when a run draws the map in a frame the browser
has not got yet (the page just opened, or switched to), the map page sends the page's title
and the map first, waits here until the frame says the map is drawn (at most
``FIRST_PAINT_WAIT`` seconds), and only then sends the filters, the controls and the panel,
in the places kept for them.

The frame says so by a POST, with no body, to ``<app>/_sia/drawn/<token>`` (this ASGI
middleware, installed by serve.py), the token being a random one the run sent it with the map.
An unknown or malformed token is answered as a known one (204) and changes nothing: a token
only ends the wait of the run that made it, and the registry holds only the tokens of runs
waiting now.

Only a page that can answer waits: a server without this middleware (``streamlit run app.py``,
tests through AppTest) offers the frame no way to, and a session whose wait once ran out (a
client that is not a browser runs no frame; a browser whose frame failed) waits no more.
"""
from __future__ import annotations

import re
import secrets
import threading

import streamlit as st

from sia.app.page_shell import base_path

# The longest the rest of the page waits for the map (a slow browser, a frame that failed):
# after it the rest is sent anyway.
FIRST_PAINT_WAIT = 1.5
TOKEN = re.compile(r"[0-9a-f]{32}")
SIGNAL_PATH = "_sia/drawn/"  # below the app's root: the frame posts to ../../_sia/drawn/<token>

_lock = threading.Lock()
_waiting: dict[str, threading.Event] = {}  # token -> the event its run waits on
_installed = False

_RUNS = "_sia_runs"  # the session's script runs so far (app.py counts them)
_SHOWN = "_sia_map_frame"  # where, and in which run, the map was last drawn
_UNANSWERED = "_sia_map_unanswered"  # a wait of this session's ran out: no more waits


def count_run() -> None:
    """Count a run of the session's script (app.py, every run of every page)."""
    st.session_state[_RUNS] = st.session_state.get(_RUNS, 0) + 1


def frame_is_new(place: str) -> bool:
    """Whether the browser has no frame for the map at ``place`` (its layout) yet: the
    session's last run did not draw one there (the page just opened or switched to, the
    layout changed, the last run ended before its map). Records this run's map."""
    run = st.session_state.get(_RUNS, 0)
    new = st.session_state.get(_SHOWN) != (place, run - 1)
    st.session_state[_SHOWN] = (place, run)
    return new


def new_token() -> str | None:
    """A token for the map's frame to send back once it has drawn the map, when someone can
    send it: the signal's middleware is installed, and the session has not once let a wait
    run out (a client that is not a browser runs no frame: it pays the wait once). None
    otherwise."""
    if not _installed or st.session_state.get(_UNANSWERED):
        return None
    return register()


def register() -> str:
    """A new token, waited on from now until ``wait_for`` spends it."""
    token = secrets.token_hex(16)
    with _lock:
        _waiting[token] = threading.Event()
    return token


def wait_for(token: str | None, timeout: float | None = None) -> bool:
    """Wait until the frame given ``token`` says the map is drawn, at most ``timeout``
    seconds (FIRST_PAINT_WAIT); whether it did. The token is spent either way."""
    if token is None:
        return False
    with _lock:
        event = _waiting.get(token)
    if event is None:
        return False
    try:
        answered = event.wait(FIRST_PAINT_WAIT if timeout is None else timeout)
    finally:
        with _lock:
            _waiting.pop(token, None)
    return answered


def wait_for_map(token: str | None) -> None:
    """The map page's wait (``wait_for``): a session whose wait ran out waits no more."""
    if token is not None and not wait_for(token):
        st.session_state[_UNANSWERED] = True


def signal(token: str) -> None:
    """The map of ``token`` is drawn: end its run's wait (nothing, for a token no run waits on)."""
    with _lock:
        event = _waiting.get(token)
    if event is not None:
        event.set()


def waiting_count() -> int:
    with _lock:
        return len(_waiting)


class FirstPaintSignal:
    """ASGI middleware: answers ``POST <base>/_sia/drawn/<token>`` (see the module's
    docstring); every other request goes on to the app."""

    def __init__(self, app):
        global _installed
        self.app = app
        base = base_path()
        self.prefix = "/" + (base + "/" if base else "") + SIGNAL_PATH
        _installed = True

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not scope["path"].startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        token = scope["path"][len(self.prefix):]
        if scope["method"] != "POST":
            status = 405
        else:
            status = 204
            if TOKEN.fullmatch(token):
                signal(token)
        headers = [(b"cache-control", b"no-store"), (b"content-length", b"0")]
        await send({"type": "http.response.start", "status": status,
                    "headers": headers + ([(b"allow", b"POST")] if status == 405 else [])})
        await send({"type": "http.response.body", "body": b""})
