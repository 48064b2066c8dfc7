"""Nomenclature labels for French sentences, with a graceful fallback to the code itself."""

from __future__ import annotations

import functools
import re

import ror.errors
import ror.nomenclature

# "Table de bloc opératoire obésité (poids entre 150 et 250 kg) - bariatrique" is a label made
# for a code list; in a sentence the parenthesis and the trailing qualifier are noise.
_NOISE = re.compile(r"\s*\([^)]*\)|\s+-\s+.*$")


def label(key: str, code: str) -> str | None:
    """The label of ``code`` in nomenclature ``key`` ("R211"…), or None when unknown."""
    lookup = getattr(ror.nomenclature, "label", None)
    if lookup is None:
        return None
    try:
        found = lookup(key, code)
    except (LookupError, ValueError, ror.errors.RorError):
        return None
    return found if isinstance(found, str) and found else None


def in_sentence(text: str) -> str:
    """A code-list label fit for the middle of a sentence: de-noised, lower-cased unless an
    acronym ("IRM…" stays, "Table de bloc opératoire obésité (…) - bariatrique" ->
    "table de bloc opératoire obésité")."""
    text = _NOISE.sub("", text).strip() or text.strip()
    if len(text) > 1 and text[1].islower():
        text = text[0].lower() + text[1:]
    return text


@functools.lru_cache(maxsize=4096)  # the nomenclatures do not change while a process runs
def short_label(key: str, code: str) -> str:
    """``in_sentence`` of the label, or "code 088" when the nomenclature does not know it."""
    found = label(key, code)
    return in_sentence(found) if found is not None else f"code {code}"


def labels_or(key: str, codes: tuple[str, ...]) -> str:
    """ "réanimation médicale ou réanimation polyvalente"."""
    return " ou ".join(short_label(key, code) for code in codes)
