"""Establishment-level details for synthetic offers: names, identifiers, contacts and prices.

Nothing here is a real establishment. Phone numbers come from the ranges ARCEP reserves for
fiction (01 99 00, 02 61 91, 03 53 01, 04 65 71, 05 36 49, mobile 06 39 98), e-mail addresses
use the reserved ``.example`` domain, FINESS numbers have the real shape (département prefix,
9 characters, Luhn key) but are drawn at random.
"""

from __future__ import annotations

from datetime import date

from ror.indexer.synthetic_random import Draw
from ror.model import Contact, Price

# --- Names -----------------------------------------------------------------------------------

SURNAMES = (
    "MARTIN", "BERNARD", "THOMAS", "PETIT", "ROBERT", "RICHARD", "DURAND", "DUBOIS", "MOREAU",
    "LAURENT", "SIMON", "MICHEL", "LEFEBVRE", "LEROY", "ROUX", "DAVID", "BERTRAND", "MOREL",
    "FOURNIER", "GIRARD", "BONNET", "DUPONT", "LAMBERT", "FONTAINE", "ROUSSEAU", "VINCENT",
    "MULLER", "LEFEVRE", "FAURE", "ANDRE", "MERCIER", "BLANC", "GUERIN", "BOYER", "GARNIER",
    "CHEVALIER", "FRANCOIS", "LEGRAND", "GAUTHIER", "GARCIA", "PERRIN", "ROBIN", "CLEMENT",
    "MORIN", "NICOLAS", "HENRY", "ROUSSEL", "MATHIEU", "GAUTIER", "MASSON", "MARCHAND", "DUVAL",
    "DENIS", "DUMONT", "MARIE", "LEMAIRE", "NOEL", "MEYER", "DUFOUR", "MEUNIER", "BRUN",
    "BLANCHARD", "GIRAUD", "JOLY", "RIVIERE", "LUCAS", "BRUNET", "GAILLARD", "BARBIER", "ARNAUD",
    "HOARAU", "PAYET", "GRONDIN", "FONTAINE", "ALPHONSE", "JEAN-BAPTISTE", "SANTONI", "LUCIANI",
)  # fmt: skip
GIVEN_NAMES = (
    "Marie", "Jean", "Nathalie", "Pierre", "Isabelle", "Philippe", "Sylvie", "Michel",
    "Catherine", "Alain", "Sophie", "Nicolas", "Christine", "Julien", "Camille", "Thomas",
    "Julie", "Laurent", "Céline", "Stéphane", "Élodie", "David", "Aurélie", "Sébastien", "Léa",
    "Hugo", "Chloé", "Lucas", "Emma", "Karim", "Inès", "Mehdi", "Yasmine", "Anaïs", "Mathieu",
)  # fmt: skip
SAINTS = (
    "Saint-Joseph", "Sainte-Marie", "Saint-Jean", "Saint-Louis", "Sainte-Anne", "Saint-Roch",
    "Saint-Vincent", "Sainte-Catherine", "Saint-Michel", "Saint-Luc", "Saint-Pierre",
    "Sainte-Thérèse", "Saint-Martin", "Saint-Charles", "Saint-Antoine",
)  # fmt: skip
CLINIC_NAMES = (
    "du Parc", "des Cèdres", "Pasteur", "de l'Union", "du Pont", "des Lilas", "du Val",
    "des Platanes", "du Château", "Belvédère", "de la Source", "des Alpes", "Océane",
    "du Mail", "les Buissonnets", "de l'Espérance", "du Golfe", "des Tilleuls",
    *SAINTS,
)  # fmt: skip
RESIDENCE_NAMES = (
    "Les Tilleuls", "Les Jardins", "Le Clos fleuri", "Les Glycines", "La Roseraie",
    "Les Charmilles", "Le Val d'Or", "Les Hortensias", "La Source", "Les Marronniers",
    "Le Bois joli", "Les Lavandes", "Les Magnolias", "L'Oustal", "Les Terrasses",
    "Le Verger", "Les Cèdres", "Les Acacias", "La Pinède", "Les Mimosas", "Les Bruyères",
    "Le Parc", "Les Églantines", "Les Myosotis", "La Chênaie", "Le Moulin",
)  # fmt: skip
STREETS = (
    "rue de la République", "avenue Jean Jaurès", "boulevard Pasteur", "rue Victor Hugo",
    "place de la Mairie", "chemin des Écoles", "rue du Général de Gaulle", "avenue de la Gare",
    "rue Jules Ferry", "allée des Tilleuls", "rue des Écoles", "route Nationale",
    "rue du Stade", "avenue du Maréchal Foch", "rue de l'Hôpital", "rue Saint-Michel",
    "boulevard de la Liberté", "impasse des Lilas", "rue Émile Zola", "avenue de Verdun",
)  # fmt: skip
ASSOCIATIONS = (
    "Association {name}", "Fondation {name}", "Mutualité {name}", "Association ADMR",
    "Association départementale des PEP", "Association APF", "Association Les Papillons blancs",
)  # fmt: skip


