"""System keys from every spelling seen in the real data, code normalisation, unknown codes."""

from __future__ import annotations

import dataclasses
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import ror.model
from ror import nomenclature as nos
from ror.errors import UnknownCode
from ror.source_data import ROR_EXAMPLES

REPO = Path(__file__).resolve().parents[2]
ROR_MODEL = REPO / "docs" / "ROR-MODEL.md"
NOS = "https://mos.esante.gouv.fr/NOS"


# --- spellings ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("system", "key"),
    [
        (f"{NOS}/TRE_R330-TypeStatutCapacite/FHIR/TRE-R330-TypeStatutCapacite", "R330"),
        (f"{NOS}/TRE_R330-StatutCapacite/FHIR/TRE-R330-StatutCapacite", "R330"),
        (f"{NOS}/TRE_R331-Temporalite/FHIR/TRE-R331-Temporalite", "R331"),
        (f"{NOS}/TRE_R13-CommuneOM/FHIR/TRE-R13-CommuneOM", "R13"),
        (f"{NOS}/TRE_R13-Commune/FHIR/TRE-R13-Commune", "R13"),
        (
            f"{NOS}/JDV_J17-ActiviteOperationnelle-ROR/FHIR/JDV-J17-ActiviteOperationnelle-ROR",
            "R211",
        ),
        (
            f"{NOS}/JDV_J17-ActiviteOperationnelle-ROR/FHIR/JDV-J17-ActiviteOperationnelle-ROR/",
            "R211",
        ),
        (f"{NOS}/JDV_J188-StatutCapacite-ROR/FHIR/JDV-J188-StatutCapacite-ROR/", "R330"),
        (f"{NOS}/JDV_J55-CategorieEG-ROR/FHIR/JDV-J55-CategorieEG-ROR", "R66"),
        (f"{NOS}/JDV_J229-ProfessionSante-ROR/FHIR/JDV-J229-ProfessionSante-ROR", "G15"),
        (f"{NOS}/JDV_J227-NiveauExpertise-ROR/FHIR/JDV-J227-NiveauExpertise-ROR", "J227"),
        (f"{NOS}/TRE_R227-ChampActivite", "R227"),
        ("$TRE-R337-AffectationTemporaire", "R337"),
        ("  https://mos.esante.gouv.fr/nos/tre_r211-activiteoperationnelle/fhir/  ", "R211"),
        ("urn:oid:1.2.250.1.213.3.3.213", "R330"),
        ("1.2.250.1.213.3.3.213", "R330"),
        ("urn:oid:1.2.250.1.213.3.4.5", "R211"),  # the J17 value set's OID
        ("URN:OID:1.2.250.1.213.1.6.1.8", "R66"),
        ("R211", "R211"),
        ("TRE_R211", "R211"),
        ("tre-r211", "R211"),
        ("J17", "R211"),
        ("JDV_J17", "R211"),
        ("J27", "R237"),
        ("J54", "G15"),
        ("G15", "G15"),
        ("R343", "R343"),  # a TRE we have no table for is still named by its number
        ("J999", "J999"),  # an unknown value set keeps its own number
        (
            "https://interop.esante.gouv.fr/ig/fhir/ror/StructureDefinition/ror-telecom-communication-channel",
            "R200",
        ),
    ],
)
def test_system_key_normalises_by_number(system: str, key: str) -> None:
    assert nos.system_key(system) == key


@pytest.mark.parametrize(
    "system",
    [
        NOS,
        f"{NOS}/",
        "",
        "   ",
        "http://example.org/codes",
        "urn:oid:9.9.9.9",
        "urn:oid:1.2.250.1.71.4.2.2",
    ],
)
def test_system_key_of_no_code_system_is_none(system: str) -> None:
    assert nos.system_key(system) is None


def test_every_system_spelling_of_ror_model_is_normalised_by_number() -> None:
    text = ROR_MODEL.read_text("utf-8")
    section9 = text[text.index("## 9.") : text.index("## 10.")]
    assert "TRE_R330-StatutCapacite" in section9 and "TRE_R331-Temporalite" in section9
    spellings = set(re.findall(r"https://mos\.esante\.gouv\.fr/NOS/[\w\-/]+", text))
    spellings |= set(re.findall(r"(?:TRE|JDV)[_-][RGJ][\w-]*", text))
    assert len(spellings) > 60
    for spelling in spellings:
        tre = re.search(r"TRE[_-]([RG]\d+)", spelling)
        jdv = re.search(r"JDV[_-](J\d+)", spelling)
        key = nos.system_key(spelling)
        if tre:
            assert key == tre.group(1), spelling
        elif jdv:
            assert key is not None, spelling
        else:  # the doc's templates: TRE_Rxxx-Name, JDV_Jxx-Name-ROR
            assert key is None, spelling


