"""The store: builds published one at a time under the data directory's lock, never one
removing another's; what killed processes leave behind is cleaned up by the next build."""
import subprocess
import sys
import threading

import pytest

from sia.dataset.ingest import WardInputs, build_dataset
from sia.dataset.store import BUILDS, CURRENT, SCRATCH, current_build, open_dataset, scratch_folder, write_dataset

from police_rows import row, write_street, write_test_wards
from support import ROOT


@pytest.fixture
def sources(tmp_path):
    wards = write_test_wards(tmp_path / "wards.geojson")
    street = [write_street(tmp_path / f"src{i}", "2014-04", [row(crime_id=f"{i}-{j}") for j in range(i + 1)])
              for i in range(4)]
    return wards, street


def test_builds_published_at_the_same_time_never_remove_each_other(tmp_path, sources):
    """Twenty-five rounds of four builds published at once (threads: many rounds, quickly). Before
    the lock, about half the rounds left CURRENT naming a removed build."""
    wards, street = sources
    build_dataset([street[0]], WardInputs(boundaries=wards), tmp_path / "first")
    made = open_dataset(tmp_path / "first")
    manifest = {k: v for k, v in made.manifest.items() if k not in ("format", "build", "built_at")}
    data_dir = tmp_path / "data"
    for _ in range(25):
        threads = [threading.Thread(target=write_dataset, args=(data_dir, made.incidents, made.wards, manifest))
                   for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        dataset = open_dataset(data_dir)
        assert len(dataset.incidents) == 1 and len(list((data_dir / BUILDS).iterdir())) == 2


def test_ingests_at_the_same_time_always_leave_a_current_readable_dataset(tmp_path, sources):
    """Rounds of four ingests at once, in four processes, into one data directory."""
    wards, street = sources
    data_dir = tmp_path / "data"
    for _ in range(2):
        processes = [subprocess.Popen([sys.executable, "-m", "sia", "ingest", str(src), "--wards", str(wards),
                                       "--data-dir", str(data_dir)], cwd=ROOT,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                     for src in street]
        errors = [p.communicate(timeout=300)[1] for p in processes]
        assert [p.returncode for p in processes] == [0, 0, 0, 0], errors
        dataset = open_dataset(data_dir)  # CURRENT names a build that is there and whole
        assert len(dataset.incidents) in (1, 2, 3, 4)
        builds = [p.name for p in (data_dir / BUILDS).iterdir()]
        assert dataset.build_id in builds and len(builds) <= 2, builds  # the current and one before
        assert not [p for p in data_dir.iterdir() if p.name.startswith(f".{CURRENT}.")]


def test_what_a_killed_build_leaves_behind_is_removed_by_the_next(tmp_path, sources):
    wards, street = sources
    data_dir = tmp_path / "data"
    inputs = WardInputs(boundaries=wards)
    build_dataset([street[0]], inputs, data_dir)
    # A publisher killed while writing, and an upload killed while its files were on disk.
    (data_dir / BUILDS / ".staging-20260101T000000-0badc0de").mkdir()
    (data_dir / BUILDS / ".staging-20260101T000000-0badc0de" / "incidents.parquet").write_bytes(b"half")
    killed = subprocess.run([sys.executable, "-c", (
        "import os, sys; from pathlib import Path; from sia.dataset.store import scratch_folder\n"
        f"with scratch_folder(Path({str(data_dir)!r})) as folder:\n"
        "    (folder / 'upload.csv').write_text('x')\n"
        "    print(folder.name, flush=True)\n"
        "    os._exit(9)\n")], cwd=ROOT, capture_output=True, text=True, timeout=120)
    left = data_dir / SCRATCH / killed.stdout.strip()
    assert killed.returncode == 9 and (left / "upload.csv").exists()
    (data_dir / SCRATCH / "no-lock-file").mkdir()

    with scratch_folder(data_dir) as live:  # a folder in use is never taken for a stale one
        build_dataset([street[1]], inputs, data_dir)
        assert live.exists()
    assert not left.exists() and not (data_dir / SCRATCH / "no-lock-file").exists()
    assert not list((data_dir / BUILDS).glob(".staging-*"))
    assert list((data_dir / SCRATCH).iterdir()) == []
    assert len(open_dataset(data_dir).incidents) == 2


def test_a_damaged_current_is_replaced_by_the_next_build(tmp_path, sources):
    wards, street = sources
    data_dir = tmp_path / "data"
    build_dataset([street[0]], WardInputs(boundaries=wards), data_dir)
    (data_dir / CURRENT).write_text("not a build\n")
    build, _ = build_dataset([street[2]], WardInputs(boundaries=wards), data_dir)
    assert current_build(data_dir) == build and len(open_dataset(data_dir).incidents) == 3


def test_a_build_removed_while_it_is_read_gives_way_to_the_new_one(tmp_path, sources, monkeypatch):
    """A reader that opened a build just as two more were published (and the first removed)
    reads the new current build rather than calling the dataset damaged."""
    import pandas as pd

    wards, street = sources
    data_dir = tmp_path / "data"
    inputs = WardInputs(boundaries=wards)
    build_dataset([street[0]], inputs, data_dir)
    read_parquet, published = pd.read_parquet, []

    def racing(path, *args, **kwargs):
        if not published:  # as the reader starts, two builds are published and the first removed
            published.append(True)
            build_dataset([street[1]], inputs, data_dir)
            build_dataset([street[2]], inputs, data_dir)
        return read_parquet(path, *args, **kwargs)
    monkeypatch.setattr("sia.dataset.store.pd.read_parquet", racing)
    assert len(open_dataset(data_dir).incidents) == 3


def test_a_build_made_before_lsoas_were_kept_still_opens(tmp_path, sources):
    """Builds of format 1 made before the LSOA table and checksums list no tables: they open,
    without LSOAs."""
    import json

    wards, street = sources
    data_dir = tmp_path / "data"
    build, _ = build_dataset([street[1]], WardInputs(boundaries=wards), data_dir)
    assert not (build / "lsoas.parquet").exists()
    manifest = json.loads((build / "manifest.json").read_text())
    assert sorted(manifest["tables"]) == ["incidents.parquet", "wards.parquet"]  # with their checksums
    del manifest["tables"]  # as such a build wrote it
    (build / "manifest.json").write_text(json.dumps(manifest))
    dataset = open_dataset(data_dir)
    assert dataset.lsoas is None and len(dataset.incidents) == 2


def test_a_build_made_before_outcomes_files_were_read_still_opens(tmp_path, sources):
    """Builds made before outcomes files were read have no street_outcome column and no
    outcome counts in their report: they open, the street file's outcome being the latest."""
    import json

    import pyarrow.parquet as pq

    wards, street = sources
    data_dir = tmp_path / "data"
    build, _ = build_dataset([street[2]], WardInputs(boundaries=wards), data_dir)
    assert "street_outcome" not in pq.read_schema(build / "incidents.parquet").names
    manifest = json.loads((build / "manifest.json").read_text())
    del manifest["report"]["outcomes"], manifest["tables"]  # as such a build wrote it
    (build / "manifest.json").write_text(json.dumps(manifest))
    dataset = open_dataset(data_dir)
    incidents = dataset.incidents
    assert list(incidents.columns).index("street_outcome") == list(incidents.columns).index("outcome") + 1
    assert incidents["street_outcome"].tolist() == incidents["outcome"].tolist() == ["Under investigation"] * 3
    assert dataset.report.outcomes.files == [] and dataset.report.outcomes.rows_read == 0
    assert not [line for line in dataset.report.lines() if "outcome" in line]


def test_the_served_dataset_leaves_crime_ids_on_disk_until_asked_for(tmp_path, sources):
    """The server's copy has no crime IDs in memory, its places as categories and its points
    projected; every figure column is as read whole, and a crime's ID is read from the build
    on its row."""
    import pandas as pd

    wards, street = sources
    build_dataset([street[3]], WardInputs(boundaries=wards), tmp_path / "data")
    whole, served = open_dataset(tmp_path / "data"), open_dataset(tmp_path / "data", served=True)
    assert "crime_id" not in served.incidents and isinstance(served.incidents["location"].dtype, pd.CategoricalDtype)
    pd.testing.assert_frame_equal(served.incidents.drop(columns=["bng_x", "bng_y"]).astype({"location": str}),
                                  whole.incidents.drop(columns="crime_id").astype({"location": str}))
    # Each point projected once, as the hotspot queries would project it themselves.
    from sia.analysis.hotspots.units import incident_points

    projected = incident_points(whole.incidents)
    assert served.incidents["bng_x"].tolist() == projected.geometry.x.tolist()
    assert served.incidents["bng_y"].tolist() == projected.geometry.y.tolist()
    rows = served.incidents.iloc[[3, 1]]
    assert served.column("crime_id").loc[rows.index].tolist() == whole.incidents["crime_id"].iloc[[3, 1]].tolist()
    assert sorted(served.column("crime_id")) == ["3-0", "3-1", "3-2", "3-3"]


def test_a_build_replaced_since_it_was_opened_is_refused_in_words(tmp_path, sources):
    """The incidents download reads crime IDs from the build a page was drawn from: once two
    newer builds have removed it, the read is refused, never made from another build (the
    download then fails: Streamlit says the file could not be made, the server's log why)."""
    import shutil

    from sia.errors import InputError

    wards, street = sources
    build_dataset([street[3]], WardInputs(boundaries=wards), tmp_path / "data")
    served = open_dataset(tmp_path / "data", served=True)
    shutil.rmtree(served.build)  # as two newer builds would remove it
    with pytest.raises(InputError, match="replaced since this page was opened"):
        served.column("crime_id")
    with pytest.raises(InputError, match="replaced since this page was opened"):
        open_dataset(tmp_path / "data", served=True, build_id=served.build.name)
    with pytest.raises(InputError, match="replaced since"):
        open_dataset(tmp_path / "data", build_id="../../etc")  # never a path


def test_a_served_build_without_crime_ids_is_refused_like_any_missing_column(tmp_path, sources):
    import json

    import pyarrow.parquet as pq

    from sia.errors import InputError

    wards, street = sources
    build, _ = build_dataset([street[3]], WardInputs(boundaries=wards), tmp_path / "data")
    incidents = pq.read_table(build / "incidents.parquet").drop(["crime_id"])
    pq.write_table(incidents, build / "incidents.parquet")
    manifest = json.loads((build / "manifest.json").read_text())
    del manifest["tables"]  # as a build made before checksums: the columns are checked
    (build / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(InputError, match="lack the columns crime_id"):
        open_dataset(tmp_path / "data", served=True)
