"""Build ``ror/nomenclature/data/systems.json`` from the ANS NOS files.

Reads the three formats the NOS are published in, as found in ``data/ror/nomenclatures``
(or any folder of newer official files of the same formats):

- ``*.tabs``: ``;``-separated, a header naming the value set (JDV) or code system (TRE), then
  ``OID;code;label`` rows (the OID is the code system of each row);
- ``*.fsh``: ValueSets (``* $TRE-R211-Name#001 "label"``) and CodeSystems (``* #01 "label"``,
  with designations and a ``status`` property that marks deprecated codes);
- ``*.json``: FHIR ValueSets (``compose.include[].concept``) and CodeSystems (``concept``).

Then adds ``scripts/nomenclature_supplement.json`` (names, OIDs, bindings and the few tables no
file carries, each with its public source) and writes one compact JSON, keyed by TRE number, plus
``SOURCES.md``. Run: ``python scripts/build_nomenclatures.py [--source DIR] [--out DIR]``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ror.source_data import NOMENCLATURES  # noqa: E402

DEFAULT_SOURCE = NOMENCLATURES
DEFAULT_OUT = REPO / "ror" / "nomenclature" / "data"
SUPPLEMENT = Path(__file__).resolve().with_name("nomenclature_supplement.json")
NOS = "https://mos.esante.gouv.fr/NOS"
FORMAT = 1

TRE_NAME = re.compile(r"TRE[_-]([RG]\d+)-([A-Za-z0-9]+)")
JDV_NAME = re.compile(r"JDV[_-](J\d+)[_-]([A-Za-z0-9]+(?:[_-]ROR)?)")
FSH_STRING = r'"((?:[^"\\]|\\.)*)"'
FSH_VS_CODE = re.compile(r"^\* (\S+)#(\S+)\s+" + FSH_STRING)
FSH_CS_CODE = re.compile(r"^\* #(\S+)\s+" + FSH_STRING + r"(?:\s+" + FSH_STRING + ")?\\s*$")
FSH_DESIGNATION = re.compile(r"^\* #(\S+) \^designation(?:\[[^\]]*\])?\.value = " + FSH_STRING)
FSH_STATUS = re.compile(r"^\* #(\S+) \^property\[=\]\.valueCode = #(deprecated|retired)")
FSH_ALIAS = re.compile(r"^Alias:\s*(\S+)\s*=\s*(\S+)")
FSH_META = re.compile(r"^\* \^(url|version|status|identifier\.value|date) = (.+)$")


class BuildError(Exception):
    """The source files contradict each other or cannot be read."""


# --- what one source file says -------------------------------------------------------------


@dataclass
class Concept:
    system: str  # TRE key the code belongs to ("R211")
    code: str
    label: str
    aliases: list[str] = field(default_factory=list)
    deprecated: bool = False


@dataclass
class SourceFile:
    """One parsed file: a value set (jdv set) or a code system (jdv None)."""

    path: str  # relative to the source folder
    kind: str  # "ValueSet" | "CodeSystem"
    version: str  # a sortable date-ish string ("20250625120000"), "" if unknown
    title: str
    jdv: str | None = None  # "J17"
    jdv_name: str | None = None  # "JDV_J17-ActiviteOperationnelle-ROR"
    oid: str | None = None  # OID of the value set / code system itself
    url: str | None = None
    tre_names: dict[str, str] = field(default_factory=dict)  # "R211" -> "TRE_R211-Activite…"
    tre_oids: dict[str, str] = field(default_factory=dict)  # oid -> "R211" (tabs rows)
    concepts: list[Concept] = field(default_factory=list)


def _tre_key(text: str) -> tuple[str, str] | None:
    m = TRE_NAME.search(text)
    return (m.group(1), f"TRE_{m.group(1)}-{m.group(2)}") if m else None


def _jdv(text: str) -> tuple[str, str] | None:
    m = JDV_NAME.search(text)
    if not m:
        return None
    return m.group(1), f"JDV_{m.group(1)}-{m.group(2).replace('_', '-')}"


def _oid(value: str) -> str:
    return value.strip().strip('"').removeprefix("urn:oid:")


def _unquote(value: str) -> str:
    return value.replace('\\"', '"').replace("\\\\", "\\")


def _strip_rorsuffix(title: str) -> str:
    return re.sub(r"\s*-\s*ROR$", "", title.strip())


# --- readers -------------------------------------------------------------------------------


def read_tabs(path: Path, rel: str, oid_to_key: dict[str, str]) -> SourceFile:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:  # older NOS distributions were ISO-8859-1 / cp1252
        text = raw.decode("cp1252")
    lines = [line.rstrip("\r") for line in text.split("\n") if line.strip()]
    if len(lines) < 3 or not lines[0].startswith("<OID>"):
        raise BuildError(f"{rel}: not a NOS .tabs file (no <OID> header)")
    head = lines[1].split(";")
    if len(head) < 8:
        raise BuildError(f"{rel}: header line has {len(head)} fields, expected 8")
    oid, ftype, fname, description, _url, _valid, _end, updated = head[:8]
    out = SourceFile(rel, "ValueSet" if ftype == "JDV" else "CodeSystem", updated, description)
    out.oid = oid  # (the URL field is the file's download page, not the FHIR canonical)
    own_tre = _tre_key(fname)
    if ftype == "JDV":
        jdv = _jdv(fname)
        if jdv is None:
            raise BuildError(f"{rel}: JDV file name without a J number: {fname}")
        out.jdv, out.jdv_name = jdv
    elif own_tre is None:
        raise BuildError(f"{rel}: TRE file name without an R/G number: {fname}")
    else:
        out.tre_names[own_tre[0]] = own_tre[1]
        out.tre_oids[oid] = own_tre[0]
    for n, line in enumerate(lines[2:], start=3):
        if line.startswith("<"):
            continue
        parts = line.split(";")
        if len(parts) < 3 or not parts[1]:
            raise BuildError(f"{rel}:{n}: expected OID;code;label, got {line!r}")
        row_oid, code, label = parts[0], parts[1].strip(), ";".join(parts[2:]).strip()
        key = own_tre[0] if own_tre else oid_to_key.get(row_oid)
        if key is None:
            raise BuildError(
                f"{rel}:{n}: code system OID {row_oid} is not known; add it to "
                f"{SUPPLEMENT.name} (code_systems) with its TRE name"
            )
        out.tre_oids[row_oid] = key
        out.concepts.append(Concept(key, code, label))
    return out


def read_fsh(path: Path, rel: str) -> SourceFile:
    lines = path.read_text(encoding="utf-8").splitlines()
    kind, name, description = "", "", ""
    meta: dict[str, str] = {}
    aliases: dict[str, str] = {}
    concepts: dict[str, Concept] = {}
    tre_names: dict[str, str] = {}
    for line in lines:
        if line.startswith(("ValueSet:", "CodeSystem:")):
            kind, name = (s.strip() for s in line.split(":", 1))
        elif line.startswith("Description:"):
            description = _unquote(line.split(":", 1)[1].strip().strip('"'))
        elif m := FSH_ALIAS.match(line):
            aliases[m.group(1)] = m.group(2)
        elif m := FSH_META.match(line):
            meta.setdefault(m.group(1), m.group(2).strip().strip('"'))
        elif kind == "ValueSet" and (m := FSH_VS_CODE.match(line)):
            system = aliases.get(m.group(1), m.group(1))
            tre = _tre_key(system)
            if tre is None:
                raise BuildError(f"{rel}: code from a system without a TRE number: {system}")
            tre_names.setdefault(*tre)
            concepts[f"{tre[0]}#{m.group(2)}"] = Concept(tre[0], m.group(2), _unquote(m.group(3)))
        elif kind == "CodeSystem" and (m := FSH_CS_CODE.match(line)):
            concepts[m.group(1)] = Concept("", m.group(1), _unquote(m.group(2)))
        elif kind == "CodeSystem" and (m := FSH_DESIGNATION.match(line)):
            concepts[m.group(1)].aliases.append(_unquote(m.group(2)))
        elif kind == "CodeSystem" and (m := FSH_STATUS.match(line)):
            concepts[m.group(1)].deprecated = True
    if not kind:
        raise BuildError(f"{rel}: neither a ValueSet nor a CodeSystem")
    out = SourceFile(rel, kind, meta.get("version", ""), description)
    out.url = meta.get("url")
    out.oid = _oid(meta["identifier.value"]) if "identifier.value" in meta else None
    out.tre_names = tre_names
    if kind == "ValueSet":
        jdv = _jdv(out.url or name)
        if jdv is None:
            raise BuildError(f"{rel}: value set without a J number: {name}")
        out.jdv, out.jdv_name = jdv
    else:
        tre = _tre_key(out.url or name)
        if tre is None:
            raise BuildError(f"{rel}: code system without an R/G number: {name}")
        out.tre_names[tre[0]] = tre[1]
        for c in concepts.values():
            c.system = tre[0]
        if out.oid:
            out.tre_oids[out.oid] = tre[0]
    out.concepts = list(concepts.values())
    return out


def _json_concepts(items: list[dict[str, Any]], system: str) -> Iterator[Concept]:
    for item in items:
        aliases = [
            d["value"] for d in item.get("designation", ()) if d.get("value") != item.get("display")
        ]
        status = {p.get("valueCode") for p in item.get("property", ()) if p.get("code") == "status"}
        yield Concept(
            system,
            str(item["code"]),
            str(item.get("display", "")),
            sorted(set(aliases)),
            bool(status & {"deprecated", "retired"}),
        )
        yield from _json_concepts(item.get("concept", []), system)  # hierarchical code systems


def read_json(path: Path, rel: str) -> SourceFile:
    data = json.loads(path.read_text(encoding="utf-8"))
    kind = data.get("resourceType")
    if kind not in {"ValueSet", "CodeSystem"}:
        raise BuildError(f"{rel}: resourceType {kind!r} is neither ValueSet nor CodeSystem")
    oids = [_oid(i["value"]) for i in data.get("identifier", []) if "oid" in i.get("value", "")]
    title = data.get("title") or data.get("description") or data.get("name", "")
    out = SourceFile(rel, kind, str(data.get("version", "")), title)
    out.url, out.oid = data.get("url"), (oids[0] if oids else None)
    if kind == "ValueSet":
        jdv = _jdv(out.url or data.get("name", ""))
        if jdv is None:
            raise BuildError(f"{rel}: value set without a J number")
        out.jdv, out.jdv_name = jdv
        for include in data.get("compose", {}).get("include", []):
            tre = _tre_key(include.get("system", ""))
            if tre is None:
                raise BuildError(f"{rel}: include of a system without a TRE number")
            if "concept" not in include:
                raise BuildError(f"{rel}: include of all of {tre[1]}: no codes listed to copy")
            out.tre_names.setdefault(*tre)
            out.concepts.extend(_json_concepts(include["concept"], tre[0]))
    else:
        tre = _tre_key(out.url or data.get("name", ""))
        if tre is None:
            raise BuildError(f"{rel}: code system without an R/G number")
        out.tre_names[tre[0]] = tre[1]
        if out.oid:
            out.tre_oids[out.oid] = tre[0]
        out.concepts = list(_json_concepts(data.get("concept", []), tre[0]))
    return out


def read_sources(source: Path, oid_to_key: dict[str, str]) -> list[SourceFile]:
    files = sorted(p for p in source.rglob("*") if p.suffix in {".tabs", ".fsh", ".json"})
    if not files:
        raise BuildError(f"no .tabs, .fsh or .json file under {source}")
    out = []
    for path in files:
        rel = path.relative_to(source).as_posix()
        if path.suffix == ".tabs":
            out.append(read_tabs(path, rel, oid_to_key))
        elif path.suffix == ".fsh":
            out.append(read_fsh(path, rel))
        else:
            out.append(read_json(path, rel))
    return out


# --- assembling the systems ---------------------------------------------------------------


@dataclass
class System:
    key: str
    tre: str | None = None  # "TRE_R211-ActiviteOperationnelle"; None for a composite JDV key
    title: str = ""
    url: str = ""
    oids: set[str] = field(default_factory=set)
    value_sets: dict[str, dict[str, str]] = field(default_factory=dict)
    codes: dict[str, str] = field(default_factory=dict)
    aliases: dict[str, list[str]] = field(default_factory=dict)
    deprecated: set[str] = field(default_factory=set)
    origin: dict[str, str] = field(default_factory=dict)  # code -> TRE key, for mixed tables
    complete: bool = True
    sources: list[str] = field(default_factory=list)

    def add(self, concept: Concept, source: str) -> None:
        code = concept.code
        names = [concept.label, *concept.aliases]
        if code not in self.codes:
            self.codes[code] = concept.label
        for name in names:
            if name and name != self.codes[code] and name not in self.aliases.get(code, []):
                self.aliases.setdefault(code, []).append(name)
        if concept.deprecated:
            self.deprecated.add(code)
        if concept.system != self.key:
            self.origin[code] = concept.system
        if source not in self.sources:
            self.sources.append(source)

    def to_json(self) -> dict[str, Any]:
        def by_code(code: str) -> tuple[int, str]:
            return (len(code), code)

        codes = {c: self.codes[c] for c in sorted(self.codes, key=by_code)}
        out: dict[str, Any] = {
            "title": self.title,
            "tre": self.tre,
            "url": self.url,
            "oids": sorted(self.oids),
            "value_sets": [self.value_sets[j] for j in sorted(self.value_sets, key=_jdv_order)],
            "complete": self.complete,
            "codes": codes,
        }
        if self.aliases:
            out["aliases"] = {c: self.aliases[c] for c in sorted(self.aliases, key=by_code)}
        if self.deprecated:
            out["deprecated"] = sorted(self.deprecated, key=by_code)
        if self.origin:
            out["origin"] = {c: self.origin[c] for c in sorted(self.origin, key=by_code)}
        return out


def _jdv_order(jdv: str) -> int:
    return int(jdv[1:])


def _key_order(key: str) -> tuple[str, int]:
    return (key[0], int(key[1:]))


def tre_url(tre: str) -> str:
    return f"{NOS}/{tre}/FHIR/{tre.replace('_', '-', 1)}"


def jdv_url(name: str) -> str:
    return f"{NOS}/{name}/FHIR/{name.replace('_', '-', 1)}"


class Builder:
    def __init__(self, supplement: dict[str, Any]) -> None:
        self.supplement = supplement
        self.systems: dict[str, System] = {}
        self.bindings: dict[str, str] = {}  # "J17" -> "R211"
        self.oids: dict[str, str] = {}  # OID -> key
        self.sourced: dict[str, str] = {}  # key or "J17" -> supplement source text
        for cs in supplement["code_systems"]:
            sys_ = self.system(cs["key"])
            sys_.tre, sys_.title = cs["tre"], cs["title"]
            self.sourced[cs["key"]] = cs["source"]
            if "oid" in cs:
                self.note_oid(cs["oid"], cs["key"], "supplement")
        for vs in supplement["value_sets"]:
            self.bindings[vs["jdv"]] = vs["binds"]
            self.sourced[vs["jdv"]] = vs["source"]
            if "title" in vs:  # a composite key named after its value set
                self.system(vs["binds"]).title = vs["title"]

    def system(self, key: str) -> System:
        if key not in self.systems:
            self.systems[key] = System(key)
        return self.systems[key]

    def note_oid(self, oid: str, key: str, where: str) -> None:
        known = self.oids.get(oid)
        if known is not None and known != key:
            raise BuildError(f"{where}: OID {oid} names {key} but also {known}")
        self.oids[oid] = key

    def add_file(self, src: SourceFile) -> None:
        for key, tre in src.tre_names.items():
            sys_ = self.system(key)
            if sys_.tre is None:
                sys_.tre = tre
            elif sys_.tre.split("-")[0] != tre.split("-")[0]:
                raise BuildError(f"{src.path}: {tre} does not match {sys_.tre}")
        for oid, key in src.tre_oids.items():
            self.note_oid(oid, key, src.path)
            self.system(key).oids.add(oid)
        if src.jdv is None:  # a code system file
            (key,) = src.tre_names
            if not self.system(key).title:
                self.system(key).title = src.title
            for c in src.concepts:
                self.system(key).add(c, src.path)
            return
        target = self.bindings.get(src.jdv)
        if target is None:
            systems = {c.system for c in src.concepts}
            if len(systems) != 1:
                raise BuildError(
                    f"{src.path}: {src.jdv} mixes {sorted(systems)}; say in {SUPPLEMENT.name} "
                    "(value_sets) which key it binds to"
                )
            (target,) = systems
            self.bindings[src.jdv] = target
        assert src.jdv_name is not None
        entry = {"jdv": src.jdv, "name": src.jdv_name}
        if src.oid:
            entry["oid"] = src.oid
            self.note_oid(src.oid, target, src.path)
        entry["url"] = src.url or jdv_url(src.jdv_name)
        entry["title"] = _strip_rorsuffix(src.title)
        entry["source"] = src.path
        self.system(target).value_sets[src.jdv] = entry
        if not self.system(target).title and len(src.title) < 60:
            self.system(target).title = _strip_rorsuffix(src.title)
        for c in src.concepts:
            self.system(target).add(c, src.path)
            if c.system != target:  # a mixed value set: the code also lives in its own TRE
                self.system(c.system).add(c, src.path)

    def add_supplement(self) -> None:
        for vs in self.supplement["value_sets"]:
            target = self.system(vs["binds"])
            if vs["jdv"] not in target.value_sets and "name" in vs:
                entry = {"jdv": vs["jdv"], "name": vs["name"]}
                if "oid" in vs:
                    entry["oid"] = vs["oid"]
                    self.note_oid(vs["oid"], vs["binds"], SUPPLEMENT.name)
                entry["url"] = jdv_url(vs["name"])
                entry["source"] = vs["source"]
                target.value_sets[vs["jdv"]] = entry
        for table in self.supplement["codes"]:
            sys_ = self.system(table["key"])
            sys_.complete = sys_.complete and table["complete"]
            deprecated = set(table.get("deprecated", ()))
            sys_.deprecated |= deprecated & set(sys_.codes)
            for code, label in table["codes"].items():
                if code in sys_.codes:
                    continue  # the official files win; the supplement only fills gaps
                aliases = table.get("aliases", {}).get(code, [])
                concept = Concept(table["key"], code, label, aliases, code in deprecated)
                sys_.add(concept, f"{SUPPLEMENT.name}: {table['source']}")

    def finish(self) -> dict[str, Any]:
        for key, sys_ in self.systems.items():
            if sys_.tre:
                sys_.url = tre_url(sys_.tre)
            elif key in sys_.value_sets:
                sys_.url = sys_.value_sets[key]["url"]
            if not sys_.codes:
                sys_.complete = False
            if not sys_.title:
                raise BuildError(f"{key}: no title; add it to {SUPPLEMENT.name}")
        for jdv, key in self.bindings.items():
            if key not in self.systems:
                raise BuildError(f"{jdv} binds {key}, which is not a known system")
        aliases = {a["system"]: a["key"] for a in self.supplement["system_aliases"]}
        return {
            "format": FORMAT,
            "about": "ANS NOS code systems for the ROR, built by scripts/build_nomenclatures.py",
            "systems": {
                k: self.systems[k].to_json() for k in sorted(self.systems, key=_systems_order)
            },
            "value_sets": {j: self.bindings[j] for j in sorted(self.bindings, key=_jdv_order)},
            "oids": dict(sorted(self.oids.items())),
            "system_aliases": dict(sorted(aliases.items())),
        }


def _systems_order(key: str) -> tuple[str, int]:
    return _key_order(key)


def build(source: Path) -> tuple[dict[str, Any], str]:
    """The systems document and the SOURCES.md text built from ``source``."""
    supplement = json.loads(SUPPLEMENT.read_text(encoding="utf-8"))
    builder = Builder(supplement)
    files = read_sources(source, dict(builder.oids))
    # Newer editions first: their labels win, older differing labels become aliases.
    for src in sorted(files, key=lambda f: (f.kind != "CodeSystem", -_date(f.version), f.path)):
        builder.add_file(src)
    builder.add_supplement()
    doc = builder.finish()
    return doc, sources_md(doc, builder, files)


def _date(version: str) -> int:
    digits = re.sub(r"\D", "", version)[:14]
    return int(digits.ljust(14, "0")) if digits else 0


# --- SOURCES.md ----------------------------------------------------------------------------

LICENCE = """\
## Licence and origin