def _codings(node: Any) -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        if "system" in node and "code" in node:
            yield str(node["system"]), str(node["code"])
        for value in node.values():
            yield from _codings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _codings(value)


def _json_codings() -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for path in sorted(ROR_EXAMPLES.glob("*/*.json")):
        out.extend(_codings(json.loads(path.read_text("utf-8"))))
    return out


def _fsh_codings() -> list[tuple[str, str]]:
    out = []
    for path in sorted(ROR_EXAMPLES.glob("*/*.fsh")):
        text = path.read_text("utf-8")
        aliases = dict(re.findall(r"^Alias:\s*(\S+)\s*=\s*(\S+)", text, flags=re.M))
        for alias, code in re.findall(r"(\$TRE-[\w-]+)#(\w+)", text):
            out.append((aliases.get(alias, alias), code))
    return out


def test_every_coding_of_the_real_examples_is_understood() -> None:
    codings = _json_codings() + _fsh_codings()
    assert len(codings) > 60
    seen = set()
    for system, code in codings:
        key = nos.system_key(system)
        if system.rstrip("/") == NOS:  # the doc example's bare base URL: no code system
            assert key is None
            continue
        if not system.startswith(("https://mos.", "https://interop.", "$TRE")):
            continue  # identifier systems (FINESS, SIRENE…) are not code systems
        assert key is not None, system
        seen.add(key)
        if nos.has_table(key):
            assert nos.is_known(key, code), (system, code)
            assert nos.label(key, code)
    # the capacity counters of the FSH example and the codes of the JSON examples
    assert {"R211", "R244", "R330", "R329", "R331", "R335", "R337", "R252", "R283"} <= seen


def test_doc_example_quirks_are_normalised() -> None:
    codings = dict(_json_codings())
    channel = "https://interop.esante.gouv.fr/ig/fhir/ror/StructureDefinition/ror-telecom-communication-channel"
    assert nos.label(nos.system_key(channel) or "", codings[channel]) == "Téléphone fixe"


# --- codes -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "code", "normal"),
    [
        ("R211", "22", "022"),
        ("R211", "022", "022"),
        ("R211", " 437 ", "437"),
        ("R330", "2", "02"),
        ("R244", "1", "01"),
        ("R244", "21", "21"),
        ("R244", "157", "157"),
        ("R201", "3", "3"),
        ("R201", "03", "3"),
        ("R228", "2", "2"),
        ("R283", "1", "1"),
        ("R66", "sa07", "SA07"),
        ("R66", "460", "460"),
        ("J17", "22", "022"),
        ("R211", "9999", "9999"),  # no padded spelling exists: unchanged
        ("R211", "2", "2"),  # "002" is not a code of R211: unchanged, and unknown
    ],
)
def test_normalise_code_pads_only_to_codes_that_exist(key: str, code: str, normal: str) -> None:
    assert nos.normalise_code(key, code) == normal


def test_labels_by_any_spelling_of_the_system() -> None:
    assert nos.label("R211", "227") == "Psychiatrie de l’enfant (pédopsychiatrie)"
    assert nos.label("J17", "22") == "Chirurgie gynécologique"
    assert (
        nos.label(f"{NOS}/TRE_R330-StatutCapacite/FHIR/TRE-R330-StatutCapacite", "2")
        == "Disponible"
    )
    assert nos.label("R66", "SA07") == "Cabinet individuel"
    assert nos.label("R340", "001") == "Poids maximum"
    assert nos.label("J227", "04") == "Maternité de type 3"
    assert nos.label("R253", "04") == "Maternité de type 3"
    assert nos.label("J27", "01") == "GIR 1-2"


