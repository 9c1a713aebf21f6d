"""Derby's command outputs on the real months, as SHA-256 digests: a change to any of them is
a change to the figures the partnership already holds, and must be meant.

    python tests/golden/derby_outputs.py DATA_DIR > tests/golden/derby_outputs.json

writes the digests of the outputs of the code it runs on (run it with the code whose outputs
are the reference, on a data directory ingested from ../shared/data as the tests ingest it:
tests/support.real_ingest_args). tests/test_derby_unchanged.py compares against them.
"""
from __future__ import annotations

import hashlib
import json
import subprocess
import sys

COMMANDS = {
    "counts": ["counts", "--by", "ward", "--by", "fy", "--by", "crime_type"],
    "outcomes": ["outcomes", "--by", "ward", "--by", "fy"],
    "change": ["change", "--fy", "2014-15", "--fy", "2019-20"],
    "change-by-ward": ["change", "--fy", "2014-15", "--fy", "2019-20", "--by", "ward"],
    "hotspots": ["hotspots", "--fy", "2019-20"],
    "hotspots-lsoa": ["hotspots", "--fy", "2014-15", "--unit", "lsoa"],
    "concentration": ["concentration", "--fy", "2019-20"],
    "stability": ["stability", "--from", "2014-15", "--to", "2019-20"],
    "priorities": ["priorities"],
    "priorities-compare": ["priorities", "--compare", "2014-15", "2019-20"],
    "priorities-evidence": ["priorities", "--evidence"],
    "assess": ["assess", "--fy", "2019-20"],
    "assess-by-ward": ["assess", "--fy", "2019-20", "--by", "ward"],
}


def outputs(data_dir: str) -> dict[str, str]:
    """Each command's stdout and stderr, as a digest."""
    out = {}
    for name, args in COMMANDS.items():
        done = subprocess.run([sys.executable, "-m", "sia", *args, "--data-dir", data_dir],
                              capture_output=True, text=True, timeout=600)
        text = f"{done.returncode}\n{done.stdout}\n--\n{done.stderr}"
        out[name] = hashlib.sha256(text.encode()).hexdigest()
    return out


if __name__ == "__main__":
    json.dump(outputs(sys.argv[1]), sys.stdout, indent=1)
    sys.stdout.write("\n")
