"""The page Streamlit sends a browser that opens a link to one of the app's pages (/map,
/ward?ward=...), told where the server is.

Streamlit's page does not know whether /map is a page of an app at / or an app served at
/map, so it asks /map/_stcore/health first, is answered 404, waits 100 ms and asks
/_stcore/health: about 0.15 s before anything of the page is drawn, on every open of a
link to a page. This middleware (serve.py) gives the page its server's address
(``window.__streamlit.BACKEND_BASE_URL``, Streamlit's setting for a page served from
elsewhere) as the page's own address less its last part, which is right at the server's root,
under server.baseUrlPath, and behind a proxy that adds a path prefix alike. The app's root
(/, or the base path) is left as Streamlit sends it: there is nothing to guess there.
"""
from __future__ import annotations

_SETTING = (b"<script>window.__streamlit = Object.assign({}, window.__streamlit, "
            b"{BACKEND_BASE_URL: new URL('.', location.href).href});</script>")


def base_path() -> str:
    """The path the app is served under (server.baseUrlPath), without slashes; '' at the root."""
    from streamlit import config

    return (config.get_option("server.baseUrlPath") or "").strip("/")


def is_page_path(path: str, base: str) -> bool:
    """Whether ``path`` is a page's address below the app's root: one part after the base
    path, not a file (no dot) and not one of Streamlit's own routes."""
    parts = path.strip("/").split("/") if path.strip("/") else []
    prefix = base.split("/") if base else []
    if parts[:len(prefix)] != prefix or len(parts) != len(prefix) + 1 or path.endswith("/"):
        return False
    page = parts[-1]
    return bool(page) and "." not in page and not page.startswith("_")


def with_server_address(html: bytes) -> bytes:
    """Streamlit's page with the setting first in its head, before its scripts read it."""
    return html.replace(b"<head>", b"<head>" + _SETTING, 1)


class PageShell:
    """ASGI middleware: see the module's docstring."""

    def __init__(self, app):
        self.app = app
        self.base = base_path()

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "GET" or not is_page_path(scope["path"], self.base):
            await self.app(scope, receive, send)
            return
        # The page uncompressed (a few kB), so that it can be changed; only a 200 text/html answer is.
        scope = {**scope, "headers": [(k, v) for k, v in scope["headers"] if k.lower() != b"accept-encoding"]}
        start: dict = {}
        body: list[bytes] = []

        async def changed(message):
            if message["type"] == "http.response.start":
                start.update(message)
                return
            if message["type"] != "http.response.body":
                await send(message)
                return
            body.append(message.get("body", b""))
            if message.get("more_body"):
                return
            page = b"".join(body)
            headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
            if start.get("status") == 200 and any(k.lower() == b"content-type" and v.startswith(b"text/html")
                                                  for k, v in headers):
                page = with_server_address(page)
                # Not the file's own tag: a cache must not take one for the other.
                headers = [(k, v[:-1] + b'-shell"' if k.lower() == b"etag" and v.endswith(b'"') else v)
                           for k, v in headers]
            await send({**start, "headers": [*headers, (b"content-length", str(len(page)).encode())]})
            await send({"type": "http.response.body", "body": page})

        await self.app(scope, receive, changed)
