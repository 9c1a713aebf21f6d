"""HTTP for fetch: retries with backoff, progress, and errors a user can act on.

Transient failures (HTTP 429 and 5xx, refused or dropped connections, timeouts, bodies
cut short) are retried with exponential backoff, honouring ``Retry-After``. When the
attempts run out, or on an answer that retrying cannot change (404, 403), the failure
becomes an :class:`InputError` with one line: what happened, the address, what to do.
"""
from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

import requests

from sia.dataset.fetch.progress import Progress
from sia.errors import InputError, Problem

CHUNK = 256 * 1024
USER_AGENT = "sia-derby-community-safety (python-requests)"
CONTENT_RANGE = re.compile(r"bytes ([0-9]+)-([0-9]+)/([0-9]+|\*)")


@dataclass(frozen=True)
class Service:
    """A remote service, and how a user points fetch at a mirror of it."""

    name: str  # 'data.police.uk'
    option: str  # '--police-base-url'
    variable: str  # 'SIA_POLICE_BASE_URL'

    @property
    def mirror_fix(self) -> str:
        return f"or point {self.option} (or ${self.variable}) at a mirror"


# Bounds on what a user may set (options, environment variables): a retry policy always
# ends, and no wait or silence is longer than an hour.
MAX_RETRIES = 20
MAX_WAIT_S = 3600.0
MIN_TIMEOUT_S = 0.1


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try. Tests use tiny delays; users keep the defaults."""

    attempts: int = 5
    backoff: float = 1.0  # seconds before the first retry, doubled for each further one
    max_delay: float = 60.0  # no wait is longer, whatever Retry-After says
    timeout: float = 60.0  # seconds to connect, and between bytes of an answer

    def delay(self, attempt: int, retry_after: str | None = None) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1 for the first)."""
        wait = self.backoff * 2 ** (attempt - 1)
        if retry_after:
            wait = _retry_after_seconds(retry_after.strip(), wait)
        return max(0.0, min(wait, self.max_delay))


