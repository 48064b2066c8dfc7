"""Field names of the indexed offer document, defined once for every engine.

The document is :meth:`ror.model.Offer.to_dict` (so an offer can be rebuilt from what an engine
returns) plus *derived* fields that exist only to be searched and ranked: the geo point, the age
range, the intervention-zone keys, the social-aid flag, availability sums per indicator, base
prices per request variant, normalised opening rows and a full-text field. Paths are dotted as
Elasticsearch spells them (``capacities.count``); nested objects are named by their path
(``CAPACITIES``) so queries can say ``nested(path=CAPACITIES)``.

``tests/mappings`` checks every name here against the dataclasses of :mod:`ror.model`, so a
renamed model field breaks a test instead of silently emptying a filter.
"""

from __future__ import annotations

from typing import Final

from ror import criteria

# --- the offer (ror.model.Offer) -----------------------------------------------------------

ID: Final = "id"  # HealthcareService resource id: the document _id
ROR_ID: Final = "ror_id"
NAME: Final = "name"  # text (French analyser), with a folded keyword sub-field for sorting
NAME_SORT: Final = "name.sort"

ACTIVITY: Final = "activity"  # R211
OFFER_TYPE: Final = "offer_type"  # R244
CHAMP: Final = "champ"  # R227
CARE_MODE: Final = "care_mode"  # R213
RECEPTION: Final = "reception"  # R240
MODALITIES: Final = "modalities"  # R338
SPECIALISATIONS: Final = "specialisations"  # R245
ACTS: Final = "acts"  # R210
PUBLIC: Final = "public"  # R239
EXPERTISE: Final = "expertise"  # J227
PROFESSIONS: Final = "professions"  # G15

AGE_MIN: Final = "age_min"
AGE_MAX: Final = "age_max"
LOCATION_IDS: Final = "location_ids"
SENSITIVE: Final = "sensitive"
CLOSED_FROM: Final = "closed_from"
REOPENS_AT: Final = "reopens_at"
LAST_UPDATED: Final = "last_updated"
REGION_TAG: Final = "region_tag"
SOURCE: Final = "source"  # raw FHIR: stored, never indexed

# --- establishment (ror.model.Establishment, Price) ---------------------------------------

ESTABLISHMENT: Final = "establishment"
EST_ID: Final = "establishment.id"
EST_NAME: Final = "establishment.name"
EST_FINESS: Final = "establishment.finess"
EST_CATEGORY: Final = "establishment.category"  # R66 / J55
EST_LEGAL_ENTITY: Final = "establishment.legal_entity"
EST_FINANCIAL_HELP: Final = "establishment.financial_help"  # R241
EST_SOCIAL_AID_PLACES_PERMANENT: Final = "establishment.social_aid_places_permanent"
EST_SOCIAL_AID_PLACES_TEMPORARY: Final = "establishment.social_aid_places_temporary"

PRICES: Final = "establishment.prices"  # nested: one price's conditions hold together
PRICE_TYPE: Final = "establishment.prices.type"  # R246
PRICE_UNIT: Final = "establishment.prices.unit"  # R228
PRICE_AMOUNT_EUR: Final = "establishment.prices.amount_eur"
PRICE_CONDITION: Final = "establishment.prices.condition"  # R250
PRICE_RECEPTION: Final = "establishment.prices.reception"  # R240
PRICE_RESIDENTIAL_TYPE: Final = "establishment.prices.residential_type"  # R242
PRICE_DEPENDENCY_LEVEL: Final = "establishment.prices.dependency_level"  # J27
PRICE_UNDER_60: Final = "establishment.prices.under_60"
PRICE_START_DATE: Final = "establishment.prices.start_date"

# --- place (ror.model.Place) ---------------------------------------------------------------

PLACE: Final = "place"
PLACE_LAT: Final = "place.lat"
PLACE_LON: Final = "place.lon"
PLACE_COMMUNE: Final = "place.commune"  # INSEE COG
PLACE_DEPARTEMENT: Final = "place.departement"
PLACE_REGION: Final = "place.region"
PLACE_ADDRESS: Final = "place.address"
PLACE_POSTAL_CODE: Final = "place.postal_code"
PLACE_CITY: Final = "place.city"
PLACE_RELIABLE: Final = "place.reliable"

# --- capacities (ror.model.Capacity): nested, so one counter's conditions hold together ----

CAPACITIES: Final = "capacities"
CAP_NATURE: Final = "capacities.nature"  # R329
CAP_STATUS: Final = "capacities.status"  # R330
CAP_TEMPORALITY: Final = "capacities.temporality"  # R331
CAP_COUNT: Final = "capacities.count"
CAP_UPDATED_AT: Final = "capacities.updated_at"
CAP_SOURCE: Final = "capacities.source"  # R335
CAP_GENDER: Final = "capacities.gender"  # R332
CAP_CLOSING_TYPE: Final = "capacities.closing_type"  # R333
CAP_EXTRA_BED_TYPE: Final = "capacities.extra_bed_type"  # R334
CAP_CRISIS: Final = "capacities.crisis"  # R336
CAP_ASSIGNMENT: Final = "capacities.assignment"  # R337
CAP_LOCATION_ID: Final = "capacities.location_id"

