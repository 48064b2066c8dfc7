"""``ror index``: exit status, summary, Offer NDJSON, rejects file, engine sink."""

import io
import json
from collections.abc import Iterable
from pathlib import Path

from ror.commands.index import as_sink, run_index
from ror.indexer.load import read_offers
from ror.model import Offer

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests/fixtures/fhir"


def _run(paths: list[Path], tmp_path: Path, engine: object | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run_index(
        paths,
        rejects=tmp_path / "rejects.jsonl",
        out=tmp_path / "offers.ndjson",
        engine=engine,
        stdout=out,
        stderr=err,
    )
    return code, out.getvalue(), err.getvalue()


def test_partial_rejects_still_exit_zero_and_are_reported(tmp_path: Path) -> None:
    code, out, _ = _run([FIXTURES / "linked", FIXTURES / "invalid"], tmp_path)
    assert code == 0
    assert "rejected: 12 (see " + str(tmp_path / "rejects.jsonl") in out
    assert "offers: 4 built, 4 stored" in out
    assert len((tmp_path / "rejects.jsonl").read_text().splitlines()) == 12
    assert (tmp_path / "rejects.warnings.jsonl").exists()
    assert {o.id for o in read_offers(tmp_path / "offers.ndjson")} == {
        "ehpad-hebergement-permanent",
        "unchecked-act",
        "lambert-93",
        "swapped-degrees",
    }


def test_nothing_loadable_exits_one(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ndjson"
    bad.write_text("{oops\n")
    code, out, _ = _run([bad], tmp_path)
    assert code == 1
    assert "offers: 0 built" in out
    assert json.loads((tmp_path / "rejects.jsonl").read_text())["position"] == 1


def test_missing_path_or_no_path_is_bad_usage(tmp_path: Path) -> None:
    code, _, err = _run([tmp_path / "absent.json"], tmp_path)
    assert code == 2 and "no such file or directory" in err
    assert _run([], tmp_path)[0] == 2
    assert run_index([tmp_path / "absent.json"], rejects=None, out=None, engine=None) == 2


def test_engine_sink_receives_the_offers_and_out_gets_them_too(tmp_path: Path) -> None:
    received: list[Offer] = []

    def sink(offers: Iterable[Offer]) -> int:
        received.extend(offers)
        return len(received)

    code, out, _ = _run([FIXTURES / "linked"], tmp_path, engine=sink)
    assert code == 0 and "1 stored" in out
    assert [o.id for o in received] == ["ehpad-hebergement-permanent"]
    assert [o.id for o in read_offers(tmp_path / "offers.ndjson")] == [received[0].id]


def test_engine_object_with_index_offers() -> None:
    class Engine:
        def index_offers(self, offers: Iterable[Offer]) -> int:
            return sum(1 for _ in offers)

    engine = Engine()
    sink = as_sink(engine)
    assert sink is not None and sink([]) == 0
    assert as_sink(None) is None


def test_engine_that_cannot_store_is_bad_usage(tmp_path: Path) -> None:
    code, _, err = _run([FIXTURES / "linked"], tmp_path, engine=42)
    assert code == 2 and "index_offers" in err
