"""What the synthetic generator can build: unit templates and establishment profiles.

Pure data. A :class:`UnitTemplate` is one kind of offre opérationnelle (codes, age range, the
capacity it reports, equipment it may have); a :class:`SiteProfile` is one kind of
establishment (EG category, which units it opens and how often). Every code here is a real
NOS code (R211 activity, R244 offer type, R227 champ, R213 care mode, R239 public, R245
specialisation, J227 expertise, R338 modality, G15 profession, R212 equipment, R66/J55 EG
category); ``tests/indexer/test_synthetic.py`` checks them against the nomenclature tables.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import time

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


# --- Templates -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EquipmentSpec:
    """Equipment a unit's Location may have (R212), with its count or weight limit (R340 001)."""

    code: str
    probability: float
    count: tuple[int, int] | None = None
    limit_kg: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class UnitTemplate:
    """One kind of offer. ``capacity`` is the installed range; (0, 0) reports no counters."""

    name: str
    champ: str  # R227
    activity: Codes  # R211
    offer_type: str  # R244
    care_mode: str  # R213
    capacity: tuple[int, int] = (0, 0)
    nature: str = "01"  # R329: 01 lit, 02 place
    age: tuple[int, int] = (18, 120)
    public: Codes = ()  # R239
    reception: Codes = ()  # R240
    expertise: Codes = ()  # J227
    specialisations: Codes = ()  # R245
    modalities: Codes = ()  # R338
    professions: Codes = ()  # G15
    equipment: tuple[EquipmentSpec, ...] = ()
    hours: str = "h24"
    sensitive: float = 0.0  # probability the unit is flagged uniteSensible
    occupancy: float = 0.85  # typical share of open capacity in use
    group: str = ""  # units of one site in the same group may share a Location
    critical: bool = False  # reports to a bed-management tool (fresh counters, genders)


def _hc(name: str, activity: Codes, offer_type: str, beds: tuple[int, int]) -> UnitTemplate:
    """An MCO ward in full hospitalisation (HC) reporting beds."""
    return UnitTemplate(name, "01", activity, offer_type, "28", capacity=beds)


# Emergency ----------------------------------------------------------------------------------
URG_CHU = UnitTemplate(
    "Urgences adultes", "01", ("157", "159", "160"), "20", "33", age=(15, 120), modalities=("02",)
)
URG_CH = UnitTemplate("Urgences", "01", ("157",), "20", "33", age=(15, 120))
URG_CH_TRAUMA = replace(URG_CH, activity=("157", "159"))
URG_CLINIC = replace(URG_CH, name="Urgences - accueil non programmé")
URG_PED = UnitTemplate("Urgences pédiatriques", "01", ("249",), "20", "33", age=(0, 17))
UHCD = UnitTemplate(
    "Unité d'hospitalisation de courte durée",
    "01",
    ("157",),
    "20",
    "13",
    capacity=(6, 20),
    age=(15, 120),
    occupancy=0.9,
    group="urg",
    critical=True,
)

# Critical care --------------------------------------------------------------------------------
_ICU_EQUIPMENT = (
    EquipmentSpec("107", 0.9, count=(2, 6)),
    EquipmentSpec("009", 0.5, count=(1, 4)),
    EquipmentSpec("156", 0.6, count=(8, 20)),
)
_ICU = replace(
    _hc("Réanimation", ("127",), "121", (6, 24)),
    equipment=_ICU_EQUIPMENT,
    occupancy=0.9,
    group="rea",
    critical=True,
)
REA_MED = replace(
    _ICU,
    name="Réanimation médicale",
    activity=("126",),
    capacity=(8, 30),
    equipment=(*_ICU_EQUIPMENT, EquipmentSpec("093", 0.5, count=(1, 2))),
)
REA_POLY = replace(_ICU, name="Réanimation polyvalente")
REA_CHIR = replace(_ICU, name="Réanimation chirurgicale", activity=("122",), capacity=(8, 24))
REA_PED = replace(
    _ICU, name="Réanimation pédiatrique", activity=("130",), capacity=(6, 16), age=(0, 17)
)
REA_NEONAT = replace(
    _ICU,
    name="Réanimation néonatale",
    activity=("128",),
    capacity=(8, 20),
    age=(0, 0),
    equipment=(),
)
USC = replace(
    _ICU,
    name="Unité de surveillance continue",
    activity=("373",),
    offer_type="254",
    capacity=(6, 16),
    equipment=(),
)
USC_CHIR = replace(
    USC, name="Unité de surveillance continue chirurgicale", activity=("374",), capacity=(4, 12)
)
USIC = replace(
    _hc("Soins intensifs de cardiologie (USIC)", ("354",), "262", (6, 16)),
    occupancy=0.88,
    critical=True,
)
USINV = replace(
    _hc("Unité neuro-vasculaire - soins intensifs (USINV)", ("356",), "263", (4, 12)),
    critical=True,
)
USIP = replace(
    USC, name="Soins intensifs polyvalents", activity=("351",), offer_type="122", capacity=(4, 12)
)

