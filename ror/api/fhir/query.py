"""A parsed FHIR search: a condition tree over the catalog's parameters, plus result options.

Query parameters combine as FHIR says: comma-separated values of one parameter are any-of
(:class:`Atom`), repeated parameters and ``_filter`` are all-of (:class:`AllOf`); ``:not``
and ``_filter``'s ``not``/``ne`` negate (:class:`NotOf`), ``_filter``'s ``or`` is
:class:`AnyOf`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from ror.api.fhir.catalog import ResourceType, SearchParam
from ror.api.fhir.outcome import Issue
from ror.api.fhir.values import Near, Value


@dataclass(frozen=True, slots=True)
class Atom:
    """One parameter with its values (any-of); ``name`` as the caller wrote it."""

    param: SearchParam
    name: str
    values: tuple[Value, ...]
    modifier: str | None = None

    @property
    def needs(self) -> frozenset[str]:
        return self.param.needs


@dataclass(frozen=True, slots=True)
class AllOf:
    children: tuple[Node, ...]
    needs: frozenset[str] = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "needs", _union(self.children))


@dataclass(frozen=True, slots=True)
class AnyOf:
    children: tuple[Node, ...]
    needs: frozenset[str] = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "needs", _union(self.children))


@dataclass(frozen=True, slots=True)
class NotOf:
    child: Node

    @property
    def needs(self) -> frozenset[str]:
        return frozenset()  # a negation is tested as a whole (see ``levels``)


Node = Atom | AllOf | AnyOf | NotOf


def atoms(node: Node) -> Iterator[Atom]:
    """Every atom of a tree."""
    if isinstance(node, Atom):
        yield node
    elif isinstance(node, NotOf):
        yield from atoms(node.child)
    else:
        for child in node.children:
            yield from atoms(child)


def levels(node: Node) -> frozenset[str]:
    """The scope levels (``location``, ``counter``…) a node needs bound to be tested.

    A negation is opaque: ``not`` is evaluated as a whole under the current binding ("no
    counter of this Location is closed"), never as "some counter is not closed".
    """
    return node.needs


def _union(children: tuple[Node, ...]) -> frozenset[str]:
    out: frozenset[str] = frozenset()
    for child in children:
        out |= child.needs
    return out


@dataclass(frozen=True, slots=True)
class SortKey:
    key: str  # a catalog SORTS value
    descending: bool = False


@dataclass(frozen=True, slots=True)
class SearchRequest:
    """A validated search of one resource type."""

    resource: ResourceType
    condition: AllOf
    near: Near | None = None  # the point distances are measured from (first top-level near)
    includes: tuple[str, ...] = ()
    revincludes: tuple[str, ...] = ()
    count: int = 50
    offset: int = 0
    cursor: tuple[object, ...] | None = None  # _cursor: sort values of the previous page's last
    sort: tuple[SortKey, ...] = ()
    summary: str | None = None  # _summary: "count" (total only), "true" (summary elements)
    elements: frozenset[str] | None = None  # _elements: the matches' elements to keep
    warnings: tuple[Issue, ...] = field(default=(), compare=False)

    @property
    def skip(self) -> int:
        """Matches before the page: ``_offset``, unless a ``_cursor`` says where it starts."""
        return self.offset if self.cursor is None else 0

    @property
    def capacity_params(self) -> tuple[str, ...]:
        """Names of the restricted (capacity) parameters used."""
        return tuple(dict.fromkeys(a.name for a in atoms(self.condition) if a.param.capacity))
