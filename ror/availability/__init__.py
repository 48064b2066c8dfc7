"""Availability: capacity counters, their keys, history and the overview, engine-neutral."""