# Maternity and newborn ------------------------------------------------------------------------
MATERNITY_T3 = replace(
    _hc("Gynécologie-obstétrique", ("100", "022"), "157", (15, 60)),
    age=(12, 55),
    expertise=("04",),
    equipment=(EquipmentSpec("145", 0.4, count=(1, 2)),),
    occupancy=0.75,
    critical=True,
)
MATERNITY_T2B = replace(MATERNITY_T3, expertise=("03",), capacity=(15, 40))
MATERNITY_T2A = replace(MATERNITY_T3, expertise=("02",), capacity=(12, 35))
MATERNITY_T1 = replace(MATERNITY_T3, expertise=("01",), capacity=(10, 25))
NEONATOLOGY = replace(_hc("Néonatologie", ("094",), "162", (6, 20)), age=(0, 0), critical=True)

# Surgery ---------------------------------------------------------------------------------------
ORTHO = replace(
    _hc("Chirurgie orthopédique et traumatologique", ("025", "145"), "150", (15, 40)),
    age=(15, 120),
    equipment=(
        EquipmentSpec("088", 0.35, limit_kg=(200, 220, 250)),
        EquipmentSpec("072", 0.1, limit_kg=(270, 300, 350)),
        EquipmentSpec("091", 0.2, count=(1, 2), limit_kg=(200, 250)),
    ),
    critical=True,
)
VISCERAL = replace(
    _hc("Chirurgie viscérale et digestive", ("033",), "153", (15, 35)),
    equipment=(EquipmentSpec("088", 0.25, limit_kg=(200, 220, 250)),),
    critical=True,
)
BARIATRIC = replace(
    _hc("Chirurgie de l'obésité", ("017",), "153", (8, 20)),
    equipment=(
        EquipmentSpec("088", 0.8, limit_kg=(220, 250)),
        EquipmentSpec("072", 0.5, limit_kg=(300, 350)),
        EquipmentSpec("089", 0.6, count=(1, 4), limit_kg=(300, 350)),
    ),
)
UROLOGY = replace(
    _hc("Urologie", ("031",), "234", (10, 30)),
    equipment=(EquipmentSpec("069", 0.15, count=(1, 1)),),
)
VASCULAR = _hc("Chirurgie vasculaire", ("032",), "152", (10, 25))
CARDIAC_SURGERY = replace(_hc("Chirurgie cardiaque", ("018",), "151", (12, 30)), critical=True)
THORACIC = _hc("Chirurgie thoracique", ("030",), "151", (10, 25))
NEUROSURGERY = replace(_hc("Neurochirurgie", ("096", "440"), "160", (15, 35)), critical=True)
ENT = _hc("Oto-rhino-laryngologie", ("016",), "173", (8, 20))
OPHTHALMOLOGY = _hc("Ophtalmologie", ("103",), "172", (6, 15))
PAEDIATRIC_SURGERY = replace(
    _hc("Chirurgie pédiatrique", ("604", "605"), "241", (10, 25)), age=(0, 17)
)
GYNAECOLOGICAL_SURGERY = replace(
    _hc("Chirurgie gynécologique", ("022",), "157", (8, 20)), age=(15, 120)
)

