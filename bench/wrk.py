"""Running wrk (Debian's package) with one of the Lua scripts and reading its JSON summary back."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path

from bench.processes import BenchError, Supervisor

LUA = Path(__file__).resolve().parent / "lua"
MARKER = "BENCH_JSON "


@dataclass(frozen=True, slots=True)
class WrkResult:
    seconds: float
    requests: int
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    non2xx: int
    socket_errors: int
    exhausted: bool
    first_error: str
    server_cpu_ms_per_request: float | None = None  # the server process's CPU time ÷ requests

    @property
    def valid(self) -> bool:
        return (
            self.requests > 0
            and self.non2xx == 0
            and self.socket_errors == 0
            and not self.exhausted
        )

    @property
    def problem(self) -> str:
        """Why the run does not count, in a few words ("" when it does)."""
        reasons = []
        if self.requests == 0:
            reasons.append("no response completed")
        if self.exhausted:
            reasons.append("token pool ran out")
        if self.non2xx:
            reasons.append(f"{self.non2xx} non-2xx (first: {self.first_error[:160]})")
        if self.socket_errors:
            reasons.append(f"{self.socket_errors} socket errors/timeouts")
        return "; ".join(reasons)

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "valid": self.valid}


def ensure_wrk() -> str:
    """wrk's path; installs Debian's package when it is missing (as root)."""
    found = shutil.which("wrk")
    if found:
        return found
    print("wrk is missing: installing Debian's package", flush=True)
    for argv in (["apt-get", "update"], ["apt-get", "install", "-y", "wrk"]):
        try:
            subprocess.run(argv, check=True, timeout=300, stdout=subprocess.DEVNULL)
        except (OSError, subprocess.SubprocessError) as exc:
            raise BenchError(f"could not install wrk ({' '.join(argv)}): {exc}") from exc
    found = shutil.which("wrk")
    if not found:
        raise BenchError("wrk is still missing after apt-get install")
    return found


def run_wrk(
    supervisor: Supervisor,
    *,
    wrk: str,
    core: int,
    url: str,
    script: str,
    script_args: list[str],
    seconds: int,
    connections: int,
    name: str,
) -> WrkResult:
    """One wrk run on `core`, one thread, `connections` keep-alive connections."""
    argv = [
        "taskset",
        "-c",
        str(core),
        wrk,
        "-t1",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(LUA / script),
        url,
        "--",
        *script_args,
    ]
    child = supervisor.start(name, argv)
    try:
        child.process.wait(timeout=seconds + 30)
    except subprocess.TimeoutExpired as exc:
        raise BenchError(f"wrk did not finish within {seconds + 30} s") from exc
    finally:
        supervisor.stop(child)
    output = child.log_path.read_text(errors="replace")
    if child.process.returncode != 0:
        raise BenchError(f"wrk failed ({child.process.returncode}):\n{output[-2000:]}")
    lines = [line for line in output.splitlines() if line.startswith(MARKER)]
    if not lines:
        raise BenchError(f"wrk printed no summary:\n{output[-2000:]}")
    data = json.loads(lines[-1][len(MARKER) :])
    errors = data["errors"]
    latency = data["latency_us"]
    seconds_run = data["duration_us"] / 1e6
    return WrkResult(
        seconds=round(seconds_run, 3),
        requests=int(data["requests"]),
        rps=round(data["requests"] / seconds_run, 1) if seconds_run else 0.0,
        p50_ms=round(latency["p50"] / 1000, 3),
        p90_ms=round(latency["p90"] / 1000, 3),
        p99_ms=round(latency["p99"] / 1000, 3),
        max_ms=round(latency["max"] / 1000, 3),
        non2xx=int(data["non2xx"]),
        socket_errors=sum(int(errors[k]) for k in ("connect", "read", "write", "timeout")),
        exhausted=bool(data["exhausted"]),
        first_error=str(data["first_error"]),
    )
