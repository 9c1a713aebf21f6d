"""A real Streamlit server on 127.0.0.1 for browser tests, stopped by process id."""
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from support import ROOT


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class StreamlitServer:
    def __init__(self, env: dict, log: Path, args: tuple[str, ...] = (), script: Path = ROOT / "serve.py",
                 cwd: Path = ROOT, base_path: str = ""):
        # cwd: where Streamlit looks for .streamlit/config.toml (the app's own, by default);
        # base_path: the app served below it (server.baseUrlPath), url with it
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}" + (f"/{base_path}" if base_path else "")
        if base_path:
            args = (*args, "--server.baseUrlPath", base_path)
        log.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(log, "w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(script),
             "--server.headless", "true", "--server.address", "127.0.0.1",
             "--server.port", str(self.port), "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none", *args],  # args: more options, e.g. --secrets.files
            cwd=cwd, env={**os.environ, **env}, stdout=self._log, stderr=subprocess.STDOUT,
            start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"streamlit exited early; see {log}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"streamlit did not answer within 60 s; see {log}")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._log.close()
