"""The benchmark dataset: synthetic offers indexed once into ``offers-<size>-<seed>.sqlite``.

Building it is the indexing measurement: child processes generate the offers and encode them
into rows (``ror.commands.synthetic_stream``) while the engine loads them as they come, as
``ror demo`` does; ``seconds`` is the wall clock from the start of the generator to the index being
searchable, ``generation_seconds`` and ``encoding_seconds`` the time the children spent
generating and encoding, summed over them (overlapped with the load). The children keep no
offer: those of the brute-force baseline are generated again afterwards, outside the timing. The
figures go into ``offers-<size>-<seed>.json`` beside it, and a later run that reuses the file
reports them from there (saying so). The offers are regenerated on reuse too and checked against
a digest recorded at build time, so a changed generator never meets a stale index; the same goes
for the engine's storage code (schema, rows, bulk load, stored in-memory index:
:func:`storage_fingerprint`). The dataset is then rebuilt.

Each run works on a scratch copy (:func:`scratch_copy`): searches keep replay records and the
update phase pushes counters, and neither may leak into the next run's dataset.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import orjson

import ror
from ror.commands.synthetic_stream import EncodedSynthetic
from ror.indexer.synthetic import generate
from ror.model import Offer
from ror.search.embedded import cells
from ror.search.embedded import load as embedded_load
from ror.search.embedded import rows as embedded_rows
from ror.search.embedded import schema as embedded_schema
from ror.search.embedded.engine import EmbeddedEngine
from ror.search.embedded.memory import store as memory_store
from ror.search.embedded.replay import replay_path
from ror.search.embedded.schema import SCHEMA_VERSION
from ror.search.prefilter import columns as prefilter_columns

Say = Callable[[str], None]
DIGEST_SAMPLES = 1000  # offers hashed into the dataset digest


@dataclass(frozen=True, slots=True)
class IndexFigures:
    """How long indexing took when the dataset was built."""

    seconds: float  # wall clock, from the generator's start to a searchable index
    generation_seconds: float  # inside the synthetic generator (children, summed, overlapped)
    loaded: int
    rejected: int
    built_at: str  # ISO time of the build
    loadavg: tuple[float, float, float]  # load average when the build finished
    measured_in_this_run: bool
    encoding_seconds: float = 0.0  # encoding offers into rows (children, summed, overlapped)
    processes: int = 1  # children generating and encoding

    @classmethod
    def from_meta(cls, d: dict[str, Any]) -> IndexFigures:
        """Figures recorded at build time (a reused dataset)."""
        a, b, c = d["loadavg"]
        return cls(
            seconds=float(d["seconds"]),
            generation_seconds=float(d["generation_seconds"]),
            loaded=int(d["loaded"]),
            rejected=int(d["rejected"]),
            built_at=str(d["built_at"]),
            loadavg=(float(a), float(b), float(c)),
            measured_in_this_run=False,
            encoding_seconds=float(d.get("encoding_seconds", 0.0)),
            processes=int(d.get("processes", 1)),
        )

    def to_meta(self) -> dict[str, Any]:
        return {
            "seconds": self.seconds,
            "generation_seconds": self.generation_seconds,
            "encoding_seconds": self.encoding_seconds,
            "processes": self.processes,
            "loaded": self.loaded,
            "rejected": self.rejected,
            "built_at": self.built_at,
            "loadavg": list(self.loadavg),
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "seconds": round(self.seconds, 2),
            "generation_seconds": round(self.generation_seconds, 2),
            "encoding_seconds": round(self.encoding_seconds, 2),
            "processes": self.processes,
            "overlapped": "generation and encoding in child processes while the engine loads",
            "offers_per_second": round(self.loaded / self.seconds) if self.seconds else None,
            "loaded": self.loaded,
            "rejected": self.rejected,
            "built_at": self.built_at,
            "loadavg_at_build": list(self.loadavg),
            "measured_in_this_run": self.measured_in_this_run,
        }


@dataclass(slots=True)
class Dataset:
    path: Path
    size: int
    seed: int
    now: datetime  # the generator's ``now``: searches run at this time too
    offers: list[Offer]
    index: IndexFigures


def dataset_paths(data_dir: Path, size: int, seed: int) -> tuple[Path, Path]:
    stem = data_dir / f"offers-{size}-{seed}"
    return stem.with_suffix(".sqlite"), stem.with_suffix(".json")


def digest(offers: list[Offer]) -> str:
    """A fingerprint of the dataset: the count and a spread sample of whole documents."""
    h = hashlib.sha256(str(len(offers)).encode())
    step = max(1, len(offers) // DIGEST_SAMPLES)
    for offer in offers[::step]:
        h.update(orjson.dumps(offer.to_dict(), option=orjson.OPT_SORT_KEYS))
    return h.hexdigest()


# The modules deciding what a full load writes into the file (search code is left out: a change
# to how the file is read must not rebuild the dataset).
STORAGE_MODULES: Final = (
    embedded_schema,
    embedded_rows,
    embedded_load,
    prefilter_columns,
    cells,
    memory_store,
)


def storage_fingerprint() -> str:
    """The embedded engine's schema version and a hash of the code that writes its file."""
    h = hashlib.sha256(SCHEMA_VERSION.encode())
    for module in STORAGE_MODULES:
        path = Path(str(module.__file__))
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return f"{SCHEMA_VERSION}:{h.hexdigest()[:16]}"


