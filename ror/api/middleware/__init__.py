"""The ASGI middleware of the API: authentication, balance, headers, limits."""
