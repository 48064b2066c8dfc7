"""FHIR conditions the engine's prefilter decides exactly, consumed from the condition.

Only top-level conditions whose FHIR meaning is the prefilter's own test are taken:

- ``age-range-low le N`` with ``age-range-high ge N`` (N a whole number of years, ≥ 0) is
  ``Prefilter.age = N``: missing bounds are open on both sides (``evaluate._quantity``);
- ``characteristic`` with one R240 code is ``Prefilter.reception_bit``;
- a capacity group pinning nature (R329 01 or 02), status 02, temporality 01, assignment 01
  and ``nb-capacity gt0`` (or ``ge1``) is ``Prefilter.bed_nature`` with ``bed_min = 1``: "some
  counter has at least one" is "their sum has at least one". It is taken only when nothing
  else needs a Location, since an all-of tests its Location conditions on one Location.

Everything else stays in the residual, tested in Python (``evaluate``). One prefilter
criterion only narrows, its conditions staying in the residual:

- ``equipment-type`` with one code (and ``equipment-feature`` with one code), top-level, is
  ``Prefilter.equipment`` of that type (with that feature): an equipment of a Location
  holding them both is an item of the offer with that key; the limit, and the one Location
  and equipment holding every condition, are tested in Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Final

from ror.api.fhir.query import Atom, Node
from ror.api.fhir.values import Number, Quantity, Token
from ror.nomenclature.named_codes import AVAILABLE, CURRENT, NO_ASSIGNMENT
from ror.search.prefilter import RECEPTION_BITS, Prefilter

#: The counter fields a pushed capacity group pins, with the code each must be.
CAPACITY_GROUP: Final = {"status": AVAILABLE, "temporality": CURRENT, "assignment": NO_ASSIGNMENT}
BED_NATURES: Final = ("01", "02")  # R329 01 Lit, 02 Place


def consume_prefilter(
    conditions: Sequence[Node], capacities: bool = True
) -> tuple[Prefilter, list[Node]]:
    """The prefilter the engine applies for ``conditions``, and the conditions it leaves; a
    capacity group is left to the evaluator for a caller who may not see ``capacities`` (no
    counter passes for them: ``facts.view``), never decided on the figures."""
    rest = list(conditions)
    prefilter = Prefilter()
    age = _age_pair(rest)
    if age is not None:
        prefilter = replace(prefilter, age=age[0])
        rest = [c for c in rest if c not in age[1]]
    reception = next((c for c in rest if _reception_bit(c) is not None), None)
    if reception is not None:
        prefilter = replace(prefilter, reception_bit=_reception_bit(reception))
        rest.remove(reception)
    beds = _capacity_group(rest) if capacities else None
    if beds is not None:
        prefilter = replace(prefilter, bed_nature=beds[0], bed_min=1)
        rest = [c for c in rest if c not in beds[1]]
    return replace(prefilter, equipment=_equipment(rest)), rest


def _equipment(conditions: Sequence[Node]) -> tuple[tuple[str, str | None], ...]:
    """The (type, feature or None) key every match has, when the conditions ask one equipment
    of one type; nothing otherwise."""
    asked = [c for c in conditions if isinstance(c, Atom) and c.param.scope == "equipment"]
    types = {code for c in asked if (code := _token(c, "code")) is not None}
    features = {code for c in asked if (code := _token(c, "feature")) is not None}
    if len(types) != 1:
        return ()
    return ((types.pop(), features.pop() if len(features) == 1 else None),)


def _plain(node: Node) -> Atom | None:
    """``node`` as an atom of one value without modifier, else None."""
    if isinstance(node, Atom) and node.modifier is None and len(node.values) == 1:
        return node
    return None


def _age_bound(node: Node, field: str, prefix: str) -> int | None:
    atom = _plain(node)
    if atom is None or atom.param.field != field:
        return None
    value = atom.values[0]
    if not isinstance(value, Quantity) or value.unit not in (None, "a"):
        return None
    number = value.number
    if number.prefix != prefix or number.value < 0 or number.value != int(number.value):
        return None
    return int(number.value)


def _age_pair(conditions: Sequence[Node]) -> tuple[int, tuple[Node, Node]] | None:
    for low in conditions:
        n = _age_bound(low, "age_min", "le")
        if n is None:
            continue
        for high in conditions:
            if _age_bound(high, "age_max", "ge") == n:
                return n, (low, high)
    return None


def _token(node: Node, field: str) -> str | None:
    """The one code of a plain token atom on ``field`` in the parameter's own system."""
    atom = _plain(node)
    if atom is None or atom.param.field != field:
        return None
    value = atom.values[0]
    if not isinstance(value, Token) or value.code is None:
        return None
    if value.key != atom.param.system and (value.key is not None or value.system):
        return None
    return value.code


def _reception_bit(node: Node) -> int | None:
    atom = _plain(node)
    if atom is None or atom.param.field != "characteristic" or atom.param.scope != "offer":
        return None
    value = atom.values[0]
    if not isinstance(value, Token) or value.key != "R240" or value.code is None:
        return None
    return RECEPTION_BITS.get(value.code)


def _at_least_one(node: Node) -> bool:
    atom = _plain(node)
    if atom is None or atom.param.scope != "counter" or atom.param.field != "count":
        return False
    value = atom.values[0]
    number = value.number if isinstance(value, Quantity) else value
    return isinstance(number, Number) and (number.prefix, number.value) in (("gt", 0), ("ge", 1))


def _capacity_group(conditions: Sequence[Node]) -> tuple[str, list[Node]] | None:
    group = [c for c in conditions if c.needs & {"location", "counter", "equipment"}]
    if len(group) != len(CAPACITY_GROUP) + 2:
        return None
    nature = next((code for c in group if (code := _token(c, "nature")) in BED_NATURES), None)
    if nature is None or sum(_at_least_one(c) for c in group) != 1:
        return None
    pinned = {
        field
        for c in group
        for field, code in CAPACITY_GROUP.items()
        if isinstance(c, Atom) and c.param.scope == "counter" and _token(c, field) == code
    }
    if pinned != set(CAPACITY_GROUP):
        return None
    return nature, group
