"""Sign-in end to end in a real browser: a Streamlit server with sign-in configured (a
secrets file with [auth] and [access]) and an OpenID Connect provider on 127.0.0.1
(oidc-provider-mock, built on Authlib), both started by these tests and stopped by them.

The browser signs in through the provider's own form, as each kind of person: a listed
viewer sees the data but cannot load it; a data steward can load it; someone not listed,
and someone whose address the provider has not verified, see no data; signing out ends in
the sign-in screen. Before signing in, no page shows any data and nothing is requested
outside 127.0.0.1; the provider is contacted only once "Sign in" is pressed.
"""
import os
import threading
from urllib.parse import parse_qs, quote, urlparse

import httpx
import pytest
import werkzeug.serving

from sia.app.map_component import MAP_FRAME

from e2e_server import StreamlitServer
from support import ARTIFACTS

pytestmark = pytest.mark.e2e

DATA_SELECTORS = ["[data-testid='stDataFrame']", "[data-testid='stMetric']",
                  "[data-testid='stVegaLiteChart']", MAP_FRAME,
                  "[data-testid='stSidebarNav']", ".st-key-page_links", "[data-testid='stAlert']"]
VIEWER = "analyst@derby.gov.uk"
STEWARD = "data.steward@derby.gov.uk"
# Who the provider signs in, and what it says of them (the id_token's claims).
PEOPLE = {
    VIEWER: {"email": VIEWER, "email_verified": True, "name": "Ann Analyst"},
    STEWARD: {"email": STEWARD, "email_verified": True, "name": "Dee Steward"},
    "outsider": {"email": "someone@example.com", "email_verified": True, "name": "Some One"},
    "unverified": {"email": "new.starter@derby.gov.uk", "email_verified": False, "name": "New Starter"},
    "unverified-text": {"email": "other.starter@derby.gov.uk", "email_verified": "false", "name": "Other"},
}