def ensure_dataset(data_dir: Path, size: int, seed: int, say: Say) -> Dataset:
    """Reuse ``offers-<size>-<seed>.sqlite`` when it matches the generator, else build it."""
    db, meta_path = dataset_paths(data_dir, size, seed)
    if db.exists() and meta_path.exists():
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        now = datetime.fromisoformat(meta["now"])
        say(f"reusing {db} (built {meta['index']['built_at']}); regenerating its offers")
        started = time.perf_counter()
        offers = list(generate(size, seed, now=now))
        say(f"  regenerated {len(offers):,} offers in {time.perf_counter() - started:.1f} s")
        if meta.get("storage") != storage_fingerprint():
            say("  the engine's storage code changed since the build: rebuilding")
        elif meta.get("digest") != digest(offers):
            say("  the generator changed since the build: rebuilding")
        else:
            return Dataset(db, size, seed, now, offers, IndexFigures.from_meta(meta["index"]))
    return build_dataset(db, meta_path, size, seed, say)


def build_dataset(db: Path, meta_path: Path, size: int, seed: int, say: Say) -> Dataset:
    """Generate and index ``size`` offers; time it; write the SQLite file and its JSON."""
    db.parent.mkdir(parents=True, exist_ok=True)
    building = db.with_name(db.name + ".building")
    for path in (building, *_sidecars(building), db, *_sidecars(db), meta_path):
        path.unlink(missing_ok=True)
    now = datetime.now(UTC).replace(microsecond=0)
    step = max(10_000, size // 10)
    shown = [-1]

    def progress(done: int) -> None:
        if (done % step == 0 or done == size) and done != shown[0]:
            shown[0] = done
            say(f"  indexed {done:,}/{size:,} offers")

    say(f"building {db}: {size:,} synthetic offers, seed {seed}")
    engine = EmbeddedEngine(building)
    started = time.perf_counter()
    with EncodedSynthetic(size, seed, now=now) as stream:
        stats = engine.load(stream, replace_all=True, progress=progress)
    seconds = time.perf_counter() - started
    engine.close()
    _checkpoint(building)
    building.rename(db)
    _remove_with_sidecars(replay_path(building))  # no search was made: the index file alone
    assert stream.figures is not None  # read to the end
    figures = IndexFigures(
        seconds=seconds,
        generation_seconds=stream.figures.generation_seconds,
        loaded=stats.loaded,
        rejected=len(stats.rejected),
        built_at=datetime.now(UTC).replace(microsecond=0).isoformat(),
        loadavg=os.getloadavg(),
        measured_in_this_run=True,
        encoding_seconds=stream.figures.encoding_seconds,
        processes=stream.figures.processes,
    )
    say(f"  indexed {stats.loaded:,} offers in {seconds:.1f} s ({_children(figures)})")
    started = time.perf_counter()  # the child keeps no offer: the baseline's, made again
    offers = list(generate(size, seed, now=now))
    say(f"  regenerated {len(offers):,} offers in {time.perf_counter() - started:.1f} s")
    meta = {
        "size": size,
        "seed": seed,
        "now": now.isoformat(),
        "digest": digest(offers),
        "storage": storage_fingerprint(),
        "ror_version": ror.__version__,
        "index": figures.to_meta(),
    }
    meta_path.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return Dataset(db, size, seed, now, offers, figures)


def _children(figures: IndexFigures) -> str:
    return (
        f"generation {figures.generation_seconds:.1f} s and encoding "
        f"{figures.encoding_seconds:.1f} s in {figures.processes} child process(es), "
        "overlapped with the load"
    )


def _sidecars(db: Path) -> tuple[Path, Path]:
    return db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")


def _checkpoint(db: Path) -> None:
    """Fold the WAL into the file so that the file alone is the dataset."""
    conn = sqlite3.connect(db)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    for side in _sidecars(db):
        side.unlink(missing_ok=True)


def scratch_copy(dataset: Dataset, say: Say) -> Path:
    """A copy of the dataset for this run (online backup: consistent, page by page)."""
    target = dataset.path.with_name(dataset.path.stem + ".run.sqlite")
    remove_scratch(target)
    started = time.perf_counter()
    source = sqlite3.connect(f"file:{dataset.path}?mode=ro", uri=True)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
    finally:
        copy.close()
        source.close()
    say(f"scratch copy {target} in {time.perf_counter() - started:.1f} s")
    return target


def remove_scratch(path: Path) -> None:
    _remove_with_sidecars(path)
    _remove_with_sidecars(replay_path(path))  # the searches of the run's HTTP phase


def _remove_with_sidecars(db: Path) -> None:
    for p in (db, *_sidecars(db)):
        p.unlink(missing_ok=True)
