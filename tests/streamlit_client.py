"""A browser-less client of a running Streamlit server: it speaks Streamlit's own websocket
protocol, so tests and benchmarks can open many sessions at once and time each view
without Chromium (the e2e tests drive a real browser; this drives only the protocol).

What the server expects (read from Streamlit 1.67's server code,
streamlit/web/server/starlette/starlette_websocket.py and runtime/app_session.py):

- The websocket is ``/_stcore/stream``. Its ``Sec-WebSocket-Protocol`` header carries
  ``streamlit, <xsrf token>[, <session id to resume>]``; the server accepts ``streamlit``.
- The XSRF token is the ``_streamlit_xsrf`` cookie that any GET of ``/`` or of
  ``/_stcore/health`` sets. The websocket is accepted without it; with it (and the same
  ``Origin``) the server also reads the sign-in cookie (``_streamlit_user``), so a
  signed-in viewer needs both. Uploads (PUT ``/_stcore/upload_file/...``) send the same
  token in an ``X-Xsrftoken`` header with the cookie.
- Nothing runs until the client sends ``BackMsg(rerun_script=ClientState(query_string=...,
  page_name=<url path>))``; an empty page name is the default page.
- Every script run starts with ``ForwardMsg.new_session`` (its ``initialize.session_id``
  names the session) and ends with ``ForwardMsg.script_finished``: FINISHED_SUCCESSFULLY or
  FINISHED_WITH_COMPILE_ERROR end a view; FINISHED_EARLY_FOR_RERUN (st.rerun) is followed by
  another run. An uncaught error is an ``Element.exception`` (type and message; with
  client.showErrorDetails = "none" only a generic message).
- The server pings at the websocket level (every 30 s, 30 s to answer): the ``websockets``
  library answers as long as someone reads, and a reader task here reads all the time (the
  server also drops a client whose 500-message send queue fills). ``BackMsg.app_heartbeat``
  (answered by ``heartbeat_ack``) is the app-level keep-alive, sent if ``heartbeat`` is set.

The client sends no widget state and no cached-message hashes, so every element arrives in
full: a rerun is a view opened from a link in the same tab (the session keeps its
st.session_state), not a widget interaction.

Use::

    with StreamlitClient(server.url) as client:
        run = client.open("map", "unit=hex")   # connects, runs the page, waits for the end
        assert not run.exceptions, run.exceptions
        run = client.rerun("about")            # another view in the same session

``AsyncStreamlitClient`` is the same with coroutines (``await client.open(...)``) for many
sessions in one event loop; ``StreamlitClient`` runs one in a private event-loop thread.
"""
from __future__ import annotations

import asyncio
import threading
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlsplit

from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, ConnectionClosedOK

XSRF_COOKIE = "_streamlit_xsrf"
STREAM_PATH = "/_stcore/stream"
HEALTH_PATH = "/_stcore/health"
DEFAULT_TIMEOUT = 120.0

_END = {ForwardMsg.FINISHED_SUCCESSFULLY: "finished", ForwardMsg.FINISHED_WITH_COMPILE_ERROR: "compile_error"}


class ConnectionDropped(ConnectionError):
    """The server closed the websocket (or it broke) while the client still used it."""


@dataclass
class Run:
    """One view: a script run requested by open() or rerun(), up to its script_finished."""
    page: str
    query: str
    session_id: str = ""
    seconds: float = 0.0  # wall time from the request (open(): from connecting) to script_finished
    connect_seconds: float = 0.0  # open() only: the cookie GET and websocket handshake
    status: str = ""  # "finished" or "compile_error"
    texts: list[str] = field(default_factory=list)  # markdown (incl. captions), text, headings, alerts, metrics
    exceptions: list[str] = field(default_factory=list)  # exception elements' messages ("Type: message")
    warnings: list[str] = field(default_factory=list)  # exception elements marked is_warning (deprecations)
    toasts: list[str] = field(default_factory=list)
    alerts: list[tuple[str, str]] = field(default_factory=list)  # ("error"|"warning"|"info"|"success", body)
    widgets: dict[str, list[str]] = field(default_factory=dict)  # select/multiselect/radio label -> options
    links: list[tuple[str, str, str]] = field(default_factory=list)  # page links: (label, page, query string)
    # Page names and url paths in navigation and new_session messages (the first session on a
    # fresh server also gets the old-style list of the files in pages/: app, about, data, ...).
    page_names: list[str] = field(default_factory=list)
    nav_page_names: list[str] = field(default_factory=list)  # those in navigation messages only
    page_not_found: list[str] = field(default_factory=list)  # page names the server said it has not
    query_strings: list[str] = field(default_factory=list)  # query strings the app set (page_info_changed)
    auth_redirect: str = ""  # where st.login sent the browser (ForwardMsg.auth_redirect), if it did
    element_types: Counter = field(default_factory=Counter)
    reruns: int = 0  # runs that ended early for a rerun (st.rerun) before the last one
    messages: int = 0  # ForwardMsgs received for this view (heartbeat acks not counted)
    bytes: int = 0  # their serialized size (before any websocket compression)

    @property
    def ok(self) -> bool:
        return self.status == "finished" and not self.exceptions and not self.page_not_found

    def text(self) -> str:
        """All texts joined by newlines, for `in` checks."""
        return "\n".join(self.texts)


