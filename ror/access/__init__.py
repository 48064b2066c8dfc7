"""Access control (DESIGN §7, ROR-MODEL §8): access profiles and what each may see
(``profiles``), callers (``caller``), hashed bearer tokens (``tokens``), the append-only audit
log (``audit_log``) and the ``ror token`` commands (``commands``). The HTTP side (who is
calling, 401/403, rate limits) is in ``ror.api``."""
