"""Hosting settings in a real browser: with sign-in configured (a secrets file with [auth]
and [access]), a viewer who has not signed in sees the sign-in screen and no data on every
page, and nothing is requested outside 127.0.0.1; "Sign in" goes to the identity provider
(a stand-in on 127.0.0.1, contacted only then); and uploads pass XSRF protection.
"""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest

from e2e_server import StreamlitServer
from support import ARTIFACTS

pytestmark = pytest.mark.e2e

DATA_SELECTORS = ["[data-testid='stDataFrame']", "[data-testid='stMetric']",
                  "[data-testid='stVegaLiteChart']", "iframe[title='streamlit_folium.st_folium']",
                  "[data-testid='stSidebarNav']", "[data-testid='stAlert']"]


class IdentityProvider(ThreadingHTTPServer):
    """A stand-in OpenID Connect provider on 127.0.0.1 that records what it was asked."""

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _ProviderHandler)
        self.url = f"http://127.0.0.1:{self.server_address[1]}"
        self.requests: list[str] = []


class _ProviderHandler(BaseHTTPRequestHandler):
    def do_GET(self):
        provider = self.server
        provider.requests.append(self.path)
        if self.path == "/.well-known/openid-configuration":
            body, kind = json.dumps({
                "issuer": provider.url, "authorization_endpoint": f"{provider.url}/authorize",
                "token_endpoint": f"{provider.url}/token", "jwks_uri": f"{provider.url}/keys",
                "response_types_supported": ["code"], "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"]}).encode(), "application/json"
        else:
            body, kind = b"<h1>Stand-in identity provider</h1>", "text/html"
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def identity_provider():
    provider = IdentityProvider()
    thread = threading.Thread(target=provider.serve_forever, daemon=True)
    thread.start()
    yield provider
    provider.shutdown()
    provider.server_close()


@pytest.fixture(scope="module")
def signed_in_server(real_data_dir, identity_provider, tmp_path_factory, browser):
    """The app on the real data with sign-in configured, its secrets in a file of its own."""
    folder = tmp_path_factory.mktemp("sign-in")
    secrets = folder / "secrets.toml"
    secrets.write_text(f"""
[auth]
redirect_uri = "http://127.0.0.1:{{port}}/oauth2callback"
cookie_secret = "{'e2e-cookie-secret-' * 3}"
client_id = "derby-csp-dashboard"
client_secret = "not-a-real-secret"
server_metadata_url = "{identity_provider.url}/.well-known/openid-configuration"

[access]
allowed_domains = ["derby.gov.uk"]
""")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    server = StreamlitServer({"SIA_DATA_DIR": str(real_data_dir), "SIA_CACHE_DIR": str(folder)},
                             ARTIFACTS / "streamlit-sign-in.log", ("--secrets.files", str(secrets)))
    yield server.url
    server.stop()


def outside_requests(page) -> list[str]:
    return [u for u in page.requests_seen
            if urlparse(u).hostname != "127.0.0.1" and not u.startswith(("data:", "blob:"))]


@pytest.mark.parametrize("path", ["", "map", "ward?ward=Normanton", "data"])
def test_signed_out_viewers_see_only_sign_in(page, signed_in_server, identity_provider, path):
    identity_provider.requests.clear()
    page.goto(f"{signed_in_server}/{path}")
    page.get_by_role("button", name="Sign in").wait_for(timeout=120_000)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(1500)  # anything a page would draw after the gate has had time
    page.screenshot(path=ARTIFACTS / f"sign-in-{path.split('?')[0] or 'overview'}.png", full_page=True)
    assert page.get_by_role("heading", name="Derby community safety").count() == 1
    for selector in DATA_SELECTORS:
        assert page.locator(selector).count() == 0, selector
    body = page.inner_text("body")
    assert "Normanton" not in body and "incidents" not in body.lower()
    assert page.locator("[data-testid='stException']").count() == 0
    assert outside_requests(page) == []
    assert identity_provider.requests == []  # the provider is not contacted until Sign in


def test_sign_in_goes_to_the_identity_provider(page, signed_in_server, identity_provider):
    identity_provider.requests.clear()
    page.goto(signed_in_server)
    page.get_by_role("button", name="Sign in").click(timeout=120_000)
    page.wait_for_url(f"{identity_provider.url}/authorize?*", timeout=30_000)
    query = parse_qs(urlparse(page.url).query)
    assert query["client_id"] == ["derby-csp-dashboard"]
    assert query["redirect_uri"] == [f"{signed_in_server}/oauth2callback"]
    assert identity_provider.requests[0] == "/.well-known/openid-configuration"
    assert outside_requests(page) == []


def test_uploads_pass_xsrf_protection(page, serve, real_data_dir):
    url = serve(real_data_dir)
    page.goto(f"{url}/data")
    page.get_by_role("heading", name="Data and quality").first.wait_for(timeout=120_000)
    assert "_streamlit_xsrf" in {c["name"] for c in page.context.cookies()}  # protection is on
    page.get_by_text("Load real data").click()  # the panel is folded on real data
    uploader = page.locator("[data-testid='stFileUploader']").filter(has_text="Ward boundaries")
    with page.expect_response(lambda r: "/_stcore/upload_file" in r.url) as upload:
        uploader.locator("input[type='file']").set_input_files(
            {"name": "wards.geojson", "mimeType": "application/geo+json",
             "buffer": b'{"type": "FeatureCollection", "features": []}'})
    assert upload.value.ok, upload.value.status
    page.locator("[data-testid='stFileChipName']", has_text="wards.geojson").wait_for(timeout=30_000)
    assert page.locator("[data-testid='stFileChipIconError']").count() == 0
