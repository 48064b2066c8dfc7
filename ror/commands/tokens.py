"""``ror token create|list|revoke``: the CLI side of the token file (DESIGN §6, §7).

Each function returns the exit status. ``create`` prints the token alone on standard output
(``TOKEN=$(ror token create …)`` works) and what it is for on standard error; it is never
shown again.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

import orjson

from ror.access.profiles import PROFILE_NAMES
from ror.access.tokens import TokenRecord, TokenStore


def token_create_command(
    tokens_path: Path,
    name: str,
    profile: int,
    establishments: Sequence[str] = (),
    *,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    token, record = TokenStore(tokens_path).create(name, profile, establishments)
    print(token, file=out)
    print(
        f"jeton {record.id} créé pour {record.name} : profil {record.profile} "
        f"({PROFILE_NAMES[record.profile]})"
        + (f", écrit pour {', '.join(record.establishments)}" if record.establishments else "")
        + f"\nà garder maintenant : il n'est pas conservé ({tokens_path} n'en a que l'empreinte)",
        file=err,
    )
    return 0


def token_list_command(
    tokens_path: Path, *, as_json: bool = False, out: TextIO | None = None
) -> int:
    """Every token (never a secret: ids, names, profiles, establishments, dates)."""
    out = out or sys.stdout
    records = TokenStore(tokens_path).records()
    if as_json:
        rows = [_public(r) for r in records]
        out.write(orjson.dumps(rows, option=orjson.OPT_INDENT_2).decode() + "\n")
        return 0
    if not records:
        print(f"aucun jeton dans {tokens_path}", file=out)
        return 0
    header = f"{'id':<12}  {'nom':<24}  profil  {'créé (UTC)':<16}  {'révoqué':<16}  écrit pour"
    print(header, file=out)
    for r in records:
        revoked = f"{r.revoked_at:%Y-%m-%d %H:%M}" if r.revoked_at else "-"
        print(
            f"{r.id:<12}  {r.name:<24}  {r.profile:<6}  {r.created_at:%Y-%m-%d %H:%M}  "
            f"{revoked:<16}  {', '.join(r.establishments) or '-'}",
            file=out,
        )
    return 0


def token_revoke_command(tokens_path: Path, name_or_id: str, *, out: TextIO | None = None) -> int:
    """Revoke a token by id, or every token of a name; refused at once by a running server."""
    out = out or sys.stdout
    for r in TokenStore(tokens_path).revoke(name_or_id):
        assert r.revoked_at is not None
        print(f"jeton {r.id} ({r.name}) révoqué le {r.revoked_at:%Y-%m-%d %H:%M} UTC", file=out)
    return 0


def _public(record: TokenRecord) -> dict[str, object]:
    data = record.to_dict()
    del data["digest"]
    return data
