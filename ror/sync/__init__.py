"""Following ROR FHIR sources: ``client`` (HTTP, retries, errors), ``queries`` (what to ask a
source), ``state`` (checkpoints per source), ``run`` (one sync); the commands ``ror sync`` and
``ror sources`` are ``ror.commands.sync``."""
