"""The register belongs to the data: checked, loaded into a data directory like a build,
drafted for the next year, and read by every command and page from there."""
from __future__ import annotations

import json

import pytest

from sia.analysis.priorities.register import REGISTER, TEMPLATE, compare, read_register, register_in_use
from sia.dataset.registers import POINTER, REGISTERS, current_register
from sia.errors import InputError

from support import ROOT, run_sia


@pytest.fixture
def data_dir(tmp_path, demo_data_dir):
    """A copy of the demo dataset (Derby's ward names), to load registers into."""
    import shutil
    target = tmp_path / "data"
    shutil.copytree(demo_data_dir, target, ignore=shutil.ignore_patterns("sources"))
    return target


def draft(data_dir, tmp_path, from_set="city-2019-20", fy="2020-21"):
    result = run_sia("register", "draft", "--from-set", from_set, "--fy", fy, "--data-dir", str(data_dir))
    assert result.returncode == 0, result.stderr
    path = tmp_path / f"register-{fy}.toml"
    path.write_text(result.stdout)
    return path


def test_a_drafted_set_loads_and_every_command_reads_it(data_dir, tmp_path):
    drafted = draft(data_dir, tmp_path)
    assert run_sia("register", "check", str(drafted), "--data-dir", str(data_dir)).returncode == 0
    loaded = run_sia("register", "load", str(drafted), "--data-dir", str(data_dir))
    assert loaded.returncode == 0, loaded.stderr
    assert "city sets for 2014-15, 2019-20, 2020-21" in loaded.stdout
    assert register_in_use(data_dir) == current_register(data_dir) != REGISTER
    out = run_sia("priorities", "--compare", "2019-20", "2020-21", "--data-dir", str(data_dir), "--format", "json")
    result = json.loads(out.stdout)
    assert len(result["retained"]) == 7 and not result["added"] and not result["dropped"]
    # Across two steps the lineage is that of the whole way: changed once is changed.
    across = compare(read_register(register_in_use(data_dir)), "2014-15", "2020-21")
    assert len(across["changed"]) == 2 and len(across["retained"]) == 4
    listing = run_sia("priorities", "--data-dir", str(data_dir), "--format", "json")
    assert {p["fy"] for p in json.loads(listing.stdout)} == {"2014-15", "2019-20", "2020-21"}


def test_loading_again_keeps_the_previous_register(data_dir, tmp_path):
    first = draft(data_dir, tmp_path)
    assert run_sia("register", "load", str(first), "--data-dir", str(data_dir)).returncode == 0
    kept = current_register(data_dir).parent.name
    assert run_sia("register", "load", str(REGISTER), "--data-dir", str(data_dir)).returncode == 0
    held = sorted(p.name for p in (data_dir / REGISTERS).iterdir())
    assert kept in held and len(held) == 2
    assert len(read_register(register_in_use(data_dir)).sets) == 3  # Derby's own again


def test_a_register_that_is_not_sound_is_not_loaded(data_dir, tmp_path):
    bad = tmp_path / "bad.toml"
    text = REGISTER.read_text().replace('wards = ["Normanton", "Arboretum"]', 'wards = ["Normanton", "Atlantis"]')
    bad.write_text(text.replace('rank = 2\n', 'rank = 12\n', 1))
    result = run_sia("register", "load", str(bad), "--data-dir", str(data_dir))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) >= 2 and all(line.startswith("error: ") for line in lines)  # every problem listed
    assert any("'Atlantis' is not a ward of the area" in line for line in lines)
    assert current_register(data_dir) is None and not (data_dir / POINTER).exists()


def test_a_changed_register_file_is_refused_in_words(data_dir, tmp_path):
    assert run_sia("register", "load", str(draft(data_dir, tmp_path)), "--data-dir", str(data_dir)).returncode == 0
    path = current_register(data_dir)
    path.write_text(path.read_text() + "\n# edited by hand\n")
    with pytest.raises(InputError, match="changed after it was loaded"):
        current_register(data_dir)
    result = run_sia("priorities", "--data-dir", str(data_dir))
    assert result.returncode == 2 and "changed after it was loaded" in result.stderr
    (data_dir / POINTER).write_text("../../etc/passwd\n")
    result = run_sia("priorities", "--data-dir", str(data_dir))
    assert result.returncode == 2 and "does not name a register" in result.stderr


