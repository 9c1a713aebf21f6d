"""The data page in a real browser: what a user sees, and nothing fetched from outside."""
from urllib.parse import urlparse

import pytest

from support import ARTIFACTS

pytestmark = pytest.mark.e2e


def open_page(page, url: str) -> None:
    page.goto(url)
    page.get_by_text("How the data was loaded").wait_for(timeout=120_000)
    page.wait_for_load_state("networkidle")


def only_local_requests(page) -> list[str]:
    return [u for u in page.requests_seen
            if urlparse(u).hostname not in ("127.0.0.1", "localhost") and not u.startswith("data:")]


def test_demo_in_the_browser(page, serve):
    open_page(page, serve(None))
    assert page.get_by_text("Synthetic demo data").is_visible()
    assert page.get_by_text("Derby community safety: what the data holds").is_visible()
    assert page.get_by_text("2019-20: 12 of 12 months").first.is_visible()
    page.screenshot(path=ARTIFACTS / "data-page-demo.png", full_page=True)
    assert only_local_requests(page) == []


def test_real_data_in_the_browser(page, serve, real_data_dir):
    open_page(page, serve(real_data_dir))
    assert page.get_by_text("25,066").first.is_visible()
    assert page.get_by_text("Synthetic demo data").count() == 0
    assert page.get_by_text("2014-15: 7 of 12 months (April 2014 to October 2014)").first.is_visible()
    page.screenshot(path=ARTIFACTS / "data-page-real.png", full_page=True)
    assert only_local_requests(page) == []
