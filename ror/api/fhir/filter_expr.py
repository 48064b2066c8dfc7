"""``_filter`` (FHIR filter expression grammar), the subset the ROR documentation uses.

    filter    = and-expr ("or" and-expr)*
    and-expr  = unary ("and" unary)*
    unary     = "not" "(" filter ")" | "(" filter ")" | param SP op SP value
    value     = token up to a space or ")" | "quoted string" (\\" escapes)

Parameters are the ones the query string accepts (chains included, no modifier); operators
``eq ne gt lt ge le sa eb ap`` and, for strings, ``sw co``. ``ne`` on a token or string is
``not eq``. E.g. the ROR's age example::

    (age-range-low le 35|https://unitsofmeasure.org|a and
     age-range-high ge 35|https://unitsofmeasure.org|a)

Inside one ``and``, parameters of one scope hold on the same element (counter, equipment,
price, Location), as they do in the query string.
"""

from __future__ import annotations

import re
from typing import Final

from ror.api.fhir import catalog
from ror.api.fhir.atoms import Problems, make_atom
from ror.api.fhir.catalog import ResourceType
from ror.api.fhir.query import AllOf, AnyOf, Node, NotOf

COMPARISONS: Final = ("eq", "ne", "gt", "lt", "ge", "le", "sa", "eb", "ap")
STRING_OPS: Final = {"eq": "exact", "sw": None, "co": "contains"}
_TOKEN: Final = re.compile(r'\s*(\(|\)|"(?:[^"\\]|\\.)*"|[^\s()]+)')
WHERE: Final = "_filter"
MAX_TERMS: Final = 20  # comparisons in one expression
MAX_DEPTH: Final = 8  # parentheses nested


class FilterSyntaxError(Exception):
    pass


def parse_filter(text: str, resource: ResourceType, problems: Problems) -> Node | None:
    """The condition of a ``_filter`` value (None, with the problem noted, when unreadable)."""
    try:
        tokens = _tokens(text)
        _check_size(tokens)
        parser = _Parser(tokens, resource, problems)
        node = parser.filter()
        if parser.pos != len(tokens):
            raise FilterSyntaxError(f"« {tokens[parser.pos]} » inattendu")
    except FilterSyntaxError as exc:
        problems.bad(WHERE, f"expression illisible : {exc}")
        return None
    return node


def _check_size(tokens: list[str]) -> None:
    """At most :data:`MAX_TERMS` comparisons, parentheses at most :data:`MAX_DEPTH` deep."""
    depth = deepest = 0
    for token in tokens:
        depth += {"(": 1, ")": -1}.get(token, 0)
        deepest = max(deepest, depth)
    if deepest > MAX_DEPTH:
        raise FilterSyntaxError(
            f"parenthèses imbriquées sur {deepest} niveaux, {MAX_DEPTH} au plus"
        )
    terms = sum(token in COMPARISONS or token in STRING_OPS for token in tokens)
    if terms > MAX_TERMS:
        raise FilterSyntaxError(f"{terms} comparaisons, {MAX_TERMS} au plus")


def _tokens(text: str) -> list[str]:
    out = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise FilterSyntaxError(f"caractère inattendu à la position {pos}")
        out.append(match.group(1))
        pos = match.end()
    if not out:
        raise FilterSyntaxError("expression vide")
    return out


class _Parser:
    def __init__(self, tokens: list[str], resource: ResourceType, problems: Problems) -> None:
        self.tokens = tokens
        self.pos = 0
        self.resource = resource
        self.problems = problems

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> str:
        token = self.peek()
        if token is None:
            raise FilterSyntaxError("expression incomplète")
        self.pos += 1
        return token

    def expect(self, wanted: str) -> None:
        got = self.take()
        if got != wanted:
            raise FilterSyntaxError(f"« {wanted} » attendu, « {got} » trouvé")

    def filter(self) -> Node:
        children = [self.and_expr()]
        while self.peek() == "or":
            self.take()
            children.append(self.and_expr())
        return children[0] if len(children) == 1 else AnyOf(tuple(children))

    def and_expr(self) -> Node:
        children = [self.unary()]
        while self.peek() == "and":
            self.take()
            children.append(self.unary())
        return children[0] if len(children) == 1 else AllOf(tuple(children))

    def unary(self) -> Node:
        token = self.peek()
        if token == "not":
            self.take()
            self.expect("(")
            inner = self.filter()
            self.expect(")")
            return NotOf(inner)
        if token == "(":
            self.take()
            inner = self.filter()
            self.expect(")")
            return inner
        return self.comparison()

    def comparison(self) -> Node:
        path = self.take()
        op = self.take()
        value = self.take()
        if path in ("(", ")") or value in ("(", ")"):
            raise FilterSyntaxError(f"comparaison incomplète près de « {path} »")
        if value.startswith('"'):
            value = value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        name, _, modifier = path.partition(":")
        where = f"{WHERE} ({path} {op})"
        if modifier not in ("", "above"):
            self.problems.not_supported(where, "seul :above est pris en charge dans _filter")
            return AllOf(())
        node = self._atom(name, op, value, where, modifier or None)
        return node if node is not None else AllOf(())

    def _atom(
        self, name: str, op: str, value: str, where: str, modifier: str | None
    ) -> Node | None:
        param = catalog.find(self.resource, name)
        if param is None:
            self.problems.not_supported(where, f"paramètre non pris en charge pour {self.resource}")
            return None
        if param.type == "string" and modifier:
            self.problems.not_supported(where, f"modificateur :{modifier} impossible sur un texte")
            return None
        if param.type == "string":
            if op == "ne":
                inner = make_atom(self.resource, name, "exact", [value], self.problems, where=where)
                return NotOf(inner) if inner is not None else None
            if op not in STRING_OPS:
                self.problems.bad(where, f"opérateur « {op} » impossible sur un texte (eq, sw, co)")
                return None
            return make_atom(
                self.resource, name, STRING_OPS[op], [value], self.problems, where=where
            )
        if op not in COMPARISONS:
            self.problems.bad(where, f"opérateur « {op} » non pris en charge")
            return None
        if param.type in ("token", "reference", "special"):
            if op not in ("eq", "ne"):
                self.problems.bad(where, f"opérateur « {op} » impossible ici (eq, ne)")
                return None
            inner = make_atom(self.resource, name, modifier, [value], self.problems, where=where)
            if inner is None or op == "eq":
                return inner
            return NotOf(inner)
        return make_atom(self.resource, name, modifier, [op + value], self.problems, where=where)
