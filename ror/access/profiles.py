"""The ROR access profiles (0–5) and what each may see: the rules, in one place.

ROR-MODEL §8 and DESIGN §7. Three kinds of data are restricted:

- **contacts and telecoms**, by their confidentiality level (R283: 1 accès libre, 2 accès
  restreint, 3 accès très restreint);
- **capacities** (bed and place counts, their dates, and anything derived from them: the
  capacity and size score factors, the ``stale`` flag, the sentences about free beds, filtering
  or ranking by beds);
- **sensitive units** (``uniteSensible``): the whole description of the offer is confidential,
  so the unit itself is restricted (treated as *restreint*, not *très restreint*).

=======  ==========================  ========  ==========  =================
profile  who (ROR)                   contacts  capacities  sensitive units
=======  ==========================  ========  ==========  =================
0        open data (no token)        1         no          no
1        everything                  1, 2, 3   yes         yes
2        all but "très restreint"    1, 2      yes         yes
3        medico-social offers        1, 2      yes         yes
         (champ R227 04): all but
         "très restreint"
3        other offers (sanitaire,    1         no          no
         ville): open data only
4        all but contacts and        none      yes         yes
         personal data
5        all but "très restreint"    1, 2      no          yes
         and capacities
=======  ==========================  ========  ==========  =================

A search made by profile 3 is about medico-social offers only when it asks for champ 04 alone:
only then may it filter or rank by beds.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from ror import nomenclature
from ror.criteria import Audience
from ror.model import Offer

PROFILES: Final = range(6)
OPEN_DATA: Final = 0  # the public: open data, no token needed
MEDICO_SOCIAL_CHAMP: Final = "04"  # R227 04 Médico-social
PROFILE_NAMES: Final = {
    0: "données en accès libre",
    1: "toutes les données",
    2: "toutes sauf « très restreint »",
    3: "offre médico-sociale : toutes sauf « très restreint » ; autre offre : accès libre",
    4: "toutes sauf contacts et données personnelles",
    5: "toutes sauf « très restreint » et capacités",
}

_CONTACT_LEVELS: Final = {0: "1", 1: "123", 2: "12", 4: "", 5: "12"}
_FULL_CAPACITIES: Final = frozenset({1, 2, 4})
_ALL_SENSITIVE: Final = frozenset({1, 2, 4, 5})


def check_profile(profile: int) -> int:
    """``profile`` when it is a ROR access profile; ``ValueError`` otherwise."""
    if isinstance(profile, bool) or profile not in PROFILES:
        raise ValueError(f"unknown ROR access profile {profile!r}: 0 to 5")
    return profile


def is_medico_social(offer: Offer) -> bool:
    return MEDICO_SOCIAL_CHAMP in offer.champ


def contact_levels(offer: Offer, profile: int) -> str:
    """The confidentiality levels (R283 codes) of the contacts the caller may see."""
    if check_profile(profile) == 3:
        return "12" if is_medico_social(offer) else "1"
    return _CONTACT_LEVELS[profile]


def directory_contact_levels(profile: int) -> str:
    """The contact levels of a resource seen outside any offer (an organisation read by id):
    profile 3, whose rights depend on the offer's champ, gets open data only."""
    return "1" if check_profile(profile) == 3 else _CONTACT_LEVELS[profile]


def may_see_capacities(profile: int, offer: Offer | None = None) -> bool:
    """Capacities of ``offer`` (or of any offer, when None) are visible to ``profile``."""
    if check_profile(profile) == 3:
        return offer is not None and is_medico_social(offer)
    return profile in _FULL_CAPACITIES


def may_see_offer(offer: Offer, profile: int) -> bool:
    """The offer may be shown at all (sensitive units are restricted)."""
    if not offer.sensitive or check_profile(profile) in _ALL_SENSITIVE:
        return True
    return profile == 3 and is_medico_social(offer)


def medico_social_only(champ: Iterable[str]) -> bool:
    """A search restricted to champ 04 (every unit it can return is medico-social)."""
    codes = {nomenclature.normalise_code("R227", c) for c in champ}
    return codes == {MEDICO_SOCIAL_CHAMP}


def may_use_capacities(profile: int, champ: Iterable[str] = ()) -> bool:
    """A search with these champ codes may filter and rank by beds for ``profile``."""
    if check_profile(profile) == 3:
        return medico_social_only(champ)
    return profile in _FULL_CAPACITIES


def capacity_refusal(profile: int, champ: Iterable[str] = ()) -> str | None:
    """Why ``profile`` may not use capacities in a search with these champ codes (None: it may)."""
    if may_use_capacities(profile, champ):
        return None
    if profile == 3:
        return (
            "les disponibilités en lits sont des données restreintes : le profil d'accès 3 ne "
            "les voit que pour l'offre médico-sociale ; demander champ=04 seul"
        )
    return (
        "les disponibilités en lits sont des données restreintes : "
        f"le profil d'accès {profile} ({PROFILE_NAMES[profile]}) ne peut pas les utiliser"
    )


def audience(profile: int, champ: Iterable[str] = ()) -> Audience:
    """What a search by ``profile`` (with these champ codes) may see and rank by."""
    if check_profile(profile) in _ALL_SENSITIVE:
        sensitive: tuple[str, ...] | None = None
    elif profile == 3:
        sensitive = (MEDICO_SOCIAL_CHAMP,)
    else:
        sensitive = ()
    return Audience(sensitive_champs=sensitive, capacities=may_use_capacities(profile, champ))


def audience_within(narrow: Audience, wide: Audience) -> bool:
    """Everything ``narrow`` may see, ``wide`` may see too."""
    if narrow.capacities and not wide.capacities:
        return False
    if wide.sensitive_champs is None:
        return True
    if narrow.sensitive_champs is None:
        return False
    return set(narrow.sensitive_champs) <= set(wide.sensitive_champs)
