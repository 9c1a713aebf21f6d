import os
from pathlib import Path

import pytest

from support import real_ingest_args, require_shared_data

# Loopback police.uk and ONS servers for the fetch tests: fixtures 'serve', 'archive_zips'.
pytest_plugins = ["fetch_servers"]


@pytest.fixture(scope="session", autouse=True)
def _private_demo_cache(tmp_path_factory):
    """Tests never read or write the repository's own demo cache, nor a real dataset."""
    saved = {k: os.environ.get(k) for k in ("SIA_CACHE_DIR", "SIA_DATA_DIR")}
    os.environ["SIA_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))
    os.environ.pop("SIA_DATA_DIR", None)
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="session")
def shared_data() -> Path:
    return require_shared_data()


@pytest.fixture(scope="session")
def real_data_dir(shared_data, tmp_path_factory) -> Path:
    """The eight real months ingested once, with boundaries, population and IMD."""
    from sia.cli import main

    data_dir = tmp_path_factory.mktemp("real")
    assert main(["ingest", *real_ingest_args(shared_data, data_dir)]) == 0
    return data_dir


@pytest.fixture(scope="session")
def stops_data(shared_data, tmp_path_factory):
    """The eight real months with a force-wide stop-and-search file written beside each (see
    stop_search_files), ingested with the README's command: (data dir, the stop files by
    month, what ingest printed)."""
    from stop_search_files import write_derbyshire_stops
    from support import run_sia

    root = tmp_path_factory.mktemp("stops")
    files = write_derbyshire_stops(root / "stops", shared_data / "police_uk")
    data_dir = root / "data"
    result = run_sia("ingest", *real_ingest_args(shared_data, data_dir, shared_data / "police_uk", root / "stops"))
    assert result.returncode == 0, result.stderr
    return data_dir, files, result.stdout


@pytest.fixture(scope="session")
def demo_data_dir(tmp_path_factory) -> Path:
    from sia.dataset.demo import build_demo

    data_dir = tmp_path_factory.mktemp("demo")
    build_demo(data_dir)
    return data_dir

