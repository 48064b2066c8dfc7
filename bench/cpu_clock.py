"""``python -m bench --clock cpu`` for a checkout whose benchmark has no ``--clock``.

Run from that checkout, with its own interpreter::

    cd ../before && .venv/bin/python ../ror/bench/cpu_clock.py --size 100000 --skip-http --out X

It runs that checkout's ``python -m bench`` with the arguments given, its in-process timings
(``bench.inprocess``: engine and baseline queries) read from the searching thread's CPU time
instead of the wall clock, and marks the results written (``options.clock``), so that a
revision from before the option is measured side by side with one that has it. Nothing of
this checkout is imported: only the standard library.
"""

from __future__ import annotations

import json
import os
import sys
import time
import types
from pathlib import Path


class _CpuTime(types.ModuleType):
    """``time`` whose ``perf_counter`` is the thread's CPU time."""

    def __getattr__(self, name: str) -> object:
        return time.thread_time if name == "perf_counter" else getattr(time, name)


def _out(argv: list[str]) -> Path:
    for i, arg in enumerate(argv):
        if arg == "--out" and i + 1 < len(argv):
            return Path(argv[i + 1])
        if arg.startswith("--out="):
            return Path(arg.removeprefix("--out="))
    return Path("bench/results.json")


def main(argv: list[str]) -> int:
    sys.path[0] = os.getcwd()  # the checkout's bench and ror, not this file's folder
    from bench import inprocess
    from bench.run import main as bench_main

    setattr(inprocess, "time", _CpuTime("time"))  # noqa: B010
    code = bench_main(argv)
    out = _out(argv)
    if out.exists():
        results = json.loads(out.read_text())
        results.setdefault("options", {})["clock"] = "cpu"
        out.write_text(json.dumps(results, indent=2) + "\n")
    return code


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
