"""Ingest speed against a bare pyarrow read of the same CSV (run by hand; prints figures).

    python benchmarks/ingest_benchmark.py [--rows 500000] [--repeat 3]

Writes a synthetic force-wide month (points over all of Derbyshire, about one in eight in
Derby, some without a location), then times, each in a fresh process: reading it with
pyarrow.csv.read_csv, and the whole ingest (validation, ward placement, Parquet write).
Ward boundaries: the real Derby wards from ../shared/data when present, else the demo's.
Target: ingest within 3x of the bare read.
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sia.categories import CATEGORIES  # noqa: E402

REAL_WARDS = ROOT.parent / "shared" / "data" / "boundaries" / "wards_2013_derby.geojson"


def write_force_month(path: Path, rows: int, seed: int = 1, month: str = "2019-09", derby_share: float = 0.125,
                      ) -> None:
    rng = np.random.default_rng(seed)
    in_derby = rng.random(rows) < derby_share
    lon = np.where(in_derby, rng.uniform(-1.55, -1.40, rows), rng.uniform(-2.05, -1.20, rows))
    lat = np.where(in_derby, rng.uniform(52.87, 52.96, rows), rng.uniform(52.70, 53.55, rows))
    category = rng.choice(np.asarray(CATEGORIES), rows)
    asb = category == "Anti-social behaviour"
    ids = pd.Series(rng.integers(0, 2**63, rows)).map("{:064x}".format)
    no_location = rng.random(rows) < 0.01
    lon_text = np.where(no_location, "", np.round(lon, 6).astype(str))
    lat_text = np.where(no_location, "", np.round(lat, 6).astype(str))
    pd.DataFrame({
        "Crime ID": np.where(asb, "", ids), "Month": month,
        "Reported by": "Derbyshire Constabulary", "Falls within": "Derbyshire Constabulary",
        "Longitude": lon_text, "Latitude": lat_text,
        "Location": "On or near " + pd.Series(rng.integers(0, 20000, rows)).astype(str) + " Street",
        "LSOA code": "E0101" + pd.Series(rng.integers(0, 9999, rows)).astype(str).str.zfill(4),
        "LSOA name": "Somewhere 001A", "Crime type": category,
        "Last outcome category": np.where(asb, "", "Under investigation"), "Context": "",
    }).to_csv(path, index=False)


def peak_rss_mb() -> float:
    """This process's peak resident memory. VmHWM, not ru_maxrss: Linux keeps ru_maxrss
    across exec, so a child would report its parent's peak."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_phase(phase: str, csv: Path, wards: Path, work: Path, repeat: int) -> dict:
    """Runs inside a fresh process: imports first, then the timed work."""
    import pyarrow.csv as pcsv

    from sia.dataset.ingest import WardInputs, build_dataset

    baseline = peak_rss_mb()
    times = []
    for i in range(repeat):
        start = time.perf_counter()
        if phase == "read":
            pcsv.read_csv(csv)
        else:
            _, report = build_dataset([csv], WardInputs(boundaries=wards), work / f"ds{i}")
        times.append(time.perf_counter() - start)
    out = {"seconds": min(times), "peak_rss_mb": peak_rss_mb(), "baseline_rss_mb": baseline}
    if phase == "ingest":
        out["loaded"], out["rows_read"] = report.loaded, report.rows_read
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--phase", choices=["read", "ingest"], help=argparse.SUPPRESS)
    parser.add_argument("--csv", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--wards", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(run_phase(args.phase, args.csv, args.wards, args.work, args.repeat)))
        return

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        csv = tmp / "2019-09-derbyshire-street.csv"
        write_force_month(csv, args.rows)
        if REAL_WARDS.exists():
            wards, ward_source = REAL_WARDS, "real Derby wards (../shared/data)"
        else:
            from sia.dataset.demo import schematic_wards
            wards, ward_source = tmp / "wards.geojson", "demo schematic wards"
            schematic_wards().to_crs(4326).to_file(wards)
        results = {}
        for phase in ("read", "ingest"):
            out = subprocess.run(
                [sys.executable, __file__, "--phase", phase, "--csv", str(csv), "--wards", str(wards),
                 "--work", str(tmp), "--repeat", str(args.repeat)],
                capture_output=True, text=True, check=True, cwd=ROOT)
            results[phase] = json.loads(out.stdout.strip().splitlines()[-1])

    read, ingest = results["read"], results["ingest"]
    print(f"rows: {args.rows:,} ({csv.name}, {ward_source}); best of {args.repeat}")
    print(f"bare pyarrow read: {read['seconds']:.3f} s ({args.rows / read['seconds']:,.0f} rows/s), "
          f"peak RSS {read['peak_rss_mb']:,.0f} MB")
    print(f"full ingest:       {ingest['seconds']:.3f} s ({args.rows / ingest['seconds']:,.0f} rows/s), "
          f"peak RSS {ingest['peak_rss_mb']:,.0f} MB (after imports {ingest['baseline_rss_mb']:,.0f} MB)")
    print(f"loaded in Derby:   {ingest['loaded']:,} of {ingest['rows_read']:,} rows")
    ratio = ingest["seconds"] / read["seconds"]
    print(f"ingest / bare read: {ratio:.2f}x (target: within 3x) -> {'met' if ratio <= 3 else 'NOT met'}")


if __name__ == "__main__":
    main()
