"""Synthetic offers generated and encoded in other processes, for a full load of the embedded
engine (``ror demo``, the benchmark's dataset).

The generator is sequential Python; the loader spends much of its time in SQLite and numpy.
Child processes generate the offers and encode each into the rows a full load writes
(``embedded_rows.encode_offer``), and send them in batches; the loader writes them as they come
(``EmbeddedEngine.load``). The generator works in blocks of establishments, each with a random
source of its own (``synthetic.generate_blocks``): with ``processes`` children, child ``k``
builds blocks ``k``, ``k + processes``… and the loader reads the blocks in turn, so the offers
come in ``generate``'s order whatever the number of children. On two cores, two children keep
both busy: the loader alone leaves part of a core idle, one child cannot keep up with it.

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
from ror.indexer.synthetic import check_count, generate_blocks
from ror.search.embedded.rows import EncodedOffer, Rejected, encode_offer

BATCH: Final = 1000  # offers per message
AHEAD: Final = 16  # messages read ahead of the loader, per child
_HEADER: Final = struct.Struct("<Q")  # the length of each pickled message
CHILD_NICENESS: Final = 10  # the loader first: it is the one that cannot catch up later
_END: Final = "end"  # a block is complete
_DONE: Final = "done"  # the last message: ("done", generation seconds, encoding seconds)…
_FAILED: Final = "failed"  # …or ("failed", error class, message, field)


def default_processes() -> int:
    """Children for a load: two (with the loader, enough to keep two cores busy), one on a
    single core."""
    return 2 if (os.cpu_count() or 1) > 1 else 1


@dataclass(frozen=True, slots=True)
class StreamFigures:
    """Where the children spent their time, summed over them (both overlap the loader's work)."""

    generation_seconds: float  # inside the synthetic generator
    encoding_seconds: float  # encoding the offers into rows
    processes: int = 1


@dataclass(slots=True)
class _Child:
    """One child process and the messages its reader thread received from it."""

    process: subprocess.Popen[bytes]
    messages: queue.Queue[bytes | None]

    def receive(self) -> Any:
        frame = self.messages.get()
        if frame is None:
            code = self.process.wait()
            raise RuntimeError(f"the synthetic generator process stopped (exit code {code})")
        return pickle.loads(frame)

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        self.process.kill()
        while True:  # unblock the reader, which may wait for room in the queue
            try:
                self.messages.get_nowait()
            except queue.Empty:
                break
        self.process.wait()


class EncodedSynthetic:
    """``generate(size, seed, now=...)``, encoded, from ``processes`` children (``python -m``
    this module, so that nothing of the caller's is imported again or inherited): iterate it
    once, in a ``with`` block, which stops the children if the loader stops early."""

    def __init__(
        self,
        size: int,
        seed: int = 0,
        *,
        now: datetime | None = None,
        batch: int = BATCH,
        processes: int | None = None,
    ) -> None:
        check_count(size, "size")
        check_count(seed, "seed")
        if processes is None:
            processes = default_processes()
        check_count(processes, "processes", minimum=1)
        self.size, self.seed, self.batch = size, seed, max(1, batch)
        self.processes = processes
        self.now = now if now is not None else datetime.now(UTC).replace(microsecond=0)
        self.figures: StreamFigures | None = None  # once every offer was received
        self._children: list[_Child] | None = None

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
        if self._children is not None:
            raise RuntimeError("an EncodedSynthetic stream is read once")
        self._children = []
        for part in range(self.processes):
            self._children.append(self._spawn(part))
        children = self._children
        finished: list[tuple[float, float] | None] = [None] * len(children)
        block = 0
        while not all(finished):
            part = block % len(children)
            if finished[part] is not None:
                raise RuntimeError("the synthetic generator processes are out of step")
            while True:  # the messages of this block
                message = children[part].receive()
                if isinstance(message, list):  # a batch
                    yield from message
                elif message == _END:
                    break
                else:  # the child has no more blocks: its last word
                    children[part].process.wait()
                    finished[part] = self._last_word(message)
                    break
            block += 1
        self.figures = StreamFigures(
            sum(f[0] for f in finished if f), sum(f[1] for f in finished if f), len(children)
        )

    @staticmethod
    def _last_word(message: tuple[Any, ...]) -> tuple[float, float]:
        if message[0] == _DONE:
            return float(message[1]), float(message[2])
        error, text, field = message[1:]
        if error == "InvalidInput":
            raise InvalidInput(text, field=field)
        raise RuntimeError(f"synthetic generation failed: {text}")

    def _spawn(self, part: int) -> _Child:
        read_end, write_end = os.pipe()
        try:
            process = _start(
                self.size, self.seed, self.now, self.batch, part, self.processes, write_end
            )
        except BaseException:
            os.close(read_end)
            raise
        finally:
            os.close(write_end)  # the child holds it now: end of file when it exits
        messages: queue.Queue[bytes | None] = queue.Queue(maxsize=AHEAD)
        reader = threading.Thread(
            target=_read_frames,
            args=(read_end, messages),
            name=f"ror-synthetic-reader-{part}",
            daemon=True,
        )
        reader.start()
        return _Child(process, messages)

    def close(self) -> None:
        """Stop the children still running (the loader stopped early)."""
        for child in self._children or ():
            child.stop()


def _start(
    size: int, seed: int, now: datetime, batch: int, part: int, parts: int, fd: int
) -> subprocess.Popen[bytes]:
    """A child, writing its messages to ``fd`` (its standard output stays the caller's)."""
    root = str(Path(__file__).resolve().parents[2])  # the folder holding the ror package
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    args = [str(size), str(seed), now.isoformat(), str(batch), str(part), str(parts), str(fd)]
    return subprocess.Popen(
        [sys.executable, "-m", "ror.commands.synthetic_stream", *args],
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


def produce(
    fd: int, size: int, seed: int, now: datetime, batch: int, part: int = 0, parts: int = 1
) -> None:
    """A child process: generate its blocks, encode, send in batches to ``fd`` (each block
    followed by :data:`_END`), then the figures."""

    def send(message: Any) -> None:
        data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        _write_all(fd, _HEADER.pack(len(data)) + data)

    try:
        blocks = generate_blocks(size, seed, now=now, part=part, parts=parts)
        generating = encoding = 0.0
        clock = time.perf_counter
        for block in blocks:
            items: list[EncodedOffer | Rejected] = []
            while True:
                t0 = clock()
                offer = next(block, None)
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
            send(_END)
        send((_DONE, generating, encoding))
    except InvalidInput as exc:
        send((_FAILED, "InvalidInput", exc.message, exc.field))
    except Exception as exc:  # reported to the loader, which raises
        send((_FAILED, type(exc).__name__, f"{type(exc).__name__}: {exc}", None))


def main(argv: list[str]) -> None:
    """``python -m ror.commands.synthetic_stream SIZE SEED NOW BATCH PART PARTS FD``: a child's
    entry."""
    size, seed, now, batch, part, parts, fd = argv
    os.nice(CHILD_NICENESS)
    try:
        produce(
            int(fd),
            int(size),
            int(seed),
            datetime.fromisoformat(now),
            int(batch),
            int(part),
            int(parts),
        )
    finally:
        os.close(int(fd))


if __name__ == "__main__":
    main(sys.argv[1:])
