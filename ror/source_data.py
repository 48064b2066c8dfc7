"""The repository's copy of the official source files (``data/`` at the root of a checkout).

The build scripts make the shipped tables (``ror/geo/data``, ``ror/nomenclature/data``) from
them and the tests read the real ROR examples there. An installed package does not carry them.
Large files are stored gzipped: ``read_bytes`` takes the plain name and reads either form.
"""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Final

SOURCE_DATA: Final = Path(__file__).resolve().parents[1] / "data"
ROR_EXAMPLES: Final = SOURCE_DATA / "ror" / "examples"
ROR_JSON_EXAMPLES: Final = (ROR_EXAMPLES / "ig-json", ROR_EXAMPLES / "doc-json")
NOMENCLATURES: Final = SOURCE_DATA / "ror" / "nomenclatures"
GEO: Final = SOURCE_DATA / "geo"
ELASTICSEARCH: Final = SOURCE_DATA / "elasticsearch"


def stored(path: Path) -> Path | None:
    """The file holding ``path``'s content: itself, else ``path`` + ``.gz``; None if neither."""
    for candidate in (path, path.with_name(path.name + ".gz")):
        if candidate.is_file():
            return candidate
    return None


def read_bytes(path: Path) -> bytes:
    """The content of ``path``, decompressed when only its ``.gz`` form is stored."""
    found = stored(path)
    if found is None:
        raise FileNotFoundError(path)
    raw = found.read_bytes()
    return gzip.decompress(raw) if found.suffix == ".gz" and path.suffix != ".gz" else raw


def read_text(path: Path) -> str:
    return read_bytes(path).decode("utf-8")