_VOWELS = frozenset("AEIOUYÉÈÊÎÔÂH")


def of_city(city: str) -> str:
    """French "de" + city with elision and contraction: d'Argenteuil, du Havre, des Ulis."""
    if city.startswith("Le "):
        return f"du {city[3:]}"
    if city.startswith("Les "):
        return f"des {city[4:]}"
    if city[:1].upper() in _VOWELS:
        return f"d'{city}"
    return f"de {city}"


def person(rng: Draw) -> str:
    return f"{rng.pick(GIVEN_NAMES)} {rng.pick(SURNAMES)}"


def street_address(rng: Draw) -> str:
    return f"{rng.between(1, 180)} {rng.pick(STREETS)}"


# --- Identifiers -----------------------------------------------------------------------------


def finess(rng: Draw, departement: str) -> str:
    """A FINESS-shaped number: département prefix, digits, Luhn key (not a real establishment)."""
    prefix = departement if len(departement) == 2 else departement[:3]
    body = prefix + rng.digits(8 - len(prefix))
    return body + str(_luhn_key(body.replace("A", "0").replace("B", "0")))


def _luhn_key(digits: str) -> int:
    total = 0
    for i, char in enumerate(reversed(digits)):
        d = int(char)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return (10 - total % 10) % 10


# --- Contacts --------------------------------------------------------------------------------

# ARCEP fiction ranges by telephone zone; overseas départements follow their zone (02 or 05).
_FICTION_PREFIX = {
    "11": "01 99 00",
    "24": "02 61 91", "28": "02 61 91", "52": "02 61 91", "53": "02 61 91", "04": "02 61 91",
    "06": "02 61 91",
    "27": "03 53 01", "32": "03 53 01", "44": "03 53 01",
    "84": "04 65 71", "93": "04 65 71", "94": "04 65 71",
    "75": "05 36 49", "76": "05 36 49", "01": "05 36 49", "02": "05 36 49", "03": "05 36 49",
}  # fmt: skip
_MOBILE_PREFIX = "06 39 98"


def phone(rng: Draw, region: str) -> str:
    prefix = _FICTION_PREFIX.get(region, "01 99 00")
    number = rng.digits(4)
    return f"{prefix} {number[:2]} {number[2:]}"


def mobile(rng: Draw) -> str:
    number = rng.digits(4)
    return f"{_MOBILE_PREFIX} {number[:2]} {number[2:]}"


def switchboard(rng: Draw, region: str) -> Contact:
    """The establishment's standard: public (confidentiality 1), purpose 06 Standard."""
    return Contact(value=phone(rng, region), channel="2", purpose="06", confidentiality="1")


def phone_contact(
    rng: Draw, region: str, confidentiality: str, name: str, purpose: str | None = None
) -> Contact:
    """A landline (R200 2) with its confidentiality level (R283) and purpose (R287)."""
    return Contact(
        value=phone(rng, region),
        channel="2",
        purpose=purpose,
        confidentiality=confidentiality,
        name=name,
    )


def mobile_contact(rng: Draw, name: str | None) -> Contact:
    """A mobile number (R200 4), always very restricted (R283 3)."""
    return Contact(value=mobile(rng), channel="4", confidentiality="3", name=name)


