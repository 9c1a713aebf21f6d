"""The gate in front of Streamlit's server (serve.py): what reaches the server's memory.

Streamlit stores an upload (``PUT /_stcore/upload_file/<session>/<file>``) for any session
that is open, signed in or not, before the app's script sees it, and keeps it until the
session is shut down, which a closed browser tab may never cause. Streamlit offers ASGI
middleware (``streamlit.starlette.App``) as its supported hook, so the gate is one:

- an upload is taken only for a session the app has let load data (``note_uploader``: the
  viewer passed the sign-in gate and is a data steward, or the app is open and in-app
  loading is on), and only with a Content-Length within the file limit and within what the
  session and the whole server may hold (``MAX_UPLOAD_TOTAL`` a session, ``SERVER_UPLOADS``
  in all); anything else is refused from its headers, before a byte of the body is read;
- no other request may carry a body (none of Streamlit's other endpoints takes one);
- when a browser's connection closes, the uploads of every session no longer connected are
  dropped (a reconnecting tab uploads again), and so is an upload that finishes arriving
  after its session has ended;
- at most ``MAX_CONNECTIONS`` browser connections (websockets) are open at once: the server
  holds each message a connection sends until it is whole, up to server.maxMessageSize
  (16 MB in .streamlit/config.toml), so the two bound what strangers' messages can hold.

The limits are checked again by the Data page (sia.dataset.uploads) for the files it builds
from; this keeps the server within them whoever calls.
"""
from __future__ import annotations

import re
import threading
from collections import defaultdict

from starlette.middleware import Middleware

from sia.dataset.limits import MB, size_text
from sia.dataset.uploads import MAX_UPLOAD_FILE, MAX_UPLOAD_TOTAL

# Everything every session's uploads may hold at once (two sessions' worth: a steward
# building while another waits is refused with a "try again" rather than the server
# running out of memory).
SERVER_UPLOADS = 2 * MAX_UPLOAD_TOTAL
# Browser connections open at once, from everyone (each a tab: a meeting and its analysts
# are far fewer); a connection past them is refused at its handshake.
MAX_CONNECTIONS = 100
# A multipart body carries its file plus a few hundred bytes of framing.
MULTIPART_FRAMING = MB
UPLOAD_PATH = re.compile(r"(?:^|/)_stcore/upload_file/([^/]+)/([^/]+)/?$")

_lock = threading.Lock()
_uploaders: set[str] = set()  # sessions the app lets upload
_in_flight: dict[str, int] = defaultdict(int)  # bytes of uploads being received, by session
_connections = 0  # websockets open
_installed = False


def behind_gate() -> bool:
    """Whether this server was started with the gate (serve.py), not bare ``app.py``."""
    return _installed


def note_uploader(session_id: str, may_upload: bool) -> None:
    """Record, on every run of the app, whether the session's viewer may upload now."""
    with _lock:
        if may_upload:
            _uploaders.add(session_id)
        else:
            _uploaders.discard(session_id)


def may_upload(session_id: str) -> bool:
    with _lock:
        return session_id in _uploaders


def _upload_manager():
    from streamlit.runtime import Runtime

    return Runtime.instance().uploaded_file_mgr if Runtime.exists() else None


def _held(session_id: str | None = None) -> int:
    """Bytes of uploads Streamlit holds for ``session_id``, or for all sessions."""
    manager = _upload_manager()
    storage = getattr(manager, "file_storage", None)
    if storage is None:
        return 0
    # list() of a dict is taken whole under the GIL: no "changed size during iteration".
    sessions = [storage.get(session_id, {})] if session_id else list(storage.values())
    return sum(len(f.data) for files in sessions for f in list(files.values()))


def drop_ended_sessions() -> None:
    """Let go of the uploads of every session no longer connected, and their permission."""
    from streamlit.runtime import Runtime

    if not Runtime.exists():
        return
    runtime = Runtime.instance()
    manager = runtime.uploaded_file_mgr
    with _lock:
        ended = {s for s in _uploaders if not runtime.is_active_session(s)}
        _uploaders.difference_update(ended)
    for session_id in set(getattr(manager, "file_storage", {})) | ended:
        if not runtime.is_active_session(session_id):
            manager.remove_session_files(session_id)


class Refused(Exception):
    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status, self.reason = status, reason


def _declared_length(headers: dict[bytes, bytes]) -> int | None:
    """The body's length from its headers: None when there is none; Refused when it is
    sent without a length (chunked) or with a malformed one."""
    if b"transfer-encoding" in headers:
        raise Refused(411, "Send the file with a Content-Length.")
    value = headers.get(b"content-length")
    if value is None:
        return None
    if not value.isdigit() or len(value) > 15:
        raise Refused(400, "The Content-Length is not a number.")
    return int(value) or None


def _reserve(session_id: str, length: int) -> None:
    """Count ``length`` bytes against the session's and the server's upload limits, or refuse."""
    if length > MAX_UPLOAD_FILE + MULTIPART_FRAMING:
        raise Refused(413, f"A file may be up to {size_text(MAX_UPLOAD_FILE)}.")
    with _lock:
        if session_id not in _uploaders:
            raise Refused(403, "Only the dashboard's data stewards may upload files.")
        mine = _held(session_id) + _in_flight[session_id] + length
        if mine > MAX_UPLOAD_TOTAL + MULTIPART_FRAMING:
            raise Refused(413, f"This session's uploads would come to {size_text(mine)}, more than "
                               f"the {size_text(MAX_UPLOAD_TOTAL)} one session may hold. Remove some first.")
        everyone = _held() + sum(_in_flight.values()) + length
        if everyone > SERVER_UPLOADS:
            raise Refused(503, "The server holds as many uploads as it may just now. Try again in a few minutes.")
        _in_flight[session_id] += length


def _release(session_id: str, length: int) -> None:
    with _lock:
        _in_flight[session_id] -= length
        if _in_flight[session_id] <= 0:
            del _in_flight[session_id]


async def _refuse(send, refused: Refused) -> None:
    body = refused.reason.encode()
    await send({"type": "http.response.start", "status": refused.status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode()), (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


class RequestGate:
    """ASGI middleware: see the module's docstring."""

    def __init__(self, app):
        global _installed
        self.app = app
        _installed = True

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket":
            await self._connection(scope, receive, send)
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        upload = UPLOAD_PATH.search(scope["path"]) if scope["method"] == "PUT" else None
        try:
            length = _declared_length(dict(scope["headers"]))
            if upload is None:
                if length:
                    raise Refused(413, "This address takes no body.")
                await self.app(scope, receive, send)
                return
            if length is None:
                raise Refused(411, "Send the file with a Content-Length.")
            session_id = upload.group(1)
            _reserve(session_id, length)
        except Refused as refused:
            await _refuse(send, refused)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            _release(session_id, length)
            drop_ended_sessions()  # its session may have ended while the file arrived

    async def _connection(self, scope, receive, send):
        global _connections
        with _lock:
            full = _connections >= MAX_CONNECTIONS
            _connections += 0 if full else 1
        if full:  # refused at the handshake (HTTP 403), before any message is read
            await receive()
            await send({"type": "websocket.close", "code": 1013})
            return
        try:
            await self.app(scope, receive, send)
        finally:  # Streamlit has let the connection's session go (or kept it to resume)
            with _lock:
                _connections -= 1
            drop_ended_sessions()


def gate_middleware() -> list[Middleware]:
    """The middleware serve.py puts in front of the app."""
    return [Middleware(RequestGate)]
