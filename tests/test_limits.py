"""Limits on what is read: archive members by stated size and ratio, streamed within the
cap; regular files only; the whole of a build's street files."""
import io
import os
import subprocess
import sys
import zipfile

import pytest

from sia.dataset.limits import MAX_MEMBERS, MAX_RATIO, MAX_STREET_FILE, MB, check_member, copy_member, require_file
from sia.errors import InputError

from police_rows import csv_text, row, write_test_wards
from support import ROOT


def member(file_size: int, compress_size: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo("2014-04/2014-04-derbyshire-street.csv")
    info.file_size, info.compress_size = file_size, compress_size
    return info


def test_members_are_judged_by_their_stated_size_and_ratio():
    check_member(member(25 * MB, 4 * MB), "a")  # a month of the largest force
    check_member(member(900 * 1024, 1024), "a")  # tiny: any ratio
    with pytest.raises(InputError, match="unpacks to 300 MB, more than the 128 MB a street file may be"):
        check_member(member(300 * MB, 100 * MB), "a")
    with pytest.raises(InputError, match=f"more than the {MAX_RATIO} to 1 of any real police.uk file"):
        check_member(member(120 * MB, MB), "a")
    with pytest.raises(InputError, match="unpacks to 300 MB, more than the 128 MB an outcomes file may be"):
        check_member(member(300 * MB, 100 * MB), "a", "outcomes file")  # held to the same limits
    assert MAX_STREET_FILE == 128 * MB and MAX_MEMBERS == 50_000  # as the README states


def test_a_member_is_streamed_and_its_damage_named(tmp_path):
    data = csv_text([row()] * 500).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("2014-04/2014-04-derbyshire-street.csv", data)
    out = io.BytesIO()
    with zipfile.ZipFile(buffer) as zf:
        assert copy_member(zf, zf.infolist()[0], out, "x.zip!m") == len(data)
    assert out.getvalue() == data
    broken = bytearray(buffer.getvalue())
    start = broken.find(b"2014-04-derbyshire-street.csv") + 40  # inside the compressed data
    broken[start:start + 8] = b"\x00" * 8
    with zipfile.ZipFile(io.BytesIO(bytes(broken))) as zf, pytest.raises(InputError, match="is damaged"):
        copy_member(zf, zf.infolist()[0], io.BytesIO(), "x.zip!m")


def test_only_regular_files_are_read(tmp_path):
    os.mkfifo(tmp_path / "pipe.csv")
    with pytest.raises(InputError, match="is a pipe, socket or device, not a table"):
        require_file(tmp_path / "pipe.csv", "table", "fix")
    with pytest.raises(InputError, match="is a folder, not a table"):
        require_file(tmp_path, "table", "fix")
    with pytest.raises(InputError, match="no such table"):
        require_file(tmp_path / "none.csv", "table", "fix")
    (tmp_path / "big.csv").write_bytes(b"x" * 2048)
    with pytest.raises(InputError, match="is 2 kB, more than the 1 kB a table may be"):
        require_file(tmp_path / "big.csv", "table", "fix", limit=1024)


def test_a_folder_skips_pipes_and_says_so(tmp_path):
    from sia.dataset.sources import discover

    (tmp_path / "2014-04").mkdir()
    os.mkfifo(tmp_path / "2014-04" / "2014-04-derbyshire-street.csv")
    os.mkfifo(tmp_path / "2014-04" / "2014-04-derbyshire-outcomes.csv")
    (tmp_path / "2014-05").mkdir()
    (tmp_path / "2014-05" / "2014-05-derbyshire-street.csv").write_text(csv_text([row(month="2014-05")]))
    with open(tmp_path / "2014-05" / "2014-05-derbyshire-outcomes.csv", "wb") as f:
        f.truncate(MAX_STREET_FILE + 1)  # sparse: nothing written
    found, skipped = discover([tmp_path])
    assert [f.month for f in found] == ["2014-05"]
    assert [(s.reason, s.kind) for s in skipped] == [
        ("not a regular file (a pipe, socket or device)", "outcomes"),
        ("not a regular file (a pipe, socket or device)", None),
        ("larger than the 128 MB an outcomes file may be", "outcomes")]


def test_a_zip_bomb_is_refused_in_little_memory(tmp_path):
    """A small zip whose member inflates to 512 MB, twice the limit: one line, exit 2, and
    the process never holds more than a fraction of it."""
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        with zf.open("2019-09/2019-09-derbyshire-street.csv", "w", force_zip64=True) as out:
            out.write(csv_text([row(month="2019-09")]).encode())
            block = b"-1.47,52.9," * (MB // 11)
            for _ in range(512):
                out.write(block)
    assert archive.stat().st_size < 16 * MB
    wards = write_test_wards(tmp_path / "wards.geojson")
    script = ("import resource, sys\nfrom sia.cli import main\n"
              f"code = main(['ingest', {str(archive)!r}, '--wards', {str(wards)!r}, '--data-dir', "
              f"{str(tmp_path / 'data')!r}])\n"
              "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)\nsys.exit(code)\n")
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 2, result.stderr
    assert "unpacks to 512 MB, more than the 128 MB a street file may be" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert int(result.stdout.strip()) < 1024  # MB of peak memory
    assert not (tmp_path / "data").exists()


def test_sizes_near_a_limit_read_apart():
    from sia.dataset.limits import size_text

    assert (size_text(1050 * MB), size_text(1024 * MB), size_text(3 * MB), size_text(2048)) == (
        "1.03 GB", "1.00 GB", "3 MB", "2 kB")
