"""A read-only, seekable file over HTTP range requests, for ``zipfile``.

zipfile reads a zip's end records and central directory with a few seeks and reads, then
a member's local header and data. Each read here becomes one range request unless the
bytes were fetched already: the caller fetches the tail (end records) and each member's
whole span up front, so a member costs one request and nothing else of the zip is read.
"""
from __future__ import annotations

import io

from sia.dataset.fetch.http import HttpClient

# End of central directory (22 bytes), its largest comment (65,535) and the zip64 locator
# (20): zipfile finds all of it in this many bytes from the end.
TAIL_BYTES = 22 + 65_535 + 20


class HttpRangeFile(io.RawIOBase):
    def __init__(self, client: HttpClient, url: str, label: str):
        super().__init__()
        self._client, self.url, self.label = client, url, label
        tail, self.size = client.get_range(url, -TAIL_BYTES, 0, f"{label} (directory)")
        self._spans: dict[int, bytes] = {self.size - len(tail): tail}  # start -> bytes held
        self._pos = 0

    def fetch(self, start: int, end: int, label: str) -> None:
        """Hold bytes ``start`` to ``end`` (exclusive) so reads within them need no request."""
        end = min(end, self.size)
        if start < end and self._held(start, end) is None:
            data, _ = self._client.get_range(self.url, start, end, label)
            self._spans[start] = data

    def forget(self) -> None:
        """Drop the bytes held, except the tail (a member's span is needed only once)."""
        tail_start = max(self._spans)
        self._spans = {tail_start: self._spans[tail_start]}

    def _held(self, start: int, end: int) -> bytes | None:
        for first, data in self._spans.items():
            if first <= start and end <= first + len(data):
                return data[start - first:end - first]
        return None

    # --- io.RawIOBase -------------------------------------------------------------------

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self.size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def read(self, n: int = -1) -> bytes:
        end = self.size if n is None or n < 0 else min(self.size, self._pos + n)
        if end <= self._pos:
            return b""
        data = self._held(self._pos, end)
        if data is None:  # not fetched up front (the central directory): one request
            data, _ = self._client.get_range(self.url, self._pos, end, f"{self.label} (directory)")
        self._pos = end
        return data

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)
