"""NOS code systems for the ROR: labels, code normalisation by TRE/JDV number, lay terms -> codes.

>>> system_key("https://mos.esante.gouv.fr/NOS/JDV_J17-ActiviteOperationnelle-ROR/FHIR/JDV-J17-ActiviteOperationnelle-ROR/")
'R211'
>>> label("R211", "227")
'Psychiatrie de l’enfant (pédopsychiatrie)'
>>> normalise_code("R211", "22")
'022'
"""

from ror.nomenclature.lay_terms import (
    AGE_RANGES,
    TEXT_FIELDS,
    AgeHint,
    LayTerms,
    Suggestion,
    TermMatch,
    TextMatch,
    resolve_text,
    suggest,
)
from ror.nomenclature.registry import (
    FIELD_SYSTEMS,
    PART_SYSTEMS,
    Nomenclature,
    canonical_url,
    codes,
    default,
    field_for_system,
    has_table,
    is_known,
    label,
    normalise_code,
    require,
    system_key,
    system_title,
)

__all__ = [
    "AGE_RANGES",
    "FIELD_SYSTEMS",
    "PART_SYSTEMS",
    "TEXT_FIELDS",
    "AgeHint",
    "LayTerms",
    "Nomenclature",
    "Suggestion",
    "TermMatch",
    "TextMatch",
    "canonical_url",
    "codes",
    "default",
    "field_for_system",
    "has_table",
    "is_known",
    "label",
    "normalise_code",
    "require",
    "resolve_text",
    "suggest",
    "system_key",
    "system_title",
]
