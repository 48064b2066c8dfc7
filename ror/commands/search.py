"""What the ``ror`` command calls for search jobs: open an engine, build the demo, index, search.

``ror/cli.py`` parses arguments and calls these; each returns an exit status (0 ok, 1 failure,
2 bad usage) and prints for a person (or JSON with ``as_json``).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Final, TextIO

import orjson

from ror.criteria import Criteria
from ror.errors import InvalidInput, RorError
from ror.geo.territory import territory_phrase
from ror.model import Offer
from ror.search.embedded.engine import EmbeddedEngine
from ror.search.engine import Engine, LoadStats
from ror.search.pipeline import search
from ror.search.result import Match, SearchResult


def index_sink(
    engine: Engine, *, replace_all: bool = False, stream: TextIO | None = None
) -> Callable[[Iterable[Offer]], int]:
    """A sink for ``ror index``: loads offers into ``engine`` (a full replacement swapped in
    atomically, or upserts) with a progress line, and returns how many landed."""

    def sink(offers: Iterable[Offer]) -> int:
        stats = engine.load(
            offers, replace_all=replace_all, progress=_progress_line(stream or sys.stderr)
        )
        _print_stats(stats, stream or sys.stderr)
        return stats.loaded

    return sink


def demo_command(db: Path, size: int, seed: int, *, stream: TextIO | None = None) -> int:
    """``ror demo``: build the synthetic national dataset and index it (replacing all); the
    offers are generated and encoded in child processes while the engine loads them."""
    from ror.commands.synthetic_stream import EncodedSynthetic

    out = stream or sys.stderr
    if size <= 0:
        raise InvalidInput("la taille doit être positive", "size")
    print(
        f"ror demo: {size:,} offres synthétiques (graine {seed}) -> {db}".replace(",", " "),
        file=out,
    )
    engine = EmbeddedEngine(db)
    try:
        with EncodedSynthetic(size, seed) as offers:
            stats = engine.load(offers, replace_all=True, progress=_progress_line(out))
    finally:
        engine.close()
    _print_stats(stats, out)
    return 0 if stats.loaded else 1


def search_command(
    criteria: Criteria,
    db: Path | Engine,
    as_json: bool,
    *,
    out: TextIO | None = None,
) -> int:
    """``ror search``: a ranked table (or the API's JSON) for one request."""
    stream = out or sys.stdout
    engine = db if not isinstance(db, Path) else EmbeddedEngine(db)
    try:
        result = search(criteria, engine)
    except RorError as err:
        where = f" ({err.field})" if err.field else ""
        print(f"ror search: {err.message}{where}", file=sys.stderr)
        return 2 if err.status < 500 else 1
    finally:
        if isinstance(db, Path):
            engine.close()
    if as_json:
        stream.write(orjson.dumps(result.to_dict(), option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        stream.write(format_table(result))
    return 0


# --- printing ------------------------------------------------------------------------------


def _progress_line(out: TextIO) -> Callable[[int], None]:
    started = time.perf_counter()

    def progress(done: int) -> None:
        rate = done / max(time.perf_counter() - started, 1e-9)
        out.write(f"\r  {done:>10,} offres indexées ({rate:,.0f}/s)".replace(",", " "))
        out.flush()

    return progress


def _print_stats(stats: LoadStats, out: TextIO) -> None:
    how = "index remplacé" if stats.replaced_all else "mises à jour"
    out.write(
        f"\n{stats.loaded:,} offres indexées en {stats.seconds:.1f} s "
        f"({stats.per_second:,.0f}/s, {how})".replace(",", " ")
        + "\n"
    )
    for offer_id, reason in stats.rejected[:20]:
        out.write(f"  rejet {offer_id} : {reason}\n")
    if len(stats.rejected) > 20:
        out.write(f"  … et {len(stats.rejected) - 20} autres rejets\n")


_COUNTED: Final = {
    "offer": "unités éligibles",
    "location": "lieux de lits éligibles (offres partageant leurs lits regroupées)",
    "establishment": "établissements éligibles (leurs offres regroupées)",
}


def _km(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} km".replace(".", ",")


def _facts(match: Match) -> str:
    offer = match.offer
    facts = []
    if offer.age_min is not None or offer.age_max is not None:
        facts.append(
            f"{offer.age_min or 0}–{offer.age_max if offer.age_max is not None else '…'} ans"
        )
    if offer.activity:
        facts.append("activité " + "/".join(offer.activity[:3]))
    if offer.offer_type:
        facts.append("type " + "/".join(offer.offer_type[:2]))
    if match.by_zone:
        facts.append("à domicile (zone)")
    if match.stale:
        facts.append("capacité ancienne")
    return ", ".join(facts)


def _lines(result: SearchResult) -> Iterator[str]:
    area = result.criteria.area
    radius = "toute la France" if result.radius_km is None else f"{result.radius_km:g} km"
    counted = _COUNTED[result.group]
    where = territory_phrase(area) if area else f"dans un rayon de {radius}"
    took = f"{result.took_ms:.1f} ms, recherche {result.id}"
    yield f"{result.total} {counted} {where} ({took})"
    for warning in result.warnings:
        yield f"  ! {warning.message}"
    yield ""
    yield f"{'#':>3}  {'nom':<48} {'commune':<22} {'distance':>9} {'score':>6}"
    for rank, match in enumerate(result.matches, start=result.criteria.offset + 1):
        place = match.offer.place
        commune = (place.city or place.commune)[:22]
        yield (
            f"{rank:>3}  {match.offer.name[:48]:<48} {commune:<22} "
            f"{_km(None if area else match.distance_km):>9} {match.score:>6.3f}"
        )
        facts = _facts(match)
        if facts:
            yield f"     {facts}"
        for sentence in match.explain:
            yield f"     · {sentence}"
        for member in match.members:
            yield f"     + {member.offer.name[:46]:<46} {_km(member.distance_km):>9}"
    if result.near_misses:
        yield ""
        yield "Presque (un seul critère manque) :"
        for miss in result.near_misses:
            yield (
                f"     {miss.offer.name[:48]:<48} {_km(None if area else miss.distance_km):>9}  "
                f"{miss.criterion} : {miss.reason}"
            )
    for facet in result.facets:
        top = ", ".join(f"{v.label or v.code} ({v.count})" for v in facet.values[:5] if v.count)
        if top:
            yield f"  {facet.field} : {top}"


def format_table(result: SearchResult) -> str:
    return "\n".join(_lines(result)) + "\n"