# Medicine --------------------------------------------------------------------------------------
CARDIOLOGY = _hc("Cardiologie", ("013",), "149", (20, 45))
PNEUMOLOGY = _hc("Pneumologie", ("114",), "163", (20, 40))
GASTRO = _hc("Hépato-gastro-entérologie", ("046", "062"), "170", (20, 40))
NEUROLOGY = _hc("Neurologie", ("097",), "161", (20, 40))
INTERNAL_MEDICINE = _hc("Médecine interne", ("085",), "176", (20, 40))
GENERAL_MEDICINE = _hc("Médecine polyvalente", ("083",), "238", (20, 40))
LISP_MEDICINE = _hc(
    "Médecine - lits identifiés de soins palliatifs", ("083", "076"), "238", (15, 30)
)
GERIATRICS = replace(
    _hc("Médecine gériatrique aiguë", ("491", "050"), "156", (20, 40)), age=(75, 120)
)
NEPHROLOGY = _hc("Néphrologie", ("095",), "159", (15, 30))
ONCOLOGY = _hc("Oncologie médicale", ("102", "164"), "171", (15, 35))
HAEMATOLOGY = replace(
    _hc("Hématologie clinique", ("055",), "169", (12, 30)),
    equipment=(EquipmentSpec("010", 0.6, count=(2, 8)),),
)
PAEDIATRICS = replace(_hc("Pédiatrie", ("088",), "162", (15, 35)), age=(0, 17))
INFECTIOUS = replace(
    _hc("Maladies infectieuses et tropicales", ("077",), "168", (12, 25)),
    equipment=(EquipmentSpec("009", 0.7, count=(2, 6)),),
)
ENDOCRINOLOGY = _hc("Endocrinologie-diabétologie", ("041", "039"), "167", (10, 25))
DERMATOLOGY = _hc("Dermatologie", ("037",), "154", (8, 20))
RHEUMATOLOGY = _hc("Rhumatologie", ("131",), "165", (10, 25))
PALLIATIVE = replace(_hc("Unité de soins palliatifs", ("170",), "175", (8, 15)), occupancy=0.9)
ADDICTOLOGY = _hc("Addictologie - sevrage complexe", ("404",), "145", (8, 20))
IMAGING = UnitTemplate(
    "Imagerie médicale",
    "01",
    ("068", "070"),
    "164",
    "55",
    age=(0, 120),
    equipment=(
        EquipmentSpec("054", 0.95, count=(1, 3)),
        EquipmentSpec("085", 0.25, limit_kg=(220, 250)),
        EquipmentSpec("052", 0.15, limit_kg=(200, 250)),
        EquipmentSpec("087", 0.1, count=(1, 1)),
    ),
)
DIALYSIS = UnitTemplate(
    "Hémodialyse en centre",
    "01",
    ("059",),
    "274",
    "20",
    capacity=(10, 30),
    nature="02",
    hours="day_hospital",
    occupancy=0.9,
)
VIOLENCE_UNIT = UnitTemplate(
    "Accueil des victimes de violences",
    "01",
    ("512", "086"),
    "69",
    "32",
    age=(0, 120),
    public=("10",),
    sensitive=0.8,
)

# SMR (soins médicaux et de réadaptation) -------------------------------------------------------
_SMR = UnitTemplate(
    "SMR polyvalent",
    "02",
    ("172",),
    "100",
    "28",
    capacity=(20, 45),
    equipment=(
        EquipmentSpec("150", 0.7, count=(1, 2)),
        EquipmentSpec("099", 0.12, count=(1, 1)),
        EquipmentSpec("103", 0.05, count=(1, 1)),
    ),
    occupancy=0.9,
    group="smr",
)
SMR_GENERAL = _SMR
SMR_GERIATRIC = replace(_SMR, name="SMR gériatrique", activity=("241",), offer_type="101")
SMR_LOCOMOTOR = replace(_SMR, name="SMR locomoteur", activity=("233",), offer_type="102")
SMR_LOCOMOTOR_AMPUTEES = replace(
    SMR_LOCOMOTOR,
    name="SMR locomoteur - patients amputés",
    activity=("233", "513"),
    expertise=("14",),
)
SMR_NERVOUS = replace(_SMR, name="SMR système nerveux", activity=("234",), offer_type="103")
SMR_POST_ICU = replace(
    SMR_NERVOUS, name="SMR post-réanimation", activity=("234", "244"), expertise=("18",)
)
SMR_CARDIO = replace(_SMR, name="SMR cardio-vasculaire", activity=("235",), offer_type="104")
SMR_RESPIRATORY = replace(_SMR, name="SMR respiratoire", activity=("236",), offer_type="105")
SMR_NUTRITION = replace(
    _SMR,
    name="SMR nutrition et obésité",
    activity=("237", "520"),
    offer_type="106",
    expertise=("22",),
)
SMR_ADDICTION = replace(_SMR, name="SMR conduites addictives", activity=("240",), offer_type="108")
SMR_PAEDIATRIC = replace(_SMR, name="SMR pédiatrique", offer_type="109", age=(0, 17))
SMR_ONCOLOGY = replace(_SMR, name="SMR oncologie", activity=("523",), offer_type="111")
SMR_DAY = replace(
    _SMR,
    name="SMR hôpital de jour",
    activity=("172", "283"),
    care_mode="29",
    capacity=(8, 25),
    nature="02",
    hours="day_hospital",
    group="",
)

