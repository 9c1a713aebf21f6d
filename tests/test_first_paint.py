"""The map drawn before the rest of its page (sia.app.first_paint): a run waits for its map's
frame to say the map is drawn, at most FIRST_PAINT_WAIT seconds; the frame says so by an
empty POST that no stranger can turn into anything else. tests/e2e/test_pages.py opens the
map in a real browser."""
from __future__ import annotations

import threading
import time
from types import SimpleNamespace

import pytest
from starlette.testclient import TestClient

from sia.app import first_paint
from sia.app.first_paint import FirstPaintSignal, frame_is_new, register, wait_for, waiting_count


class App:
    """What lies behind the middleware: answers 200 and notes the paths it saw."""

    def __init__(self):
        self.paths: list[str] = []

    async def __call__(self, scope, receive, send):
        self.paths.append(scope["path"])
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"app"})


@pytest.fixture(autouse=True)
def installed_as_before(monkeypatch):
    # Making the middleware marks it installed for the process: not for the tests after these.
    monkeypatch.setattr(first_paint, "_installed", first_paint._installed)


@pytest.fixture
def signal_client():
    behind = App()
    return behind, TestClient(FirstPaintSignal(behind))


def waiting_in_a_thread(token: str, timeout: float) -> tuple[threading.Thread, dict]:
    outcome: dict = {}

    def wait():
        start = time.monotonic()
        outcome["answered"] = wait_for(token, timeout)
        outcome["seconds"] = time.monotonic() - start

    thread = threading.Thread(target=wait)
    thread.start()
    return thread, outcome


def test_the_frames_post_ends_its_runs_wait(signal_client):
    behind, client = signal_client
    token = register()
    thread, outcome = waiting_in_a_thread(token, timeout=30)
    time.sleep(0.1)
    answer = client.post(f"/_sia/drawn/{token}")
    thread.join(10)
    assert answer.status_code == 204 and answer.content == b""
    assert outcome["answered"] is True and outcome["seconds"] < 5
    assert behind.paths == [] and waiting_count() == 0  # the token is spent


def test_a_frame_that_never_answers_holds_the_page_only_so_long():
    token = register()
    thread, outcome = waiting_in_a_thread(token, timeout=0.3)
    thread.join(10)
    assert outcome["answered"] is False and 0.25 < outcome["seconds"] < 5
    assert waiting_count() == 0


def test_an_answer_before_the_wait_counts(signal_client):
    # The frame can be quicker than the rest of the run reaching its wait.
    _, client = signal_client
    token = register()
    client.post(f"/_sia/drawn/{token}")
    start = time.monotonic()
    assert wait_for(token, timeout=30) is True and time.monotonic() - start < 1


@pytest.mark.parametrize("tail", [
    "0" * 32,  # well formed, but no run waits on it
    "..%2F..%2F_stcore%2Fhealth", "%2e%2e%2f_stcore", "A" * 32, "0" * 31, "0" * 33, "0" * 10_000,
    "<script>alert(1)</script>", "00000000000000000000000000000000/extra", "",
])
def test_a_strangers_token_changes_nothing(signal_client, tail):
    behind, client = signal_client
    token = register()
    try:
        for _ in range(50):
            answer = client.post(f"/_sia/drawn/{tail}", content=b"")
            assert answer.status_code == 204 and answer.content == b""
        assert waiting_count() == 1  # nothing added; the real wait still waits
        assert wait_for(token, timeout=0.05) is False
    finally:
        wait_for(token, timeout=0)
    assert behind.paths == [] and waiting_count() == 0


def test_only_a_post_signals_and_other_addresses_reach_the_app(signal_client):
    behind, client = signal_client
    token = register()
    refused = client.get(f"/_sia/drawn/{token}")
    assert refused.status_code == 405 and refused.headers["allow"] == "POST"
    assert client.put(f"/_sia/drawn/{token}").status_code == 405
    assert wait_for(token, timeout=0.05) is False
    for path in ("/map", "/_sia", "/_sia/drawnx/" + token, "/component/x/_sia/drawn/" + token):
        assert client.post(path).text == "app"
    assert behind.paths == ["/map", "/_sia", "/_sia/drawnx/" + token, "/component/x/_sia/drawn/" + token]


def test_the_signal_sits_below_the_base_path(monkeypatch):
    monkeypatch.setattr(first_paint, "base_path", lambda: "csp/dashboard")
    behind = App()
    client = TestClient(FirstPaintSignal(behind))
    token = register()
    assert client.post(f"/_sia/drawn/{token}").text == "app"  # not the app's: passed on
    assert client.post(f"/csp/dashboard/_sia/drawn/{token}").status_code == 204
    assert wait_for(token, timeout=0) is True


@pytest.fixture
def session(monkeypatch):
    state: dict = {}
    monkeypatch.setattr(first_paint, "st", SimpleNamespace(session_state=state))
    return state


def test_a_map_frame_is_new_on_opening_and_after_another_page_only(session):
    run = first_paint.count_run
    run()
    assert frame_is_new("beside")  # the page opened
    run()
    assert not frame_is_new("beside")  # a filter changed: the same frame redraws
    run()
    assert frame_is_new("presenting")  # another layout: another frame
    run()  # another page
    run()
    assert frame_is_new("presenting")  # back on the map: a new frame
    run()
    assert not frame_is_new("presenting")


def test_a_session_whose_frame_never_answered_waits_no_more(session, monkeypatch):
    monkeypatch.setattr(first_paint, "_installed", True)
    monkeypatch.setattr(first_paint, "FIRST_PAINT_WAIT", 0.05)
    token = first_paint.new_token()
    assert token is not None
    first_paint.wait_for_map(token)  # nobody answers (a client that runs no frame)
    assert first_paint.new_token() is None and waiting_count() == 0


def test_without_the_signals_middleware_nothing_waits(session, monkeypatch):
    monkeypatch.setattr(first_paint, "_installed", False)  # streamlit run app.py; AppTest
    assert first_paint.new_token() is None
    first_paint.wait_for_map(None)  # returns at once