class Provider:
    """oidc-provider-mock on 127.0.0.1, recording the paths it was asked for."""

    def __init__(self):
        import oidc_provider_mock

        os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"  # plain HTTP on loopback, for the test only
        app = oidc_provider_mock.app()
        self.requests: list[str] = []

        def recording(environ, start_response):
            self.requests.append(environ.get("PATH_INFO", ""))
            return app(environ, start_response)

        self.server = werkzeug.serving.make_server("127.0.0.1", 0, recording, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        for sub, claims in PEOPLE.items():
            response = httpx.put(f"{self.url}/users/{quote(sub)}", json=claims)
            assert response.status_code == 204, response.text
        self.requests.clear()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


@pytest.fixture(scope="module")
def identity_provider():
    provider = Provider()
    yield provider
    provider.stop()


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
steward_emails = ["{STEWARD}"]
contact = "the CSP analysts"
""")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    server = StreamlitServer({"SIA_DATA_DIR": str(real_data_dir), "SIA_CACHE_DIR": str(folder)},
                             ARTIFACTS / "streamlit-sign-in.log", ("--secrets.files", str(secrets)))
    yield server.url
    server.stop()


@pytest.fixture
def visitor(browser):
    """A fresh browser (no cookies) that records the requests our app's pages make, and
    lets nothing leave 127.0.0.1 (the provider's own pages link a stylesheet on a CDN)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-GB")
    context.route(lambda url: urlparse(url).hostname != "127.0.0.1", lambda route: route.abort())
    page = context.new_page()
    page.app_requests = []
    page.on("request", lambda r: page.app_requests.append((r.url, r.frame.url if r.frame else "")))
    yield page
    context.close()


def outside_requests(page, app_url: str) -> list[str]:
    """Requests off 127.0.0.1 made by our app's pages (not by the provider's)."""
    return [u for u, frame in page.app_requests
            if frame.startswith(app_url) and urlparse(u).hostname != "127.0.0.1"
            and not u.startswith(("data:", "blob:"))]


def assert_no_data(page) -> None:
    for selector in DATA_SELECTORS:
        assert page.locator(selector).count() == 0, selector
    assert "Normanton" not in page.inner_text("body")
    assert page.locator("[data-testid='stException']").count() == 0


def sign_in(page, app_url: str, who: str) -> None:
    page.goto(app_url)
    page.get_by_role("button", name="Sign in").click(timeout=120_000)
    page.get_by_placeholder("sub").fill(who, timeout=30_000)  # the provider's form
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(f"{app_url}/**", timeout=60_000)


@pytest.mark.parametrize("path", ["", "map", "ward?ward=Normanton", "data"])
def test_signed_out_viewers_see_only_sign_in(visitor, signed_in_server, identity_provider, path):
    identity_provider.requests.clear()
    visitor.goto(f"{signed_in_server}/{path}")
    visitor.get_by_role("button", name="Sign in").wait_for(timeout=120_000)
    visitor.wait_for_load_state("networkidle")
    visitor.wait_for_timeout(1500)  # anything a page would draw after the gate has had time
    visitor.screenshot(path=ARTIFACTS / f"sign-in-{path.split('?')[0] or 'overview'}.png", full_page=True)
    assert visitor.get_by_role("heading", name="Derby community safety").count() == 1
    assert_no_data(visitor)
    assert "incidents" not in visitor.inner_text("body").lower()
    assert outside_requests(visitor, signed_in_server) == []
    assert identity_provider.requests == []  # the provider is not contacted until Sign in


def test_sign_in_goes_to_the_identity_provider(visitor, signed_in_server, identity_provider):
    identity_provider.requests.clear()
    visitor.goto(signed_in_server)
    visitor.get_by_role("button", name="Sign in").click(timeout=120_000)
    visitor.wait_for_url(f"{identity_provider.url}/oauth2/authorize?*", timeout=30_000)
    query = parse_qs(urlparse(visitor.url).query)
    assert query["client_id"] == ["derby-csp-dashboard"]
    assert query["redirect_uri"] == [f"{signed_in_server}/oauth2callback"]
    assert identity_provider.requests[0] == "/.well-known/openid-configuration"


def test_a_listed_viewer_sees_the_data_cannot_load_it_and_signs_out(visitor, signed_in_server):
    sign_in(visitor, signed_in_server, VIEWER)
    visitor.get_by_role("heading", name="Derby community safety overview").wait_for(timeout=120_000)
    visitor.locator("[data-testid='stMetric']").first.wait_for(timeout=60_000)  # the data is shown
    sidebar = visitor.locator("[data-testid='stSidebar']")
    # As a reader sees it: the word joiner that keeps the address from becoming a link is invisible.
    assert "Signed in as Ann Analyst (analyst@derby.gov.uk)" in sidebar.inner_text().replace("\u2060", "")

    visitor.goto(f"{signed_in_server}/data")
    visitor.get_by_role("heading", name="Data and quality").wait_for(timeout=120_000)
    visitor.wait_for_load_state("networkidle")
    assert visitor.get_by_text("The data is loaded by the dashboard's data stewards").count() == 1
    assert visitor.locator("[data-testid='stFileUploader']").count() == 0
    assert visitor.get_by_role("tab", name="Fetch from police.uk").count() == 0
    visitor.screenshot(path=ARTIFACTS / "signed-in-viewer-data.png", full_page=True)
    assert outside_requests(visitor, signed_in_server) == []

    visitor.locator("[data-testid='stSidebar']").get_by_role("button", name="Sign out").click()
    visitor.get_by_role("button", name="End session").click(timeout=60_000)  # the provider's own step
    visitor.get_by_role("button", name="Sign in").wait_for(timeout=120_000)
    assert_no_data(visitor)
    visitor.goto(f"{signed_in_server}/ward?ward=Normanton")  # the cookie is gone: no way back in
    visitor.get_by_role("button", name="Sign in").wait_for(timeout=120_000)
    assert_no_data(visitor)


def test_a_data_steward_can_load_data(visitor, signed_in_server):
    sign_in(visitor, signed_in_server, STEWARD)
    visitor.get_by_role("heading", name="Derby community safety overview").wait_for(timeout=120_000)
    visitor.goto(f"{signed_in_server}/data")
    visitor.get_by_role("heading", name="Data and quality").wait_for(timeout=120_000)
    visitor.get_by_text("Load real data").click()  # the panel is folded on real data
    uploader = visitor.locator("[data-testid='stFileUploader']").filter(has_text="Ward boundaries")
    uploader.wait_for(timeout=30_000)
    visitor.get_by_role("tab", name="Fetch from police.uk").click()
    visitor.get_by_role("button", name="Fetch from police.uk").wait_for(timeout=30_000)
    visitor.screenshot(path=ARTIFACTS / "signed-in-steward-data.png", full_page=True)


@pytest.mark.parametrize("who,says", [
    ("outsider", "which does not have access to this dashboard"),
    ("unverified", "has not confirmed that this email address is yours"),
    ("unverified-text", "has not confirmed that this email address is yours"),
])
def test_someone_not_let_in_sees_no_data(visitor, signed_in_server, who, says):
    sign_in(visitor, signed_in_server, who)
    visitor.get_by_text(says).wait_for(timeout=120_000)
    visitor.wait_for_timeout(1000)
    assert_no_data(visitor)
    assert visitor.get_by_role("button", name="Sign out").count() == 1
    for path in ("data", "ward?ward=Normanton"):
        visitor.goto(f"{signed_in_server}/{path}")
        visitor.get_by_text(says).wait_for(timeout=120_000)
        assert_no_data(visitor)
    assert outside_requests(visitor, signed_in_server) == []


def test_uploads_pass_xsrf_protection(page, serve, real_data_dir):
    url = serve(real_data_dir, SIA_IN_APP_LOADING="1")  # a one-person machine: its user loads data
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


def test_without_configuration_the_data_page_offers_no_loading(page, serve, real_data_dir):
    page.goto(f"{serve(real_data_dir)}/data")
    page.get_by_role("heading", name="Data and quality").first.wait_for(timeout=120_000)
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("The data is loaded by the dashboard's data stewards").count() == 1
    assert page.locator("[data-testid='stFileUploader']").count() == 0
    assert page.get_by_role("tab", name="Fetch from police.uk").count() == 0