# Psychiatry -----------------------------------------------------------------------------------
_PSY_WARD = UnitTemplate(
    "Psychiatrie adulte",
    "03",
    ("229",),
    "16",
    "28",
    capacity=(15, 30),
    equipment=(EquipmentSpec("097", 0.6, count=(1, 3)),),
    occupancy=0.92,
    group="psy",
    sensitive=0.05,
)
_PSY_CONSULT = UnitTemplate(
    "Centre médico-psychologique adultes",
    "03",
    ("229",),
    "10",
    "32",
    hours="consultation",
    modalities=("03",),
    professions=("10", "93", "60"),
)
PSY_ADULT_WARD = _PSY_WARD
PSY_ADULT_CMP = _PSY_CONSULT
PSY_ADULT_DAY = replace(
    _PSY_WARD,
    name="Hôpital de jour de psychiatrie adulte",
    offer_type="11",
    care_mode="29",
    capacity=(10, 25),
    nature="02",
    hours="day_hospital",
    equipment=(),
    group="",
)
PSY_CATTP = replace(
    _PSY_CONSULT,
    name="CATTP adultes",
    activity=("229", "231"),
    offer_type="05",
    hours="office",
    modalities=(),
    professions=("60", "93"),
)
PSY_CHILD_CMP = replace(
    _PSY_CONSULT,
    name="Centre médico-psychologique infanto-juvénile",
    activity=("227",),
    age=(0, 16),
    professions=("10", "93", "96", "91"),
    specialisations=("02", "03"),
)
PSY_CHILD_DAY = replace(
    PSY_ADULT_DAY,
    name="Hôpital de jour de pédopsychiatrie",
    activity=("227",),
    capacity=(8, 15),
    age=(3, 12),
    specialisations=("02",),
    professions=("10", "93", "96"),
)
PSY_TEEN_WARD = replace(
    _PSY_WARD,
    name="Unité d'hospitalisation pour adolescents",
    activity=("228",),
    capacity=(8, 15),
    age=(12, 17),
    equipment=(),
    group="",
    sensitive=0.1,
)
PSY_TEEN_CMP = replace(
    _PSY_CONSULT,
    name="Consultations pour adolescents",
    activity=("228", "453"),
    age=(12, 18),
    professions=("10", "93"),
)
PSY_INTENSIVE = replace(
    _PSY_WARD,
    name="Unité de soins intensifs psychiatriques",
    activity=("355",),
    offer_type="15",
    capacity=(6, 12),
    sensitive=0.2,
    occupancy=0.95,
    group="",
    equipment=(EquipmentSpec("097", 0.95, count=(2, 4)),),
)
PSY_UMD = replace(
    _PSY_WARD,
    name="Unité pour malades difficiles",
    offer_type="18",
    capacity=(20, 40),
    sensitive=1.0,
    group="",
)
PSY_UHSA = replace(
    _PSY_WARD,
    name="Unité hospitalière spécialement aménagée",
    activity=("229", "089"),
    offer_type="17",
    capacity=(20, 60),
    sensitive=1.0,
    group="",
    equipment=(EquipmentSpec("137", 1.0, count=(20, 60)),),
)
PSY_EMERGENCY = UnitTemplate(
    "Urgences psychiatriques", "03", ("158",), "20", "33", age=(16, 120), sensitive=0.05
)
PSY_ELDERLY = replace(
    _PSY_WARD,
    name="Psychiatrie du sujet âgé",
    activity=("051",),
    capacity=(12, 25),
    age=(65, 120),
    equipment=(),
    group="",
)
PSY_PERINATAL = replace(
    _PSY_WARD,
    name="Unité mère-enfant",
    activity=("230",),
    offer_type="119",
    capacity=(4, 10),
    age=(15, 50),
    equipment=(),
    group="",
)
PSY_PRECARITY_TEAM = replace(
    _PSY_CONSULT,
    name="Équipe mobile psychiatrie précarité",
    offer_type="77",
    care_mode="59",
    public=("06",),
    hours="office",
    modalities=(),
    professions=("10", "60"),
)

