"""Heavy work outside the server's interpreter (sia.app.heavy), and files prepared on the
page (sia.app.widgets.prepared_download): a pack is made when asked, then saved; a busy
server or a replaced build is said where the user is."""
from __future__ import annotations

import os

import pytest
from test_app import run_app

from sia.app import heavy, widgets
from sia.app.heavy import QUEUE_LIMIT, Busy, in_worker, worker_count
from sia.errors import InputError, Problem


@pytest.fixture
def as_served(monkeypatch):
    """in_worker as a server runs it (AppTest and plain tests run the work in place)."""
    monkeypatch.setattr(heavy, "served", lambda: True)
    monkeypatch.setenv(heavy.WORKERS_VARIABLE, "1")
    yield
    if heavy._pool is not None:
        heavy._pool.shutdown(wait=True, cancel_futures=True)
        heavy._pool = None


def test_heavy_work_runs_in_another_process(as_served):
    assert in_worker(os.getpid) != os.getpid()
    assert in_worker(sorted, [3, 1, 2]) == [1, 2, 3]  # arguments and results travel both ways


def test_a_full_queue_is_refused_at_once(as_served, monkeypatch):
    monkeypatch.setattr(heavy, "_waiting", QUEUE_LIMIT)
    with pytest.raises(Busy, match="Try again in a minute"):
        in_worker(os.getpid)
    assert heavy._pool is None  # refused before anything was started


def test_without_a_server_the_work_is_done_in_place():
    assert in_worker(os.getpid) == os.getpid()


@pytest.mark.parametrize("value", ["two", "-1", "1e3", "65", "9" * 30])
def test_a_malformed_worker_count_is_refused(monkeypatch, value):
    monkeypatch.setenv(heavy.WORKERS_VARIABLE, value)
    with pytest.raises(InputError, match="SIA_WORKERS"):
        worker_count()


def pack_buttons(at):
    return [b.label for b in at.button if b.label.startswith("Briefing pack")]


def test_a_ward_pack_is_prepared_then_saved(monkeypatch, real_data_dir):
    at = run_app(monkeypatch, real_data_dir, "pages/ward.py", {"ward": "Normanton", "fy": "2019-20"})
    assert pack_buttons(at) == ["Briefing pack (PDF)", "Briefing pack (HTML)"]
    at.button(key="briefing.pdf").click().run(timeout=180)
    assert not at.exception and not at.error
    saved = [b for b in at.get("download_button") if b.label == "Save: Briefing pack (PDF)"]
    assert len(saved) == 1 and pack_buttons(at) == ["Briefing pack (HTML)"]
    # Another view (another year) asks for its own pack: the saved one was for the first.
    at.query_params["fy"] = "2014-15"
    at.run()
    assert pack_buttons(at) == ["Briefing pack (PDF)", "Briefing pack (HTML)"]


@pytest.mark.parametrize("failure, shown", [
    (Busy(QUEUE_LIMIT), "Try again in a minute"),
    (InputError(Problem("the dataset build x has been replaced since this page was opened", "",
                        "reload the page")), "replaced since this page was opened"),
])
def test_a_pack_that_cannot_be_made_says_why_on_the_page(monkeypatch, real_data_dir, failure, shown):
    at = run_app(monkeypatch, real_data_dir, "pages/ward.py", {"ward": "Normanton", "fy": "2019-20"})

    def fail(*args):
        raise failure
    monkeypatch.setattr(widgets, "in_worker", fail)
    at.button(key="briefing.html").click().run(timeout=180)
    assert not at.exception
    said = [e.value for e in at.error] + [w.value for w in at.warning]
    assert any(shown in text for text in said), said
    assert pack_buttons(at) == ["Briefing pack (PDF)", "Briefing pack (HTML)"]  # asked again, not saved
