"""ror: a geospatial search and referral engine for French healthcare offers (ROR)."""

__version__ = "0.1.0"
