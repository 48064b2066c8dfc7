"""The token file and the ``ror token`` commands."""

from __future__ import annotations

import io
import multiprocessing
import os
import stat
from pathlib import Path

import orjson
import pytest

from ror.access.tokens import InvalidToken, TokenStore, digest_of
from ror.commands.tokens import token_create_command, token_list_command, token_revoke_command
from ror.errors import InvalidInput, NotFound


@pytest.fixture()
def path(tmp_path: Path) -> Path:
    return tmp_path / "conf" / "tokens.json"


def test_tokens_are_stored_hashed_and_authenticate(path: Path) -> None:
    store = TokenStore(path)
    token, record = store.create("Hôpital Nord", 2, ["310000011", "2a0000015"])
    assert token.startswith(f"ror_{record.id}_") and len(token) == 4 + 12 + 1 + 43
    text = path.read_text()
    assert token not in text and token.split("_", 2)[2] not in text
    assert digest_of(token) in text
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    data = orjson.loads(text)
    assert data["format"] == "ror-tokens/1"
    assert data["tokens"][0]["establishments"] == ["310000011", "2A0000015"]
    caller = TokenStore(path).authenticate(token)  # another process reading the file
    assert (caller.name, caller.profile, caller.token_id) == ("Hôpital Nord", 2, record.id)
    assert caller.establishments == {"310000011", "2A0000015"}


def test_each_token_is_new(path: Path) -> None:
    store = TokenStore(path)
    tokens = {store.create("même nom", 1)[0] for _ in range(5)}
    assert len(tokens) == 5
    assert len({r.id for r in store.records()}) == 5


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        ("", "mal formé"),
        ("ror_abc", "mal formé"),
        ("ror_0123456789ab_" + "é" * 43, "mal formé"),
        ("ror_0123456789ab_" + "a" * 43, "inconnu"),
    ],
)
def test_bad_tokens_say_why(path: Path, token: str, reason: str) -> None:
    store = TokenStore(path)
    store.create("quelqu'un", 1)
    with pytest.raises(InvalidToken, match=reason) as refused:
        store.authenticate(token)
    assert refused.value.status == 401 and refused.value.field == "Authorization"


def test_a_real_id_with_another_secret_is_unknown(path: Path) -> None:
    store = TokenStore(path)
    token, _ = store.create("x", 1)
    forged = token[:-1] + ("A" if token[-1] != "A" else "B")
    with pytest.raises(InvalidToken, match="inconnu"):
        store.authenticate(forged)


def test_revoke_by_id_or_by_name(path: Path) -> None:
    store = TokenStore(path)
    a, ra = store.create("clinique", 1)
    b, _ = store.create("clinique", 1)
    c, rc = store.create("ehpad", 3)
    server = TokenStore(path)  # a running server, which read the file before
    assert server.authenticate(c).name == "ehpad"
    assert [r.id for r in store.revoke(rc.id)] == [rc.id]
    with pytest.raises(InvalidToken, match="révoqué"):
        server.authenticate(c)  # the change is seen at once
    assert len(store.revoke("clinique")) == 2
    for token in (a, b):
        with pytest.raises(InvalidToken, match="révoqué"):
            server.authenticate(token)
    again = store.revoke(ra.id)  # revoking twice keeps the first date
    assert again[0].revoked_at == next(r for r in store.records() if r.id == ra.id).revoked_at
    with pytest.raises(NotFound) as missing:
        store.revoke("personne")
    assert missing.value.field == "token"


@pytest.mark.parametrize(
    ("name", "profile", "places", "field"),
    [
        ("", 1, (), "name"),
        ("a" * 65, 1, (), "name"),
        ("x\ny", 1, (), "name"),
        ("ok", 6, (), "profile"),
        ("ok", -1, (), "profile"),
        ("ok", 2, ("31000001",), "establishments[0]"),
        ("ok", 2, ("310000011", "31A000001"), "establishments[1]"),
    ],
)
def test_bad_token_requests_name_the_field(
    path: Path, name: str, profile: int, places: tuple[str, ...], field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        TokenStore(path).create(name, profile, places)
    assert refused.value.field == field
    assert not path.exists()


def test_an_unreadable_file_is_a_clear_error(path: Path) -> None:
    path.parent.mkdir(parents=True)
    path.write_text("{not json")
    with pytest.raises(InvalidInput, match="illisible"):
        TokenStore(path).records()
    path.write_text('{"tokens": []}')
    with pytest.raises(InvalidInput, match="format"):
        TokenStore(path).authenticate("ror_0123456789ab_" + "a" * 43)
    assert TokenStore(path.with_name("absent.json")).records() == []


def _create_many(path: str, worker: int) -> None:
    store = TokenStore(Path(path))
    for i in range(10):
        store.create(f"w{worker}-{i}", 1)


def test_concurrent_commands_lose_nothing(path: Path) -> None:
    ctx = multiprocessing.get_context("fork")
    workers = [ctx.Process(target=_create_many, args=(str(path), w)) for w in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(30)
        assert w.exitcode == 0
    names = {r.name for r in TokenStore(path).records()}
    assert names == {f"w{w}-{i}" for w in range(4) for i in range(10)}
    leftovers = [p for p in os.listdir(path.parent) if p.startswith(".tokens-")]
    assert leftovers == []


def test_cli_create_prints_the_token_once(path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    status = token_create_command(path, "SAMU 31", 1, ["310000011"], out=out, err=err)
    assert status == 0
    token = out.getvalue().strip()
    assert "\n" not in token and TokenStore(path).authenticate(token).name == "SAMU 31"
    assert token not in err.getvalue() and "profil 1" in err.getvalue()
    listing = io.StringIO()
    assert token_list_command(path, out=listing) == 0
    assert "SAMU 31" in listing.getvalue() and "310000011" in listing.getvalue()
    assert token not in listing.getvalue() and "sha256" not in listing.getvalue()
    as_json = io.StringIO()
    token_list_command(path, as_json=True, out=as_json)
    [row] = orjson.loads(as_json.getvalue())
    assert row["name"] == "SAMU 31" and "digest" not in row and row["revoked_at"] is None
    revoked = io.StringIO()
    assert token_revoke_command(path, "SAMU 31", out=revoked) == 0
    assert "révoqué" in revoked.getvalue()
    empty = io.StringIO()
    token_list_command(path.with_name("none.json"), out=empty)
    assert "aucun jeton" in empty.getvalue()
