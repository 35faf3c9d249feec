"""Sync processes a test can watch and SIGKILL: `bosco-sync run` forked from the zygote.

A `Zygote` has imported what the CLI needs once; `spawn` forks a child running the CLI
with its own argv, environment and working directory, its output in a file. A `Child`
reports the phase lines the CLI prints on stderr ("extracting", "normalizing",
"loading", and the handling of a package an earlier run left) with their times, so a test can
kill it inside a chosen phase.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from .helpers import cli_env

ZYGOTE = Path(__file__).with_name("zygote.py")

#: Phase -> the text the CLI prints when it enters it (see cli/runner.py and sync.py).
PHASES = {
    "start": ": starting",
    # "finishing a load left by an earlier run" or "dropping a load an earlier run left half done"
    "recover": "earlier run",
    "extract": ": extracting",
    "normalize": ": normalizing",
    "load": ": loading",
    "done": "\nok ",  # "ok <tenant>/<source>: N rows", at the start of a line
}


@dataclass
class Child:
    pid: int
    out: Path
    started: float

    def alive(self) -> bool:
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        return True

    def output(self) -> str:
        try:
            return self.out.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def points(self) -> dict[str, int]:
        """The kill points each phase passed (written when the run returns; see zygote.py)."""
        done = Path(str(self.out) + ".points")
        return json.loads(done.read_text()) if done.exists() else {}

    def ended(self, timeout: float = 120.0) -> int | None:
        """Wait for the process to end: its exit code, or None when it was killed."""
        deadline = time.monotonic() + timeout
        while self.alive():
            if time.monotonic() > deadline:
                self.kill()
                raise TimeoutError(f"pid {self.pid} still running after {timeout}s:\n{self.output()}")
            time.sleep(0.01)
        for _ in range(50):  # the rc file is written just before the process exits
            rc = self.returncode()
            if rc is not None:
                return rc
            time.sleep(0.01)
        return None

    def returncode(self) -> int | None:
        rc = Path(str(self.out) + ".rc")
        return int(rc.read_text()) if rc.exists() and rc.read_text() else None

    def wait_for(self, phase: str, timeout: float = 60.0) -> bool:
        """Block until the child prints the phase's line (True) or exits first (False)."""
        needle = PHASES[phase]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if needle in self.output():
                return True
            if not self.alive():
                return needle in self.output()
            time.sleep(0.005)
        raise TimeoutError(f"pid {self.pid} did not reach {phase!r} in {timeout}s:\n{self.output()}")

    def wait(self, timeout: float = 120.0) -> int:
        deadline = time.monotonic() + timeout
        while self.alive():
            if time.monotonic() > deadline:
                self.kill()
                raise TimeoutError(f"pid {self.pid} still running after {timeout}s:\n{self.output()}")
            time.sleep(0.01)
        for _ in range(100):  # the rc file is written just before the process exits
            rc = self.returncode()
            if rc is not None:
                return rc
            time.sleep(0.01)
        raise AssertionError(f"pid {self.pid} ended without an exit code (killed?):\n{self.output()}")

    def signal(self, signum: int) -> None:
        """Send `signum` (SIGTERM, SIGINT) as a supervisor or a Ctrl-C would."""
        os.kill(self.pid, signum)

    def kill(self) -> bool:
        """SIGKILL; True if the process was still running (a real kill, not a corpse)."""
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            return False
        while self.alive():
            time.sleep(0.002)
        return self.returncode() is None


class Zygote:
    def __init__(self, tmp_path: Path, sources: list[str]) -> None:
        self.tmp_path = tmp_path
        self.count = 0
        self.proc = subprocess.Popen(
            [sys.executable, str(ZYGOTE), *sources],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=cli_env(tmp_path), cwd=tmp_path,
        )
        ready = self.proc.stdout.readline().strip()  # type: ignore[union-attr]
        if ready != "ready":
            self.close()
            raise RuntimeError(f"zygote did not start: {ready!r}")

    def spawn(self, argv: list[str], env: dict[str, str], cwd: Path, kill: tuple[str, int] | None = None) -> Child:
        """Fork a run; with `kill` (phase, n) it SIGKILLs itself at the phase's n-th kill point."""
        self.count += 1
        out = self.tmp_path / f"run-{self.count}.log"
        request = {"argv": argv, "env": env, "cwd": str(cwd), "out": str(out)}
        if kill is not None:
            request["kill"] = {"phase": kill[0], "at": kill[1]}
        self.proc.stdin.write(json.dumps(request) + "\n")  # type: ignore[union-attr]
        self.proc.stdin.flush()  # type: ignore[union-attr]
        pid = int(self.proc.stdout.readline())  # type: ignore[union-attr]
        return Child(pid, out, time.monotonic())

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
