"""A throwaway PostgreSQL cluster with production durability: fsync, synchronous commit, full pages.

initdb and postgres refuse to run as root, so as root they run through `runuser -u postgres`. The
postmaster runs in the foreground under the benchmark's supervisor, pinned to the load generator's
core (see README: the database stands in for a server of its own).
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.processes import BenchError, Supervisor, free_port, run_checked, wait_for_port

DURABLE_SETTINGS = (
    "fsync=on",
    "synchronous_commit=on",
    "full_page_writes=on",
    "max_connections=200",
    "shared_buffers=256MB",
)


@dataclass(frozen=True, slots=True)
class Cluster:
    url: str
    data_dir: Path
    version: str


def _binaries() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda d: int(d.split("/")[-2]))
    if not found:
        raise BenchError("PostgreSQL is not installed: apt-get install -y postgresql")
    return Path(found[-1])


def start_cluster(supervisor: Supervisor, *, core: int) -> Cluster:
    """initdb into a fresh directory under /tmp and start postgres; the supervisor stops it."""
    binaries = _binaries()
    tmp = Path(tempfile.mkdtemp(prefix="consentry-bench-pg-", dir="/tmp"))
    as_postgres: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(tmp, "postgres", "postgres")
        as_postgres = ["runuser", "-u", "postgres", "--"]
    data = tmp / "data"
    run_checked(
        [
            *as_postgres,
            str(binaries / "initdb"),
            "-D",
            str(data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        ],
        timeout=60,
        cwd=tmp,
    )
    port = free_port()
    options: list[str] = []
    for setting in DURABLE_SETTINGS:
        options += ["-c", setting]
    child = supervisor.start(
        "postgres",
        [
            *as_postgres,
            "taskset",
            "-c",
            str(core),
            str(binaries / "postgres"),
            "-D",
            str(data),
            "-p",
            str(port),
            "-k",
            str(tmp),
            "-c",
            "listen_addresses=127.0.0.1",
            *options,
        ],
        cwd=tmp,
        stop_signal=signal.SIGINT,  # "fast" shutdown: no waiting for clients
    )
    supervisor.on_close(lambda: shutil.rmtree(tmp, ignore_errors=True))
    wait_for_port(child, port, timeout=30)
    createdb = [str(binaries / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres"]
    for attempt in range(40):  # the port opens a moment before connections are accepted
        try:
            run_checked([*createdb, "bench"], timeout=30)
            break
        except BenchError:
            if attempt == 39:
                raise
            time.sleep(0.25)
    version = binaries.parent.name
    return Cluster(f"postgresql://postgres@127.0.0.1:{port}/bench", data, version)
