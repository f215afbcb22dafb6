"""Insert or update many rows by natural key, in bulk, reporting what changed."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import models

BATCH = 500


@dataclass(slots=True)
class UpsertResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    ids: dict[Hashable, int] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}


def upsert(
    model: type[models.Model],
    key_fields: Sequence[str],
    rows: Sequence[dict[str, Any]],
    tick: Callable[[int], None] = lambda n: None,
) -> UpsertResult:
    """Make the table hold ``rows``: create the new, update the changed, leave the rest.

    Each row is a dict of field values (foreign keys as ``name_id``) that includes
    ``key_fields``. Must run inside a transaction.
    """
    result = UpsertResult()
    if not rows:
        return result
    fields = list(rows[0])
    existing: dict[Hashable, dict[str, Any]] = {}
    for values in model._default_manager.values("id", *fields).iterator(chunk_size=5000):
        existing[tuple(values[k] for k in key_fields)] = values
    to_create: list[models.Model] = []
    to_update: list[models.Model] = []
    for row in rows:
        key = tuple(row[k] for k in key_fields)
        found = existing.get(key)
        if found is None:
            to_create.append(model(**row))
        elif any(found[f] != row[f] for f in fields):
            to_update.append(model(id=found["id"], **row))
            result.ids[key] = found["id"]
        else:
            result.ids[key] = found["id"]
            result.unchanged += 1
    for start in range(0, len(to_create), BATCH):
        batch = to_create[start : start + BATCH]
        model._default_manager.bulk_create(batch)
        tick(len(batch))
    result.created = len(to_create)
    changed = [f for f in fields if f not in key_fields]
    for start in range(0, len(to_update), BATCH):
        batch = to_update[start : start + BATCH]
        model._default_manager.bulk_update(batch, changed)
        tick(len(batch))
    result.updated = len(to_update)
    tick(result.unchanged)
    if to_create and to_create[0].pk is None:
        # SQLite before 3.35 and some backends do not return ids from bulk inserts.
        for values in model._default_manager.values("id", *key_fields).iterator(chunk_size=5000):
            result.ids.setdefault(tuple(values[k] for k in key_fields), values["id"])
    else:
        for obj in to_create:
            result.ids[tuple(getattr(obj, k) for k in key_fields)] = obj.pk
    return result
