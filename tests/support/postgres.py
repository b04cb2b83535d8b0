"""A throwaway PostgreSQL cluster on a random loopback port (works as root and as a normal user)."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def postgres_bin() -> str:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda d: int(d.split("/")[-2]))
    if not found:
        raise RuntimeError(
            "PostgreSQL is not installed: run `make test-deps` (apt-get install postgresql)"
        )
    return found[-1]


@dataclass
class PostgresServer:
    bin_dir: str
    root: str
    port: int
    run_as: list[str]

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str, template: str | None = None) -> None:
        sql = f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")
        subprocess.run(
            [
                f"{self.bin_dir}/psql",
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "-d",
                "postgres",
                "-v",
                "ON_ERROR_STOP=1",
                "-q",
                "-c",
                sql,
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def stop(self) -> None:
        data = f"{self.root}/data"
        if os.path.exists(f"{data}/postmaster.pid"):
            subprocess.run(
                [
                    *self.run_as,
                    f"{self.bin_dir}/pg_ctl",
                    "-D",
                    data,
                    "-m",
                    "immediate",
                    "-w",
                    "stop",
                ],
                cwd=self.root,
                check=False,
                stdout=subprocess.DEVNULL,
            )
        shutil.rmtree(self.root, ignore_errors=True)


def start_postgres() -> PostgresServer:
    bin_dir = postgres_bin()
    root = tempfile.mkdtemp(prefix="consentry-pg-", dir="/tmp")
    run_as: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
        run_as = ["runuser", "-u", "postgres", "--"]
    server = PostgresServer(bin_dir, root, _free_port(), run_as)
    data = f"{root}/data"

    def run(*args: str) -> None:
        subprocess.run([*run_as, *args], cwd=root, check=True, stdout=subprocess.DEVNULL)

    run(
        f"{bin_dir}/initdb",
        "-D",
        data,
        "-A",
        "trust",
        "-U",
        "postgres",
        "-E",
        "UTF8",
        "--locale=C.UTF-8",
        "-N",
    )
    options = (
        f"-p {server.port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
        " -c synchronous_commit=off -c full_page_writes=off -c max_connections=300"
    )
    run(f"{bin_dir}/pg_ctl", "-D", data, "-l", f"{root}/log", "-w", "-o", options, "start")
    return server
