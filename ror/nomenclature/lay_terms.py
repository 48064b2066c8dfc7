"""Free text -> NOS codes: lay words ("pédopsy", "réa", "maison de retraite") and official labels.

Two uses, one index built once at first use:

- :func:`suggest` completes what a user is typing ("pédo" -> Pédopsychiatrie), best first:
  an exact phrase beats a phrase that starts with the query, which beats words that start with
  the query words, which beats a typo-corrected match; curated lay terms get a small bonus over
  raw nomenclature labels.
- :func:`resolve_text` reads a whole query ("psy pour enfant près de Lyon") into codes per field,
  the words it did not understand (for a "mot non reconnu" warning) and an age hint.

Matching works on folded words (:func:`ror.text.fold`: no accents, no case), without French stop
words ("de", "pour", "la"…) and with a trailing plural ``s``/``x`` dropped. Typos are corrected
word by word against the vocabulary of the terms and labels (Levenshtein distance 1 for words of
5–7 letters, 2 from 8 letters, with ``rapidfuzz``).

Fields are :class:`ror.model.Offer` field names, codes come from
:data:`ror.nomenclature.FIELD_SYSTEMS`. A term means codes in ONE field (any of them); its ``also``
fields express the same need another way (e.g. a cabinet de psychologie for "psychologue") and
are alternatives, never extra conditions.
"""

from __future__ import annotations

import dataclasses
import json
import re
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any, Literal

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from ror.nomenclature.registry import FIELD_SYSTEMS, Nomenclature
from ror.nomenclature.registry import default as default_nomenclature
from ror.text import fold

AgeHint = Literal["infant", "child", "adolescent", "adult", "elderly"]
AGE_RANGES: Mapping[AgeHint, tuple[int, int]] = {
    "infant": (0, 2),
    "child": (0, 17),  # "enfant" in lay words: any minor ("ado" narrows it to 12-17)
    "adolescent": (12, 17),
    "adult": (18, 64),
    "elderly": (65, 120),
}

# Criteria code fields that text can fill, in the order a label match picks its field.
TEXT_FIELDS: tuple[str, ...] = (
    "activity",
    "offer_type",
    "care_mode",
    "specialisations",
    "public",
    "professions",
    "modalities",
    "champ",
)

_STOP_WORDS_TEXT = """
    a au aux avec ce ces cet cette chez d dans de des du elle en et il j je l la le les leur
    m ma me mes moi mon n ne nos notre ou par pas pour pres proche proximite qu que quel quelle
    qui s sa se ses son sur t ta te tes ton un une vers vos votre y cherche recherche besoin
    trouver trouve veux voudrais faut svp urgent urgente autour cote
"""
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())

MAX_CODES_PER_FIELD = 60  # a word matching more codes than this in a field is too vague
_AGE_YEARS = re.compile(r"^(\d{1,3})\s*(?:ans?|annees?)$")

Kind = Literal["lay", "label", "alias"]


@dataclass(frozen=True, slots=True)
class Suggestion:
    """One completion: put ``codes`` in criteria field ``field``."""

    field: str
    codes: tuple[str, ...]
    label: str  # what to show ("Pédopsychiatrie", or the NOS label)
    matched: str  # the term or label the query matched
    score: float  # 0..1, higher is better
    colocated: tuple[tuple[str, tuple[str, ...]], ...] = ()  # ``Criteria.colocated`` too


@dataclass(frozen=True, slots=True)
class TermMatch:
    """Some words of a query and what they mean."""

    words: str  # the words of the query, as typed
    label: str
    field: str
    codes: tuple[str, ...]
    also: Mapping[str, tuple[str, ...]] = dataclasses.field(default_factory=dict)
    corrected: bool = False  # matched after a typo correction
    age: AgeHint | None = None
    practice: bool = False  # the words name a practitioner: private practice first
    colocated: tuple[tuple[str, tuple[str, ...]], ...] = ()  # the EG must also have these


@dataclass(frozen=True, slots=True)
class TextMatch:
    """What a free-text query means.

    ``codes``: field -> codes, merged over the terms (any-of within a field; two terms on the
    same field widen it). ``unknown``: words not understood, as typed. ``vague``: words found in
    the nomenclatures but matching too many codes to filter on ("soins"). ``age_hint`` comes from
    words such as "enfant" or "personne âgée" (see :data:`AGE_RANGES`), ``age`` from "8 ans".
    ``private_practice``: words such as "libéral", "cabinet" or a practitioner ("pédiatre") ask
    for private practices first.
    """

    codes: Mapping[str, tuple[str, ...]]
    unknown: tuple[str, ...] = ()
    vague: tuple[str, ...] = ()
    age_hint: AgeHint | None = None
    age: int | None = None
    terms: tuple[TermMatch, ...] = ()
    private_practice: bool = False
    colocated: tuple[tuple[str, tuple[str, ...]], ...] = ()  # ``Criteria.colocated``

    @property
    def age_range(self) -> tuple[int, int] | None:
        """The ages meant: "8 ans" as (8, 8), else the range of the age hint, else None."""
        if self.age is not None:
            return self.age, self.age
        return None if self.age_hint is None else AGE_RANGES[self.age_hint]

    @property
    def empty(self) -> bool:
        return not self.codes and self.age_hint is None and self.age is None