def email(local: str, establishment_id: str, confidentiality: str) -> Contact:
    return Contact(
        value=f"{local}@{establishment_id}.example", channel="3", confidentiality=confidentiality
    )


# --- Prices ------------------------------------------------------------------------------------

# Mean daily "forfait socle hébergement" of a non-profit EHPAD by région (EUR), public tariff.
_EHPAD_DAILY_MEAN = {"11": 92.0, "93": 78.0, "84": 72.0, "94": 72.0, "44": 68.0}
_EHPAD_DAILY_DEFAULT = 65.0
_EHPAD_DAILY_OVERSEAS = 68.0
_STATUS_FACTOR = {"public": 0.92, "nonprofit": 1.0, "commercial": 1.3}


def ehpad_daily_price(rng: Draw, region: str, status: str) -> float:
    """Public daily accommodation price of an EHPAD: regional mean × status, ±12 %."""
    mean = _EHPAD_DAILY_MEAN.get(region)
    if mean is None:
        mean = _EHPAD_DAILY_OVERSEAS if len(region) == 2 and region < "10" else _EHPAD_DAILY_DEFAULT
    return _daily(rng.gauss(mean * _STATUS_FACTOR[status], mean * 0.12))


def _daily(value: float) -> float:
    """A daily accommodation price kept within what French EHPAD charge (52–160 EUR)."""
    return round(min(max(value, 52.0), 160.0), 2)


def ehpad_prices(
    rng: Draw,
    region: str,
    status: str,
    social_aid: bool,
    temporary: bool,
    day_care: bool,
    start: date,
) -> tuple[Price, ...]:
    """The EG prices of an EHPAD (R246 02 forfait socle, 03 dépendance, 05 accueil de jour)."""
    base = ehpad_daily_price(rng, region, status)
    prices = [Price("02", "2", base, condition="01", reception="02", residential_type="02",
                    start_date=start)]  # fmt: skip
    if social_aid:
        aid = base if status != "commercial" else _daily(base * rng.uniform(0.62, 0.75))
        prices.append(Price("02", "2", aid, condition="02", reception="02", start_date=start))
    if temporary:
        temp = _daily(base * rng.uniform(1.0, 1.08))
        prices.append(Price("02", "2", temp, condition="01", reception="01", start_date=start))
    if rng.chance(0.3):
        double = _daily(base - rng.uniform(4, 12))
        prices.append(Price("02", "2", double, condition="01", reception="02",
                            residential_type="01", start_date=start))  # fmt: skip
    if rng.chance(0.2):
        under = _daily(base + rng.uniform(15, 25))
        prices.append(Price("02", "2", under, condition="01", reception="02", under_60=True,
                            start_date=start))  # fmt: skip
    gir56 = round(rng.uniform(5.5, 7.5), 2)
    prices.append(Price("03", "2", gir56, dependency_level="03", start_date=start))
    prices.append(Price("03", "2", round(gir56 * 2.35, 2), dependency_level="02", start_date=start))
    prices.append(Price("03", "2", round(gir56 * 3.7, 2), dependency_level="01", start_date=start))
    if day_care:
        prices.append(Price("05", "2", round(rng.uniform(25, 55), 2), start_date=start))
    return tuple(prices)


def home_help_prices(rng: Draw, social_aid: bool, start: date) -> tuple[Price, ...]:
    """Hourly price of a home-help service (R246 06, unit 1 horaire)."""
    prices = [Price("06", "1", round(rng.uniform(22.0, 32.0), 2), condition="01", start_date=start)]
    if social_aid:
        prices.append(Price("06", "1", round(rng.uniform(22.0, 25.0), 2), condition="02",
                            start_date=start))  # fmt: skip
    return tuple(prices)


def residence_prices(rng: Draw, start: date) -> tuple[Price, ...]:
    """Monthly rent-and-services price of a résidence autonomie (R246 02, unit 3 mensuel)."""
    return (
        Price("02", "3", round(rng.uniform(550, 1150), 2), condition="01", reception="02",
              residential_type="03", start_date=start),
    )  # fmt: skip
