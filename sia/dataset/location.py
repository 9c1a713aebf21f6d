"""Which dataset a command or the app reads: --data-dir, then SIA_DATA_DIR, then a dataset
uploaded or fetched in the app (when there is one), then the demo."""
from __future__ import annotations

import os
from pathlib import Path

from sia.dataset.demo import build_demo, cache_dir, demo_data_dir
from sia.dataset.store import Dataset, current_build, open_dataset
from sia.errors import InputError, Problem

DATA_DIR_VARIABLE = "SIA_DATA_DIR"


def configured_data_dir(given: Path | str | None = None) -> Path | None:
    """The real dataset asked for, or None when the demo should be used."""
    if given:
        return Path(given)
    env = os.environ.get(DATA_DIR_VARIABLE, "").strip()
    return Path(env) if env else None


def app_data_dir() -> Path:
    """Where the app builds a dataset from uploads or a fetch: $SIA_DATA_DIR when set (so
    the app keeps reading it), else a cache folder that then takes over from the demo."""
    return configured_data_dir() or cache_dir() / "uploaded"


def real_data_dir(given: Path | str | None = None) -> Path | None:
    """The data directory a command would read, without building the demo: None when it
    would read the demo (which holds no register of its own)."""
    chosen = configured_data_dir(given)
    if chosen is not None:
        return chosen
    return app_data_dir() if current_build(app_data_dir()) is not None else None


def resolve_data_dir(given: Path | str | None = None) -> Path:
    """The data directory to read, building the demo on first use."""
    chosen = configured_data_dir(given)
    if chosen is not None:
        if current_build(chosen) is None:
            fix = ("build one with 'python -m sia ingest SOURCE... --wards FILE "
                   f"--data-dir {chosen}'")
            if not given:
                fix += f", or unset {DATA_DIR_VARIABLE} to use the built-in demo"
            source = "--data-dir" if given else DATA_DIR_VARIABLE
            raise InputError(Problem(f"holds no dataset (from {source})", str(chosen), fix))
        return chosen
    if current_build(app_data_dir()) is not None:
        return app_data_dir()
    demo = demo_data_dir()
    if current_build(demo) is None:
        build_demo(demo)
    return demo


def load(given: Path | str | None = None) -> Dataset:
    return open_dataset(resolve_data_dir(given))
