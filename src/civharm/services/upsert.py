"""Insert or update many rows by natural key, in bulk, reporting what changed."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import connections, models, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.fields import Field

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
    to_create: list[dict[str, Any]] = []
    to_update: list[models.Model] = []
    for row in rows:
        key = tuple(row[k] for k in key_fields)
        found = existing.get(key)
        if found is None:
            to_create.append(row)
        elif any(found[f] != row[f] for f in fields):
            to_update.append(model(id=found["id"], **row))
            result.ids[key] = found["id"]
        else:
            result.ids[key] = found["id"]
            result.unchanged += 1
    insert_rows(model, to_create, tick)
    result.created = len(to_create)
    changed = [f for f in fields if f not in key_fields]
    for start in range(0, len(to_update), BATCH):
        batch = to_update[start : start + BATCH]
        model._default_manager.bulk_update(batch, changed)
        tick(len(batch))
    result.updated = len(to_update)
    tick(result.unchanged)
    if to_create:
        # The plain insert returns no ids: read back those of the rows just created.
        created = {tuple(row[k] for k in key_fields) for row in to_create}
        for values in model._default_manager.values_list("id", *key_fields).iterator(
            chunk_size=5000
        ):
            if values[1:] in created:
                result.ids[values[1:]] = values[0]
    return result


def insert_rows(
    model: type[models.Model],
    rows: Sequence[dict[str, Any]],
    tick: Callable[[int], None] = lambda n: None,
) -> None:
    """Insert ``rows`` as new records, storing what ``bulk_create([model(**row), …])`` would.

    On SQLite, each value goes through its field's own ``pre_save`` (``auto_now_add``)
    and ``get_db_prep_save``, defaults fill the fields a row leaves out, and the rows go
    to the database in multi-row INSERTs, without building a model instance per row: on
    100,000 victims the instances and Django's per-value SQL compilation cost several
    times what SQLite itself spends. Must run inside a transaction; returns no ids.
    """
    if not rows:
        return
    meta = model._meta
    names = list(rows[0])
    attnames = {f.attname for f in meta.concrete_fields}
    unknown = [n for n in names if n not in attnames]
    if unknown:
        raise TypeError(f"{model.__name__} has no field {', '.join(map(repr, unknown))}")
    fields = [
        f for f in meta.concrete_fields
        if not getattr(f, "generated", False) and (f is not meta.auto_field or f.attname in names)
    ]
    connection = connections[router.db_for_write(model)]
    if connection.vendor != "sqlite" or any(
        hasattr(f, "get_placeholder") or f.has_db_default() for f in fields
    ):
        # PostgreSQL: Django's bulk insert sends each batch as one UNNEST statement, which
        # the server plans far faster than multi-row VALUES. And a field with a placeholder
        # or a database default of its own needs the ORM's SQL compiler.
        for start in range(0, len(rows), BATCH):
            batch = rows[start : start + BATCH]
            model._default_manager.bulk_create([model(**row) for row in batch])
            tick(len(batch))
        return
    quote = connection.ops.quote_name
    # Only the model's own table and column names, quoted by the backend, go into the SQL.
    insert = "INSERT INTO {} ({}) VALUES ".format(  # noqa: S608
        quote(meta.db_table), ", ".join(quote(f.column) for f in fields)
    )
    placeholders = "({})".format(", ".join(["%s"] * len(fields)))
    per_statement = max(1, connection.ops.bulk_batch_size(fields, rows))
    full = insert + ", ".join([placeholders] * per_statement)
    columns = [_column(f, f.attname in names, connection) for f in fields]
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            batch = rows[start : start + per_statement]
            sql = full if len(batch) == per_statement else (
                insert + ", ".join([placeholders] * len(batch)))
            cursor.execute(sql, [column(row) for row in batch for column in columns])
            tick(len(batch))


# Values of these exact types convert the same way every time in Django's own fields, so
# a column may remember their converted form (ages, sexes, incident ids and dates repeat).
_REMEMBERED_TYPES = frozenset({str, int, bool, date, type(None)})
_REMEMBER_AT_MOST = 10_000
# pre_save methods that only read the value, or set it to now() for auto_now(_add) fields.
_PLAIN_PRE_SAVE = frozenset({
    models.Field.pre_save, models.DateField.pre_save, models.DateTimeField.pre_save,
    models.TimeField.pre_save,
})


def _column(
    field: Field[Any, Any], given: bool, connection: BaseDatabaseWrapper
) -> Callable[[dict[str, Any]], Any]:
    """How to get one column's database value from a row, as Django's insert would."""
    attname = field.attname
    prepare = field.get_db_prep_save
    plain_pre_save = type(field).pre_save in _PLAIN_PRE_SAVE
    if plain_pre_save and (getattr(field, "auto_now", False)
                           or getattr(field, "auto_now_add", False)):
        # One instant for every row of the insert, like now() in a PostgreSQL transaction.
        stamp = prepare(field.pre_save(_Holder(), add=True), connection)
        return lambda row: stamp
    if not plain_pre_save:
        holder = _Holder()

        def from_pre_save(row: dict[str, Any]) -> Any:
            setattr(holder, attname, row[attname] if given else field.get_default())
            return prepare(field.pre_save(holder, add=True), connection)

        return from_pre_save
    if not given:
        return lambda row: prepare(field.get_default(), connection)
    if not type(field).__module__.startswith("django.db.models.fields"):
        return lambda row: prepare(row[attname], connection)
    # Custom fields may convert impurely (say, encrypt with a fresh nonce): only Django's
    # own field classes remember conversions.
    remembered: dict[tuple[type, Any], Any] = {}

    def convert(row: dict[str, Any]) -> Any:
        value = row[attname]
        kind = type(value)
        if kind not in _REMEMBERED_TYPES:
            return prepare(value, connection)
        try:
            return remembered[kind, value]
        except KeyError:
            converted = prepare(value, connection)
            if len(remembered) < _REMEMBER_AT_MOST:
                remembered[kind, value] = converted
            return converted

    return convert


class _Holder:
    """Stands in for a model instance when a field's ``pre_save`` reads or sets its value."""
