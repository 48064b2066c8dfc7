"""The embedded engine's read path: the offers' columns and code postings held in numpy arrays."""