def _retry_after_seconds(value: str, default: float) -> float:
    if value.isascii() and value.isdigit():
        return float(value)
    try:  # the other form the header may take: an HTTP date
        return (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds()
    except (TypeError, ValueError):
        return default


class RangesIgnored(Exception):
    """The server answered a range request with the whole file (HTTP 200)."""


class _Transient(Exception):
    """A failure worth another attempt."""

    def __init__(self, what: str, retry_after: str | None = None):
        super().__init__(what)
        self.what, self.retry_after = what, retry_after


class HttpClient:
    """GET requests to one service, retried per the policy, with progress and a byte count."""

    def __init__(self, service: Service, policy: RetryPolicy | None = None,
                 progress: Progress | None = None):
        self.service = service
        self.policy = policy or RetryPolicy()
        self.progress = progress or Progress()
        self.bytes_received = 0  # body bytes over the network, for the summary
        self._session = requests.Session()
        self._session.headers["User-Agent"] = USER_AGENT

    def close(self) -> None:
        self._session.close()

    # --- the three kinds of request fetch makes --------------------------------------

    def get_bytes(self, url: str, label: str, params: dict | None = None) -> bytes:
        """A whole (small) answer: a listing page, a page of query results."""
        def attempt() -> bytes:
            chunks: list[bytes] = []
            with self._send(url, params) as response:
                self._body(response, label, chunks.append)
            return b"".join(chunks)
        return self._with_retries(url, attempt)

    def get_range(self, url: str, start: int, end: int, label: str) -> tuple[bytes, int]:
        """Bytes ``start`` to ``end`` (exclusive) and the file's size; ``start`` < 0 asks
        for the last ``-start`` bytes. Raises RangesIgnored when the server sends the
        whole file instead (the body is not read)."""
        spec = f"bytes={start}" if start < 0 else f"bytes={start}-{end - 1}"

        def attempt() -> tuple[bytes, int]:
            chunks: list[bytes] = []
            with self._send(url, headers={"Range": spec}) as response:
                if response.status_code != 206:
                    raise RangesIgnored(url)
                found = CONTENT_RANGE.match(response.headers.get("Content-Range", ""))
                if not found or found.group(3) == "*" or (start >= 0 and int(found.group(1)) != start):
                    raise _Transient(f"the answer to a range request did not say which bytes it holds "
                                     f"(Content-Range {response.headers.get('Content-Range')!r})")
                first, last, size = int(found.group(1)), int(found.group(2)), int(found.group(3))
                self._body(response, label, chunks.append, expected=last - first + 1)
            return b"".join(chunks), size
        return self._with_retries(url, attempt)

    def download(self, url: str, part: Path, label: str) -> tuple[str, int]:
        """Stream a whole file into ``part``; return its SHA-256 and size. A retry starts
        the file again (a server that ignores ranges cannot resume)."""
        def attempt() -> tuple[str, int]:
            digest = hashlib.sha256()
            with self._send(url) as response, open(part, "wb") as out:
                def write(chunk: bytes) -> None:
                    digest.update(chunk)
                    out.write(chunk)
                size = self._body(response, label, write)
            return digest.hexdigest(), size
        return self._with_retries(url, attempt)

    # --- retries, sending, reading ---------------------------------------------------

    def _with_retries(self, url: str, attempt: Callable):
        attempts = max(1, self.policy.attempts)
        for number in range(1, attempts + 1):
            try:
                return attempt()
            except _Transient as exc:
                if number == attempts:
                    tries = f"{attempts} attempt{'s' if attempts > 1 else ''}"
                    raise InputError(Problem(f"{exc.what} ({tries})", url,
                                             f"check the internet connection and try again later, "
                                             f"{self.service.mirror_fix}")) from None
                time.sleep(self.policy.delay(number, exc.retry_after))

    def _send(self, url: str, params: dict | None = None, headers: dict | None = None,
              ) -> requests.Response:
        try:
            response = self._session.get(url, params=params, headers=headers, stream=True,
                                         timeout=self.policy.timeout)
        except requests.Timeout:
            raise _Transient(f"{self.service.name} did not answer within "
                             f"{self.policy.timeout:g} s") from None
        except requests.ConnectionError as exc:
            raise _Transient(f"cannot reach {self.service.name} ({_reason(exc)})") from None
        except requests.RequestException as exc:
            raise InputError(Problem(f"cannot request it ({_reason(exc)})", url,
                                     f"check the address, {self.service.mirror_fix}")) from None
        status = response.status_code
        if status == 429 or status >= 500:
            response.close()
            raise _Transient(f"{self.service.name} answered HTTP {status} {response.reason}",
                             response.headers.get("Retry-After"))
        if status >= 400:
            response.close()
            raise InputError(Problem(f"{self.service.name} answered HTTP {status} {response.reason}",
                                     url, f"check the address, {self.service.mirror_fix}"))
        return response

    def _body(self, response: requests.Response, label: str, sink: Callable[[bytes], None],
              expected: int | None = None) -> int:
        """Stream the body into ``sink`` with progress; a body cut short is transient."""
        length = response.headers.get("Content-Length")
        if expected is None and length and length.isascii() and length.isdigit() \
                and "Content-Encoding" not in response.headers:
            expected = int(length)
        received = 0
        self.progress.start(label, expected)
        try:
            for chunk in response.iter_content(CHUNK):
                sink(chunk)
                received += len(chunk)
                self.bytes_received += len(chunk)
                self.progress.advance(len(chunk))
        except requests.Timeout:
            raise _Transient(f"{self.service.name} stopped sending for {self.policy.timeout:g} s "
                             f"after {received:,} bytes") from None
        except requests.RequestException as exc:
            raise _Transient(f"the download was cut short after {received:,} bytes "
                             f"({_reason(exc)})") from None
        finally:
            self.progress.finish()
        if expected is not None and received != expected:
            raise _Transient(f"the download was cut short: {received:,} of {expected:,} bytes")
        return received


def _reason(exc: Exception) -> str:
    """The innermost, shortest useful text of a requests/urllib3 error."""
    text = str(exc)
    for pattern in (r"\[Errno -?[0-9]+\] ([^'\")]+)", r"(Connection refused)", r"(timed out)",
                    r"(IncompleteRead\([^)]*\))", r"(Connection broken[^'\")]*)"):
        found = re.search(pattern, text)
        if found:
            return found.group(1).strip().rstrip(":")
    return text.splitlines()[0][:160] if text else type(exc).__name__