def _add_unique(values: list[str], *new: str) -> None:
    for value in new:
        if value and value not in values:
            values.append(value)


class _Collector:
    """Accumulates one view's messages until its final script_finished."""

    def __init__(self, run: Run):
        self.run = run
        self.started = False  # a new_session seen: a script_finished before it is a stale one
        self.done = asyncio.get_running_loop().create_future()

    def feed(self, msg: ForwardMsg, size: int) -> str | None:
        """Take a message in; return its session id if it announces one."""
        run = self.run
        run.messages += 1
        run.bytes += size
        kind = msg.WhichOneof("type")
        session_id = None
        if kind == "new_session":
            self.started = True
            session_id = msg.new_session.initialize.session_id or None
            if session_id:
                run.session_id = session_id
            for page in msg.new_session.app_pages:
                _add_unique(run.page_names, page.page_name, page.url_pathname)
        elif kind == "navigation":
            for page in msg.navigation.app_pages:
                _add_unique(run.page_names, page.page_name, page.url_pathname)
                _add_unique(run.nav_page_names, page.page_name, page.url_pathname)
        elif kind == "delta":
            delta = msg.delta
            if delta.WhichOneof("type") == "new_element":
                self._element(delta.new_element)
            elif delta.WhichOneof("type") == "new_transient":
                for element in delta.new_transient.elements:
                    self._element(element)
        elif kind == "page_not_found":
            run.page_not_found.append(msg.page_not_found.page_name or run.page or "(default page)")
        elif kind == "auth_redirect":
            run.auth_redirect = msg.auth_redirect.url
        elif kind == "page_info_changed":
            run.query_strings.append(msg.page_info_changed.query_string)
        elif kind == "session_event" and msg.session_event.HasField("script_compilation_exception"):
            error = msg.session_event.script_compilation_exception
            run.exceptions.append(f"{error.type}: {error.message}".strip(": "))
        elif kind == "script_finished" and self.started:
            status = msg.script_finished
            if status == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                run.reruns += 1
            elif status in _END and not self.done.done():
                run.status = _END[status]
                self.done.set_result(run)
        return session_id

    def _element(self, element) -> None:
        run = self.run
        kind = element.WhichOneof("type")
        run.element_types[kind] += 1
        if kind in ("markdown", "text", "heading", "alert", "toast"):
            body = getattr(element, kind).body
            (run.toasts if kind == "toast" else run.texts).append(body)
        if kind == "alert":
            run.alerts.append((Alert.Format.Name(element.alert.format).lower(), element.alert.body))
        elif kind == "metric":
            run.texts.append(f"{element.metric.label}: {element.metric.body}")
        elif kind == "exception":
            error = element.exception
            message = f"{error.type}: {error.message}".strip(": ")
            (run.warnings if error.is_warning else run.exceptions).append(message)
        elif kind in ("selectbox", "multiselect", "radio"):
            widget = getattr(element, kind)
            run.widgets[widget.label] = list(widget.options)
        elif kind == "page_link":
            link = element.page_link
            run.links.append((link.label, link.page, link.query_string))