# --- normalisation ---------------------------------------------------------------------------


def _word(word: str) -> str:
    if len(word) > 3 and word[-1] in "sx" and not word.endswith("ss"):
        return word[:-1]
    return word


def tokens(text: str) -> list[str]:
    """Folded, singular words of a text, without stop words."""
    return [_word(w) for w in fold(text).split() if w not in STOP_WORDS]


def _typed_tokens(text: str) -> list[tuple[str, str]]:
    """(token, word as folded) pairs, stop words dropped; used to report unknown words."""
    return [(_word(w), w) for w in fold(text).split() if w not in STOP_WORDS]


# --- the index -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Entry:
    phrase: str  # normalised tokens joined by spaces
    display: str  # the term or label as written
    label: str
    field: str
    codes: tuple[str, ...]
    kind: Kind
    also: Mapping[str, tuple[str, ...]] = dataclasses.field(default_factory=dict)
    age: AgeHint | None = None
    practice: bool = False
    colocated: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def size(self) -> int:
        return self.phrase.count(" ") + 1


class LayTerms:
    """The index over curated lay terms and the nomenclature labels of :data:`TEXT_FIELDS`."""

    def __init__(self, nomenclature: Nomenclature, document: Mapping[str, Any]) -> None:
        self.nomenclature = nomenclature
        self.entries: list[_Entry] = []
        self.age_words: dict[str, AgeHint] = {}
        self.generic = frozenset(w for term in document["generic_words"] for w in tokens(term))
        for hint, words in document["age_words"].items():
            for w in words:
                self.age_words[" ".join(tokens(w))] = hint
        self.practice_words = frozenset(
            " ".join(tokens(w)) for w in document.get("practice_words", ())
        )
        for item in document["entries"]:
            self._add_lay(item)
        lay_phrases = {e.phrase for e in self.entries}
        self._label_words: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        for fld in TEXT_FIELDS:
            for code, text in nomenclature.codes(FIELD_SYSTEMS[fld]).items():
                self._add_label(fld, code, text, "label", lay_phrases)
                for alias in nomenclature.aliases(FIELD_SYSTEMS[fld], code):
                    self._add_label(fld, code, alias, "alias", lay_phrases)
        self.phrases: dict[str, list[_Entry]] = defaultdict(list)
        for entry in self.entries:
            self.phrases[entry.phrase].append(entry)
        self._sorted_phrases = sorted(self.phrases)
        by_word: dict[str, set[int]] = defaultdict(set)
        for i, entry in enumerate(self.entries):
            for w in entry.phrase.split():
                by_word[w].add(i)
        self._words = sorted(by_word)
        self._word_entries = [frozenset(by_word[w]) for w in self._words]
        frequency = {w: len(s) for w, s in by_word.items()}
        for w, fields in self._label_words.items():
            frequency[w] = frequency.get(w, 0) + sum(len(c) for c in fields.values())
        self._vocabulary = sorted(frequency, key=lambda w: (-frequency[w], w))
        self._vocabulary_set = frozenset(self._vocabulary)

    def _add_lay(self, item: Mapping[str, Any]) -> None:
        also = {f: tuple(c) for f, c in item.get("also", {}).items()}
        seen: set[str] = set()
        for term in item["terms"]:
            phrase = " ".join(tokens(term))
            if not phrase or phrase in seen:
                continue
            seen.add(phrase)
            self.entries.append(
                _Entry(
                    phrase,
                    term,
                    item["label"],
                    item["field"],
                    tuple(item["codes"]),
                    "lay",
                    also,
                    item.get("age"),
                    bool(item.get("practice", False)),
                    tuple(
                        (name, tuple(codes))
                        for requirement in item.get("colocated", ())
                        for name, codes in requirement.items()
                    ),
                )
            )

    def _add_label(self, fld: str, code: str, text: str, kind: Kind, taken: set[str]) -> None:
        label = self.nomenclature.label(FIELD_SYSTEMS[fld], code) or text
        words = tokens(text)
        for w in words:
            self._label_words[w][fld].add(code)
        variants = {" ".join(words)}
        core = re.sub(r"\([^)]*\)", " ", text)  # "Centre Médico-Psychologique (CMP)" -> both
        variants.add(" ".join(tokens(core)))
        for acronym in re.findall(r"\(([A-Z][A-Z0-9.\- ]{1,12})\)", text):
            variants.add(" ".join(tokens(acronym)))
        for phrase in sorted(v for v in variants if v and v not in taken):
            self.entries.append(_Entry(phrase, text, label, fld, (code,), kind))

    # --- suggest ---------------------------------------------------------------------------

    def suggest(self, q: str, limit: int = 10) -> list[Suggestion]:
        query = tokens(q)
        if not query or limit <= 0 or (len(query) == 1 and len(query[0]) < 2):
            return []
        found: dict[tuple[str, tuple[str, ...]], Suggestion] = {}
        self._collect(query, 0.0, found)
        if len(found) < limit:
            corrected = self._correct_all(query)
            if corrected != query:
                self._collect(corrected, 0.25, found)
        ranked = sorted(found.values(), key=lambda s: (-s.score, len(s.label), s.label))
        return ranked[:limit]

    def _collect(
        self, query: list[str], penalty: float, found: dict[tuple[str, tuple[str, ...]], Suggestion]
    ) -> None:
        phrase = " ".join(query)
        start = bisect_left(self._sorted_phrases, phrase)
        for candidate in self._sorted_phrases[start:]:
            if not candidate.startswith(phrase):
                break
            if candidate == phrase:
                base = 0.95
            elif candidate[len(phrase)] == " ":  # "rea" -> "rea neonatale": whole words
                base = 0.85
            else:  # "rea" -> "readaptation": inside a word
                base = 0.8
            for entry in self.phrases[candidate]:
                self._keep(entry, base - penalty, len(query), found)
        for i in self._word_prefix_entries(query):
            self._keep(self.entries[i], 0.75 - penalty, len(query), found)

    def _word_prefix_entries(self, query: list[str]) -> set[int]:
        result: set[int] | None = None
        for token in query:
            ids: set[int] = set()
            start = bisect_left(self._words, token)
            for j in range(start, len(self._words)):
                if not self._words[j].startswith(token):
                    break
                ids |= self._word_entries[j]
            result = ids if result is None else result & ids
            if not result:
                return set()
        return result or set()

    def _keep(
        self,
        entry: _Entry,
        base: float,
        n_query: int,
        found: dict[tuple[str, tuple[str, ...]], Suggestion],
    ) -> None:
        extra = max(0, entry.size - n_query)
        score = base + (0.05 if entry.kind == "lay" else 0.0) - 0.01 * min(extra, 5)
        score = round(max(score, 0.0), 4)
        key = (entry.field, entry.codes)
        if key not in found or found[key].score < score:
            found[key] = Suggestion(
                entry.field, entry.codes, entry.label, entry.display, score, entry.colocated
            )

    # --- typo correction -------------------------------------------------------------------

    def correct(self, token: str) -> str | None:
        """The closest vocabulary word to a misspelt token, or None."""
        if token in self._vocabulary_set or len(token) < 5 or token.isdigit():
            return None
        max_edits = 1 if len(token) < 8 else 2
        best = process.extractOne(
            token, self._vocabulary, scorer=Levenshtein.distance, score_cutoff=max_edits
        )
        return str(best[0]) if best is not None else None

    def _correct_all(self, query: list[str]) -> list[str]:
        return [self.correct(t) or t for t in query]

    # --- resolve ---------------------------------------------------------------------------

    def resolve_text(self, text: str) -> TextMatch:
        typed = _typed_tokens(text)
        words = [t for t, _ in typed]
        fixed = [self.correct(t) or t for t in words]
        terms: list[TermMatch] = []
        unknown: list[str] = []
        vague: list[str] = []
        age_hint: AgeHint | None = None
        age: int | None = None
        practice = False
        i = 0
        while i < len(words):
            size, term, too_broad = self._match_at(words, fixed, i, typed)
            if term is not None:
                terms.append(term)
                age_hint = age_hint or term.age
                practice = practice or term.practice
                i += size
                continue
            if words[i] in self.practice_words or fixed[i] in self.practice_words:
                practice, i = True, i + 1
                continue
            token = words[i]
            nxt = words[i + 1] if i + 1 < len(words) else ""
            if token.isdigit() and _AGE_YEARS.match(f"{token} {nxt}"):
                age, i = int(token), i + 2
                continue
            hint = self.age_words.get(token) or self.age_words.get(fixed[i])
            if hint is not None:
                age_hint = age_hint or hint
            elif too_broad:
                vague.append(typed[i][1])
            else:
                unknown.append(typed[i][1])
            i += 1
        codes: dict[str, list[str]] = {}
        for term in terms:
            bucket = codes.setdefault(term.field, [])
            bucket.extend(c for c in term.codes if c not in bucket)
        return TextMatch(
            {f: tuple(c) for f, c in codes.items()},
            tuple(unknown),
            tuple(vague),
            age_hint,
            age,
            tuple(terms),
            practice,
            tuple(dict.fromkeys(r for term in terms for r in term.colocated)),
        )

    def _match_at(
        self, words: list[str], fixed: list[str], i: int, typed: list[tuple[str, str]]
    ) -> tuple[int, TermMatch | None, bool]:
        """The longest term starting at word ``i``: (words used, term, too broad)."""
        too_broad = False
        for size in range(min(6, len(words) - i), 0, -1):
            if size == 1 and (words[i] in self.age_words or words[i] in self.practice_words):
                break  # "enfant", "libéral" alone are hints, not label words
            for candidate, corrected in ((words, False), (fixed, True)):
                window = candidate[i : i + size]
                if corrected and window == words[i : i + size]:
                    continue
                shown = " ".join(w for _, w in typed[i : i + size])
                entries = self.phrases.get(" ".join(window))
                if entries:
                    return size, _term(entries, shown, corrected), False
                contained, broad = self._contained(window)
                too_broad = too_broad or (broad and size == 1)
                if contained is not None:
                    fld, codes, also = contained
                    label = self._label_for(fld, codes)
                    return size, TermMatch(shown, label, fld, codes, also, corrected), False
        return 1, None, too_broad

    def _contained(
        self, window: Sequence[str]
    ) -> tuple[tuple[str, tuple[str, ...], dict[str, tuple[str, ...]]] | None, bool]:
        """Codes whose label has every word of ``window``, per field; (None, too broad) if none."""
        if len(window) == 1 and (len(window[0]) < 4 or window[0].isdigit()):
            return None, False
        if all(w in self.generic for w in window):
            return None, all(w in self._label_words for w in window)
        per_field: dict[str, set[str]] | None = None
        for w in window:
            fields = self._label_words.get(w)
            if not fields:
                return None, False
            if per_field is None:
                per_field = {f: set(c) for f, c in fields.items()}
            else:
                per_field = {f: c & fields[f] for f, c in per_field.items() if f in fields}
                per_field = {f: c for f, c in per_field.items() if c}
            if not per_field:
                return None, False
        assert per_field is not None
        usable = {f: c for f, c in per_field.items() if len(c) <= MAX_CODES_PER_FIELD}
        if not usable:
            return None, True
        ordered = [f for f in TEXT_FIELDS if f in usable]
        main = ordered[0]
        also = {f: _sorted(usable[f]) for f in ordered[1:]}
        return (main, _sorted(usable[main]), also), False

    def _label_for(self, fld: str, codes: tuple[str, ...]) -> str:
        key = FIELD_SYSTEMS[fld]
        labels = [self.nomenclature.label(key, c) or c for c in codes[:3]]
        more = f" (+{len(codes) - 3})" if len(codes) > 3 else ""
        return ", ".join(labels) + more


