"""Synthetic offers generated and encoded in another process, for a full load of the embedded
engine (``ror demo``, the benchmark's dataset).

The generator is sequential Python (one random source); the loader spends much of its time in
SQLite and numpy. On two cores both can run at once: a child process generates the offers and
encodes each into the rows a full load writes (``embedded_rows.encode_offer``), and sends them
in batches; the loader writes them as they come (``EmbeddedEngine.load``), so a full load takes
about the longer of the two rather than their sum.

>>> with EncodedSynthetic(3, 0) as stream:
...     [item.id for item in stream]
['syn-hs-0000001', 'syn-hs-0000002', 'syn-hs-0000003']
"""

from __future__ import annotations

import os
import pickle
import queue
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Final

from ror.errors import InvalidInput
from ror.search.embedded_rows import EncodedOffer, Rejected, encode_offer

BATCH: Final = 1000  # offers per message
AHEAD: Final = 32  # messages read ahead of the loader
_HEADER: Final = struct.Struct("<Q")  # the length of each pickled message
_DONE: Final = "done"  # the last message: ("done", generation seconds, encoding seconds)…
_FAILED: Final = "failed"  # …or ("failed", error class, message, field)


@dataclass(frozen=True, slots=True)
class StreamFigures:
    """Where the child process spent its time (both overlap the loader's work)."""

    generation_seconds: float  # inside the synthetic generator
    encoding_seconds: float  # encoding the offers into rows


class EncodedSynthetic:
    """``generate(size, seed, now=...)``, encoded, from a child process (``python -m`` this
    module, so that nothing of the caller's is imported again or inherited): iterate it once,
    in a ``with`` block, which stops the child if the loader stops early."""

    def __init__(
        self, size: int, seed: int = 0, *, now: datetime | None = None, batch: int = BATCH
    ) -> None:
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            raise InvalidInput(f"size must be a non-negative integer, got {size!r}", field="size")
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise InvalidInput(f"seed must be a non-negative integer, got {seed!r}", field="seed")
        self.size, self.seed, self.batch = size, seed, max(1, batch)
        self.now = now if now is not None else datetime.now(UTC).replace(microsecond=0)
        self.figures: StreamFigures | None = None  # once every offer was received
        self._process: subprocess.Popen[bytes] | None = None
        self._messages: queue.Queue[bytes | None] = queue.Queue(maxsize=AHEAD)

    def __enter__(self) -> EncodedSynthetic:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def __iter__(self) -> Iterator[EncodedOffer | Rejected]:
        if self._process is not None:
            raise RuntimeError("an EncodedSynthetic stream is read once")
        read_end, write_end = os.pipe()
        try:
            self._process = _start(self.size, self.seed, self.now, self.batch, write_end)
        finally:
            os.close(write_end)  # the child holds it now: end of file when it exits
        reader = threading.Thread(
            target=_read_frames,
            args=(read_end, self._messages),
            name="ror-synthetic-reader",
            daemon=True,
        )
        reader.start()
        while True:
            frame = self._messages.get()
            if frame is None:
                code = self._process.wait()
                raise RuntimeError(f"the synthetic generator process stopped (exit code {code})")
            message = pickle.loads(frame)  # a batch (list), or the last word (tagged tuple)
            if isinstance(message, list):
                yield from message
                continue
            self._process.wait()
            if message[0] == _DONE:
                self.figures = StreamFigures(*message[1:])
                return
            error, text, field = message[1:]
            if error == "InvalidInput":
                raise InvalidInput(text, field=field)
            raise RuntimeError(f"synthetic generation failed: {text}")

    def close(self) -> None:
        """Stop the child if it still runs (the loader stopped early)."""
        process = self._process
        if process is None or process.poll() is not None:
            return
        process.kill()
        while True:  # unblock the reader, which may wait for room in the queue
            try:
                self._messages.get_nowait()
            except queue.Empty:
                break
        process.wait()


def _start(size: int, seed: int, now: datetime, batch: int, fd: int) -> subprocess.Popen[bytes]:
    """The child, writing its messages to ``fd`` (its standard output stays the caller's)."""
    root = str(Path(__file__).resolve().parents[2])  # the folder holding the ror package
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    args = [str(size), str(seed), now.isoformat(), str(batch), str(fd)]
    return subprocess.Popen(
        [sys.executable, "-m", "ror.indexer.synthetic_stream", *args],
        stdin=subprocess.DEVNULL,
        pass_fds=(fd,),
        env=env,
    )


def _read_frames(fd: int, out: queue.Queue[bytes | None]) -> None:
    """The loader's reader thread: whole messages into ``out`` (None: the pipe closed)."""
    try:
        while True:
            header = _read_exactly(fd, _HEADER.size)
            if header is None:
                break
            frame = _read_exactly(fd, _HEADER.unpack(header)[0])
            if frame is None:
                break
            out.put(frame)
    finally:
        os.close(fd)
        out.put(None)


def _read_exactly(fd: int, size: int) -> bytes | None:
    """``size`` bytes from a pipe (None: it closed first)."""
    buffer = bytearray(size)
    view = memoryview(buffer)
    done = 0
    while done < size:
        n = os.readv(fd, [view[done:]])
        if n == 0:
            return None
        done += n
    return bytes(buffer)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def produce(fd: int, size: int, seed: int, now: datetime, batch: int) -> None:
    """The child process: generate, encode, send in batches to ``fd``, then the figures."""
    from ror.indexer.synthetic import generate

    def send(message: Any) -> None:
        data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        _write_all(fd, _HEADER.pack(len(data)) + data)

    try:
        stream = generate(size, seed, now=now)
        generating = encoding = 0.0
        items: list[EncodedOffer | Rejected] = []
        clock = time.perf_counter
        while True:
            t0 = clock()
            offer = next(stream, None)
            t1 = clock()
            generating += t1 - t0
            if offer is None:
                break
            items.append(encode_offer(offer))
            encoding += clock() - t1
            if len(items) >= batch:
                send(items)
                items = []
        if items:
            send(items)
        send((_DONE, generating, encoding))
    except InvalidInput as exc:
        send((_FAILED, "InvalidInput", exc.message, exc.field))
    except Exception as exc:  # reported to the loader, which raises
        send((_FAILED, type(exc).__name__, f"{type(exc).__name__}: {exc}", None))


def main(argv: list[str]) -> None:
    """``python -m ror.indexer.synthetic_stream SIZE SEED NOW BATCH FD``: the child's entry."""
    size, seed, now, batch, fd = argv
    try:
        produce(int(fd), int(size), int(seed), datetime.fromisoformat(now), int(batch))
    finally:
        os.close(int(fd))


if __name__ == "__main__":
    main(sys.argv[1:])
