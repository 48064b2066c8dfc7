"""Bearer tokens, stored hashed in one JSON file (``ROR_TOKENS``).

A token reads ``ror_<id>_<secret>``: ``id`` (12 hex digits) names its record, ``secret`` comes
from ``secrets.token_urlsafe(32)`` (256 bits). The file keeps the SHA-256 of the whole token,
never the token: with that much entropy a plain hash cannot be reversed, and comparing digests
with ``hmac.compare_digest`` takes the same time whatever matches. The token itself is shown
once, when it is created.

The file is replaced atomically (temporary file, fsync, rename) under an exclusive lock, so
concurrent ``ror token`` commands cannot lose each other's changes and a reader never sees
half a file. A running server rereads it when it changes: revoking takes effect at once.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import hmac
import os
import re
import secrets
import tempfile
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import orjson

from ror.access.caller import ALL_ESTABLISHMENTS, Caller
from ror.access.profiles import check_profile
from ror.errors import InvalidInput, NotFound, Unauthorized

FORMAT: Final = "ror-tokens/1"
TOKEN_PATTERN: Final = re.compile(r"ror_([0-9a-f]{12})_([A-Za-z0-9_-]{43})")
FINESS_PATTERN: Final = re.compile(r"(?:[0-9]{9}|2[AB][0-9]{7})")
NAME_PATTERN: Final = re.compile(r"\w[\w .,'’()&@:/+-]{0,63}")


class InvalidToken(Unauthorized):
    """The bearer token is malformed, unknown or revoked (HTTP 401)."""

    code = "invalid_token"

    def __init__(self, message: str) -> None:
        super().__init__(message, "Authorization")


@dataclass(frozen=True, slots=True)
class TokenRecord:
    """What the file keeps of a token: who it is for, what it may do, its digest."""

    id: str
    name: str
    profile: int
    establishments: tuple[str, ...]
    created_at: datetime
    digest: str  # "sha256:<hex>" of the whole token
    revoked_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def caller(self) -> Caller:
        return Caller(
            profile=self.profile,
            name=self.name,
            token_id=self.id,
            establishments=frozenset(self.establishments),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "profile": self.profile,
            "establishments": list(self.establishments),
            "created_at": self.created_at.isoformat(),
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
            "digest": self.digest,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TokenRecord:
        revoked = data.get("revoked_at")
        return cls(
            id=str(data["id"]),
            name=str(data["name"]),
            profile=check_profile(int(data["profile"])),
            establishments=tuple(str(e) for e in data.get("establishments", ())),
            created_at=datetime.fromisoformat(str(data["created_at"])),
            digest=str(data["digest"]),
            revoked_at=datetime.fromisoformat(str(revoked)) if revoked else None,
        )


def digest_of(token: str) -> str:
    return "sha256:" + hashlib.sha256(token.encode()).hexdigest()


def check_name(name: str) -> str:
    name = name.strip()
    if not NAME_PATTERN.fullmatch(name):
        raise InvalidInput(
            f"nom de jeton invalide {name!r} : 1 à 64 lettres, chiffres, espaces ou "
            ". , ' ( ) & @ : / + - _, en commençant par une lettre ou un chiffre",
            "name",
        )
    return name


def check_establishments(values: Iterable[str]) -> tuple[str, ...]:
    """FINESS EG numbers (9 characters, 2A/2B for Corsica) or ``*``, each once, in order."""
    out: list[str] = []
    for i, raw in enumerate(values):
        value = raw.strip().upper()
        if value != ALL_ESTABLISHMENTS and not FINESS_PATTERN.fullmatch(value):
            raise InvalidInput(
                f"numéro FINESS invalide {raw!r} : 9 caractères (2A/2B pour la Corse) ou *",
                f"establishments[{i}]",
            )
        if value not in out:
            out.append(value)
    return tuple(out)


class TokenStore:
    """The token file: create, list, revoke (CLI) and authenticate (server)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._stamp: tuple[int, int, int] | None = None
        self._records: dict[str, TokenRecord] = {}

    # --- reading ---------------------------------------------------------------------------

    def records(self) -> list[TokenRecord]:
        """Every token, revoked ones included, oldest first."""
        return sorted(self._current().values(), key=lambda r: (r.created_at, r.id))

    def authenticate(self, token: str) -> Caller:
        """The caller a bearer token stands for; :class:`InvalidToken` saying why otherwise."""
        found = TOKEN_PATTERN.fullmatch(token)
        if found is None:
            raise InvalidToken("jeton mal formé : attendu « Authorization: Bearer ror_… »")
        record = self._current().get(found.group(1))
        expected = record.digest if record is not None else digest_of("")
        if not hmac.compare_digest(digest_of(token), expected) or record is None:
            raise InvalidToken("jeton inconnu")
        if record.revoked_at is not None:
            raise InvalidToken(f"jeton révoqué le {record.revoked_at:%Y-%m-%d %H:%M} UTC")
        return record.caller()

    def _current(self) -> dict[str, TokenRecord]:
        """The records, reread when the file changed (a revocation applies at once)."""
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return {}
        stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
        with self._lock:
            if stamp != self._stamp:
                self._records = {r.id: r for r in self._read()}
                self._stamp = stamp
            return self._records

    def _read(self) -> list[TokenRecord]:
        try:
            data = orjson.loads(self.path.read_bytes())
        except FileNotFoundError:
            return []
        except orjson.JSONDecodeError as exc:
            raise InvalidInput(
                f"fichier de jetons illisible {self.path} : {exc}", "tokens"
            ) from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise InvalidInput(
                f"fichier de jetons {self.path} : format {FORMAT!r} attendu", "tokens"
            )
        try:
            return [TokenRecord.from_dict(item) for item in data.get("tokens", [])]
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidInput(
                f"fichier de jetons {self.path} : entrée invalide ({exc})", "tokens"
            ) from None

    # --- writing ---------------------------------------------------------------------------

    def create(
        self, name: str, profile: int, establishments: Iterable[str] = ()
    ) -> tuple[str, TokenRecord]:
        """A new token (returned once, never stored) and its record."""
        name = check_name(name)
        try:
            profile = check_profile(profile)
        except ValueError:
            raise InvalidInput(f"profil d'accès inconnu {profile!r} : 0 à 5", "profile") from None
        places = check_establishments(establishments)
        with self._editing() as records:
            token_id = secrets.token_hex(6)
            while token_id in records:  # pragma: no cover - 48 random bits
                token_id = secrets.token_hex(6)
            token = f"ror_{token_id}_{secrets.token_urlsafe(32)}"
            record = TokenRecord(
                id=token_id,
                name=name,
                profile=profile,
                establishments=places,
                created_at=datetime.now(UTC),
                digest=digest_of(token),
            )
            records[token_id] = record
        return token, record

    def revoke(self, name_or_id: str) -> list[TokenRecord]:
        """Revoke the token with this id, or every active token with this name."""
        key = name_or_id.strip()
        now = datetime.now(UTC)
        with self._editing() as records:
            if key in records:
                chosen = [records[key]]
            else:
                chosen = [r for r in records.values() if r.name == key]
            if not chosen:
                raise NotFound(f"aucun jeton de nom ou d'identifiant {key!r}", "token")
            revoked = []
            for record in chosen:
                if record.active:
                    record = replace(record, revoked_at=now)
                    records[record.id] = record
                revoked.append(record)
        return revoked

    @contextlib.contextmanager
    def _editing(self) -> Iterator[dict[str, TokenRecord]]:
        """The records to change, written back atomically under an exclusive lock."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock_path = self.path.with_name(self.path.name + ".lock")
        with open(lock_path, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            records = {r.id: r for r in self._read()}
            yield records
            self._write(records.values())

    def _write(self, records: Iterable[TokenRecord]) -> None:
        ordered = sorted(records, key=lambda r: (r.created_at, r.id))
        body = orjson.dumps(
            {"format": FORMAT, "tokens": [r.to_dict() for r in ordered]},
            option=orjson.OPT_INDENT_2,
        )
        fd, tmp = tempfile.mkstemp(prefix=".tokens-", dir=self.path.parent)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(body + b"\n")
                out.flush()
                os.fsync(out.fileno())
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        dir_fd = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
