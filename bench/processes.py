"""Every process the benchmark starts, and the guarantee that each one is stopped again.

Each child runs in its own session (process group), so stopping it also stops what it forked
(PostgreSQL's backends, npm's children). `Supervisor.close` runs from a `finally` and from
`atexit`; SIGINT, SIGTERM and SIGHUP become KeyboardInterrupt (also inside `asyncio.run`, whose own
SIGINT handling a coroutine can swallow) and are ignored once closing has begun. It signals only the
process groups it started.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType, TracebackType
from typing import IO, Self

STOP_GRACE_SECONDS = 5.0


class BenchError(RuntimeError):
    """A failure that ends the benchmark with a message rather than a traceback."""


@dataclass
class Child:
    name: str
    process: subprocess.Popen[bytes]
    log_path: Path
    log_file: IO[bytes]
    stop_signal: int = signal.SIGTERM

    def tail(self, lines: int = 20) -> str:
        self.log_file.flush()
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


class Supervisor:
    """Starts children, remembers them, and stops all of them exactly once."""

    def __init__(self, log_dir: Path) -> None:
        self._log_dir = log_dir
        self._children: list[Child] = []
        self._cleanups: list[Callable[[], None]] = []
        self._closed = False

    def __enter__(self) -> Self:
        atexit.register(self.close)
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, self._on_signal)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        if not self._closed:  # a second Ctrl-C must not cut the cleanup short
            raise KeyboardInterrupt(f"signal {signum}")

    def start(
        self,
        name: str,
        argv: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        stop_signal: int = signal.SIGTERM,
    ) -> Child:
        if self._closed:
            raise BenchError("the supervisor is closed")
        self._log_dir.mkdir(parents=True, exist_ok=True)
        log_path = self._log_dir / f"{name}.log"
        log_file = log_path.open("ab")
        process = subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            env=dict(env) if env is not None else None,
            cwd=cwd,
            start_new_session=True,
        )
        child = Child(name, process, log_path, log_file, stop_signal)
        self._children.append(child)
        return child

    def stop(self, child: Child) -> None:
        """Signal the child's process group, then SIGKILL what is left after a grace period."""
        if child.process.poll() is None:
            _signal_group(child.process.pid, child.stop_signal)
            try:
                child.process.wait(timeout=STOP_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                _signal_group(child.process.pid, signal.SIGKILL)
                child.process.wait(timeout=STOP_GRACE_SECONDS)
        # Whatever the leader left behind in its group goes too.
        _signal_group(child.process.pid, signal.SIGKILL)
        child.log_file.close()
        if child in self._children:
            self._children.remove(child)

    @contextlib.contextmanager
    def scope(self) -> Iterator[None]:
        """Stop what is started inside the block (and run its cleanups) when the block ends."""
        children, cleanups = len(self._children), len(self._cleanups)
        try:
            yield
        finally:
            for child in reversed(self._children[children:]):
                with contextlib.suppress(Exception):
                    self.stop(child)
            for cleanup in reversed(self._cleanups[cleanups:]):
                with contextlib.suppress(Exception):
                    cleanup()
            del self._cleanups[cleanups:]

    def on_close(self, cleanup: Callable[[], None]) -> None:
        """Run `cleanup` when closing, after every child has been stopped."""
        self._cleanups.append(cleanup)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for child in reversed(list(self._children)):
            with contextlib.suppress(Exception):
                self.stop(child)
        for cleanup in reversed(self._cleanups):
            with contextlib.suppress(Exception):
                cleanup()


def _signal_group(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signum)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for_port(child: Child, port: int, timeout: float = 30.0) -> None:
    """Wait until `port` on loopback accepts connections, or fail with the child's log."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if child.process.poll() is not None:
            raise BenchError(
                f"{child.name} exited with {child.process.returncode}:\n{child.tail()}"
            )
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise BenchError(
        f"{child.name} did not listen on port {port} in {timeout:.0f} s:\n{child.tail()}"
    )


def run_checked(
    argv: Sequence[str],
    *,
    timeout: float,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> str:
    """A short command whose output we need: bounded in time (its whole process group is killed
    on time-out), failing with its output."""
    process = subprocess.Popen(
        list(argv),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(env) if env is not None else None,
        cwd=cwd,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except BaseException:
        _signal_group(process.pid, signal.SIGKILL)
        process.communicate()
        raise
    if process.returncode != 0:
        raise BenchError(f"{' '.join(argv)} failed ({process.returncode}):\n{stderr[-2000:]}")
    return stdout
