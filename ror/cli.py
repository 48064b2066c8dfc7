"""The ``ror`` command: one sub-command per job (DESIGN §6). Exit 0 ok, 1 failure, 2 bad usage.

Engine selection for every command: ``--db PATH`` / ``ROR_DB`` (embedded SQLite, the default) or
``--es-url URL`` / ``ROR_ES_URL`` (Elasticsearch).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from ror import __version__
from ror.config import Settings
from ror.errors import RorError
from ror.heap import bulk_work

Command = Callable[[argparse.Namespace], int]

DEMO_SIZE = 100_000


def _settings(args: argparse.Namespace) -> Settings:
    settings = Settings.from_env()
    if getattr(args, "db", None):
        settings = dataclasses.replace(settings, db_path=Path(args.db))
    if getattr(args, "es_url", None):
        settings = dataclasses.replace(settings, es_url=args.es_url)
    return settings


def cmd_demo(args: argparse.Namespace) -> int:
    from ror.commands.search import demo_command

    return demo_command(_settings(args).db_path, args.size, args.seed)


def cmd_index(args: argparse.Namespace) -> int:
    from ror.commands.index import run_index
    from ror.commands.search import index_sink
    from ror.resources.store import ResourceStore
    from ror.search.open import open_engine

    settings = _settings(args)
    engine = None if args.out and args.engine == "none" else open_engine(settings, create=True)
    store = None if engine is None else ResourceStore(settings.resources_path)
    try:
        # into an empty index, a full load: the keys are filled once at the end, not per offer
        bulk = engine is not None and (args.replace or engine.count() == 0)
        sink = None if engine is None else index_sink(engine, replace_all=bulk)
        with bulk_work():
            return run_index(
                args.paths,
                rejects=args.rejects,
                out=args.out,
                engine=sink,
                store=store,
                remove=None if engine is None else engine.delete,
                rebuild_all=args.replace,
            )
    finally:
        if engine is not None:
            engine.close()
        if store is not None:
            store.close()


def cmd_sync(args: argparse.Namespace) -> int:
    import os

    from ror.commands.sync import SyncRequest, sync_command
    from ror.resources.store import ResourceStore
    from ror.search.open import open_engine

    headers = {}
    for raw in args.header:
        name, sep, value = raw.partition(":")
        if not sep or not name.strip():
            print(f"ror sync: --header wants NAME:VALUE, got {raw!r}", file=sys.stderr)
            return 2
        headers[name.strip()] = value.strip()
    request = SyncRequest(
        url=args.url,
        name=args.name,
        full=args.full,
        priority=args.priority,
        page_size=args.page_size,
        token=args.token or os.environ.get("ROR_SYNC_TOKEN") or None,
        cert=args.cert,
        key=args.key,
        ca=args.ca,
        headers=headers,
        timeout_s=args.timeout,
        attempts=args.attempts,
    )
    settings = _settings(args)
    engine = open_engine(settings, create=True)
    store = ResourceStore(settings.resources_path)
    try:
        with bulk_work():
            return sync_command(request, store, engine)
    finally:
        store.close()
        engine.close()


def cmd_sources(args: argparse.Namespace) -> int:
    from ror.commands.sync import sources_command
    from ror.resources.store import ResourceStore

    store = ResourceStore(_settings(args).resources_path)
    try:
        return sources_command(store, as_json=args.json)
    finally:
        store.close()


def cmd_serve(args: argparse.Namespace) -> int:
    from ror.commands.serve import serve

    settings = _settings(args)
    if args.demo and not settings.es_url and not settings.db_path.exists():
        from ror.commands.search import demo_command

        status = demo_command(settings.db_path, args.demo_size, args.seed)
        if status:
            return status
    if not settings.es_url:
        from ror.search.open import open_engine

        open_engine(settings).close()  # a missing index is an error before any worker starts
    serve(settings, args.host or settings.host, args.port or settings.port, args.workers)
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    from ror.api.search_query import search_request_from_query
    from ror.commands.search import search_command
    from ror.search.open import open_engine

    pairs = [
        (name, str(value))
        for name, value in vars(args).items()
        if name.startswith("q_") and value is not None
        for name in [name[2:]]
    ]
    if args.text:
        pairs.append(("text", " ".join(args.text)))
    criteria = search_request_from_query(pairs).to_criteria()
    engine = open_engine(_settings(args))
    try:
        return search_command(criteria, engine, args.json)
    finally:
        engine.close()


def cmd_geocode(args: argparse.Namespace) -> int:
    from ror.commands.geocode import geocode_command

    return geocode_command(" ".join(args.query), args.json, args.limit)


def _codes(value: str | None) -> tuple[str, ...]:
    return tuple(c.strip() for c in (value or "").split(",") if c.strip())


def cmd_overview(args: argparse.Namespace) -> int:
    from ror.commands.overview import overview_command
    from ror.search.open import open_engine

    engine = open_engine(_settings(args))
    try:
        return overview_command(
            engine,
            group_by=args.group_by,
            activity=_codes(args.activity),
            offer_type=_codes(args.offer_type),
            champ=_codes(args.champ),
            bed_nature=args.bed_nature,
            as_json=args.json,
        )
    finally:
        engine.close()


def cmd_availability_import(args: argparse.Namespace) -> int:
    from ror.commands.availability import import_command
    from ror.search.open import open_engine

    engine = open_engine(_settings(args))
    try:
        return import_command(engine, args.file, rejects=args.rejects)
    finally:
        engine.close()


def cmd_token(args: argparse.Namespace) -> int:
    from ror.commands import tokens as commands

    tokens = Path(args.tokens) if args.tokens else Settings.from_env().tokens_path
    if args.action == "create":
        return commands.token_create_command(tokens, args.name, args.profile, args.establishment)
    if args.action == "list":
        return commands.token_list_command(tokens, as_json=args.json)
    return commands.token_revoke_command(tokens, args.name)


def _engine_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", help="SQLite file of the embedded engine (ROR_DB)")
    parser.add_argument("--es-url", help="use the Elasticsearch cluster at this URL (ROR_ES_URL)")


def _search_options(parser: argparse.ArgumentParser) -> None:
    """One option per ``GET /v1/search`` parameter, validated by the same schema."""
    from ror.api.search_query import query_param_names

    for name, body_path in query_param_names().items():
        if name == "text":
            continue
        flag = "--" + name.replace("_", "-")
        parser.add_argument(flag, dest=f"q_{name}", metavar="VALUE", help=f"({body_path})")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ror", description=__doc__)
    parser.add_argument("--version", action="version", version=f"ror {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = sub.add_parser("demo", help="build the synthetic national dataset and index it")
    demo.add_argument("--size", type=int, default=DEMO_SIZE, help="number of offers")
    demo.add_argument("--seed", type=int, default=0)
    _engine_options(demo)
    demo.set_defaults(run=cmd_demo)

    index = sub.add_parser("index", help="load ROR FHIR resources (files or directories)")
    index.add_argument("paths", nargs="+", type=Path)
    index.add_argument("--rejects", type=Path, help="JSONL rejects report path")
    index.add_argument("--out", type=Path, help="also write the Offer documents as NDJSON")
    index.add_argument(
        "--engine",
        choices=("embedded", "elasticsearch", "none"),
        default="embedded",
        help="where to load (none: only --out); elasticsearch needs --es-url",
    )
    index.add_argument(
        "--replace", action="store_true", help="replace the whole index (a first load does)"
    )
    _engine_options(index)
    index.set_defaults(run=cmd_index)

    sync = sub.add_parser("sync", help="follow a ROR FHIR R4 source (incremental by _lastUpdated)")
    sync.add_argument("url", help="the source's FHIR base, e.g. https://…/fhir")
    sync.add_argument("--name", help="the source's name (default: host and path of the URL)")
    sync.add_argument("--full", action="store_true", help="read everything; remove what is gone")
    sync.add_argument("--priority", type=int, help="wins ties of meta.lastUpdated (higher wins)")
    sync.add_argument("--page-size", type=int, default=200, help="_count per page")
    sync.add_argument("--token", help="bearer token (ROR_SYNC_TOKEN)")
    sync.add_argument("--cert", type=Path, help="client certificate, PEM (mutual TLS)")
    sync.add_argument("--key", type=Path, help="its private key, PEM, when not in --cert")
    sync.add_argument("--ca", type=Path, help="CA bundle to verify the source")
    sync.add_argument(
        "--header",
        action="append",
        default=[],
        metavar="NAME:VALUE",
        help="an extra header (repeat), e.g. Ror-Profil-Utilisateur-Code:CU22",
    )
    sync.add_argument("--timeout", type=float, default=60.0, help="seconds per request")
    sync.add_argument("--attempts", type=int, default=6, help="tries per request")
    _engine_options(sync)
    sync.set_defaults(run=cmd_sync)

    sources = sub.add_parser("sources", help="the sources followed: last sync, counts, errors")
    sources.add_argument("--json", action="store_true")
    _engine_options(sources)
    sources.set_defaults(run=cmd_sources)

    serve = sub.add_parser("serve", help="serve the HTTP API")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--demo", action="store_true", help="build the demo dataset if missing")
    serve.add_argument("--demo-size", type=int, default=DEMO_SIZE)
    serve.add_argument("--seed", type=int, default=0)
    _engine_options(serve)
    serve.set_defaults(run=cmd_serve)

    search = sub.add_parser("search", help="rank the units that fit, nearest first")
    search.add_argument("text", nargs="*", help="lay terms, e.g. pédopsy, ehpad, réa")
    search.add_argument("--json", action="store_true", help="print the API's JSON")
    _search_options(search)
    _engine_options(search)
    search.set_defaults(run=cmd_search)

    geocode = sub.add_parser("geocode", help="resolve a commune, postcode or INSEE code")
    geocode.add_argument("query", nargs="+")
    geocode.add_argument("--json", action="store_true")
    geocode.add_argument("--limit", type=int, default=10)
    geocode.set_defaults(run=cmd_geocode)

    overview = sub.add_parser("overview", help="beds by région or département, with freshness")
    overview.add_argument("--group-by", choices=("region", "departement"), default="region")
    overview.add_argument("--activity", help="R211 codes, comma-separated")
    overview.add_argument("--offer-type", help="R244 codes, comma-separated")
    overview.add_argument("--champ", help="R227 codes, comma-separated")
    overview.add_argument("--bed-nature", default="01", help="R329: 01 lits, 02 places")
    overview.add_argument("--json", action="store_true")
    _engine_options(overview)
    overview.set_defaults(run=cmd_overview)

    availability = sub.add_parser("availability", help="import availability snapshots")
    avail_actions = availability.add_subparsers(dest="action", required=True, metavar="ACTION")
    imports = avail_actions.add_parser("import", help="apply a CSV snapshot (stale rows ignored)")
    imports.add_argument("file", type=Path)
    imports.add_argument("--rejects", type=Path, help="JSONL report of rejected lines")
    _engine_options(imports)
    imports.set_defaults(run=cmd_availability_import)

    token = sub.add_parser("token", help="create, list or revoke bearer tokens")
    token.add_argument("--tokens", help="token file (ROR_TOKENS, default var/tokens.json)")
    actions = token.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = actions.add_parser("create", help="create a token; prints it once")
    create.add_argument("name", help="who the token is for")
    create.add_argument("--profile", type=int, required=True, choices=range(6), metavar="0-5")
    create.add_argument(
        "--establishment",
        action="append",
        default=[],
        metavar="FINESS",
        help="an establishment whose capacities the token may update (repeat; * for all)",
    )
    listing = actions.add_parser("list", help="list tokens (never their secrets)")
    listing.add_argument("--json", action="store_true")
    revoke = actions.add_parser("revoke", help="revoke a token by id, or all tokens of a name")
    revoke.add_argument("name", metavar="NAME_OR_ID")
    token.set_defaults(run=cmd_token)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "engine", None) == "elasticsearch" and not _settings(args).es_url:
        print("ror: --engine elasticsearch needs --es-url or ROR_ES_URL", file=sys.stderr)
        return 2
    run: Command = args.run
    try:
        return run(args)
    except RorError as err:
        where = f" ({err.field})" if err.field else ""
        print(f"ror: {err.message}{where}", file=sys.stderr)
        return 2 if err.status < 500 else 1


if __name__ == "__main__":
    sys.exit(main())
