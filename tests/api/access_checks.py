"""The access tests' fixed world: synthetic offers with marked contacts, two open and two
sensitive units (sanitaire and medico-social) side by side, real tokens for every profile and
for writers, and a real server (uvicorn on loopback) over them."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ror.access.tokens import TokenStore
from ror.config import Settings
from ror.indexer.synthetic import generate
from ror.model import Contact, Offer
from tests.live_server import LiveServer
from tests.service import build_db, settings_for

NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)
LEVELS = ("1", "2", "3")
SPECIALS = ("open_san", "open_ms", "sens_san", "sens_ms")


def marked_contacts(tag: str) -> tuple[Contact, ...]:
    """One e-mail per confidentiality level, each findable in any answer."""
    return tuple(
        Contact(f"{tag}-niveau{level}@example.org", "3", "06", level, f"{tag} {level}")
        for level in LEVELS
    )


def contact_level(value: str) -> str:
    return value.split("-niveau", 1)[1][0]


@dataclass(frozen=True)
class World:
    offers: list[Offer]
    specials: dict[str, Offer]
    settings: Settings
    tokens: dict[str, str]  # "p0".."p5", "writer", "all", "revoked"
    store: TokenStore

    def token(self, name: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[name]}"}

    @property
    def anchor(self) -> Offer:
        return self.specials["open_san"]


def fixed_offers(size: int = 400, seed: int = 21) -> tuple[list[Offer], dict[str, Offer]]:
    """Synthetic offers (no sensitive unit but ours), every contact replaced by marked ones."""
    offers = [
        dataclasses.replace(o, sensitive=False, contacts=marked_contacts(o.id))
        for o in generate(size, seed=seed, now=NOW)
    ]

    def pick(champ: str, skip: set[str]) -> int:
        """An offer of that champ with capacities, in an establishment none of ours is in."""
        return next(
            i
            for i, o in enumerate(offers)
            if champ in o.champ
            and o.capacities
            and not o.home_based
            and o.establishment.id not in skip
        )

    chosen: dict[str, int] = {}
    for tag, champ in (
        ("open_san", "01"),
        ("open_ms", "04"),
        ("sens_san", "01"),
        ("sens_ms", "04"),
    ):
        chosen[tag] = pick(champ, {offers[i].establishment.id for i in chosen.values()})
    anchor = offers[chosen["open_san"]]
    for k, (tag, i) in enumerate(chosen.items()):
        place = dataclasses.replace(
            anchor.place, lat=anchor.place.lat + 0.002 * k, lon=anchor.place.lon + 0.001 * k
        )
        offers[i] = dataclasses.replace(
            offers[i],
            name=f"{offers[i].name} [{tag}]",
            place=place,
            sensitive=tag.startswith("sens"),
        )
    return offers, {tag: offers[i] for tag, i in chosen.items()}


def build_world(root: Path, **env: str) -> World:
    offers, specials = fixed_offers()
    settings = settings_for(root, build_db(root / "ror.sqlite", offers), **env)
    store = TokenStore(settings.tokens_path)
    tokens = {f"p{p}": store.create(f"profil {p}", p)[0] for p in range(6)}
    finess = specials["open_san"].establishment.finess
    assert finess is not None
    tokens["writer"] = store.create("lits Sainte-Maxime", 2, [finess])[0]
    tokens["all"] = store.create("GRADeS", 1, ["*"])[0]
    tokens["revoked"] = store.create("ancien", 1)[0]
    store.revoke("ancien")
    return World(offers, specials, settings, tokens, store)


Live = LiveServer
