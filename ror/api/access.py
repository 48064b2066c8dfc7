"""Who is calling, and the checks routes make before answering (DESIGN §7).

The authentication middleware (:mod:`ror.api.middleware.auth`) puts a
:class:`~ror.access.caller.Caller` on every request: the owner of a valid bearer token, or an
anonymous caller with the application's anonymous profile (0, open data). Routes read it with
:func:`request_caller` and never look at headers themselves. What each profile may see is
decided in :mod:`ror.access.profiles`; answers are shaped in :mod:`ror.api.present`.

Checks, each raising the error the API translates (401 without a token where one is needed,
403 with the reason otherwise):

- :func:`scoped_criteria`: a search narrowed to what the caller may see (sensitive units left
  out before counting, no ranking by beds without access to capacities), and a 403 when it
  filters by a restricted field (beds) the caller may not use;
- :func:`require_capacities`: capacity data (overview, capacity filters of the FHIR facade);
- :func:`require_profile`: an endpoint reserved to some profiles (the audit log: profile 1);
- :func:`require_writer`: a write to establishments' capacities.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from starlette.requests import Request

from ror.access.caller import ALL_ESTABLISHMENTS, Caller, anonymous
from ror.access.profiles import (
    OPEN_DATA,
    PROFILE_NAMES,
    audience,
    audience_within,
    capacity_refusal,
)
from ror.criteria import EVERYONE, Audience, Criteria
from ror.errors import Forbidden, Unauthorized

ANONYMOUS_PROFILE = OPEN_DATA


def request_caller(request: Request) -> Caller:
    """The caller the authentication middleware found (anonymous when there was no token)."""
    found = request.scope.get("state", {}).get("caller")
    if isinstance(found, Caller):
        return found
    return anonymous(int(getattr(request.app.state, "anonymous_profile", ANONYMOUS_PROFILE)))


def caller_profile(request: Request) -> int:
    return request_caller(request).profile


def scoped_criteria(criteria: Criteria, caller: Caller) -> Criteria:
    """``criteria`` with the caller's audience, one match per establishment for the public
    unless it asks otherwise; ``Forbidden`` when it filters by beds and the caller may not use
    capacities (field ``beds``)."""
    if criteria.beds is not None:
        require_capacities(caller, criteria.champ, field="beds")
    scoped = criteria.with_(audience=audience(caller.profile, criteria.champ))
    if scoped.group is None and caller.profile == OPEN_DATA:
        return scoped.with_(group="establishment")  # the public compares establishments
    return scoped


def require_capacities(caller: Caller, champ: Iterable[str] = (), *, field: str = "beds") -> None:
    """``Forbidden`` (naming ``field``) unless the caller may read capacities for offers of
    these champ codes (profile 3: champ 04 alone)."""
    reason = capacity_refusal(caller.profile, tuple(champ))
    if reason is not None:
        raise Forbidden(reason, field)


def require_profile(caller: Caller, *profiles: int, what: str) -> None:
    """``what`` is reserved to ``profiles``: 401 for an anonymous caller, 403 otherwise."""
    if caller.profile in profiles:
        return
    allowed = ", ".join(str(p) for p in profiles)
    if not caller.authenticated:
        raise Unauthorized(f"{what} demande un jeton de profil d'accès {allowed}", "Authorization")
    raise Forbidden(
        f"{what} est réservé au profil d'accès {allowed} ; ce jeton a le profil "
        f"{caller.profile} ({PROFILE_NAMES[caller.profile]})",
        "Authorization",
    )


def require_some_writer(caller: Caller) -> None:
    """The caller may write somewhere: checked before a Location is looked up, so that a caller
    who may write nowhere gets the same answer for a hidden, a known and an unknown Location."""
    if not caller.authenticated or not caller.establishments:
        require_writer(caller, ())


def require_writer(caller: Caller, establishments: str | Iterable[str]) -> None:
    """The caller may update capacities of every one of ``establishments`` (FINESS EG).

    401 without a token; 403 when the token has no write right, when ``establishments`` is
    empty (a Location no known establishment owns; only a ``*`` writer may) or names one the
    token may not write. FINESS numbers are compared in upper case (2A/2B).
    """
    given = [establishments] if isinstance(establishments, str) else list(establishments)
    places = [p.strip().upper() for p in given if p and p.strip()]
    if not caller.authenticated:
        raise Unauthorized(
            "écrire des capacités demande un jeton (Authorization: Bearer …)", "Authorization"
        )
    if not caller.establishments:
        raise Forbidden(f"le jeton {caller.label} n'a aucun droit d'écriture", "Authorization")
    if not places and ALL_ESTABLISHMENTS not in caller.establishments:
        raise Forbidden(
            "aucun établissement connu pour cette ressource : écriture refusée", "establishment"
        )
    denied = sorted({p for p in places if not caller.may_write(p)})
    if denied:
        raise Forbidden(
            f"le jeton {caller.label} ne peut pas écrire pour l'établissement "
            f"{', '.join(denied)} (il écrit pour {', '.join(sorted(caller.establishments))})",
            "establishment",
        )


def recorded_audience(criteria: dict[str, Any]) -> Audience:
    """The audience a kept search was made for (everything, for records made before)."""
    data = criteria.get("audience")
    if not isinstance(data, dict):
        return EVERYONE
    champs = data.get("sensitive_champs")
    return Audience(
        sensitive_champs=None if champs is None else tuple(str(c) for c in champs),
        capacities=bool(data.get("capacities", True)),
    )


def require_replay(caller: Caller, criteria: dict[str, Any]) -> Audience:
    """A kept search may be replayed by callers who may see all it could: ``Forbidden``
    otherwise. Returns the caller's audience for it."""
    recorded = recorded_audience(criteria)
    mine = audience(caller.profile, tuple(criteria.get("champ", ())))
    if not audience_within(recorded, mine):
        raise Forbidden(
            "cette recherche a été faite pour un profil d'accès plus large que le vôtre : "
            "elle ne peut pas être rejouée avec ce profil",
            "id",
        )
    return mine
