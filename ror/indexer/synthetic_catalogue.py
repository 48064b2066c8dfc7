"""What the synthetic generator can build: establishment profiles, practices, opening hours.

Pure data. A :class:`SiteProfile` is one kind of hospital site (EG category R66/J55, which units
it opens and how often, how it tops up to its number of units); a :class:`ServiceVariant` an
establishment with a few offers (EHPAD, HAD, home care, medico-social); a
:class:`PracticeKind` a private practice. The unit templates are in ``synthetic_units``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from ror.indexer.synthetic_units import (
    ADDICTOLOGY,
    ALARM,
    ALLERGY,
    AUTONOMY_RESIDENCE,
    BAPU,
    BARIATRIC,
    BURNS,
    CAARUD,
    CAMSP,
    CARDIAC_SURGERY,
    CARDIOLOGY,
    CEGIDD,
    CLAT,
    CMPP,
    CPTS,
    CUMP,
    DAC,
    DERMATOLOGY,
    DIALYSIS,
    EEAP,
    EHPAD_DAY_CARE,
    EHPAD_PASA,
    EHPAD_PERMANENT,
    EHPAD_TEMPORARY,
    EHPAD_UHR,
    EHPAD_UVP,
    ENDOCRINOLOGY,
    ENDOMETRIOSIS,
    ENT,
    ESA,
    ESAT,
    FAM,
    FAMILY_FOSTER,
    GASTRO,
    GENERAL_MEDICINE,
    GENETICS,
    GERIATRICS,
    GYNAECOLOGICAL_SURGERY,
    HAD_CORE,
    HAD_INFANTS,
    HAD_PERINATAL,
    HAD_REHAB,
    HAEMATOLOGY,
    HYPERBARIC,
    IEM,
    IMAGING,
    IME_BOARDING,
    IME_DAY,
    INFECTIOUS,
    INTERNAL_MEDICINE,
    ITEP,
    LAM,
    LHSS,
    LIFE_HOME,
    LISP_MEDICINE,
    MAS,
    MATERNITY_T1,
    MATERNITY_T2A,
    MATERNITY_T2B,
    MATERNITY_T3,
    MEALS,
    MEMORY,
    MSP,
    NEONATOLOGY,
    NEPHROLOGY,
    NEUROLOGY,
    NEURORADIOLOGY,
    NEUROSURGERY,
    ONCOLOGY,
    OPHTHALMOLOGY,
    ORTHO,
    PAEDIATRIC_SURGERY,
    PAEDIATRICS,
    PAIN,
    PALLIATIVE,
    PHARMACY,
    PMI,
    PNEUMOLOGY,
    PSY_ADULT_CMP,
    PSY_ADULT_DAY,
    PSY_ADULT_WARD,
    PSY_CATTP,
    PSY_CHILD_CMP,
    PSY_CHILD_DAY,
    PSY_ELDERLY,
    PSY_EMERGENCY,
    PSY_INTENSIVE,
    PSY_OCD,
    PSY_PERINATAL,
    PSY_PRECARITY_TEAM,
    PSY_PSYCHOSIS,
    PSY_SUICIDE,
    PSY_TEEN_CMP,
    PSY_TEEN_WARD,
    PSY_UHSA,
    PSY_UMD,
    RADIOTHERAPY,
    REA_CHIR,
    REA_MED,
    REA_NEONAT,
    REA_PED,
    REA_POLY,
    RHEUMATOLOGY,
    SAAD,
    SAAD_ELDERLY,
    SAMSAH,
    SAMU,
    SAVS,
    SESSAD,
    SLEEP,
    SMR_ADDICTION,
    SMR_CARDIO,
    SMR_DAY,
    SMR_GENERAL,
    SMR_GERIATRIC,
    SMR_LOCOMOTOR,
    SMR_LOCOMOTOR_AMPUTEES,
    SMR_NERVOUS,
    SMR_NUTRITION,
    SMR_ONCOLOGY,
    SMR_PAEDIATRIC,
    SMR_POST_ICU,
    SMR_RESPIRATORY,
    SMUR,
    SMUR_PAEDIATRIC,
    SOS_HAND,
    SPASAD,
    SPORT,
    SSIAD_DISABLED,
    SSIAD_ELDERLY,
    TEENAGERS,
    THORACIC,
    TOBACCO,
    UHCD,
    UNSCHEDULED,
    UNSCHEDULED_CITY,
    URG_CH,
    URG_CH_TRAUMA,
    URG_CHU,
    URG_CLINIC,
    URG_DENTAL,
    URG_GYNAECO,
    URG_OPHTHALMO,
    URG_PED,
    UROLOGY,
    USC,
    USC_CHIR,
    USIC,
    USIH,
    USINV,
    USIP,
    USLD,
    VACCINATION,
    VASCULAR,
    VIOLENCE_UNIT,
    VISCERAL,
    YOUTH_POINT,
    UnitTemplate,
)
from ror.model import OpeningHours

Codes = tuple[str, ...]

# --- Opening hours (shared, immutable) -----------------------------------------------------

WEEKDAYS = (1, 2, 3, 4, 5)
ALL_DAYS = (1, 2, 3, 4, 5, 6, 7)

HOURS_24_7 = (OpeningHours(days=ALL_DAYS, all_day=True, kind="01"),)
HOURS_RUNNING_24_7 = (OpeningHours(days=ALL_DAYS, all_day=True, kind="02"),)
HOURS_OFFICE = (OpeningHours(days=WEEKDAYS, start=time(9), end=time(17), kind="01"),)
HOURS_DAY_HOSPITAL = (OpeningHours(days=WEEKDAYS, start=time(8), end=time(17, 30), kind="01"),)
HOURS_DAY_CARE = (OpeningHours(days=WEEKDAYS, start=time(9, 30), end=time(17), kind="01"),)
HOURS_CONSULTATION = (
    OpeningHours(days=WEEKDAYS, start=time(8, 30), end=time(12, 30), kind="07"),
    OpeningHours(days=WEEKDAYS, start=time(13, 30), end=time(17, 30), kind="07"),
)
HOURS_SCHOOL_DAYS = (OpeningHours(days=WEEKDAYS, start=time(8, 30), end=time(16, 30), kind="01"),)
HOURS_HOME_SERVICE = (
    OpeningHours(days=ALL_DAYS, start=time(7), end=time(20), kind="02"),
    OpeningHours(days=WEEKDAYS, start=time(9), end=time(12), kind="01"),
)

ON_APPOINTMENT = "07"  # R252: consultation sur RDV
WALK_IN = "06"  # R252: consultation sans RDV


def _rows(days: tuple[int, ...], spans: str, kind: str) -> tuple[OpeningHours, ...]:
    """Opening rows from "08:30-12:30,14:00-19:00"."""
    out = []
    for span in spans.split(","):
        start, end = span.split("-")
        out.append(
            OpeningHours(
                days=days, start=time.fromisoformat(start), end=time.fromisoformat(end), kind=kind
            )
        )
    return tuple(out)


# Private practices: a few typical weeks, on appointment, some with walk-in hours.
PRACTICE_HOURS: tuple[tuple[OpeningHours, ...], ...] = (
    _rows(WEEKDAYS, "08:30-12:30,14:00-19:00", ON_APPOINTMENT),
    _rows(WEEKDAYS, "09:00-19:00", ON_APPOINTMENT) + _rows((6,), "09:00-12:00", ON_APPOINTMENT),
    _rows((1, 2, 4, 5), "08:00-12:00,14:00-18:30", ON_APPOINTMENT)
    + _rows((3,), "08:00-12:00", ON_APPOINTMENT),
    _rows(WEEKDAYS, "09:00-12:00", WALK_IN) + _rows(WEEKDAYS, "14:00-19:00", ON_APPOINTMENT),
    _rows((1, 2, 3, 4), "10:00-20:00", ON_APPOINTMENT),
)

HOURS: dict[str, tuple[OpeningHours, ...]] = {
    "h24": HOURS_24_7,
    "running": HOURS_RUNNING_24_7,
    "office": HOURS_OFFICE,
    "day_hospital": HOURS_DAY_HOSPITAL,
    "day_care": HOURS_DAY_CARE,
    "consultation": HOURS_CONSULTATION,
    "school": HOURS_SCHOOL_DAYS,
    "home": HOURS_HOME_SERVICE,
}


# --- Private practices ("offre de ville") --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PracticeKind:
    """One kind of private practice; ``weight`` is its share among practice offers."""

    label: str  # "médecine générale"
    offer_type: str  # R244 "Cabinet de ville de …"
    activity: Codes
    profession: str  # G15
    weight: float
    doctor: bool = False  # named "Cabinet du Dr …"
    age: tuple[int, int] = (0, 120)
    home_visits: float = 0.1  # share offering R338 05 (visite à domicile)


PRACTICES = (
    PracticeKind("médecine générale", "196", ("437",), "10", 0.26, doctor=True, home_visits=0.2),
    PracticeKind("kinésithérapie", "195", ("339",), "70", 0.17, home_visits=0.3),
    PracticeKind("soins infirmiers", "225", ("287",), "60", 0.16, home_visits=0.9),
    PracticeKind("chirurgie dentaire", "226", ("442", "101"), "40", 0.09, home_visits=0.0),
    PracticeKind("psychologie", "209", ("289",), "93", 0.08, home_visits=0.02),
    PracticeKind("orthophonie", "222", ("200",), "91", 0.045, home_visits=0.05),
    PracticeKind("pédicurie-podologie", "206", ("201",), "80", 0.03, home_visits=0.3),
    PracticeKind("sage-femme", "213", ("530", "529"), "50", 0.03, age=(12, 55), home_visits=0.3),
    PracticeKind("pédiatrie", "205", ("088",), "10", 0.015, doctor=True, age=(0, 17)),
    PracticeKind("psychiatrie", "208", ("229",), "10", 0.015, doctor=True, age=(16, 120)),
    PracticeKind("pédopsychiatrie", "208", ("227", "228"), "10", 0.005, doctor=True, age=(0, 17)),
    PracticeKind("cardiologie", "183", ("013",), "10", 0.015, doctor=True, age=(15, 120)),
    PracticeKind("ophtalmologie", "221", ("103",), "10", 0.015, doctor=True),
    PracticeKind("dermatologie", "190", ("037",), "10", 0.01, doctor=True),
    PracticeKind("gynécologie", "194", ("053", "527"), "10", 0.012, doctor=True, age=(12, 120)),
    PracticeKind("psychomotricité", "210", ("493", "621"), "96", 0.01, age=(0, 17)),
    PracticeKind("ergothérapie", "216", ("558",), "94", 0.008, home_visits=0.5),
    PracticeKind("diététique", "191", ("549",), "95", 0.01),
    PracticeKind("orthoptie", "223", ("106",), "92", 0.006),
    PracticeKind("orthopédie dento-faciale", "229", ("104",), "40", 0.005, age=(3, 120)),
    PracticeKind("rhumatologie", "212", ("131",), "10", 0.01, doctor=True, age=(15, 120)),
    PracticeKind("radiologie", "211", ("069", "454", "067", "504"), "10", 0.012, doctor=True),
    PracticeKind("pneumologie", "207", ("114", "480"), "10", 0.008, doctor=True),
    PracticeKind("allergologie", "180", ("005",), "10", 0.004, doctor=True),
    PracticeKind("ostéopathie", "195", ("197",), "70", 0.02, home_visits=0.1),
)
PSYCHOLOGY = next(p for p in PRACTICES if p.offer_type == "209")
CHILD_PSYCHOLOGY_SPECIALISATIONS: tuple[Codes, ...] = (("02",), ("03",), ("11",), ("02", "03"), ())
ADULT_PSYCHOLOGY_SPECIALISATIONS: tuple[Codes, ...] = (("65",), ("08",), ("67",), ("01",), ())


# --- Establishment profiles ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SiteProfile:
    """One kind of establishment and the units it opens.

    ``core`` units are considered in order, each opened with its probability, until the site
    has its number of units; ``fill`` units (with a care mode variant) then top it up.
    """

    category: str  # R66 / J55
    core: tuple[tuple[UnitTemplate, float], ...]
    fill: tuple[UnitTemplate, ...] = ()
    fill_modes: tuple[str, ...] = ("28",)  # care modes the fill units cycle through


def _p(*pairs: tuple[UnitTemplate, float]) -> tuple[tuple[UnitTemplate, float], ...]:
    return pairs


# R211 surgical activities: their units can be day surgery (R213 09).
SURGICAL_ACTIVITIES = frozenset(
    {"016", "017", "018", "022", "025", "030", "031", "032", "033", "096", "103", "604", "605"}
)

_MEDICAL_FILL = (
    CARDIOLOGY,
    PNEUMOLOGY,
    GASTRO,
    NEUROLOGY,
    INTERNAL_MEDICINE,
    GENERAL_MEDICINE,
    GERIATRICS,
    NEPHROLOGY,
    ONCOLOGY,
    ENDOCRINOLOGY,
    ORTHO,
    VISCERAL,
    UROLOGY,
    OPHTHALMOLOGY,
    ENT,
)

CHU = SiteProfile(
    "101",
    _p(
        (URG_CHU, 1.0),
        (URG_PED, 1.0),
        (UHCD, 1.0),
        (REA_MED, 1.0),
        (USC, 1.0),
        (USIC, 1.0),
        (USINV, 1.0),
        (REA_POLY, 0.7),
        (REA_CHIR, 0.8),
        (REA_PED, 0.9),
        (REA_NEONAT, 0.9),
        (USIP, 0.5),
        (SAMU, 0.9),
        (SMUR, 1.0),
        (SMUR_PAEDIATRIC, 0.4),
        (CUMP, 0.8),
        (USIH, 0.5),
        (NEURORADIOLOGY, 0.7),
        (BURNS, 0.2),
        (URG_GYNAECO, 0.8),
        (URG_OPHTHALMO, 0.5),
        (URG_DENTAL, 0.3),
        (SOS_HAND, 0.3),
        (MATERNITY_T3, 1.0),
        (NEONATOLOGY, 1.0),
        (ORTHO, 1.0),
        (IMAGING, 1.0),
        (VISCERAL, 1.0),
        (NEUROSURGERY, 1.0),
        (CARDIAC_SURGERY, 0.9),
        (THORACIC, 0.8),
        (BARIATRIC, 0.7),
        (UROLOGY, 1.0),
        (VASCULAR, 0.9),
        (ENT, 0.9),
        (OPHTHALMOLOGY, 0.9),
        (PAEDIATRIC_SURGERY, 0.9),
        (GYNAECOLOGICAL_SURGERY, 0.7),
        (CARDIOLOGY, 1.0),
        (PNEUMOLOGY, 1.0),
        (GASTRO, 1.0),
        (NEUROLOGY, 1.0),
        (INTERNAL_MEDICINE, 1.0),
        (GERIATRICS, 1.0),
        (NEPHROLOGY, 1.0),
        (ONCOLOGY, 1.0),
        (HAEMATOLOGY, 1.0),
        (PAEDIATRICS, 1.0),
        (INFECTIOUS, 0.9),
        (ENDOCRINOLOGY, 0.9),
        (DERMATOLOGY, 0.8),
        (RHEUMATOLOGY, 0.8),
        (DIALYSIS, 0.8),
        (PALLIATIVE, 0.7),
        (ADDICTOLOGY, 0.5),
        (SMR_GENERAL, 0.5),
        (SMR_GERIATRIC, 0.5),
        (SMR_POST_ICU, 0.3),
        (PSY_EMERGENCY, 0.8),
        (PSY_ADULT_WARD, 0.8),
        (PSY_CHILD_CMP, 0.6),
        (PSY_CHILD_DAY, 0.5),
        (PSY_TEEN_WARD, 0.5),
        (PSY_PERINATAL, 0.3),
        (VIOLENCE_UNIT, 0.4),
        (PAIN, 1.0),
        (RADIOTHERAPY, 0.8),
        (PHARMACY, 0.9),
        (GENETICS, 0.8),
        (CEGIDD, 0.8),
        (MEMORY, 0.9),
        (SLEEP, 0.6),
        (ALLERGY, 0.6),
        (TOBACCO, 0.6),
        (SPORT, 0.4),
        (ENDOMETRIOSIS, 0.3),
        (BAPU, 0.3),
        (HYPERBARIC, 0.2),
    ),
    fill=(*_MEDICAL_FILL, HAEMATOLOGY, PAEDIATRICS, NEUROSURGERY, VASCULAR, RHEUMATOLOGY),
    fill_modes=("29", "32", "34", "09"),
)

CH = SiteProfile(
    "355",
    _p(
        (URG_CH, 0.55),
        (URG_CH_TRAUMA, 0.45),
        (UHCD, 0.9),
        (GENERAL_MEDICINE, 1.0),
        (REA_POLY, 0.55),
        (USC, 0.8),
        (USIC, 0.45),
        (USINV, 0.35),
        (URG_PED, 0.25),
        (MATERNITY_T2A, 0.3),
        (MATERNITY_T2B, 0.25),
        (MATERNITY_T1, 0.3),
        (ORTHO, 0.9),
        (VISCERAL, 0.9),
        (IMAGING, 0.7),
        (CARDIOLOGY, 0.8),
        (PNEUMOLOGY, 0.7),
        (GASTRO, 0.7),
        (GERIATRICS, 0.9),
        (NEUROLOGY, 0.5),
        (PAEDIATRICS, 0.6),
        (NEONATOLOGY, 0.3),
        (UROLOGY, 0.5),
        (ONCOLOGY, 0.5),
        (DIALYSIS, 0.4),
        (PALLIATIVE, 0.3),
        (LISP_MEDICINE, 0.3),
        (BARIATRIC, 0.1),
        (SMR_GENERAL, 0.6),
        (SMR_GERIATRIC, 0.6),
        (SMR_DAY, 0.3),
        (PSY_ADULT_WARD, 0.5),
        (PSY_ADULT_CMP, 0.5),
        (PSY_CHILD_CMP, 0.4),
        (PSY_CHILD_DAY, 0.3),
        (ADDICTOLOGY, 0.3),
        (SMUR, 0.7),
        (URG_GYNAECO, 0.25),
        (PAIN, 0.4),
        (MEMORY, 0.4),
        (TOBACCO, 0.35),
        (PHARMACY, 0.7),
        (USLD, 0.45),
        (CEGIDD, 0.3),
        (TEENAGERS, 0.15),
        (UNSCHEDULED, 0.15),
        (RADIOTHERAPY, 0.15),
        (SLEEP, 0.15),
    ),
    fill=_MEDICAL_FILL,
    fill_modes=("29", "32", "34", "09"),
)

LOCAL_HOSPITAL = SiteProfile(
    "106",
    _p(
        (GENERAL_MEDICINE, 0.7),
        (LISP_MEDICINE, 0.3),
        (SMR_GERIATRIC, 0.9),
        (SMR_GENERAL, 0.4),
        (PALLIATIVE, 0.1),
        (USLD, 0.35),
    ),
    fill=(GENERAL_MEDICINE, GERIATRICS),
    fill_modes=("32", "29"),
)

SURGICAL_CLINIC = SiteProfile(
    "128",
    _p(
        (ORTHO, 1.0),
        (VISCERAL, 0.9),
        (UROLOGY, 0.6),
        (OPHTHALMOLOGY, 0.6),
        (ENT, 0.5),
        (URG_CLINIC, 0.25),
        (USC_CHIR, 0.35),
        (BARIATRIC, 0.3),
        (GYNAECOLOGICAL_SURGERY, 0.3),
        (VASCULAR, 0.3),
        (IMAGING, 0.3),
        (SOS_HAND, 0.1),
    ),
    fill=(ORTHO, VISCERAL, UROLOGY, OPHTHALMOLOGY, ENT, VASCULAR),
    fill_modes=("09", "32"),
)

MEDICAL_CLINIC = SiteProfile(
    "129",
    _p(
        (GENERAL_MEDICINE, 1.0),
        (CARDIOLOGY, 0.5),
        (GASTRO, 0.4),
        (ONCOLOGY, 0.4),
        (PALLIATIVE, 0.3),
        (DIALYSIS, 0.3),
        (SMR_GENERAL, 0.4),
    ),
    fill=(GENERAL_MEDICINE, ONCOLOGY, CARDIOLOGY),
    fill_modes=("29", "32"),
)

REHAB_CENTRE = SiteProfile(
    "109",
    _p(
        (SMR_GENERAL, 0.7),
        (SMR_LOCOMOTOR, 0.6),
        (SMR_GERIATRIC, 0.5),
        (SMR_DAY, 0.5),
        (SMR_NERVOUS, 0.4),
        (SMR_CARDIO, 0.25),
        (SMR_RESPIRATORY, 0.2),
        (SMR_NUTRITION, 0.1),
        (SMR_ADDICTION, 0.1),
        (SMR_ONCOLOGY, 0.1),
        (SMR_PAEDIATRIC, 0.08),
        (SMR_LOCOMOTOR_AMPUTEES, 0.05),
        (SMR_POST_ICU, 0.04),
    ),
    fill=(SMR_GENERAL, SMR_LOCOMOTOR, SMR_GERIATRIC, SMR_NERVOUS),
    fill_modes=("28", "29"),
)

PSYCHIATRIC_HOSPITAL = SiteProfile(
    "292",
    _p(
        (PSY_ADULT_WARD, 1.0),
        (PSY_ADULT_CMP, 1.0),
        (PSY_CHILD_CMP, 1.0),
        (PSY_EMERGENCY, 0.6),
        (PSY_ADULT_DAY, 0.9),
        (PSY_CATTP, 0.8),
        (PSY_CHILD_DAY, 0.8),
        (PSY_TEEN_WARD, 0.5),
        (PSY_TEEN_CMP, 0.6),
        (PSY_INTENSIVE, 0.4),
        (PSY_ELDERLY, 0.5),
        (PSY_PERINATAL, 0.2),
        (PSY_PRECARITY_TEAM, 0.5),
        (PSY_UHSA, 0.05),
        (PSY_UMD, 0.04),
        (PSY_PSYCHOSIS, 0.5),
        (PSY_SUICIDE, 0.3),
        (PSY_OCD, 0.15),
    ),
    fill=(PSY_ADULT_WARD, PSY_ADULT_CMP, PSY_CHILD_CMP, PSY_ADULT_DAY, PSY_CATTP),
    fill_modes=(),  # fill units keep their own care mode (sector units)
)

SITE_PROFILES: dict[str, SiteProfile] = {
    "chu": CHU,
    "ch": CH,
    "local_hospital": LOCAL_HOSPITAL,
    "surgical_clinic": SURGICAL_CLINIC,
    "medical_clinic": MEDICAL_CLINIC,
    "rehab": REHAB_CENTRE,
    "psychiatric": PSYCHIATRIC_HOSPITAL,
}


@dataclass(frozen=True, slots=True)
class ServiceVariant:
    """An establishment with a few offers: the first always opens, the others by probability."""

    category: str  # R66 / J55
    units: tuple[tuple[UnitTemplate, float], ...]
    weight: float = 1.0


def _v(category: str, weight: float, *units: tuple[UnitTemplate, float]) -> ServiceVariant:
    return ServiceVariant(category, units, weight)


SERVICE_KINDS: dict[str, tuple[ServiceVariant, ...]] = {
    "had": (
        _v(
            "127",
            1.0,
            (HAD_CORE, 1.0),
            (HAD_REHAB, 0.35),
            (HAD_PERINATAL, 0.3),
            (HAD_INFANTS, 0.15),
        ),
    ),
    "ehpad": (
        _v(
            "500",
            1.0,
            (EHPAD_PERMANENT, 1.0),
            (EHPAD_TEMPORARY, 0.65),
            (EHPAD_UVP, 0.5),
            (EHPAD_PASA, 0.3),
            (EHPAD_DAY_CARE, 0.25),
            (EHPAD_UHR, 0.04),
        ),
    ),
    "autonomy_residence": (_v("202", 1.0, (AUTONOMY_RESIDENCE, 1.0)),),
    "home_care": (
        _v("354", 2.0, (SSIAD_ELDERLY, 1.0), (SSIAD_DISABLED, 0.35), (ESA, 0.25)),
        _v("460", 4.2, (SAAD, 1.0)),
        _v("460", 2.8, (SAAD_ELDERLY, 1.0)),
        _v("209", 0.4, (SPASAD, 1.0)),
    ),
    "disability_child": (
        _v("183", 1.2, (IME_DAY, 1.0), (IME_BOARDING, 0.4)),
        _v("186", 0.45, (ITEP, 1.0)),
        _v("182", 1.9, (SESSAD, 1.0)),
        _v("190", 0.35, (CAMSP, 1.0)),
        _v("189", 0.3, (CMPP, 1.0)),
        _v("188", 0.2, (EEAP, 1.0)),
        _v("192", 0.15, (IEM, 1.0)),
    ),
    "disability_adult": (
        _v("255", 0.7, (MAS, 1.0)),
        _v("437", 1.0, (FAM, 1.0)),
        _v("246", 1.45, (ESAT, 1.0)),
        _v("382", 1.9, (LIFE_HOME, 1.0)),
        _v("445", 0.4, (SAMSAH, 1.0)),
        _v("446", 1.2, (SAVS, 1.0)),
    ),
    "territory": (
        _v("223", 1.5, (PMI, 1.0)),
        _v("603", 0.6, (MSP, 1.0)),
        _v("124", 0.4, (UNSCHEDULED_CITY, 1.0), (VACCINATION, 0.3)),
        _v("460", 0.5, (MEALS, 1.0), (ALARM, 0.5)),
        _v("178", 0.4, (CAARUD, 1.0)),
        _v("180", 0.4, (LHSS, 1.0), (LAM, 0.4)),
        _v("142", 0.3, (CLAT, 1.0), (VACCINATION, 0.5)),
        _v("606", 0.3, (DAC, 1.0)),
        _v("604", 0.3, (CPTS, 1.0)),
        _v("238", 0.3, (FAMILY_FOSTER, 1.0)),
        _v("439", 0.3, (YOUTH_POINT, 1.0)),
    ),
}


@dataclass(frozen=True, slots=True)
class PracticeVariant:
    """A private-practice establishment: how many offers (practitioners) and of which mix."""

    category: str  # SA07 cabinet individuel, SA08 cabinet de groupe, 603 MSP, 124 centre de santé
    offers: tuple[int, int]
    weight: float


PRACTICE_VARIANTS = (
    PracticeVariant("SA07", (1, 1), 0.62),
    PracticeVariant("SA08", (2, 6), 0.25),
    PracticeVariant("603", (4, 10), 0.10),
    PracticeVariant("124", (3, 8), 0.03),
)


# Care modes of home-based services: matched by intervention zone, not by distance.
HOME_BASED_CARE_MODES = frozenset({"49", "31"})


def all_templates() -> list[UnitTemplate]:
    """Every unit template the generator may use (for code checks)."""
    seen: dict[int, UnitTemplate] = {}
    for profile in SITE_PROFILES.values():
        for template, _ in profile.core:
            seen[id(template)] = template
        for template in profile.fill:
            seen[id(template)] = template
    for variants in SERVICE_KINDS.values():
        for variant in variants:
            for template, _ in variant.units:
                seen[id(template)] = template
    return list(seen.values())


FILL_MODE_LABELS = {
    "28": "HOSPITALISATION COMPLETE",
    "29": "HOSPITALISATION DE JOUR",
    "34": "HOSPITALISATION DE SEMAINE",
    "32": "CONSULTATION",
    "09": "CHIRURGIE AMBULATOIRE",
    "33": "URGENCES",
    "13": "UHCD",
    "31": "HAD",
    "55": "PLATEAU TECHNIQUE",
    "20": "SOINS EXTERNES",
    "59": "EQUIPE MOBILE",
    "46": "HEBERGEMENT",
    "47": "ACCUEIL DE JOUR",
    "49": "SUR LES LIEUX DE VIE",
}
