"""Parse and validate request input once, turning every problem into an ``InvalidValue``.

A pydantic error location ``("beds", "min_available")`` becomes the field path
``beds.min_available``; list indexes read ``activity[0]``. Messages name the field and say what
is accepted, so a caller can fix the request without reading the docs.
"""

from __future__ import annotations

import difflib
import json
import math
from collections.abc import Callable, Iterable
from typing import Any, Final, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from ror.api.http_errors import InvalidJson, InvalidValue

M = TypeVar("M", bound=BaseModel)

MAX_JSON_DEPTH: Final = 16  # objects and lists nested in a request body
MAX_JSON_INT: Final = 2**53  # integers beyond are not exact in every JSON reader


def parse_json_object(raw: bytes) -> dict[str, Any]:
    """The JSON object in ``raw``; ``InvalidJson`` when empty, malformed or not an object."""
    if not raw.strip():
        raise InvalidJson("le corps de la requête est vide : envoyer un objet JSON")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise InvalidJson(
            f"le corps de la requête n'est pas du texte UTF-8 : {err.reason}"
        ) from None
    too_deep = f"le corps de la requête est trop imbriqué : {MAX_JSON_DEPTH} niveaux au plus"
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except RecursionError:
        raise InvalidJson(too_deep, "body") from None
    except ValueError as err:
        raise InvalidJson(f"le corps de la requête n'est pas du JSON valide : {err}") from None
    if not isinstance(data, dict):
        raise InvalidJson(f"le corps de la requête doit être un objet JSON, pas {_json_type(data)}")
    _check_tree(data, too_deep)
    return data


def _check_tree(data: dict[str, Any], too_deep: str) -> None:
    """Nesting and numbers every later step can hold: a 400 naming the first field beyond."""
    stack: list[tuple[Any, tuple[int | str, ...]]] = [(data, ())]
    while stack:
        value, loc = stack.pop()
        if isinstance(value, dict | list):
            if len(loc) >= MAX_JSON_DEPTH:
                raise InvalidValue(too_deep, field_path(loc), code="too_deep")
            items = value.items() if isinstance(value, dict) else enumerate(value)
            stack.extend((v, (*loc, k)) for k, v in items)
        elif isinstance(value, float) and not math.isfinite(value):
            field = field_path(loc)
            raise InvalidValue(f"{field} : nombre trop grand", field)
        elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_JSON_INT:
            field = field_path(loc)
            raise InvalidValue(f"{field} : nombre trop grand ({MAX_JSON_INT} au plus)", field)


def validate(model: type[M], data: Any, *, rename: Callable[[str], str] = lambda path: path) -> M:
    """``model`` validated from ``data``; ``rename`` maps field paths to the caller's names."""
    try:
        return model.model_validate(data)
    except ValidationError as err:
        problems = [_problem(model, e, rename) for e in err.errors(include_url=False)]
        code, field, message = problems[0]
        if len(problems) > 1:
            message += f" (et {len(problems) - 1} autre(s) problème(s), voir details)"
        details = tuple({"field": f, "message": m} for _, f, m in problems)
        raise InvalidValue(message, field, code=code, details=details) from None


