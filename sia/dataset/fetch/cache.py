"""The download cache: ``DIR/downloads/`` and the checksums of what it holds.

A file is written to ``<name>.part`` and renamed only once it is complete and verified;
its SHA-256 then goes into ``checksums.json``. A later fetch re-hashes a cached file and
reuses it when the checksum still matches, so an interrupted fetch resumes where it
stopped and a finished one downloads nothing again. The folder can be deleted at any time.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

DOWNLOADS = "downloads"
CHECKSUMS = "checksums.json"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class DownloadCache:
    def __init__(self, data_dir: Path):
        self.root = Path(data_dir) / DOWNLOADS
        index = self.root / CHECKSUMS
        self._entries: dict[str, dict] = json.loads(index.read_text()) if index.is_file() else {}

    def path(self, name: str) -> Path:
        return self.root / name

    def part(self, name: str) -> Path:
        """Where to write ``name`` while it is incomplete (its folder made)."""
        final = self.path(name)
        final.parent.mkdir(parents=True, exist_ok=True)
        return final.with_name(final.name + ".part")

    def verified(self, name: str) -> dict | None:
        """The entry of a cached file whose content still has its recorded checksum."""
        entry = self._entries.get(name)
        path = self.path(name)
        if entry and path.is_file() and path.stat().st_size == entry["bytes"] \
                and sha256_of(path) == entry["sha256"]:
            return entry
        return None

    def store(self, name: str, sha256: str, source: dict) -> dict:
        """Publish a verified ``.part`` file under its name and record its checksum."""
        part, final = self.part(name), self.path(name)
        entry = {"file": name, "sha256": sha256, "bytes": part.stat().st_size, **source}
        os.replace(part, final)
        self._entries[name] = entry
        index = self.root / CHECKSUMS
        staged = index.with_name(CHECKSUMS + ".part")
        staged.write_text(json.dumps(self._entries, indent=1, sort_keys=True))
        os.replace(staged, index)
        return entry