def _sorted(codes: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(codes, key=lambda c: (len(c), c)))


def _term(entries: list[_Entry], shown: str, corrected: bool) -> TermMatch:
    """One term from the entries sharing a phrase (a lay term wins over labels)."""
    lay = [e for e in entries if e.kind == "lay"]
    if lay:
        e = lay[0]
        return TermMatch(
            shown, e.label, e.field, e.codes, e.also, corrected, e.age, e.practice, e.colocated
        )
    by_field: dict[str, list[str]] = {}
    for e in entries:
        by_field.setdefault(e.field, []).extend(e.codes)
    ordered = [f for f in TEXT_FIELDS if f in by_field]
    main = ordered[0]
    also = {f: _sorted(set(by_field[f])) for f in ordered[1:]}
    first = next(e for e in entries if e.field == main)
    codes = _sorted(set(by_field[main]))
    return TermMatch(shown, first.label, main, codes, also, corrected)


@cache
def default() -> LayTerms:
    """The index over the shipped lay terms and nomenclatures, built on first use."""
    text = files("ror.nomenclature").joinpath("data/lay_terms.json").read_text("utf-8")
    return LayTerms(default_nomenclature(), json.loads(text))


def suggest(q: str, limit: int = 10) -> list[Suggestion]:
    """Completions for what a user is typing, best first."""
    return default().suggest(q, limit)


def resolve_text(text: str) -> TextMatch:
    """The codes per field a free-text query means, with the words left over."""
    return default().resolve_text(text)
