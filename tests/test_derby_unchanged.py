"""Derby's figures do not move under it: the commands' outputs on the real months are byte
for byte those of the code before areas and ward sets came in (0f3dca3), whose digests
tests/golden/derby_outputs.json holds (made by tests/golden/derby_outputs.py with that code).
A change meant to alter them regenerates the file and says why in its commit."""
from __future__ import annotations

import json
import os
import sys

import pytest

from sia.paths import ROOT

sys.path.insert(0, str(ROOT / "tests" / "golden"))
from derby_outputs import outputs  # noqa: E402

GOLDEN = json.loads((ROOT / "tests" / "golden" / "derby_outputs.json").read_text())


@pytest.fixture(scope="module")
def produced(real_data_dir):
    here = os.getcwd()
    os.chdir(ROOT)  # 'python -m sia' runs this checkout's code
    try:
        return outputs(str(real_data_dir))
    finally:
        os.chdir(here)


@pytest.mark.parametrize("command", sorted(GOLDEN))
def test_derbys_output_is_byte_identical_to_before(produced, command):
    assert produced[command] == GOLDEN[command], f"'sia {command}' prints other bytes than before for Derby"
