"""Co-located requirements in FHIR searches: ``colocated-specialty=159,160`` (and
``colocated-service-category``, ``-service-type``, ``-patient-type``) keeps the offers whose
establishment (EG) also has an offer carrying one of the codes, as the API's ``colocated``
criterion does. Each such atom is resolved once per search into the establishments having the
codes (``Engine.establishments_with``, as the caller's audience may see them); ``evaluate``
then tests the offer's EG against them.
"""

from __future__ import annotations

from dataclasses import replace

from ror.api.fhir.catalog import COLOCATED
from ror.api.fhir.query import AllOf, AnyOf, Atom, Node, NotOf, SearchRequest
from ror.api.fhir.values import Establishments, Token
from ror.criteria import Audience
from ror.search.engine import Engine


def resolve(search: SearchRequest, engine: Engine, audience: Audience) -> SearchRequest:
    """``search`` with each co-located atom's codes replaced by the establishments having
    them (unchanged when it has none)."""
    if not _has(search.condition):
        return search
    condition = _resolved(search.condition, engine, audience)
    assert isinstance(condition, AllOf)
    return replace(search, condition=condition)


def _has(node: Node) -> bool:
    if isinstance(node, AllOf | AnyOf):
        return any(_has(c) for c in node.children)
    if isinstance(node, NotOf):
        return _has(node.child)
    return node.param.field.startswith(COLOCATED)


def _resolved(node: Node, engine: Engine, audience: Audience) -> Node:
    if isinstance(node, AllOf):
        return AllOf(tuple(_resolved(c, engine, audience) for c in node.children))
    if isinstance(node, AnyOf):
        return AnyOf(tuple(_resolved(c, engine, audience) for c in node.children))
    if isinstance(node, NotOf):
        return NotOf(_resolved(node.child, engine, audience))
    return _atom(node, engine, audience)


def _atom(atom: Atom, engine: Engine, audience: Audience) -> Atom:
    field = atom.param.field
    if not field.startswith(COLOCATED):
        return atom
    codes = sorted({v.code for v in atom.values if isinstance(v, Token) and v.code is not None})
    ids = engine.establishments_with(
        field.removeprefix(COLOCATED), codes, audience.sensitive_champs
    )
    return replace(atom, values=(Establishments(ids),))