# Hospital at home (HAD) ------------------------------------------------------------------------
HAD_CORE = UnitTemplate(
    "HAD socle",
    "01",
    ("083", "170"),
    "128",
    "31",
    capacity=(15, 90),
    nature="02",
    age=(0, 120),
    occupancy=0.88,
)
HAD_PERINATAL = replace(
    HAD_CORE,
    name="HAD ante et post-partum",
    activity=("530", "529"),
    offer_type="129",
    capacity=(5, 20),
    age=(12, 55),
)
HAD_REHAB = replace(
    HAD_CORE,
    name="HAD réadaptation",
    activity=("172",),
    offer_type="130",
    capacity=(5, 25),
    age=(18, 120),
)
HAD_INFANTS = replace(
    HAD_CORE,
    name="HAD enfants de moins de trois ans",
    activity=("088",),
    offer_type="131",
    capacity=(3, 10),
    age=(0, 2),
)

# Older people ----------------------------------------------------------------------------------
EHPAD_PERMANENT = UnitTemplate(
    "Hébergement permanent",
    "04",
    ("293", "285"),
    "21",
    "46",
    capacity=(35, 130),
    nature="02",
    age=(60, 120),
    public=("01",),
    reception=("02",),
    hours="running",
    occupancy=0.96,
    group="ehpad",
)
EHPAD_TEMPORARY = replace(
    EHPAD_PERMANENT,
    name="Hébergement temporaire",
    capacity=(1, 10),
    reception=("01",),
    occupancy=0.8,
    group="",
)
EHPAD_UVP = replace(
    EHPAD_PERMANENT,
    name="Unité de vie protégée",
    activity=("293", "306"),
    offer_type="24",
    capacity=(10, 28),
    specialisations=("28",),
    equipment=(EquipmentSpec("114", 0.6, count=(1, 1)), EquipmentSpec("152", 0.3, count=(1, 1))),
)
EHPAD_UHR = replace(
    EHPAD_PERMANENT,
    name="Unité d'hébergement renforcée",
    activity=("293", "306"),
    offer_type="23",
    capacity=(12, 14),
    specialisations=("27",),
    group="",
)
EHPAD_PASA = replace(
    EHPAD_PERMANENT,
    name="Pôle d'activités et de soins adaptés",
    activity=("306", "313"),
    offer_type="25",
    care_mode="47",
    capacity=(12, 14),
    reception=(),
    specialisations=("28",),
    hours="day_care",
    occupancy=0.8,
    group="",
)
EHPAD_DAY_CARE = replace(
    EHPAD_PERMANENT,
    name="Accueil de jour",
    activity=("306", "325"),
    care_mode="47",
    capacity=(6, 15),
    reception=("01",),
    specialisations=("28",),
    hours="day_care",
    occupancy=0.7,
    group="",
)
AUTONOMY_RESIDENCE = replace(
    EHPAD_PERMANENT,
    name="Résidence autonomie",
    activity=("298", "312"),
    offer_type="22",
    capacity=(30, 80),
    public=("03",),
    occupancy=0.93,
    group="",
)

# Home care -------------------------------------------------------------------------------------
SSIAD_ELDERLY = UnitTemplate(
    "SSIAD personnes âgées",
    "04",
    ("287",),
    "28",
    "49",
    capacity=(20, 120),
    nature="02",
    age=(60, 120),
    public=("01",),
    hours="home",
    occupancy=0.95,
)
SSIAD_DISABLED = replace(
    SSIAD_ELDERLY,
    name="SSIAD personnes en situation de handicap",
    capacity=(3, 15),
    age=(18, 59),
    public=("02",),
)
ESA = replace(
    SSIAD_ELDERLY,
    name="Équipe spécialisée Alzheimer",
    activity=("306", "325"),
    offer_type="29",
    capacity=(10, 10),
    age=(18, 120),
    specialisations=("28",),
)
SAAD = replace(
    SSIAD_ELDERLY,
    name="Service d'aide à domicile",
    activity=("293", "298", "299"),
    offer_type="30",
    capacity=(0, 0),
    age=(18, 120),
    public=("01", "02"),
)
SAAD_ELDERLY = replace(
    SAAD,
    name="Service d'aide à domicile personnes âgées",
    activity=("293", "299"),
    age=(60, 120),
    public=("01",),
)
SPASAD = replace(
    SSIAD_ELDERLY,
    name="Service autonomie à domicile aide et soins",
    activity=("287", "293", "299"),
    offer_type="132",
    capacity=(20, 80),
    age=(18, 120),
    public=("01", "02"),
)

