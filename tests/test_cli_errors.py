"""Bad input: exit 2, one clear line per problem, no traceback, nothing written."""
import zipfile

import pytest

from police_rows import HEADER, csv_text, row, write_street, write_test_wards
from support import run_sia


def assert_clean_failure(result, *expected: str):
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    lines = result.stderr.strip().splitlines()
    assert lines and all(line.startswith("error: ") for line in lines), result.stderr
    for text in expected:
        assert text in result.stderr, result.stderr
    return lines


@pytest.fixture
def wards(tmp_path):
    return write_test_wards(tmp_path / "wards.geojson")


def ingest(sources, wards, tmp_path, *extra):
    return run_sia("ingest", *map(str, sources), "--wards", str(wards),
                   "--data-dir", str(tmp_path / "out"), *extra)


def test_missing_column_is_named(tmp_path, wards):
    src = tmp_path / "2014-04-derbyshire-street.csv"
    src.write_text(csv_text([row()], header=[h for h in HEADER if h != "Crime type"]))
    lines = assert_clean_failure(ingest([src], wards, tmp_path), "missing column 'Crime type'", str(src))
    assert len(lines) == 1
    assert not (tmp_path / "out").exists()


def test_garbage_month(tmp_path, wards):
    src = write_street(tmp_path / "src", "2014-04", [row(), row(Month="not-a-month")])
    lines = assert_clean_failure(ingest([src], wards, tmp_path),
                                 "line 3: Month 'not-a-month' is not YYYY-MM", "--skip-malformed")
    assert len(lines) == 1


def test_text_in_longitude(tmp_path, wards):
    src = write_street(tmp_path / "src", "2014-04", [row(Longitude="west of here")] * 3)
    lines = assert_clean_failure(ingest([src], wards, tmp_path),
                                 "lines 2, 3, 4: Longitude 'west of here' is not a number")
    assert len(lines) == 1


def test_empty_file(tmp_path, wards):
    src = tmp_path / "2014-04-derbyshire-street.csv"
    src.write_text("")
    assert_clean_failure(ingest([src], wards, tmp_path), "the file is empty")


@pytest.mark.parametrize("ending", ["\n", ""])
def test_header_only_file(tmp_path, wards, ending):
    src = tmp_path / "2014-04-derbyshire-street.csv"
    src.write_text(",".join(HEADER) + ending)
    assert_clean_failure(ingest([src], wards, tmp_path), "no rows")


def test_zip_with_no_street_files(tmp_path, wards):
    archive = tmp_path / "2014-10.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("2014-10/2014-10-derbyshire-stop-and-search.csv", "Type\nx\n")
    assert_clean_failure(ingest([archive], wards, tmp_path),
                         "no police.uk street-level file was selected from the sources (only stop-and-search files (1)")


def test_outcomes_files_without_street_files(tmp_path, wards):
    archive = tmp_path / "2014-10.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("2014-10/2014-10-derbyshire-outcomes.csv", "Crime ID\nx\n")
    assert_clean_failure(ingest([archive], wards, tmp_path), "no police.uk street-level file was selected from the "
                         "sources (only outcomes files (1), which give later outcomes to the crimes of street files")


def test_corrupt_zip(tmp_path, wards):
    archive = tmp_path / "broken.zip"
    archive.write_bytes(b"PK\x03\x04 not really a zip")
    assert_clean_failure(ingest([archive], wards, tmp_path), "not a readable zip archive")


def test_missing_source_and_unknown_kind_each_get_a_line(tmp_path, wards):
    other = tmp_path / "notes.txt"
    other.write_text("hello")
    lines = assert_clean_failure(ingest([tmp_path / "nope.csv", other], wards, tmp_path),
                                 "no such file or folder", "not a CSV file, folder or .zip archive")
    assert len(lines) == 2


def test_wards_without_ons_fields(tmp_path):
    wards = write_test_wards(tmp_path / "w.geojson", code_field="code", name_field="name")
    src = write_street(tmp_path / "src", "2014-04", [row()])
    assert_clean_failure(ingest([src], wards, tmp_path),
                         "cannot tell which field holds the ward code", "--ward-code-field")
    ok = ingest([src], wards, tmp_path, "--ward-code-field", "code", "--ward-name-field", "name")
    assert ok.returncode == 0, ok.stderr


def test_bad_option_values(tmp_path, wards):
    src = write_street(tmp_path / "src", "2014-04", [row()])
    assert_clean_failure(ingest([src], wards, tmp_path, "--population", "2014=pop.csv"),
                         "not like 2014-15")
    assert_clean_failure(ingest([src], wards, tmp_path, "--population", "2014-15=missing.csv"),
                         "no such population file")
    assert_clean_failure(ingest([src], tmp_path / "none.geojson", tmp_path), "no such ward boundary file")


def test_counts_on_a_folder_with_no_dataset(tmp_path):
    assert_clean_failure(run_sia("counts", "--data-dir", str(tmp_path), "--by", "ward"), "holds no dataset")
    assert_clean_failure(run_sia("counts", "--by", "ward", env={"SIA_DATA_DIR": str(tmp_path)}),
                         "unset SIA_DATA_DIR")


def test_good_ingest_prints_the_report(tmp_path, wards):
    src = write_street(tmp_path / "src", "2014-04", [row(), row(Longitude="", Latitude="")])
    result = ingest([src], wards, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "rows read: 2 from 1 street file(s)" in result.stdout
    assert "loaded: 1" in result.stdout
    assert "set aside, no location: 1" in result.stdout