class AsyncStreamlitClient:
    """One browser tab's session, with coroutines. See the module's docstring.

    base_url: the server, e.g. "http://127.0.0.1:8501". cookies: more cookies to send (a
    signed-in viewer's ``_streamlit_user``, say); the XSRF cookie is fetched on connecting.
    timeout: default seconds a view may take. heartbeat: seconds between app heartbeats
    (None: none, as the protocol-level pings keep the connection open anyway).
    """

    def __init__(self, base_url: str, *, cookies: dict[str, str] | None = None,
                 timeout: float = DEFAULT_TIMEOUT, heartbeat: float | None = None,
                 resume_session_id: str | None = None):
        self.base_url = base_url.rstrip("/")
        self.cookies: dict[str, str] = dict(cookies or {})
        self.timeout = timeout
        self.heartbeat = heartbeat
        self.session_id: str | None = resume_session_id
        self.dropped = False
        self.drop_reason: str | None = None
        self.messages = 0  # every ForwardMsg on this connection
        self.bytes = 0
        self.heartbeat_acks = 0
        self._ws: ClientConnection | None = None
        self._reader: asyncio.Task | None = None
        self._pinger: asyncio.Task | None = None
        self._collector: _Collector | None = None
        self._closing = False

    # -- HTTP side ---------------------------------------------------------------------

    @property
    def xsrf_token(self) -> str | None:
        return self.cookies.get(XSRF_COOKIE)

    def cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def http_headers(self) -> dict[str, str]:
        """Headers for an HTTP request as this browser would send it (cookies, XSRF token)."""
        headers = {"Cookie": self.cookie_header(), "Origin": self.base_url}
        if self.xsrf_token:
            headers["X-Xsrftoken"] = self.xsrf_token
        return headers

    def _fetch_cookies(self) -> None:
        request = urllib.request.Request(self.base_url + HEALTH_PATH, headers={"Cookie": self.cookie_header()})
        with urllib.request.urlopen(request, timeout=self.timeout) as response:
            for header in response.headers.get_all("Set-Cookie") or []:
                jar = SimpleCookie()
                jar.load(header)
                for name, morsel in jar.items():
                    self.cookies[name] = morsel.value

    # -- websocket ---------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        return self._ws is not None and not self.dropped and not self._closing

    async def connect(self) -> None:
        """GET the health endpoint for the XSRF cookie, then open the websocket."""
        if self._ws is not None:
            raise RuntimeError("already connected")
        await asyncio.to_thread(self._fetch_cookies)
        parts = urlsplit(self.base_url)
        scheme = "wss" if parts.scheme == "https" else "ws"
        # Positional: "streamlit", the XSRF token, the session to resume (an empty entry keeps its place).
        protocols = ["streamlit", self.xsrf_token or "", self.session_id or ""]
        while not protocols[-1]:
            protocols.pop()
        self._ws = await asyncio.wait_for(connect(
            f"{scheme}://{parts.netloc}{parts.path}{STREAM_PATH}",
            origin=self.base_url, subprotocols=protocols,
            additional_headers={"Cookie": self.cookie_header()},
            max_size=None,  # maps arrive as single messages of several MB
            max_queue=None,  # the reader below takes every message at once anyway
            ping_interval=None,  # as a browser: no client pings; the server's pings are answered
            open_timeout=self.timeout), self.timeout)
        self._reader = asyncio.create_task(self._read(), name="streamlit-client-reader")
        if self.heartbeat:
            self._pinger = asyncio.create_task(self._heartbeats(), name="streamlit-client-heartbeat")

    async def _read(self) -> None:
        assert self._ws is not None
        try:
            async for data in self._ws:
                if isinstance(data, str):
                    continue  # the server sends binary protobufs only
                msg = ForwardMsg()
                msg.ParseFromString(data)
                self.messages += 1
                self.bytes += len(data)
                if msg.WhichOneof("type") == "heartbeat_ack":
                    self.heartbeat_acks += 1
                    continue
                if self._collector is not None:
                    session_id = self._collector.feed(msg, len(data))
                elif msg.WhichOneof("type") == "new_session":
                    session_id = msg.new_session.initialize.session_id or None
                else:
                    session_id = None
                if session_id:
                    self.session_id = session_id
            reason = f"closed by the server: {self._ws.close_code} {self._ws.close_reason}".strip()
        except ConnectionClosedOK as exc:
            reason = f"closed by the server: {exc}"
        except ConnectionClosed as exc:
            reason = f"connection broke: {exc}"
        except Exception as exc:  # a message that does not parse, say
            reason = f"reader failed: {exc!r}"
        if not self._closing:
            self.dropped = True
            self.drop_reason = reason
            if self._collector is not None and not self._collector.done.done():
                self._collector.done.set_exception(ConnectionDropped(reason))

    async def _heartbeats(self) -> None:
        while self.connected:
            await asyncio.sleep(self.heartbeat)
            try:
                await self._send(BackMsg(app_heartbeat=True))
            except ConnectionDropped:
                return

    async def _send(self, msg: BackMsg) -> None:
        if self._ws is None or self.dropped:
            raise ConnectionDropped(self.drop_reason or "not connected")
        try:
            await self._ws.send(msg.SerializeToString())
        except ConnectionClosed as exc:
            raise ConnectionDropped(str(exc)) from exc

    # -- views -------------------------------------------------------------------------

    async def open(self, page_path: str = "", query: str = "", timeout: float | None = None) -> Run:
        """Connect (if not yet connected) and run page_path ("" for the default page,
        "map", "ward", ...) with the query string (no "?"); wait for the run's end.
        Raises TimeoutError after timeout seconds (default: the client's), ConnectionDropped
        if the server closes the connection."""
        start = time.perf_counter()
        connect_seconds = 0.0
        if self._ws is None:
            await self.connect()
            connect_seconds = time.perf_counter() - start
        run = await self._run(page_path, query, timeout, start)
        run.connect_seconds = connect_seconds
        return run

    async def rerun(self, page_path: str = "", query: str = "", timeout: float | None = None) -> Run:
        """Another view in the same session, as a page link or a pasted link in the same tab."""
        if self._ws is None:
            raise RuntimeError("not connected: call open() first")
        return await self._run(page_path, query, timeout, time.perf_counter())

    async def _run(self, page_path: str, query: str, timeout: float | None, start: float) -> Run:
        page_path = page_path.strip("/")
        if "?" in page_path and not query:  # "map?unit=hex" is accepted too
            page_path, query = page_path.split("?", 1)
        query = query.lstrip("?")
        run = Run(page=page_path, query=query, session_id=self.session_id or "")
        collector = _Collector(run)
        self._collector = collector
        try:
            await self._send(BackMsg(rerun_script=ClientState(query_string=query, page_name=page_path)))
            await asyncio.wait_for(asyncio.shield(collector.done), timeout or self.timeout)
        except TimeoutError:
            run.seconds = time.perf_counter() - start
            raise TimeoutError(f"{page_path or '(default page)'}?{query} did not finish within "
                               f"{timeout or self.timeout:g} s ({run.messages} messages so far)") from None
        finally:
            self._collector = None
        run.seconds = time.perf_counter() - start
        run.session_id = run.session_id or self.session_id or ""
        return run

    async def aclose(self) -> None:
        self._closing = True
        if self._pinger is not None:
            self._pinger.cancel()
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)

    async def __aenter__(self) -> AsyncStreamlitClient:
        return self

    async def __aexit__(self, *exc) -> None:
        await self.aclose()


