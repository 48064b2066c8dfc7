"""``ror geocode``: JSON and table output, exit status."""

from __future__ import annotations

import io
import json

import pytest

from ror.commands.geocode import geocode_command


def test_json_output() -> None:
    out = io.StringIO()
    assert geocode_command("31000", as_json=True, limit=5, out=out) == 0
    candidates = json.loads(out.getvalue())
    assert candidates[0]["insee"] == "31555"
    assert candidates[0]["name"] == "Toulouse"
    assert candidates[0]["postcodes"][0] == "31000"
    assert {"lat", "lon", "departement", "region", "precision", "kind"} <= set(candidates[0])


def test_table_output() -> None:
    out = io.StringIO()
    assert geocode_command("st etienne", as_json=False, limit=3, out=out) == 0
    lines = out.getvalue().splitlines()
    assert lines[0].split()[0] == "INSEE"
    assert len(lines) == 4
    assert lines[1].startswith("42218  Saint-Étienne")
    assert "Loire" in lines[1]


def test_former_commune_is_labelled() -> None:
    out = io.StringIO()
    assert geocode_command("Arbignieu", as_json=False, limit=1, out=out) == 0
    assert "ancienne commune Arbignieu (01015)" in out.getvalue()


def test_nothing_found(capsys: pytest.CaptureFixture[str]) -> None:
    out = io.StringIO()
    assert geocode_command("xyzzy", as_json=False, limit=5, out=out) == 1
    assert "xyzzy" in capsys.readouterr().err
    assert geocode_command("xyzzy", as_json=True, limit=5, out=out) == 1
    assert json.loads(out.getvalue()) == []