# --- equipment (ror.model.Equipment): nested, so a type and its limit hold together --------

EQUIPMENT: Final = "equipment"
EQ_CODE: Final = "equipment.code"  # R212
EQ_COUNT: Final = "equipment.count"
EQ_FEATURE: Final = "equipment.feature"  # R340
EQ_LIMIT_VALUE: Final = "equipment.limit_value"
EQ_LIMIT_UNIT: Final = "equipment.limit_unit"
EQ_LOCATION_ID: Final = "equipment.location_id"

# --- zones, opening hours, contacts --------------------------------------------------------

ZONES: Final = "zones"
ZONE_CODE: Final = "zones.code"
ZONE_TYPE: Final = "zones.type"  # R201

HOURS: Final = "hours"  # nested: days and times of one row hold together
HOURS_DAYS: Final = "hours.days"  # ISO weekday numbers, 1 = Monday
HOURS_START: Final = "hours.start"  # "HH:MM:SS" local time (keyword: compares as text)
HOURS_END: Final = "hours.end"
HOURS_ALL_DAY: Final = "hours.all_day"
HOURS_KIND: Final = "hours.kind"  # R252
HOURS_VALID_FROM: Final = "hours.valid_from"
HOURS_VALID_TO: Final = "hours.valid_to"

CONTACTS: Final = "contacts"  # stored for display, filtered by access profile, never indexed

# --- derived: exist only to be searched, dropped when an offer is rebuilt ------------------

LOCATION: Final = "location"  # geo_point of place.lat / place.lon
AGE_RANGE: Final = "age_range"  # integer_range [age_min, age_max], inclusive
ZONE_KEYS: Final = "zone_keys"  # ror.geo.zone_key of each zone (and its parent areas)
SOCIAL_AID: Final = "social_aid"  # establishment accredited for social aid (R241 02)
ALL_TEXT: Final = "all_text"  # copy_to target: offer, establishment and city names

# Availability, denormalised from the capacities by ror.ranking.beds so that filters and the
# function_score read doc values (one key per indicator, see elasticsearch.documents.free_key):
FREE: Final = "free"  # free.<nature>_<temporality>_<assignment>_<gender|all>: beds free now
FREE_SINCE: Final = "free_since"  # same keys: updated_at of the oldest counter summed
INSTALLED: Final = "installed"  # installed.<nature>: installed beds, current temporality
# The monthly base price a request would pay (ror.ranking.prices.select_price), per request
# variant: base_price_monthly.<permanent|temporary|any>_<aid|public>_<u60|all>.
BASE_PRICE_MONTHLY: Final = "base_price_monthly"

# Location keys of the offer (ror.availability.keys.location_keys: its Locations, "#<id>" for
# counters attached to no Location): a capacity push finds the offers sharing a Location.
LOCATION_KEYS: Final = "location_keys"
# Cheapest base price (R246 02) as a monthly estimate: the engines' prefilter column.
MIN_MONTHLY_PRICE_EUR: Final = "min_monthly_price_eur"

# Opening rows normalised for range queries on the offer's wall clock ("HH:MM:SS" text,
# "24:00:00" for midnight at the end of a day; overnight rows run past midnight).
OPENING: Final = "opening"
OPENING_DAYS: Final = "opening.days"
OPENING_FROM: Final = "opening.from"
OPENING_TO: Final = "opening.to"
OPENING_OVERNIGHT: Final = "opening.overnight"
OPENING_VALID_FROM: Final = "opening.valid_from"
OPENING_VALID_TO: Final = "opening.valid_to"

# Look-up keys (``ror.indexer.terms``; the ``Lookups`` capability): every term of the offer,
# its dates as microseconds since 1970 (``terms.offer_dates``, the two sort keys included) and
# its folded names kept whole for substring searches (``terms.offer_names``).
LOOKUP_TERMS: Final = "lookup_terms"
LOOKUP_DATES: Final = "lookup_dates"
LOOKUP_OFFER_UPDATED: Final = "lookup_dates.offer_updated"
LOOKUP_ORG_UPDATED: Final = "lookup_dates.organization_updated"
LOOKUP_ORG_UPDATED_ABOVE: Final = "lookup_dates.organization_updated_above"
LOOKUP_SORT_UP: Final = "lookup_dates.sort_up"
LOOKUP_SORT_DOWN: Final = "lookup_dates.sort_down"
LOOKUP_NAMES: Final = "lookup_names"
LOOKUP_OFFER_NAME: Final = "lookup_names.offer"
LOOKUP_ORG_NAME: Final = "lookup_names.organization"
LOOKUP_LOCATION_NAME: Final = "lookup_names.location"

DERIVED: Final = (
    LOCATION,
    AGE_RANGE,
    ZONE_KEYS,
    SOCIAL_AID,
    FREE,
    FREE_SINCE,
    INSTALLED,
    BASE_PRICE_MONTHLY,
    LOCATION_KEYS,
    MIN_MONTHLY_PRICE_EUR,
    OPENING,
    LOOKUP_TERMS,
    LOOKUP_DATES,
    LOOKUP_NAMES,
)

# Criteria attribute -> the keyword field it filters (any-of within, all-of across fields).
CODE_FIELDS: Final[dict[str, str]] = {name: name for name in criteria.CODE_FIELDS}
