"""The request gate (sia.app.request_gate) in front of Streamlit's server, request by request:
what it refuses from the headers alone, never reading the body or calling the app behind
it. tests/e2e/test_hostile_uploads.py sends the hostile uploads to a real server and watches its
memory."""
from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from sia.app import request_gate
from sia.app.request_gate import Refused, RequestGate, note_uploader
from sia.dataset.limits import MB
from sia.dataset.uploads import MAX_UPLOAD_FILE, MAX_UPLOAD_TOTAL

UPLOAD = "/_stcore/upload_file/{session}/a-file-id"


class App:
    """The server behind the gate: records what reached it and reads the whole body."""

    def __init__(self):
        self.reached: list[tuple[str, str, int]] = []

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket":  # accept, then wait for the browser to leave
            await receive()
            await send({"type": "websocket.accept"})
            while (await receive())["type"] != "websocket.disconnect":
                pass
            return
        size = 0
        if scope["type"] == "http":
            while True:
                message = await receive()
                size += len(message.get("body", b""))
                if not message.get("more_body"):
                    break
        self.reached.append((scope["method"], scope["path"], size))
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})


@pytest.fixture
def gate():
    behind = App()
    note_uploader("steward-session", True)
    yield behind, TestClient(RequestGate(behind))
    note_uploader("steward-session", False)


def test_an_upload_from_a_session_not_let_in_is_refused_unread(gate):
    behind, client = gate
    response = client.put(UPLOAD.format(session="someone-signed-out"), content=b"x" * MB)
    assert response.status_code == 403 and "data stewards" in response.text
    assert behind.reached == []


def test_a_stewards_upload_within_the_limits_reaches_the_server(gate):
    behind, client = gate
    assert client.put(UPLOAD.format(session="steward-session"), content=b"x" * MB).status_code == 204
    assert behind.reached == [("PUT", UPLOAD.format(session="steward-session"), MB)]


def test_signing_out_takes_the_permission_away(gate):
    behind, client = gate
    note_uploader("steward-session", False)
    assert client.put(UPLOAD.format(session="steward-session"), content=b"x").status_code == 403
    assert behind.reached == []


@pytest.mark.parametrize("headers, status", [
    ({"content-length": str(MAX_UPLOAD_FILE + 2 * MB)}, 413),  # over the file limit, said up front
    ({"content-length": "12abc"}, 400),
    ({"content-length": "9" * 40}, 400),  # a number too long to be a length
    ({"transfer-encoding": "chunked"}, 411),  # no length: it could be endless
])
def test_an_upload_whose_headers_break_the_rules_is_refused_unread(gate, headers, status):
    behind, client = gate
    request = client.build_request("PUT", UPLOAD.format(session="steward-session"), content=b"x")
    for name in ("content-length", "transfer-encoding"):
        request.headers.pop(name, None)
    request.headers.update(headers)
    assert client.send(request).status_code == status
    assert behind.reached == []


@pytest.mark.parametrize("method, path", [
    ("POST", "/"), ("PUT", "/_stcore/health"), ("POST", "/oauth2callback"), ("PATCH", "/media/x"),
    ("POST", UPLOAD.format(session="steward-session")),  # uploads are PUT only
])
def test_no_other_address_takes_a_body(gate, method, path):
    behind, client = gate
    assert client.request(method, path, content=b"x" * 1000).status_code == 413
    assert behind.reached == []


def test_requests_without_a_body_pass(gate):
    behind, client = gate
    assert client.get("/_stcore/health").status_code == 204
    assert client.delete(UPLOAD.format(session="someone")).status_code == 204  # Streamlit checks its XSRF
    assert [r[:2] for r in behind.reached] == [("GET", "/_stcore/health"), ("DELETE", UPLOAD.format(session="someone"))]


def test_what_a_session_and_the_server_may_hold_is_bounded(monkeypatch):
    held = {"a": 0, "b": 0, "c": 0}
    monkeypatch.setattr(request_gate, "_held", lambda session=None: held[session] if session else sum(held.values()))
    for session in held:
        note_uploader(session, True)
    try:
        request_gate._reserve("a", 150 * MB)  # receiving: counted before it is held
        request_gate._reserve("a", 150 * MB)
        with pytest.raises(Refused) as refused:
            request_gate._reserve("a", 150 * MB)  # 450 MB: more than a session may hold
        assert refused.value.status == 413 and "one session may hold" in refused.value.reason
        request_gate._release("a", 300 * MB)
        held["a"] = MAX_UPLOAD_TOTAL  # stored by Streamlit now
        held["b"] = MAX_UPLOAD_TOTAL
        with pytest.raises(Refused) as refused:
            request_gate._reserve("c", 10 * MB)  # the server holds all it may
        assert refused.value.status == 503
        held["b"] = 0  # its session ended: its files were let go
        request_gate._reserve("c", 10 * MB)
        request_gate._release("c", 10 * MB)
    finally:
        for session in held:
            note_uploader(session, False)
    assert request_gate._in_flight == {}


def test_browser_connections_past_the_limit_are_refused_at_the_handshake(gate, monkeypatch):
    from starlette.websockets import WebSocketDisconnect

    _, client = gate
    monkeypatch.setattr(request_gate, "MAX_CONNECTIONS", 2)
    with client.websocket_connect("/_stcore/stream"), client.websocket_connect("/_stcore/stream"):
        with pytest.raises(WebSocketDisconnect) as refused:
            with client.websocket_connect("/_stcore/stream"):
                pass
        assert refused.value.code == 1013
    with client.websocket_connect("/_stcore/stream"):  # closed ones no longer count
        pass
    assert request_gate._connections == 0