def test_unknown_codes_are_reported_never_valid() -> None:
    assert nos.label("R211", "999") is None
    assert not nos.is_known("R211", "999")
    assert not nos.is_known("R330", "10")
    assert not nos.is_known("R999", "01")
    assert nos.label("nowhere", "01") is None
    with pytest.raises(UnknownCode) as err:
        nos.require("R211", "999", "activity")
    assert err.value.field == "activity"
    assert "999" in err.value.message and "Activité opérationnelle" in err.value.message
    assert err.value.status == 422
    with pytest.raises(UnknownCode):
        nos.require("https://example.org/codes", "01", "characteristic")


def test_require_returns_the_normalised_code() -> None:
    assert nos.require("R211", "22", "activity") == "022"
    assert nos.require("R330", "2") == "02"


def test_partial_tables_label_but_never_reject() -> None:
    assert not nos.has_table("R210") and not nos.has_table("R247") and not nos.has_table("R13")
    assert nos.label("R210", "0320") == "Neuromodulation sacrée"
    assert nos.require("R210", "0999", "acts") == "0999"
    assert nos.has_table("R211") and nos.has_table("R66") and nos.has_table("J227")


def test_titles_and_canonical_urls() -> None:
    assert nos.system_title("R211") == "Activité opérationnelle"
    assert nos.system_title("J17") == "Activité opérationnelle"
    assert (
        nos.canonical_url("R330")
        == f"{NOS}/TRE_R330-TypeStatutCapacite/FHIR/TRE-R330-TypeStatutCapacite"
    )
    assert (
        nos.canonical_url("J17")
        == f"{NOS}/TRE_R211-ActiviteOperationnelle/FHIR/TRE-R211-ActiviteOperationnelle"
    )
    assert nos.canonical_url("J227").endswith("/FHIR/JDV-J227-NiveauExpertise-ROR")
    with pytest.raises(KeyError):
        nos.canonical_url("R999")
    # the canonical URL of every system reads back to its key
    for key in sorted(nos.default().keys()):
        assert nos.system_key(nos.canonical_url(key)) == key


def test_deprecated_codes_stay_known_and_are_flagged() -> None:
    registry = nos.default()
    assert registry.is_known("R330", "07") and registry.is_deprecated("R330", "07")
    assert registry.is_deprecated("R241", "03") and not registry.is_deprecated("R241", "02")


def test_codes_mapping_is_read_only() -> None:
    table = nos.codes("R329")
    assert dict(table) == {"01": "Lit", "02": "Place"}
    with pytest.raises(TypeError):
        table["03"] = "x"  # type: ignore[index]
    assert dict(nos.codes("R999")) == {}


# --- field mappings ----------------------------------------------------------------------------


def _fields(cls: type) -> set[str]:
    return {f.name for f in dataclasses.fields(cls)}


def test_field_systems_name_real_fields_and_tables() -> None:
    offer, establishment = _fields(ror.model.Offer), _fields(ror.model.Establishment)
    for field, key in nos.FIELD_SYSTEMS.items():
        assert field in offer or field in establishment, field
        assert nos.codes(key), key
    assert nos.FIELD_SYSTEMS["activity"] == "R211"
    assert nos.FIELD_SYSTEMS["professions"] == "G15"


def test_part_systems_name_real_fields_and_systems() -> None:
    for cls_name, mapping in nos.PART_SYSTEMS.items():
        names = _fields(getattr(ror.model, cls_name))
        for field, key in mapping.items():
            assert field in names, (cls_name, field)
            assert nos.codes(key), key


@pytest.mark.parametrize(
    ("system", "field"),
    [
        ("J17", "activity"),
        (f"{NOS}/TRE_R253-TypeMaternite/FHIR/TRE-R253-TypeMaternite", "expertise"),
        ("R344", "expertise"),
        ("R94", "professions"),
        ("R02", "category"),
        ("urn:oid:1.2.250.1.213.3.4.65", "offer_type"),
        ("R330", None),
        (NOS, None),
    ],
)
def test_field_for_system(system: str, field: str | None) -> None:
    assert nos.field_for_system(system) == field


def test_labels_are_fast() -> None:
    nos.label("R211", "227")  # load once
    start = time.perf_counter()
    for _ in range(20_000):
        nos.label("R211", "227")
        nos.label("J17", "22")
        nos.system_key(f"{NOS}/TRE_R330-StatutCapacite/FHIR/TRE-R330-StatutCapacite")
    assert time.perf_counter() - start < 1.0  # ~60 000 lookups; a few µs each at most
