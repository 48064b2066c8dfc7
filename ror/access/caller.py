"""Who is calling: a name, a ROR access profile and, for writers, their establishments."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

ALL_ESTABLISHMENTS: Final = "*"  # a writer for every establishment (regional operators)


@dataclass(frozen=True, slots=True)
class Caller:
    """A caller as the API knows it: anonymous (no token) or the owner of a token."""

    profile: int  # ROR access profile, 0–5
    name: str | None = None  # the token's name; None: anonymous
    token_id: str | None = None
    establishments: frozenset[str] = frozenset()  # FINESS EG whose capacities it may update

    @property
    def authenticated(self) -> bool:
        return self.token_id is not None

    @property
    def label(self) -> str:
        return self.name if self.name is not None else "anonyme"

    def may_write(self, establishment: str) -> bool:
        """It may update the capacities of this establishment (FINESS EG)."""
        return ALL_ESTABLISHMENTS in self.establishments or establishment in self.establishments


def anonymous(profile: int = 0) -> Caller:
    return Caller(profile=profile)