class StreamlitClient:
    """The same as AsyncStreamlitClient with plain calls: it runs the async client in a
    private event loop on a daemon thread, so its reader answers the server's pings even
    while the caller does something else. Attributes: session_id, cookies (incl. the XSRF
    cookie), xsrf_token, dropped, drop_reason, messages, bytes."""

    def __init__(self, base_url: str, *, cookies: dict[str, str] | None = None,
                 timeout: float = DEFAULT_TIMEOUT, heartbeat: float | None = None,
                 resume_session_id: str | None = None):
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="streamlit-client", daemon=True)
        self._thread.start()
        self._client: AsyncStreamlitClient = self._call(self._make(
            base_url, cookies=cookies, timeout=timeout, heartbeat=heartbeat, resume_session_id=resume_session_id))

    @staticmethod
    async def _make(base_url: str, **kwargs) -> AsyncStreamlitClient:
        return AsyncStreamlitClient(base_url, **kwargs)

    def _call(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result()

    def __getattr__(self, name: str):  # session_id, cookies, dropped, ... of the async client
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._client, name)

    def __setattr__(self, name: str, value) -> None:  # client.timeout = 30 sets the async client's
        if name.startswith("_"):
            super().__setattr__(name, value)
        else:
            setattr(self._client, name, value)

    def connect(self) -> None:
        self._call(self._client.connect())

    def open(self, page_path: str = "", query: str = "", timeout: float | None = None) -> Run:
        return self._call(self._client.open(page_path, query, timeout))

    def rerun(self, page_path: str = "", query: str = "", timeout: float | None = None) -> Run:
        return self._call(self._client.rerun(page_path, query, timeout))

    def close(self) -> None:
        if self._loop.is_closed():
            return
        try:
            self._call(self._client.aclose())
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
            self._loop.close()

    def __enter__(self) -> StreamlitClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
