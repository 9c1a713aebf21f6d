"""A real Streamlit server on 127.0.0.1 and Debian's Chromium driven by Playwright.

The server is started by the fixture and stopped by it, by process id. Chromium is
never downloaded: set SIA_CHROMIUM to use another binary than /usr/bin/chromium.
"""
import os
from pathlib import Path

import pytest

from e2e_server import StreamlitServer
from support import ARTIFACTS

CHROMIUM = Path(os.environ.get("SIA_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        message = f"no Chromium at {CHROMIUM}: apt-get install chromium, or set SIA_CHROMIUM"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def serve(tmp_path_factory):
    """serve(SIA_DATA_DIR or None, **more environment) -> base URL of a server on that data;
    all stopped at the end."""
    servers = {}
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def start(data_dir: Path | None, **more: str) -> str:
        key = (str(data_dir), tuple(sorted(more.items())))
        if key not in servers:
            env = {"SIA_CACHE_DIR": str(tmp_path_factory.mktemp("server-cache")), **more}
            if data_dir is not None:
                env["SIA_DATA_DIR"] = str(data_dir)
            else:
                env["SIA_DATA_DIR"] = ""
            servers[key] = StreamlitServer(env, ARTIFACTS / f"streamlit-{len(servers)}.log")
        return servers[key].url

    yield start
    for server in servers.values():
        server.stop()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-GB")
    page = context.new_page()
    page.requests_seen = []
    page.on("request", lambda r: page.requests_seen.append(r.url))
    yield page
    context.close()
