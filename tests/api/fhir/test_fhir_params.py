"""Query string -> SearchRequest: values, prefixes, modifiers, ``_filter``, result options and
the problems reported (in-process, no server)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ror.api.fhir.atoms import split_values
from ror.api.fhir.outcome import FhirError
from ror.api.fhir.params import lenient, parse_search
from ror.api.fhir.query import AllOf, AnyOf, Atom, NotOf, SortKey
from ror.api.fhir.values import (
    DateRange,
    Near,
    Number,
    Quantity,
    Text,
    Token,
    ZoneKeys,
    parse_date,
    parse_number,
    parse_quantity,
    parse_token,
)
from ror.errors import InvalidInput

R330 = "https://mos.esante.gouv.fr/NOS/TRE_R330-TypeStatutCapacite/FHIR/TRE-R330-TypeStatutCapacite"


def one(query: list[tuple[str, str]], resource: str = "HealthcareService") -> Atom:
    request = parse_search(resource, query)  # type: ignore[arg-type]
    (node,) = request.condition.children
    assert isinstance(node, Atom)
    return node


def test_tokens_read_systems_by_their_nos_number() -> None:
    assert parse_token(f"{R330}|2", None, "x") == Token("R330", R330, "02")
    assert parse_token("urn:oid:1.2.250.1.213.3.3.213|05", None, "x").key == "R330"
    jdv = "https://mos.esante.gouv.fr/NOS/JDV_J17-ActiviteOperationnelle-ROR/FHIR/JDV-J17-ActiviteOperationnelle-ROR/"
    assert parse_token(f"{jdv}|22", None, "x") == Token("R211", jdv, "022")
    assert parse_token("22", "R211", "x") == Token("R211", None, "022")  # the parameter's own
    assert parse_token(f"{R330}|", None, "x") == Token("R330", R330, None)  # any code
    assert parse_token("http://example.org|A1", None, "x") == Token(
        None, "http://example.org", "A1"
    )
    with pytest.raises(InvalidInput):
        parse_token("|", None, "x")


def test_numbers_prefixes_and_implicit_precision() -> None:
    eq = parse_number("35", "x")
    assert eq.test(35.4) and not eq.test(35.5) and eq.test(34.5)
    assert parse_number("gt0", "x").test(1) and not parse_number("gt0", "x").test(0)
    assert parse_number("le2.5", "x").test(2.5)
    assert parse_number("ne3", "x").test(4) and not parse_number("ne3", "x").test(3)
    assert parse_number("ap100", "x").test(109) and not parse_number("ap100", "x").test(111)
    for bad in ("gt", "abc", "1,5", "xx3"):
        with pytest.raises(InvalidInput):
            parse_number(bad, "x")


def test_quantities_are_converted() -> None:
    months = parse_quantity("le420|http://unitsofmeasure.org|mo", "age", "x")
    assert months == Quantity(Number("le", 35.0, months.number.low, months.number.high), "a")
    grams = parse_quantity("ge200000|https://unitsofmeasure.org|g", "measure", "x")
    assert grams.unit == "kg" and grams.number.value == pytest.approx(200)
    assert parse_quantity("ge3|http://unitsofmeasure.org|cm", "measure", "x").unit == "cm"
    with pytest.raises(InvalidInput, match="unité"):
        parse_quantity("35|http://unitsofmeasure.org|kg", "age", "x")
    with pytest.raises(InvalidInput, match="système"):
        parse_quantity("35|http://loinc.org|a", "age", "x")


def test_dates_cover_their_precision() -> None:
    day = parse_date("ge2023-08-02", "x")
    assert day == DateRange(
        "ge", datetime(2023, 8, 2, tzinfo=UTC), datetime(2023, 8, 3, tzinfo=UTC)
    )
    month = parse_date("2023-12", "x")
    assert month.end == datetime(2024, 1, 1, tzinfo=UTC)
    minute = parse_date("lt2022-11-06T15:00+01:00", "x")
    assert minute.start == datetime(2022, 11, 6, 14, 0, tzinfo=UTC)
    assert parse_date("gt2023", "x").test(datetime(2024, 1, 1, tzinfo=UTC))
    assert not parse_date("gt2023", "x").test(datetime(2023, 12, 31, tzinfo=UTC))
    with pytest.raises(InvalidInput):
        parse_date("2023-13-01", "x")


def test_commas_are_any_of_unless_escaped() -> None:
    assert split_values("a,b\\,c") == ["a", "b,c"]
    atom = one([("specialty", "356,127")])
    assert [v.code for v in atom.values if isinstance(v, Token)] == ["356", "127"]


def test_chains_modifiers_and_special_values() -> None:
    atom = one([("location.near", "47.9|1.9|500|m")])
    assert atom.values == (Near(47.9, 1.9, 0.5),)
    insee = one([("location.near-insee-code", "45234|15|km")])
    assert isinstance(insee.values[0], Near) and insee.values[0].radius_km == 15
    communes = "https://mos.esante.gouv.fr/NOS/TRE_R13-CommuneOM/FHIR/TRE-R13-CommuneOM"
    zone = one([("intervention-zone", f"{communes}|29151")])
    assert zone.values == (ZoneKeys(frozenset({"C:29151"})),)
    bare = one([("intervention-zone", "29")])  # no system: whatever kind of zone "29" is
    assert bare.values == (ZoneKeys(frozenset({"D:29", "R:29", "T:29", "P:29", "Z:29"})),)
    above = one([("intervention-zone:above", "29151")])
    assert above.values == (ZoneKeys(frozenset({"C:29151", "D:29", "R:53", "P:FR"})),)
    text = one([("name:contains", "Chirurgie")])
    assert text.values == (Text("chirurgie", "Chirurgie", "contains"),)
    negated = parse_search("HealthcareService", [("service-type:not", "04")])
    assert isinstance(negated.condition.children[0], NotOf)
    assert one([("organization.special-price", "02")]).param.name == "price-special-price"


def test_filter_expressions() -> None:
    request = parse_search(
        "HealthcareService",
        [
            (
                "_filter",
                "(age-range-low le 35 and age-range-high ge 35) or not (service-type eq 04) "
                'or name co "soins palliatifs"',
            )
        ],
    )
    (node,) = request.condition.children
    assert isinstance(node, AnyOf)
    first, second, third = node.children
    assert isinstance(first, AllOf) and len(first.children) == 2
    assert isinstance(second, NotOf)
    assert isinstance(third, Atom) and third.values == (
        Text("soins palliatifs", "soins palliatifs", "contains"),
    )
    token_ne = parse_search("HealthcareService", [("_filter", "service-type ne 04")])
    assert isinstance(token_ne.condition.children[0], NotOf)


@pytest.mark.parametrize(
    ("query", "expression", "code"),
    [
        ([("_filter", "(age-range-low le 35")], "_filter", "invalid"),
        ([("_filter", "age-range-low lq 35")], "_filter (age-range-low lq)", "invalid"),
        ([("_filter", "service-type gt 04")], "_filter (service-type gt)", "invalid"),
        ([("_filter", "psychiatric-sector eq 1")], "_filter (psychiatric-sector eq)",
         "not-supported"),
        ([("specialty:text", "x")], "specialty:text", "not-supported"),
        ([("nb-capacity", "gt0")], "nb-capacity", "not-supported"),  # a Location parameter
        ([("location.nb-capacity", "many")], "location.nb-capacity", "invalid"),
        ([("location.near", "47|2|5|parsec")], "location.near", "invalid"),
        ([("location.near-insee-code", "99999|5|km")], "location.near-insee-code", "invalid"),
        ([("intervention-zone:above", "29")], "intervention-zone:above", "invalid"),
        ([("_count", "-1")], "_count", "invalid"),
        ([("_count", "1"), ("_count", "2")], "_count", "invalid"),
        ([("_sort", "address")], "_sort=address", "not-supported"),
        ([("_include:recurse", "Organization:partof")], "_include:recurse", "not-supported"),
        ([("_revinclude", "Task:focus")], "_revinclude=Task:focus", "not-supported"),
        ([("_elements", "name,,a b")], "_elements", "invalid"),
        ([("name:above", "x")], "name:above", "not-supported"),
        ([("_format", "xml")], "_format", "not-supported"),
        ([("location.capacity-status", f"{R330}|99")], "location.capacity-status", "code-invalid"),
    ],
)  # fmt: skip
def test_problems_name_the_parameter(
    query: list[tuple[str, str]], expression: str, code: str
) -> None:
    with pytest.raises(FhirError) as caught:
        parse_search("HealthcareService", query)
    assert caught.value.status == 400
    assert [(i.expression, i.code) for i in caught.value.issues] == [(expression, code)]


def test_every_problem_at_once_and_lenient_handling() -> None:
    query = [("foo", "1"), ("specialty", "999"), ("location.nb-capacity", "x")]
    with pytest.raises(FhirError) as caught:
        parse_search("HealthcareService", query)
    assert {i.expression for i in caught.value.issues} == {
        "foo",
        "specialty",
        "location.nb-capacity",
    }
    with pytest.raises(FhirError) as still:  # a malformed value is an error either way
        parse_search("HealthcareService", query, lenient=True)
    assert [i.expression for i in still.value.issues] == ["location.nb-capacity"]
    request = parse_search("HealthcareService", query[:2], lenient=True)
    assert [(w.severity, w.expression) for w in request.warnings] == [
        ("warning", "foo"),
        ("warning", "specialty"),
    ]
    assert lenient("return=representation; handling=lenient")
    assert lenient("handling = lenient") and not lenient("handling=strict") and not lenient(None)


def test_result_options() -> None:
    near = parse_search("Location", [("near", "47|2|5|km"), ("_count", "1000")])
    assert near.sort == (SortKey("near"), SortKey("_id")) and near.count == 1000
    plain = parse_search("HealthcareService", [("_sort", "-_lastUpdated")])
    assert plain.sort == (SortKey("_lastUpdated", True), SortKey("_id")) and plain.count == 50
    assert parse_search("HealthcareService", [("_summary", "count")]).summary == "count"
    typed = parse_search("HealthcareService", [("_include", "HealthcareService:location:Location")])
    assert typed.includes == ("HealthcareService:location",)
    capacity = parse_search(
        "HealthcareService",
        [("location.capacity-status", "02"), ("location.nb-capacity", "gt0"), ("specialty", "1")],
    )
    assert capacity.capacity_params == ("location.capacity-status", "location.nb-capacity")
