"""A partnership's priority register, kept with its dataset.

A data directory may hold registers loaded by a data steward under ``registers/<id>/``
(``priorities.toml``, the file as loaded, and ``register.json``: where it came from and
when, the dataset's wards it was checked against, and the SHA-256 of both), and a file
``REGISTER`` naming the one in use. Like a build, a register is
written aside and published by replacing ``REGISTER`` atomically under the data directory's
lock; the previous one is kept. Without one, the register that ships with the code (Derby's)
is used. This module keeps bytes: the register is checked (sia.analysis.priorities.register)
before it is published.
"""
from __future__ import annotations

import hashlib
import json
from datetime import datetime
from pathlib import Path

from sia.dataset.store import pointed_id, publish_entry
from sia.errors import InputError, Problem
from sia.handwritten import read_handwritten_bytes

REGISTERS = "registers"
POINTER = "REGISTER"
REGISTER_FILE = "priorities.toml"
REGISTER_MANIFEST = "register.json"
_RELOAD = "load the register again with 'python -m sia register load FILE --data-dir {dir}'"


def current_register(data_dir: Path) -> Path | None:
    """The register file ``REGISTER`` names (None when the directory holds none); InputError
    when the pointer is damaged, names nothing, or the file's checksum differs from its
    manifest's (a register is read by every page: a changed one must not pass as the steward's)."""
    pointer = Path(data_dir) / POINTER
    if not pointer.is_file():
        return None
    fix = _RELOAD.format(dir=data_dir)
    text = pointed_id(pointer)
    if text is None:
        raise InputError(Problem("the REGISTER file is damaged: it does not name a register", str(pointer), fix))
    folder = Path(data_dir) / REGISTERS / text
    try:
        # Each read bounded and of regular files only: a pipe would block, a huge file fill the memory.
        manifest = json.loads(read_handwritten_bytes(folder / REGISTER_MANIFEST, "register manifest"))
        digest = _digest(read_handwritten_bytes(folder / REGISTER_FILE, "priority register"),
                         manifest.get("wards") if isinstance(manifest, dict) else None)
    except (InputError, ValueError):
        raise InputError(Problem(f"REGISTER names register {text}, which is missing, incomplete or damaged",
                                 str(pointer), fix)) from None
    if not isinstance(manifest, dict) or manifest.get("sha256") != digest:
        raise InputError(Problem(f"the register {text} changed after it was loaded (its checksum differs from "
                                 "its manifest's)", str(folder), fix))
    return folder / REGISTER_FILE


def register_manifest(register_file: Path) -> dict:
    """What was recorded when a loaded register was published (empty for the built-in one)."""
    try:
        manifest = json.loads(read_handwritten_bytes(register_file.parent / REGISTER_MANIFEST, "register manifest"))
    except (InputError, ValueError):
        return {}
    return manifest if isinstance(manifest, dict) else {}


def _digest(data: bytes, wards) -> str:
    """The SHA-256 of a register and the wards it was checked against: changing either shows."""
    return hashlib.sha256(data + b"\0" + json.dumps(wards, ensure_ascii=False).encode()).hexdigest()


def publish_register(data_dir: Path, data: bytes, source: str, wards: list[str]) -> Path:
    """Keep ``data`` (a register already checked against ``wards``, the dataset's) in the
    data directory and make it the one in use, in one step; the previous one is kept, older
    ones removed. ``source`` (what the steward gave, a file name) and the wards are recorded
    in the manifest: the register is read against them."""
    def fill(staging: Path, register_id: str, stamp: datetime) -> None:
        (staging / REGISTER_FILE).write_bytes(data)
        (staging / REGISTER_MANIFEST).write_text(json.dumps(
            {"register": register_id, "loaded_at": stamp.isoformat(timespec="seconds"),
             "source": Path(source).name[:200], "sha256": _digest(data, sorted(wards)),
             "wards": sorted(wards)}, indent=1, ensure_ascii=False))

    return publish_entry(data_dir, REGISTERS, POINTER, _current_id, fill) / REGISTER_FILE


def _current_id(data_dir: Path) -> str | None:
    try:
        found = current_register(data_dir)
    except InputError:
        return None  # damaged: the new register is the repair
    return found.parent.name if found else None
