"""Peak memory of a process that only serves searches (when the HTTP phase is skipped).

``python -m bench.engine_memory --db FILE --seed S --queries N --now ISO`` opens the engine,
answers the scenario mix once and prints ``BENCH-JSON {"peak_rss_mb": …}``: the benchmark's own
process holds the whole dataset for the baseline, so its memory says nothing about serving.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from bench.memory import peak_rss_mb
from bench.scenarios import generate_queries
from ror.errors import RorError
from ror.search.embedded.engine import EmbeddedEngine
from ror.search.pipeline import search

MARK = "BENCH-JSON "


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.engine_memory")
    p.add_argument("--db", type=Path, required=True)
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--queries", type=int, required=True)
    p.add_argument("--now", required=True)
    a = p.parse_args(argv)
    now = datetime.fromisoformat(a.now)
    engine = EmbeddedEngine(a.db)
    answered = 0
    for items in generate_queries(a.queries, a.seed).values():
        for criteria in items:
            try:
                search(criteria, engine, now=now)
                answered += 1
            except RorError:
                pass
    engine.close()
    print(MARK + json.dumps({"peak_rss_mb": peak_rss_mb(os.getpid()), "queries": answered}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
