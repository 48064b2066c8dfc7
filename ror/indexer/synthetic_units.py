"""Unit templates of the synthetic generator: one per kind of offre opérationnelle.

Pure data. A :class:`UnitTemplate` holds the codes of an offer (R211 activity, R244 offer type,
R227 champ, R213 care mode, R239 public, R245 specialisation, J227 expertise, R338 modality,
G15 profession), its age range, the capacity its Location reports and the equipment it may
have (R212, with an R340 001 weight limit). ``tests/indexer/test_synthetic.py`` checks every
code against the nomenclature tables. Establishment profiles that combine these units are in
``synthetic_catalogue``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

Codes = tuple[str, ...]


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

# Specialised emergencies, SAMU and SMUR -------------------------------------------------------
URG_DENTAL = UnitTemplate(
    "Urgences dentaires", "01", ("257",), "20", "33", age=(0, 120), hours="office"
)
URG_OPHTHALMO = UnitTemplate("Urgences ophtalmologiques", "01", ("154",), "20", "33", age=(0, 120))
URG_GYNAECO = UnitTemplate(
    "Urgences gynécologiques et obstétricales", "01", ("259", "260"), "20", "33", age=(12, 55)
)
SOS_HAND = UnitTemplate("SOS Main", "01", ("258", "467"), "20", "33", age=(0, 120))
SAMU = UnitTemplate(
    "SAMU - Centre 15", "01", ("273",), "246", "27", age=(0, 120), professions=("10",)
)
SMUR = UnitTemplate("SMUR", "01", ("136", "268"), "247", "11", age=(0, 120))
SMUR_PAEDIATRIC = replace(SMUR, name="SMUR pédiatrique", activity=("270",), age=(0, 17))
CUMP = UnitTemplate(
    "Cellule d'urgence médico-psychologique", "03", ("147",), "03", "59", age=(0, 120)
)
USIH = replace(
    _hc("Soins intensifs d'hématologie (USIH)", ("361",), "264", (4, 12)),
    age=(15, 120),
    critical=True,
)
BURNS = replace(
    _hc("Centre de traitement des brûlés", ("175", "359"), "146", (6, 15)),
    age=(0, 120),
    critical=True,
)


def _cs(
    name: str, activity: Codes, offer_type: str, age: tuple[int, int] = (0, 120)
) -> UnitTemplate:
    """A hospital consultation (R213 32) on appointment."""
    return UnitTemplate(name, "01", activity, offer_type, "32", age=age, hours="consultation")


# Consultations and technical services ------------------------------------------------------------
PAIN = _cs("Structure douleur chronique", ("004",), "126", age=(15, 120))
MEMORY = _cs("Consultation mémoire", ("597",), "69", age=(50, 120))
TOBACCO = _cs("Consultation de tabacologie", ("139",), "69", age=(12, 120))
SLEEP = _cs("Centre du sommeil", ("480", "451"), "69")
ALLERGY = _cs("Allergologie", ("005",), "69")
CEGIDD = _cs("CeGIDD - dépistage IST et VIH", ("162",), "250", age=(12, 120))
GENETICS = _cs("Génétique médicale", ("049",), "155")
SPORT = _cs("Médecine du sport", ("081", "509"), "231", age=(6, 120))
ENDOMETRIOSIS = replace(
    _cs("Centre endométriose", ("053",), "69", age=(12, 55)), specialisations=("64",)
)
BAPU = replace(
    _cs("Bureau d'aide psychologique universitaire", ("289",), "64", age=(17, 30)),
    champ="03",
    public=("08",),
)
TEENAGERS = _cs("Maison des adolescents", ("289",), "134", age=(11, 25))
HYPERBARIC = UnitTemplate("Médecine hyperbare", "01", ("084",), "69", "55", age=(0, 120))
NEURORADIOLOGY = UnitTemplate(
    "Neuroradiologie interventionnelle (thrombectomie)", "01", ("492", "338"), "164", "55",
    age=(0, 120),
)  # fmt: skip
RADIOTHERAPY = UnitTemplate(
    "Radiothérapie", "01", ("168",), "117", "20", age=(0, 120), hours="day_hospital"
)
PHARMACY = UnitTemplate(
    "Pharmacie à usage intérieur", "01", ("628", "629"), "82", "55", age=(0, 120), hours="office"
)
UNSCHEDULED = UnitTemplate(
    "Unité de soins non programmés", "01", ("437",), "138", "56", age=(0, 120), hours="office"
)
USLD = replace(
    _hc("Unité de soins de longue durée", ("333",), "249", (30, 80)),
    age=(60, 120),
    occupancy=0.95,
)
PSY_PSYCHOSIS = replace(
    _PSY_CONSULT, name="Centre de réhabilitation psychosociale", offer_type="113",
    specialisations=("07", "06"),
)  # fmt: skip
PSY_SUICIDE = replace(
    _PSY_CONSULT, name="Dispositif de prévention du suicide", specialisations=("62",)
)
PSY_OCD = replace(
    _PSY_CONSULT, name="Consultation troubles obsessionnels compulsifs", specialisations=("09",)
)

# Territory services (public health, coordination, social care) -------------------------------
PMI = _cs("Centre de protection maternelle et infantile", ("118",), "125", age=(0, 6))
CLAT = _cs("Centre de lutte antituberculeuse", ("592",), "268")
VACCINATION = _cs("Centre de vaccination", ("161",), "269")
CAARUD = UnitTemplate(
    "CAARUD", "04", ("404",), "81", "54", age=(16, 120), public=("06",), hours="office"
)
LHSS = UnitTemplate(
    "Lits halte soins santé", "04", ("083",), "93", "46", capacity=(5, 20), public=("06",)
)
LAM = replace(LHSS, name="Lits d'accueil médicalisés", offer_type="95", capacity=(10, 25))
DAC = UnitTemplate(
    "Dispositif d'appui à la coordination", "04", ("471",), "178", "58", age=(0, 120),
    hours="office",
)  # fmt: skip
CPTS = replace(DAC, name="Communauté professionnelle territoriale de santé", offer_type="255")
MSP = UnitTemplate(
    "Maison de santé pluriprofessionnelle", "05", ("437",), "99", "32", age=(0, 120),
    hours="consultation",
    professions=("10",),
)  # fmt: skip
UNSCHEDULED_CITY = replace(
    MSP, name="Centre de soins non programmés", offer_type="92", modalities=("06",)
)
YOUTH_POINT = replace(TEENAGERS, name="Point accueil écoute jeunes", offer_type="135", champ="04")
FAMILY_FOSTER = UnitTemplate(
    "Accueil familial pour personnes âgées", "04", ("298",), "261", "46", capacity=(1, 3),
    nature="02", age=(60, 120), public=("01",),
)  # fmt: skip
MEALS = UnitTemplate(
    "Portage de repas à domicile", "04", ("298",), "33", "49", age=(60, 120), hours="home"
)
ALARM = replace(MEALS, name="Téléassistance", offer_type="34")
IEM = replace(_PH, name="Institut d'éducation motrice", offer_type="49", public=("05",))
