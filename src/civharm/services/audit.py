"""The audit log: append-only, hash-chained, checked end to end by ``civharm audit verify``.

Every entry's hash covers its time, actor, action, target and details *and* the hash of the
entry before it, so changing, removing, inserting or reordering any entry breaks the chain
from that entry on, and :func:`verify` names the first broken one. The database refuses
UPDATE and DELETE on the log (triggers on both backends), so tampering needs someone who can
drop triggers; the chain is what catches them. Cutting entries off the end leaves a valid
shorter chain: compare the head with one written down elsewhere (``audit head``, and every
backup records it) to catch that.

An entry is written in the same transaction as the change it records, so a change that rolls
back leaves no entry and an entry never describes a change that did not happen. Refusals and
failed logins are written in a transaction of their own, because the work they refused never
commits.
"""

from __future__ import annotations

import getpass
import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64
# Appenders take this lock so that two of them never read the same head (PostgreSQL; SQLite
# writers already hold the database's write lock from BEGIN IMMEDIATE).
_PG_LOCK = 0x63697668  # "civh"


@dataclass(frozen=True, slots=True)
class AuditLine:
    """One entry as people read it."""

    id: int
    at: datetime
    actor: str
    action: str
    target: str
    details: dict[str, Any]
    entry_hash: str


@dataclass(frozen=True, slots=True)
class ChainCheck:
    """The result of checking the whole chain."""

    entries: int
    head: str
    first_broken: int | None = None
    reason: str = ""
    head_matches: bool = True

    @property
    def intact(self) -> bool:
        return self.first_broken is None and self.head_matches


def cli_actor() -> str:
    """Who is acting from the command line: the operating-system account running it."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def acting(actor: str | None) -> str:
    """Who an entry names: the actor a caller gives, else the command line's."""
    return actor.strip() if actor and actor.strip() else cli_actor()


def canonical_details(details: Mapping[str, Any] | None) -> str:
    """Details as hashed and stored: JSON with sorted keys, no spaces, text kept as text."""
    return json.dumps(dict(details or {}), sort_keys=True, ensure_ascii=False,
                      separators=(",", ":"), default=str)


def _moment(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def entry_hash(previous_hash: str, at: datetime, actor: str, action: str, target: str,
               details: str) -> str:
    """The SHA-256 of an entry's fields and its predecessor's hash, unambiguously framed."""
    framed = json.dumps([previous_hash, _moment(at), actor, action, target, details],
                        ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(framed.encode("utf-8")).hexdigest()


def record(action: str, *, actor: str, target: str = "",
           details: Mapping[str, Any] | None = None) -> AuditLine:
    """Append one entry, inside the caller's transaction (or a new one)."""
    from django.db import connection, transaction

    from civharm.store.models import AuditEntry

    text = canonical_details(details)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_LOCK])
        head = AuditEntry.objects.order_by("-id").values_list("entry_hash", flat=True).first()
        previous = head or GENESIS
        # Microseconds are what both databases keep: hash exactly what will be read back.
        at = datetime.now(UTC)
        digest = entry_hash(previous, at, actor[:150], action[:64], target[:200], text)
        row = AuditEntry.objects.create(at=at, actor=actor[:150], action=action[:64],
                                        target=target[:200], details=text,
                                        previous_hash=previous, entry_hash=digest)
    return _line(row)


def record_refusal(action: str, *, actor: str, target: str = "",
                   details: Mapping[str, Any] | None = None) -> None:
    """Record something refused (a denied access, a failed login) so that the entry survives
    the refused work's rollback: in its own transaction when none is open, and otherwise on
    commit of the caller's (a refusal inside a transaction that then rolls back is lost with
    it; callers refuse before they open one)."""
    from django.db import connection, transaction

    if connection.in_atomic_block:
        transaction.on_commit(lambda: record(action, actor=actor, target=target, details=details))
    else:
        record(action, actor=actor, target=target, details=details)


def head() -> tuple[int, str]:
    """How many entries the log holds and the hash of the newest (``GENESIS`` when empty)."""
    from civharm.store.models import AuditEntry

    newest = AuditEntry.objects.order_by("-id").values_list("entry_hash", flat=True).first()
    return AuditEntry.objects.count(), newest or GENESIS


def verify(expected_head: str | None = None) -> ChainCheck:
    """Re-hash the whole log in order. The first entry whose link or hash does not hold is
    named; with ``expected_head``, a log whose head differs (entries cut off the end, or a
    log replaced wholesale) is reported too."""
    from civharm.store.models import AuditEntry

    previous = GENESIS
    count = 0
    rows = AuditEntry.objects.order_by("id").values_list(
        "id", "at", "actor", "action", "target", "details", "previous_hash", "entry_hash")
    for entry_id, at, actor, action, target, details, linked, stored in rows.iterator(2000):
        count += 1
        if linked != previous:
            return ChainCheck(count, previous, entry_id,
                              "it does not follow the entry before it: an entry before it "
                              "was removed or changed, or this one was inserted")
        if entry_hash(linked, at, actor, action, target, details) != stored:
            return ChainCheck(count, previous, entry_id,
                              "its contents do not match its hash: it was changed")
        previous = stored
    if expected_head is not None and expected_head != previous:
        return ChainCheck(
            count, previous, reason=f"the chain is intact but ends at {previous[:16]}…, not at "
            f"the expected head {expected_head[:16]}…: entries were cut off the end, or the "
            "log was replaced", head_matches=False)
    return ChainCheck(count, previous)


def entry_with_hash(digest: str) -> int | None:
    """The id of the entry whose hash is ``digest``, if the log holds one."""
    from civharm.store.models import AuditEntry

    return AuditEntry.objects.filter(entry_hash=digest).values_list("id", flat=True).first()


def lines(target: str | None = None, action: str | None = None, limit: int | None = None,
          newest_first: bool = True) -> Iterator[AuditLine]:
    """Entries for people, newest first by default, optionally for one target or action."""
    from civharm.store.models import AuditEntry

    query = AuditEntry.objects.all()
    if target:
        query = query.filter(target=target)
    if action:
        query = query.filter(action=action)
    query = query.order_by("-id" if newest_first else "id")
    if limit is not None:
        query = query[:limit]
    for row in query.iterator(2000):
        yield _line(row)


def _line(row: Any) -> AuditLine:
    return AuditLine(id=row.id, at=row.at, actor=row.actor, action=row.action,
                     target=row.target, details=json.loads(row.details or "{}"),
                     entry_hash=row.entry_hash)
