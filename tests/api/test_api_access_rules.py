"""The profile rules, the search audience, writer scopes and replay rights, without HTTP."""

from __future__ import annotations

import pytest

from ror.access.caller import Caller, anonymous
from ror.access.profiles import (
    audience,
    audience_within,
    capacity_refusal,
    check_profile,
    may_use_capacities,
)
from ror.api.access import (
    recorded_audience,
    require_capacities,
    require_profile,
    require_replay,
    require_writer,
    scoped_criteria,
)
from ror.criteria import EVERYONE, Audience, BedNeed, Criteria
from ror.errors import Forbidden, Unauthorized

WRITER = Caller(2, "lits CH", "0123456789ab", frozenset({"310000011", "2A0000015"}))
READER = Caller(1, "ars", "ba9876543210")
OPERATOR = Caller(1, "GRADeS", "aaaaaaaaaaaa", frozenset({"*"}))


@pytest.mark.parametrize(
    ("profile", "sensitive", "capacities"),
    [
        (0, (), False),
        (1, None, True),
        (2, None, True),
        (3, ("04",), False),
        (4, None, True),
        (5, None, False),
    ],
)
def test_audience_per_profile(
    profile: int, sensitive: tuple[str, ...] | None, capacities: bool
) -> None:
    assert audience(profile) == Audience(sensitive, capacities)


def test_profile_3_uses_capacities_for_medico_social_searches_only() -> None:
    assert audience(3, ("04",)) == Audience(("04",), True)
    assert audience(3, ("4",)).capacities  # the code is normalised as the search does
    assert not audience(3, ("04", "01")).capacities
    assert not may_use_capacities(3, ())
    assert "champ=04" in (capacity_refusal(3, ("01",)) or "")
    assert capacity_refusal(3, ("04",)) is None
    assert "profil d'accès 5" in (capacity_refusal(5) or "")


@pytest.mark.parametrize("bad", [-1, 6, True])
def test_unknown_profiles_are_refused(bad: int) -> None:
    with pytest.raises(ValueError, match="0 to 5"):
        check_profile(bad)


def test_audience_order() -> None:
    profiles = [audience(p) for p in range(6)]
    assert audience_within(profiles[0], profiles[3]) and not audience_within(
        profiles[3], profiles[0]
    )
    assert audience_within(profiles[5], profiles[1]) and not audience_within(
        profiles[1], profiles[5]
    )
    assert audience_within(profiles[1], profiles[2]) and audience_within(profiles[2], profiles[4])
    assert not audience_within(profiles[5], profiles[3])  # sensitive sanitaire units
    assert not audience_within(EVERYONE, profiles[0])


def test_scoped_criteria_sets_the_audience_and_refuses_beds() -> None:
    criteria = Criteria(place="Toulouse", champ=("04",), beds=BedNeed(nature="02"))
    assert scoped_criteria(criteria, Caller(3)).audience == Audience(("04",), True)
    with pytest.raises(Forbidden) as refused:
        scoped_criteria(criteria.with_(champ=()), Caller(3))
    assert refused.value.field == "beds"
    for profile in (0, 5):
        with pytest.raises(Forbidden, match="restreintes"):
            scoped_criteria(criteria, Caller(profile))
    plain = scoped_criteria(Criteria(place="Toulouse"), anonymous())
    assert plain.audience == Audience((), False)
    with pytest.raises(Forbidden) as overview:
        require_capacities(Caller(5), field="group_by")
    assert overview.value.field == "group_by"


def test_writers_write_for_their_establishments_only() -> None:
    require_writer(WRITER, "310000011")
    require_writer(WRITER, ["310000011", "2a0000015"])  # FINESS compared in upper case
    with pytest.raises(Forbidden) as other:
        require_writer(WRITER, ["310000011", "750000019"])
    assert other.value.field == "establishment" and "750000019" in other.value.message
    assert "310000011" not in other.value.message.split("(")[0]  # only the refused one is named
    with pytest.raises(Forbidden, match="aucun établissement"):
        require_writer(WRITER, [])
    with pytest.raises(Forbidden, match="aucun droit d'écriture"):
        require_writer(READER, "310000011")
    with pytest.raises(Unauthorized) as anon:
        require_writer(anonymous(1), "310000011")
    assert anon.value.status == 401
    require_writer(OPERATOR, ["750000019", "2B0000012"])
    require_writer(OPERATOR, [])  # "*": even a Location whose establishment is unknown


def test_require_profile() -> None:
    require_profile(READER, 1, what="le journal d'audit")
    with pytest.raises(Forbidden, match="réservé au profil d'accès 1"):
        require_profile(WRITER, 1, what="le journal d'audit")
    with pytest.raises(Unauthorized):
        require_profile(anonymous(), 1, what="le journal d'audit")


def test_replay_rights() -> None:
    assert recorded_audience({}) == EVERYONE  # records made before audiences existed
    wide = {"audience": {"sensitive_champs": None, "capacities": True}}
    narrow = {"audience": {"sensitive_champs": [], "capacities": False}}
    ms = {"audience": {"sensitive_champs": ["04"], "capacities": True}, "champ": ["04"]}
    assert require_replay(READER, wide) == audience(1)
    for profile in (0, 3, 5):
        with pytest.raises(Forbidden):
            require_replay(Caller(profile), wide)
        with pytest.raises(Forbidden):
            require_replay(Caller(profile), {})
        require_replay(Caller(profile), narrow)
    require_replay(Caller(3), ms)
    with pytest.raises(Forbidden):
        require_replay(Caller(5), ms)