def field_path(loc: Iterable[int | str]) -> str:
    """``("equipment", 0, "min_value")`` -> ``equipment[0].min_value``."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else part
    return path


def _problem(
    model: type[BaseModel], error: ErrorDetails, rename: Callable[[str], str]
) -> tuple[str, str, str]:
    loc = list(error["loc"])
    ctx = error.get("ctx") or {}
    if isinstance(ctx.get("field"), str):
        loc.append(ctx["field"])
    field = rename(field_path(loc)) if loc else ""
    kind = error["type"]
    if kind == "missing":
        message = error["msg"] if ctx else f"{field} est obligatoire"
        return "missing_field", field, message
    if kind == "extra_forbidden":
        return "unknown_field", field, _unknown_field_message(model, field, loc)
    return "invalid_value", field, _message(field, kind, error["msg"], ctx, error["input"])


_EXPECTED = {
    "int_parsing": "un entier",
    "int_type": "un entier",
    "int_from_float": "un entier",
    "float_parsing": "un nombre",
    "float_type": "un nombre",
    "bool_parsing": "un booléen (true ou false)",
    "bool_type": "un booléen (true ou false)",
    "list_type": "une liste",
    "model_type": "un objet JSON",
    "model_attributes_type": "un objet JSON",
    "dict_type": "un objet JSON",
    "datetime_parsing": "une date et heure ISO 8601, p. ex. 2026-11-26T14:00:00+01:00",
    "datetime_from_date_parsing": "une date et heure ISO 8601, p. ex. 2026-11-26T14:00:00+01:00",
    "datetime_type": "une date et heure ISO 8601, p. ex. 2026-11-26T14:00:00+01:00",
}


def _message(field: str, kind: str, msg: str, ctx: dict[str, Any], value: Any) -> str:
    if ctx.get("field") is not None:
        return msg  # our own model checks: already a full sentence
    if kind == "less_than_equal" and field == "limit":
        return f"limit trop grand : {_num(ctx['le'])} au plus ; paginer avec offset"
    if kind == "less_than_equal":
        return f"{field} trop grand : {_num(ctx['le'])} au plus"
    if kind == "less_than":
        return f"{field} trop grand : doit être inférieur à {_num(ctx['lt'])}"
    if kind == "greater_than_equal":
        return f"{field} trop petit : {_num(ctx['ge'])} au moins"
    if kind == "greater_than":
        return f"{field} doit être supérieur à {_num(ctx['gt'])}"
    if kind == "too_long":
        return f"{field} trop long : {ctx['max_length']} éléments au plus"
    if kind == "string_too_long":
        return f"{field} trop long : {ctx['max_length']} caractères au plus"
    if kind == "string_too_short":
        return f"{field} ne doit pas être vide"
    if kind == "string_type":
        return f'{field} doit être une chaîne (les codes s\'écrivent "01"), pas {_json_type(value)}'
    if kind == "string_pattern_mismatch":
        return f"{field} n'est pas un code : {_short(value)}"
    if kind == "literal_error":
        return (
            f"{field} doit valoir {ctx['expected'].replace(' or ', ' ou ')} (reçu {_short(value)})"
        )
    if kind == "timezone_aware":
        return f"{field} doit préciser son décalage horaire, p. ex. 2026-11-26T14:00:00+01:00"
    if kind == "finite_number":
        return f"{field} doit être un nombre fini"
    if kind in _EXPECTED:
        return f"{field} doit être {_EXPECTED[kind]} (reçu {_short(value)})"
    return f"{field} : {msg} (reçu {_short(value)})"


def _unknown_field_message(model: type[BaseModel], field: str, loc: list[int | str]) -> str:
    name = str(loc[-1])
    known = _names_at(model, [p for p in loc[:-1] if isinstance(p, str)])
    close = difflib.get_close_matches(name, known, n=1)
    hint = f" ; vouliez-vous dire {close[0]!r} ?" if close else f" ; connus : {', '.join(known)}"
    return f"champ inconnu {field!r}{hint}"


def _names_at(model: type[BaseModel], path: list[str]) -> list[str]:
    """Field names of the (nested) model reached by ``path``, for suggestions."""
    current: Any = model
    for part in path:
        info = current.model_fields.get(part)
        if info is None:
            return []
        current = _model_in(info.annotation)
        if current is None:
            return []
    return sorted(current.model_fields)


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _num(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} n'est pas un nombre JSON")


def _json_type(value: Any) -> str:
    names = {dict: "un objet", list: "un tableau", str: "une chaîne", bool: "un booléen"}
    if value is None:
        return "null"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return "un nombre"
    return names.get(type(value), type(value).__name__)


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:57] + "..."
