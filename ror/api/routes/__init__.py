"""The HTTP routes of the referral API, one module per family of endpoints."""
