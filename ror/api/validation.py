"""Parse and validate request input once, turning every problem into an ``InvalidValue``.

A pydantic error location ``("beds", "min_available")`` becomes the field path
``beds.min_available``; list indexes read ``activity[0]``. Messages name the field and say what
is accepted, so a caller can fix the request without reading the docs.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from ror.api.http_errors import InvalidJson, InvalidValue

M = TypeVar("M", bound=BaseModel)


def parse_json_object(raw: bytes) -> dict[str, Any]:
    """The JSON object in ``raw``; ``InvalidJson`` when empty, malformed or not an object."""
    if not raw.strip():
        raise InvalidJson("the request body is empty: send the criteria as a JSON object")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise InvalidJson(f"the request body is not UTF-8 text: {err.reason}") from None
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except ValueError as err:
        raise InvalidJson(f"the request body is not valid JSON: {err}") from None
    if not isinstance(data, dict):
        raise InvalidJson(f"the request body must be a JSON object, not {_json_type(data)}")
    return data


def validate(model: type[M], data: Any, *, rename: Callable[[str], str] = lambda path: path) -> M:
    """``model`` validated from ``data``; ``rename`` maps field paths to the caller's names."""
    try:
        return model.model_validate(data)
    except ValidationError as err:
        problems = [_problem(model, e, rename) for e in err.errors(include_url=False)]
        code, field, message = problems[0]
        if len(problems) > 1:
            message += f" (and {len(problems) - 1} more problem(s), see details)"
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
        message = error["msg"] if ctx else f"{field} is required"
        return "missing_field", field, message
    if kind == "extra_forbidden":
        return "unknown_field", field, _unknown_field_message(model, field, loc)
    return "invalid_value", field, _message(field, kind, error["msg"], ctx, error["input"])


def _message(field: str, kind: str, msg: str, ctx: dict[str, Any], value: Any) -> str:
    if kind == "less_than_equal":
        return f"{field} too large: at most {_num(ctx['le'])}"
    if kind == "less_than":
        return f"{field} too large: must be less than {_num(ctx['lt'])}"
    if kind == "greater_than_equal":
        return f"{field} too small: at least {_num(ctx['ge'])}"
    if kind == "greater_than":
        return f"{field} must be greater than {_num(ctx['gt'])}"
    if kind == "too_long":
        return f"{field} is too long: at most {ctx['max_length']} items or characters"
    if kind == "string_type":
        return f'{field} must be a string (codes are strings like "01"), not {_json_type(value)}'
    if kind == "string_pattern_mismatch":
        return f"{field} is not a code: {value!r}"
    if kind == "timezone_aware":
        return f"{field} needs a UTC offset, e.g. 2026-11-26T14:00:00+01:00"
    if kind == "finite_number":
        return f"{field} must be a finite number"
    if ctx.get("field") is not None:
        return msg
    return msg.replace("Input should", f"{field} should", 1) + f" (got {_short(value)})"


def _unknown_field_message(model: type[BaseModel], field: str, loc: list[int | str]) -> str:
    name = str(loc[-1])
    known = _names_at(model, [p for p in loc[:-1] if isinstance(p, str)])
    close = difflib.get_close_matches(name, known, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else f"; known: {', '.join(known)}"
    return f"unknown field {field!r}{hint}"


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
    raise ValueError(f"{name} is not a JSON number")


def _json_type(value: Any) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}
    if value is None:
        return "null"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return "a number"
    return names.get(type(value), type(value).__name__)


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:57] + "..."