def test_a_draft_says_what_is_wrong_with_its_set_or_year(data_dir):
    for args, message in ((["--from-set", "city-2030-31", "--fy", "2031-32"], "the register has no set 'city-2030-31'"),
                          (["--from-set", "force-2014-15", "--fy", "2020-21"], "is a force set"),
                          (["--from-set", "city-2019-20", "--fy", "2019-20"], "is not after 2019-20"),
                          (["--from-set", "city-2014-15", "--fy", "2019-20"], "already has a city set for 2019-20")):
        result = run_sia("register", "draft", *args, "--data-dir", str(data_dir))
        assert result.returncode == 2 and message in result.stderr, result.stderr


def test_the_priorities_page_compares_the_two_latest_sets_and_draws_every_year(monkeypatch, data_dir, tmp_path):
    from streamlit.testing.v1 import AppTest
    assert run_sia("register", "load", str(draft(data_dir, tmp_path)), "--data-dir", str(data_dir)).returncode == 0
    monkeypatch.setenv("SIA_DATA_DIR", str(data_dir))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.switch_page("pages/priorities.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Priorities: 2019-20 and 2020-21"
    assert any(e.label.startswith("The lineage across every year the register holds (2014-15 to 2020-21)")
               for e in at.expander)
    at.query_params["from"], at.query_params["to"] = "2014-15", "2019-20"
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params["from"], at.query_params["to"] = "2014-15", "2019-20"
    at.switch_page("pages/priorities.py")
    at.run()
    assert at.title[0].value == "Priorities: 2014-15 and 2019-20"
    assert "**4** retained · **2** continued with a new focus · **1** new · **3** dropped" in [
        m.value for m in at.markdown]


def test_the_template_is_a_sound_register_and_the_readme_shows_it():
    readme = (ROOT / "README.md").read_text()
    start = readme.index("starting from nothing")
    block = readme[readme.index("```toml\n", start) + len("```toml\n"):]
    template = TEMPLATE.read_text()
    assert template.endswith(block[:block.index("```")])  # the file is what the README shows, under its header
    result = run_sia("register", "check", str(TEMPLATE))
    assert result.returncode == 0, result.stderr
    assert "city sets for 2024-25" in result.stdout


def test_a_register_file_swapped_for_a_pipe_or_its_wards_edited_is_refused(data_dir, tmp_path):
    import os
    assert run_sia("register", "load", str(draft(data_dir, tmp_path)), "--data-dir", str(data_dir)).returncode == 0
    held = current_register(data_dir)
    manifest = held.parent / "register.json"
    record = json.loads(manifest.read_text())
    manifest.write_text(json.dumps({**record, "wards": ["Atlantis"]}))  # checked against other wards: not allowed
    result = run_sia("priorities", "--data-dir", str(data_dir))
    assert result.returncode == 2 and "changed after it was loaded" in result.stderr
    manifest.write_text(json.dumps(record))
    held.unlink()
    os.mkfifo(held)  # a read would block for ever
    result = run_sia("priorities", "--data-dir", str(data_dir))
    assert result.returncode == 2 and "missing, incomplete or damaged" in result.stderr


def test_a_draft_is_made_from_the_latest_set_and_is_always_a_sound_register(data_dir, tmp_path):
    result = run_sia("register", "draft", "--from-set", "city-2014-15", "--fy", "2020-21", "--data-dir", str(data_dir))
    assert result.returncode == 2 and "city-2014-15 is followed by city-2019-20" in result.stderr
    # A register whose tables are written inline is sound TOML; its draft must be too.
    import tomllib

    import tomli_w
    raw = tomllib.loads(REGISTER.read_text())
    # document = [{ "id" = "...", ... }]: JSON's strings are TOML's, its objects inline tables once ':' is '='.
    documents = json.dumps(raw["document"], ensure_ascii=False).replace('": ', '" = ')
    inline = tmp_path / "inline.toml"
    inline.write_text(f"document = {documents}\n" + tomli_w.dumps({k: v for k, v in raw.items() if k != "document"}))
    assert run_sia("register", "load", str(inline), "--data-dir", str(data_dir)).returncode == 0
    drafted = draft(data_dir, tmp_path)
    checked = run_sia("register", "check", str(drafted), "--data-dir", str(data_dir))
    assert checked.returncode == 0, checked.stderr
