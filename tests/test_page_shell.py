"""The page Streamlit sends for a link to one of the app's pages, told where the server is
(sia.app.page_shell); anything else passes as Streamlit sends it. tests/e2e opens pages by
their links in a real browser."""
from __future__ import annotations

from pathlib import Path

import pytest
import streamlit
from starlette.testclient import TestClient

from sia.app.page_shell import PageShell, is_page_path, with_server_address

INDEX = (Path(streamlit.__file__).parent / "static" / "index.html").read_bytes()


class Streamlit:
    """Streamlit's answers, as far as the middleware sees them: its page (in two parts, as a
    file is streamed) for any address without a dot, a script, a 404 for its own routes."""

    def __init__(self):
        self.encodings: list[bytes | None] = []

    async def __call__(self, scope, receive, send):
        self.encodings.append(dict(scope["headers"]).get(b"accept-encoding"))
        path = scope["path"]
        if "_stcore" in path:
            status, kind, body = 404, b"text/plain", b"not found"
        elif "." in path.rsplit("/", 1)[-1]:
            status, kind, body = 200, b"application/javascript", b"<head>not a page</head>"
        else:
            status, kind, body = 200, b"text/html; charset=utf-8", INDEX
        headers = [(b"content-type", kind), (b"content-length", str(len(body)).encode()), (b"etag", b'"abc"')]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        half = len(body) // 2
        await send({"type": "http.response.body", "body": body[:half], "more_body": True})
        await send({"type": "http.response.body", "body": body[half:]})


@pytest.fixture
def shell():
    behind = Streamlit()
    return behind, TestClient(PageShell(behind))


@pytest.mark.parametrize("path, base, page", [
    ("/map", "", True), ("/ward", "", True), ("/", "", False), ("/map/", "", False),
    ("/static/js/index.js", "", False), ("/favicon.png", "", False), ("/_stcore/health", "", False),
    ("/map/_stcore/health", "", False), ("/a/b", "", False),
    ("/sia/map", "sia", True), ("/sia", "sia", False), ("/sia/", "sia", False), ("/map", "sia", False),
])
def test_which_addresses_are_pages(path, base, page):
    assert is_page_path(path, base) is page


def test_a_page_is_told_its_server_before_streamlit_reads_it(shell):
    behind, client = shell
    answer = client.get("/map?ward=Normanton", headers={"Accept-Encoding": "gzip"})
    assert answer.status_code == 200
    page = answer.content
    setting = page.index(b"BACKEND_BASE_URL")
    assert setting < page.index(b'<script type="module"')  # before Streamlit's code reads the setting
    assert int(answer.headers["content-length"]) == len(page)
    assert answer.headers["etag"] != '"abc"'  # not taken for Streamlit's own page by a cache
    assert behind.encodings == [None]  # asked for uncompressed, to be changed


@pytest.mark.parametrize("path", ["/", "/static/js/index.js", "/_stcore/health", "/map/_stcore/health"])
def test_anything_else_is_passed_as_streamlit_sends_it(shell, path):
    behind, client = shell
    answer = client.get(path, headers={"Accept-Encoding": "gzip"})
    assert b"BACKEND_BASE_URL" not in answer.content and answer.headers["etag"] == '"abc"'
    assert behind.encodings == [b"gzip"]


def test_the_change_is_the_setting_alone():
    page = with_server_address(INDEX)
    assert page.count(b"<script>window.__streamlit") == 1
    assert page.replace(page[page.index(b"<script>window.__streamlit"):page.index(b"</script>") + 9], b"") == INDEX
