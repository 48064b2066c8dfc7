"""The NOS codes the search rules name, each defined once (ROR-MODEL §11)."""

from __future__ import annotations

from typing import Final

INSTALLED: Final = "01"  # R330 Installé
AVAILABLE: Final = "02"  # R330 Disponible
CURRENT: Final = "01"  # R331 Courant
UNDIFFERENTIATED: Final = "03"  # R332 Indifférencié
NO_ASSIGNMENT: Final = "01"  # R337 Aucune
BASE_PRICE: Final = "02"  # R246 Forfait socle hébergement
