"""Percentiles and the machine's state, as the report shows them."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (linear interpolation); NaN when there are no values."""
    if not values:
        return float("nan")
    return float(np.percentile(np.asarray(values, dtype=np.float64), q))


def ms(seconds: Sequence[float]) -> list[float]:
    return [s * 1000.0 for s in seconds]


def rounded(value: float | None, digits: int = 3) -> float | None:
    if value is None or value != value:  # NaN
        return None
    return round(value, digits)


def code_state() -> dict[str, Any]:
    """The commit measured, and the files of ``ror/`` that differ from it (a shared tree)."""
    root = Path(__file__).resolve().parents[1]

    def git(*args: str) -> str:
        try:
            done = subprocess.run(
                ["git", *args], cwd=root, capture_output=True, text=True, timeout=30
            )
        except (OSError, subprocess.TimeoutExpired):
            return ""
        return done.stdout if done.returncode == 0 else ""

    dirty = [line[3:] for line in git("status", "--porcelain", "--", "ror").splitlines()]
    return {"commit": git("rev-parse", "HEAD").strip() or None, "uncommitted_ror_files": dirty}


def machine() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "loadavg": list(os.getloadavg()),
    }


class Phases:
    """Wall time and the 1-minute load average at the end of each phase of the run (the
    machine is shared: the load says how much the figures may have been disturbed)."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.last = self.started
        self.rows: list[dict[str, Any]] = []

    def mark(self, name: str) -> None:
        now = time.perf_counter()
        self.rows.append(
            {"phase": name, "seconds": round(now - self.last, 1), "loadavg_1m": os.getloadavg()[0]}
        )
        self.last = now

    @property
    def total_seconds(self) -> float:
        return round(time.perf_counter() - self.started, 1)