All codes and labels are facts from the ANS (Agence du Numérique en Santé) national reference
terminologies (NOS: *nomenclatures des objets de santé*), published openly at
https://mos.esante.gouv.fr/NOS and https://interop.esante.gouv.fr/terminologies. The copies this
table is built from come from the ANS GitHub repositories `ansforge/IG-NOS`,
`ansforge/ig-terminlogie-de-sante` and `ansforge/IG-terminologie-de-sante` (see
`data/ror/SOURCES.md` for commits); those repositories carry no LICENSE file: treat the
content as "public ANS publication, licence not stated", attribute it to the ANS, and check before
redistributing outside the project. Nothing here is a verbatim copy: `systems.json` is a derived,
compact form (code -> label per code system) rebuilt by `scripts/build_nomenclatures.py`.

`lay_terms.json` is not built: it is a hand-curated table of French lay words and abbreviations
written for this project, each pointing at NOS codes of the tables above (a test checks every
code exists).
"""


NOTES = """\
## Notes

- `R66` holds JDV_J55 as the ROR uses it: the FINESS categories (TRE_R66) plus SA05–SA09
  (TRE_R02 secteur d'activité of private practices); `origin` in `systems.json` tells which
  code comes from R02, and R02 also has its own entry.
- `G15` holds the ROR profession table (JDV_J54 / J229): TRE_G15 plus the R94, R95, R96 and
  R85 codes it mixes in (their numbers do not collide); each of those TREs has its own entry.
- `J227` (niveau d'expertise) mixes maternity types (TRE_R253) and labels (TRE_R344): it is
  kept under its own value-set key; R253 and R344 also have their own entries.
- `R244` labels come from JDV_J238 (2025); the older JDV_J34 (superseded for the offer
  type) only adds its former labels as aliases (e.g. 30 « SAAD »).
- Tables marked `complete: no` (R210 acts, R247 units) list only the codes the engine
  reads; `has_table()` is false for them, so they never reject a code.
- R252 (type horaire) and R338 (modalité d'accueil) get the codes newer than the JDV files
  (J41 2020, J226 2023) from the supplement; the real examples use R252 06 and 07.
- Value-set bindings not stated in any file (J16, J20, J188, J192, J195, J221, J228, J229)
  come from the supplement, with their source.
"""


def sources_md(doc: dict[str, Any], builder: Builder, files: list[SourceFile]) -> str:
    lines = [
        "# Nomenclature tables: sources",
        "",
        "Built by `scripts/build_nomenclatures.py` from `data/ror/nomenclatures`",
        "(the files below, with the version each states) and",
        "`scripts/nomenclature_supplement.json`.",
        "Do not edit `systems.json` by hand: rebuild it.",
        "",
        LICENCE,
        "## Source files",
        "",
        "| file | kind | version | codes |",
        "|---|---|---|---|",
    ]
    for f in sorted(files, key=lambda f: f.path):
        lines.append(f"| `{f.path}` | {f.kind} | {f.version or '?'} | {len(f.concepts)} |")
    lines += [
        "",
        "## Tables",
        "",
        "| key | title | TRE | value sets | codes | complete | from |",
        "|---|---|---|---|---|---|---|",
    ]
    for key, sys_ in doc["systems"].items():
        vsets = ", ".join(v["jdv"] for v in sys_["value_sets"]) or "—"
        origin = "; ".join(builder.systems[key].sources) or "—"
        if key in builder.sourced:
            origin += f" (name/binding: {builder.sourced[key]})"
        lines.append(
            f"| {key} | {sys_['title']} | {sys_['tre'] or '—'} | {vsets} | {len(sys_['codes'])} "
            f"| {'yes' if sys_['complete'] else 'no'} | {origin} |"
        )
    lines += ["", NOTES]
    return "\n".join(lines)


# --- main ----------------------------------------------------------------------------------


def write(doc: dict[str, Any], sources: str, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    text = json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=False) + "\n"
    (out / "systems.json").write_text(text, encoding="utf-8")
    (out / "SOURCES.md").write_text(sources, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="NOS files folder")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder")
    args = parser.parse_args(argv)
    if not args.source.is_dir():
        print(f"error: source folder not found: {args.source}", file=sys.stderr)
        return 2
    try:
        doc, sources = build(args.source)
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    write(doc, sources, args.out)
    counts = ", ".join(f"{k} {len(v['codes'])}" for k, v in doc["systems"].items() if v["codes"])
    print(f"wrote {args.out / 'systems.json'}: {len(doc['systems'])} systems ({counts})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
