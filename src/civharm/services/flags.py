"""Facts about the database as a whole."""

from __future__ import annotations

from civharm.store import models

SIMULATED = "simulated"


def is_simulated() -> bool:
    """Does this database hold generated data? Every output must then say so."""
    return models.DatabaseFlag.objects.filter(name=SIMULATED, value="true").exists()


def mark_simulated() -> None:
    models.DatabaseFlag.objects.update_or_create(name=SIMULATED, defaults={"value": "true"})