# Disability (children) -------------------------------------------------------------------------
_PH = UnitTemplate(
    "IME - semi-internat",
    "04",
    ("300", "293", "294"),
    "48",
    "47",
    capacity=(20, 60),
    nature="02",
    age=(3, 20),
    public=("02",),
    reception=("02",),
    specialisations=("14", "02"),
    hours="school",
    occupancy=0.95,
)
IME_DAY = _PH
IME_BOARDING = replace(
    _PH,
    name="IME - internat",
    care_mode="46",
    capacity=(8, 30),
    age=(6, 20),
    specialisations=("14",),
    hours="running",
)
ITEP = replace(
    _PH,
    name="ITEP",
    activity=("300", "295", "296"),
    offer_type="50",
    capacity=(15, 50),
    age=(6, 20),
    specialisations=("26",),
)
EEAP = replace(
    _PH,
    name="Établissement pour enfants polyhandicapés",
    activity=("285", "293", "294"),
    offer_type="51",
    care_mode="46",
    capacity=(10, 40),
    age=(0, 20),
    specialisations=("17",),
    hours="running",
)
SESSAD = replace(
    _PH,
    name="SESSAD",
    activity=("300", "290", "291"),
    offer_type="57",
    care_mode="49",
    capacity=(15, 60),
    age=(0, 20),
    specialisations=("14", "02", "11"),
    hours="office",
)
CAMSP = UnitTemplate(
    "CAMSP",
    "04",
    ("557", "448"),
    "61",
    "32",
    age=(0, 6),
    public=("02",),
    hours="consultation",
    professions=("10", "91", "96", "93"),
)
CMPP = replace(
    CAMSP,
    name="CMPP",
    activity=("289", "290", "292"),
    offer_type="62",
    age=(0, 20),
    public=("07",),
    professions=("93", "91", "96", "10"),
    specialisations=("11", "03"),
)

# Disability (adults) ---------------------------------------------------------------------------
MAS = replace(
    _PH,
    name="Maison d'accueil spécialisée",
    activity=("285", "293", "294"),
    offer_type="40",
    care_mode="46",
    capacity=(25, 70),
    age=(20, 120),
    specialisations=("17",),
    hours="running",
)
FAM = replace(
    MAS,
    name="Foyer d'accueil médicalisé",
    activity=("285", "293", "312"),
    offer_type="39",
    capacity=(20, 60),
    specialisations=("16",),
)
ESAT = replace(
    _PH,
    name="ESAT",
    activity=("304", "305"),
    offer_type="43",
    capacity=(40, 120),
    age=(18, 62),
    specialisations=(),
    hours="office",
)
LIFE_HOME = replace(
    MAS,
    name="Foyer de vie",
    activity=("293", "312", "313"),
    offer_type="97",
    capacity=(20, 50),
    specialisations=(),
)
SAMSAH = replace(
    _PH,
    name="SAMSAH",
    activity=("285", "293", "312"),
    offer_type="32",
    care_mode="49",
    capacity=(15, 40),
    age=(18, 120),
    specialisations=("16",),
    hours="office",
)
SAVS = replace(
    SAMSAH,
    name="SAVS",
    activity=("298", "312", "318"),
    offer_type="31",
    capacity=(20, 80),
    specialisations=(),
)


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
    ),
    "disability_adult": (
        _v("255", 0.7, (MAS, 1.0)),
        _v("437", 1.0, (FAM, 1.0)),
        _v("246", 1.45, (ESAT, 1.0)),
        _v("382", 1.9, (LIFE_HOME, 1.0)),
        _v("445", 0.4, (SAMSAH, 1.0)),
        _v("446", 1.2, (SAVS, 1.0)),
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
