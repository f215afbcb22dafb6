"""The evidence store: files kept by the SHA-256 of their bytes, and their chain of custody.

A file lives at ``<store>/<sha[:2]>/<sha[2:4]>/<sha>``; ``<store>/tmp/`` holds partial
writes and is not evidence. A write is made crash-safe in this order: copy into a temporary
file while hashing, fsync it, rename it into place (atomic), fsync the folder, and only then
commit the database row and its audit entry in one transaction. A process killed at any
point therefore leaves either nothing, a temporary leftover, or a complete file with no row
(an orphan, which adding the file again adopts) — never a row that points at a missing or
partial file.

Confidential files are sealed at rest with a subkey of the key in CIVHARM_SECRET_KEY_FILE
(:func:`civharm.domain.sealing.seal_evidence`); their address is the SHA-256 of the
plaintext, and their original file name is not kept (it often names a person).

The chain of custody is the audit log: every add, derive, download and export of a file is an
entry against ``evidence:<sha256>`` with who, when and why (:func:`custody`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import mimetypes
import os
import re
import secrets
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from civharm.domain.sealing import (
    CannotOpen,
    SealingKey,
    evidence_key_id,
    open_evidence,
    seal_evidence,
)
from civharm.services import audit
from civharm.services.errors import NotFound, UserError
from civharm.services.progress import Progress, silent

TEMP_FOLDER = "tmp"
TEMP_SUFFIX = ".part"
BLOCK = 1024 * 1024
# A temporary file nobody holds a lock on and that has not been written to for this long was
# left by a process that died (a writer locks its file the moment it creates it; the delay
# only covers that instant).
STALE_TEMP_SECONDS = 2.0
MIN_PREFIX = 6
_SHA = re.compile(r"[0-9a-f]{64}")
_HEX = re.compile(r"[0-9a-f]+")

try:  # POSIX: a writer holds an advisory lock on its temporary file until it is done
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


def target(sha: str) -> str:
    return f"evidence:{sha}"


def relative_path(sha: str) -> Path:
    """Where a file lives inside the store."""
    return Path(sha[:2]) / sha[2:4] / sha


def store_folder(database_url: str | None = None) -> Path:
    from civharm.services.database import evidence_folder

    return evidence_folder(database_url)


def stored_path(sha: str, database_url: str | None = None) -> Path:
    return store_folder(database_url) / relative_path(sha)


@dataclass(frozen=True, slots=True)
class Added:
    """What adding one file did."""

    sha256: str
    name: str
    size: int
    created: bool  # a new row (not one an import had cited before the bytes came)
    stored_now: bool  # the row now says stored, sealed or restored because of this call
    confidential: bool
    linked_source: str | None = None
    action: str = ""  # the custody entry written for the bytes, if any

    @property
    def changed(self) -> bool:
        return self.stored_now or self.linked_source is not None


@dataclass(frozen=True, slots=True)
class EvidenceLine:
    sha256: str
    size: int | None
    media_type: str
    original_name: str
    added_at: Any
    stored: bool
    confidential: bool
    derived_from: str | None
    derivation: str
    sources: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"sha256": self.sha256, "size": self.size, "media_type": self.media_type,
                "original_name": self.original_name,
                "added_at": self.added_at.isoformat() if self.added_at else None,
                "stored": self.stored, "confidential": self.confidential,
                "derived_from": self.derived_from, "derivation": self.derivation,
                "sources": list(self.sources)}


# ---------------------------------------------------------------------------------------
# Files on disk


def _fsync_folder(folder: Path) -> None:
    """Make a rename or a new entry in ``folder`` durable (a no-op where folders cannot be
    opened, as on Windows)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _make_folders(store: Path, sha: str) -> Path:
    """Create the two fan-out folders of ``sha`` and make each new entry durable."""
    folder = store
    for part in (sha[:2], sha[2:4]):
        child = folder / part
        if not child.is_dir():
            child.mkdir(parents=True, exist_ok=True)
            _fsync_folder(folder)
        folder = child
    return folder


@contextlib.contextmanager
def _temporary(store: Path) -> Iterator[tuple[Path, IO[bytes]]]:
    """A new, locked temporary file in the store's tmp folder; removed unless renamed."""
    folder = store / TEMP_FOLDER
    if not folder.is_dir():
        folder.mkdir(parents=True, exist_ok=True)
        _fsync_folder(store)
    path = folder / f"{os.getpid()}-{secrets.token_hex(8)}{TEMP_SUFFIX}"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    handle = os.fdopen(fd, "wb")
    try:
        if fcntl is not None:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        yield path, handle
    finally:
        handle.close()
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def _place(temp: Path, handle: IO[bytes], store: Path, sha: str) -> None:
    """Make the temporary file durable and rename it to its address, durably."""
    handle.flush()
    os.fsync(handle.fileno())
    folder = _make_folders(store, sha)
    os.replace(temp, folder / sha)
    _fsync_folder(folder)


def _hash_file(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while block := handle.read(BLOCK):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


def _copy_hashing(source: IO[bytes], target: IO[bytes]) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    while block := source.read(BLOCK):
        digest.update(block)
        target.write(block)
        size += len(block)
    return digest.hexdigest(), size


def _stored_digest(path: Path, sha: str, confidential: bool, key: SealingKey | None) -> str:
    """The SHA-256 of the plaintext of a stored file (opening it when sealed)."""
    if not confidential:
        return _hash_file(path)[0]
    assert key is not None
    with path.open("rb") as handle:
        return open_evidence(handle, None, key, sha)


def _holds_intact(path: Path, sha: str, confidential: bool, key: SealingKey | None) -> bool:
    try:
        return _stored_digest(path, sha, confidential, key) == sha
    except (CannotOpen, OSError):
        return False


def remove_stale_temporaries(store: Path, older_than: float = STALE_TEMP_SECONDS) -> int:
    """Delete temporary files left by writers that died: nobody holds their lock and nothing
    was written to them for ``older_than`` seconds. Returns how many were removed."""
    folder = store / TEMP_FOLDER
    if not folder.is_dir():
        return 0
    removed = 0
    now = time.time()
    for entry in os.scandir(folder):
        if not entry.is_file(follow_symlinks=False):
            continue
        try:
            if now - entry.stat().st_mtime < older_than:
                continue
            fd = os.open(entry.path, os.O_RDONLY)
        except FileNotFoundError:
            continue
        try:
            if fcntl is not None:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue  # a live writer holds it
            elif now - entry.stat().st_mtime < 86_400:
                continue  # without locks, only what is a day old is surely abandoned
            with contextlib.suppress(FileNotFoundError):
                os.unlink(entry.path)
                removed += 1
        finally:
            os.close(fd)
    return removed


# ---------------------------------------------------------------------------------------
# Adding


def _key_for_confidential(database_url: str | None) -> SealingKey:
    from civharm.config import Settings
    from civharm.services.witnesses import load_key

    if Settings.from_env().secret_key_file is None:
        raise UserError("confidential evidence is encrypted at rest, and no key is "
                        "configured: set CIVHARM_SECRET_KEY_FILE to a key file (make one with "
                        "'civharm keygen PATH')")
    return load_key(database_url)


def _resolve(sha_or_prefix: str) -> Any:
    """The EvidenceFile a full hash or an unambiguous prefix of one names."""
    from civharm.store.models import EvidenceFile

    text = sha_or_prefix.strip().lower()
    if not _HEX.fullmatch(text) or len(text) > 64:
        raise UserError(f"{sha_or_prefix!r} is not a SHA-256 (64 hexadecimal digits) or a "
                        "prefix of one")
    if len(text) == 64:
        row = EvidenceFile.objects.filter(sha256=text).first()
        if row is None:
            raise NotFound(f"no evidence file {text}")
        return row
    if len(text) < MIN_PREFIX:
        raise UserError(f"give at least {MIN_PREFIX} hexadecimal digits of the SHA-256")
    rows = list(EvidenceFile.objects.filter(sha256__startswith=text)[:2])
    if not rows:
        raise NotFound(f"no evidence file starts with {text}")
    if len(rows) > 1:
        raise UserError(f"more than one evidence file starts with {text}; give more digits")
    return rows[0]


def add_evidence(
    path: Path,
    *,
    source_key: str | None = None,
    confidential: bool = False,
    derived_from: str | None = None,
    derivation: str = "",
    reason: str = "",
    actor: str | None = None,
    database_url: str | None = None,
) -> Added:
    """Put one file into the store and record it, crash-safely (see the module's docstring).

    Adding bytes that are already stored changes nothing: the file is the same evidence
    whatever its name (only a new ``source_key`` link is recorded). Bytes an import cited
    before they were stored become stored. Adding as confidential bytes that are stored in
    the clear seals them in place. A working copy names the original it was derived from
    (which must be in the database) and how; the original is never touched.
    """
    from django.db import IntegrityError, transaction

    from civharm.store.models import Source

    actor = actor or audit.cli_actor()
    path = Path(path)
    if not path.is_file():
        raise NotFound(f"{path} is not a file")
    derivation = derivation.strip()
    if (derived_from is None) != (not derivation):
        raise UserError("a working copy needs both the original it was derived from and a "
                        "description of the derivation (--derived-from and --derivation)")
    original = _resolve(derived_from) if derived_from else None
    if source_key is not None and not Source.objects.filter(key=source_key).exists():
        raise NotFound(f"no source with key {source_key!r}")
    if len(derivation) > 200:
        raise UserError("a derivation is described in at most 200 characters")
    key = _key_for_confidential(database_url) if confidential else None
    store = store_folder(database_url)
    store.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(store)

    # Bytes first: hashed on the way into a temporary file, then renamed into place.
    try:
        sha, size, wrote = _write(path, store, key)
    except OSError as error:
        raise UserError(f"cannot store {path}: {error.strerror or error}") from None
    if original is not None and original.sha256 == sha:
        raise UserError("the working copy is identical to its original; there is nothing to "
                        "record as a derivation")

    # Then the row and its custody entries, in one transaction.
    name = "" if confidential else path.name[:255]
    media_type = (mimetypes.guess_type(path.name)[0] or "")[:100]
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                added = _record_added(sha, size, wrote, name, media_type, confidential,
                                      original, derivation, source_key, reason, actor)
            return dataclasses.replace(added, name=path.name)
        except IntegrityError:
            # Another process recorded the same bytes at the same moment (PostgreSQL):
            # the second attempt finds its row.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _record_added(sha: str, size: int, wrote: bool, name: str, media_type: str,
                  confidential: bool, original: Any, derivation: str, source_key: str | None,
                  reason: str, actor: str) -> Added:
    from civharm.store.models import EvidenceFile, Source

    row = EvidenceFile.objects.select_for_update().filter(sha256=sha).first()
    created = row is None
    action = ""
    details: dict[str, Any] = {"reason": reason, "size": size}
    if row is None:
        row = EvidenceFile(sha256=sha)
        action = "evidence.derive" if original is not None else "evidence.add"
    elif not row.stored:
        action = "evidence.derive" if original is not None else "evidence.add"
        details["was_cited_before"] = True
    elif confidential and not row.confidential:
        action = "evidence.seal"  # stored in the clear before; now sealed in place
    elif wrote:
        action = "evidence.restore"  # the stored copy was missing or altered
    if action:
        sealing = confidential or row.confidential
        row.size = size
        row.stored = True
        row.confidential = sealing
        row.media_type = row.media_type or media_type
        row.original_name = "" if sealing else (row.original_name or name)
        if original is not None and row.derived_from_id is None and action != "evidence.seal":
            row.derived_from = original
            row.derivation = derivation
        row.save()
        details["confidential"] = row.confidential
        if row.original_name:
            details["name"] = row.original_name
        if row.derived_from_id is not None and original is not None:
            details |= {"derived_from": original.sha256, "derivation": derivation}
        audit.record(action, actor=actor, target=target(sha), details=details)
        if action == "evidence.derive":
            audit.record("evidence.derived", actor=actor, target=target(original.sha256),
                         details={"reason": reason, "working_copy": sha,
                                  "derivation": derivation})
    linked = None
    if source_key is not None:
        source = Source.objects.get(key=source_key)
        if not source.evidence.filter(pk=row.pk).exists():
            source.evidence.add(row)
            linked = source_key
            audit.record("evidence.link", actor=actor, target=target(sha),
                         details={"reason": reason, "source": source_key})
    return Added(sha, name, size, created, bool(action), row.confidential, linked, action)


def _write(path: Path, store: Path, key: SealingKey | None) -> tuple[str, int, bool]:
    """Put the bytes of ``path`` at their address unless an intact copy is already there.
    Returns the SHA-256, the size, and whether bytes were written.

    The file is hashed first (a sealed file's address is part of its encryption, and a file
    already stored need not be copied), then copied or sealed while being hashed again, so a
    file that changes between the two readings is refused rather than stored under the
    wrong address."""
    from civharm.store.models import EvidenceFile

    sha, size = _hash_file(path)
    final = store / relative_path(sha)
    known = EvidenceFile.objects.filter(sha256=sha).values_list("stored", "confidential").first()
    stored, sealed = known if known else (False, False)
    if sealed and key is None:
        if final.exists():
            return sha, size, False  # stored sealed: never store it in the clear too
        raise UserError(f"{path.name} is confidential evidence missing from the store; add "
                        "it again with --confidential to restore it")
    # An intact copy is kept: a stored file, or an orphan left by an interrupted add. A file
    # stored in the clear that is now added as confidential is sealed in its place.
    in_the_clear_to_seal = key is not None and stored and not sealed
    if final.exists() and not in_the_clear_to_seal and _holds_intact(
            final, sha, key is not None, key):
        return sha, size, False
    with _temporary(store) as (temp, handle), path.open("rb") as source:
        if key is not None:
            again = seal_evidence(source, handle, key, sha)
        else:
            again = _copy_hashing(source, handle)[0]
        if again != sha:
            raise UserError(f"{path.name} changed while it was being stored; add it again")
        _place(temp, handle, store, sha)
    return sha, size, True


def add_files(
    paths: Sequence[Path],
    *,
    progress: Progress = silent,
    **options: Any,
) -> list[Added]:
    """Add several files, one transaction each (a file is evidence as soon as it is added)."""
    done: list[Added] = []
    for number, path in enumerate(paths):
        progress("reading", number, len(paths))
        done.append(add_evidence(path, **options))
    progress("reading", len(paths), len(paths))
    return done


# ---------------------------------------------------------------------------------------
# Reading


def get_evidence(
    sha_or_prefix: str,
    out_path: Path,
    *,
    reason: str,
    actor: str | None = None,
    database_url: str | None = None,
) -> Any:
    """Copy a stored file to ``out_path`` (opening it if sealed), checking its hash on the
    way, and record the download with its reason. Never overwrites ``out_path``."""
    from django.db import transaction

    if not reason or not reason.strip():
        raise UserError("say why you are taking a copy of this evidence (--reason): the "
                        "reason is part of its chain of custody")
    actor = actor or audit.cli_actor()
    row = _resolve(sha_or_prefix)
    if not row.stored:
        raise NotFound(f"evidence file {row.sha256} is cited but its bytes were never added "
                       "to the store")
    source = stored_path(row.sha256, database_url)
    if not source.is_file():
        raise UserError(f"evidence file {row.sha256} is missing from the store; run "
                        "'civharm verify'")
    key = _key_for_confidential(database_url) if row.confidential else None
    out_path = Path(out_path)
    if out_path.exists():
        raise UserError(f"{out_path} already exists; civharm does not overwrite it")
    if not out_path.parent.is_dir():
        raise UserError(f"the folder of {out_path} does not exist")
    partial = out_path.with_name(f".{out_path.name}.{secrets.token_hex(4)}{TEMP_SUFFIX}")
    try:
        with source.open("rb") as handle, partial.open("xb") as copy:
            try:
                if key is not None:
                    digest = open_evidence(handle, copy, key, row.sha256)
                else:
                    digest = _copy_hashing(handle, copy)[0]
            except CannotOpen as error:
                raise UserError(f"evidence file {row.sha256} does not open: {error}; run "
                                "'civharm verify'") from None
            copy.flush()
            os.fsync(copy.fileno())
        if digest != row.sha256:
            raise UserError(f"evidence file {row.sha256} was altered in the store (its bytes "
                            "no longer match its hash); nothing was copied. Run "
                            "'civharm verify'")
        # The copy is handed over only once its custody entry has committed.
        with transaction.atomic():
            audit.record("evidence.download", actor=actor, target=target(row.sha256),
                         details={"reason": reason.strip(), "to": out_path.name})
        os.replace(partial, out_path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
    return row


def record_custody(sha: str, action: str, *, reason: str, actor: str | None = None,
                   details: dict[str, Any] | None = None) -> None:
    """Record a view or an export of a file (for the web app and exports), in the caller's
    transaction. ``action`` is ``view`` or ``export``."""
    if action not in ("view", "export"):
        raise ValueError(f"unknown custody action {action!r}")
    if not reason.strip():
        raise UserError("a reason is required: it is part of the chain of custody")
    audit.record(f"evidence.{action}", actor=actor or audit.cli_actor(), target=target(sha),
                 details={"reason": reason.strip(), **(details or {})})


def evidence_custody(sha_or_prefix: str) -> tuple[str, list[audit.AuditLine]]:
    """A file's full hash and its chain of custody, oldest entry first."""
    row = _resolve(sha_or_prefix)
    return row.sha256, list(audit.lines(target=target(row.sha256), newest_first=False))


def evidence_lines() -> list[EvidenceLine]:
    from civharm.store.models import EvidenceFile

    rows = (EvidenceFile.objects.select_related("derived_from")
            .prefetch_related("sources").order_by("added_at", "sha256"))
    return [EvidenceLine(row.sha256, row.size, row.media_type, row.original_name, row.added_at,
                         row.stored, row.confidential,
                         row.derived_from.sha256 if row.derived_from else None,
                         row.derivation, tuple(sorted(s.key for s in row.sources.all())))
            for row in rows]


# ---------------------------------------------------------------------------------------
# Verifying


@dataclass(slots=True)
class StoreReport:
    """What ``civharm verify`` found."""

    store: str
    checked: int = 0
    missing: list[str] = field(default_factory=list)
    altered: list[str] = field(default_factory=list)
    orphans: list[str] = field(default_factory=list)
    strays: list[str] = field(default_factory=list)
    temporaries: list[str] = field(default_factory=list)
    never_stored: int = 0
    unchecked: list[str] = field(default_factory=list)
    unchecked_reason: str = ""
    audit_entries: int = 0
    audit_problem: str = ""
    database_problems: list[str] = field(default_factory=list)
    database_checked: str = ""

    @property
    def ok(self) -> bool:
        return not (self.missing or self.altered or self.orphans or self.strays
                    or self.audit_problem or self.database_problems)

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "store": self.store, "checked": self.checked,
                "missing": self.missing, "altered": self.altered, "orphans": self.orphans,
                "strays": self.strays, "temporaries": self.temporaries,
                "never_stored": self.never_stored, "unchecked": self.unchecked,
                "unchecked_reason": self.unchecked_reason,
                "audit_entries": self.audit_entries, "audit_problem": self.audit_problem,
                "database_problems": self.database_problems,
                "database_checked": self.database_checked}


def _files_in_store(store: Path, report: StoreReport) -> dict[str, Path]:
    """Every file at a proper address, by hash; anything else is a stray or a leftover."""
    found: dict[str, Path] = {}
    if not store.is_dir():
        return found
    for first in sorted(os.scandir(store), key=lambda e: e.name):
        if first.name == TEMP_FOLDER and first.is_dir(follow_symlinks=False):
            report.temporaries += sorted(f"{TEMP_FOLDER}/{e.name}" for e in os.scandir(first))
            continue
        if not (first.is_dir(follow_symlinks=False) and re.fullmatch(r"[0-9a-f]{2}", first.name)):
            report.strays.append(first.name)
            continue
        for second in sorted(os.scandir(first), key=lambda e: e.name):
            where = f"{first.name}/{second.name}"
            if not (second.is_dir(follow_symlinks=False)
                    and re.fullmatch(r"[0-9a-f]{2}", second.name)):
                report.strays.append(where)
                continue
            for entry in sorted(os.scandir(second), key=lambda e: e.name):
                name = entry.name
                if (entry.is_file(follow_symlinks=False) and _SHA.fullmatch(name)
                        and name.startswith(first.name + second.name)):
                    found[name] = Path(entry.path)
                else:
                    report.strays.append(f"{where}/{name}")
    return found


def _check_database(report: StoreReport) -> None:
    from django.db import connection

    if connection.vendor != "sqlite":
        report.database_checked = f"{connection.vendor}: constraints are enforced by the server"
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA integrity_check")
        lines = [str(row[0]) for row in cursor.fetchall()]
        if lines != ["ok"]:
            report.database_problems += [f"integrity: {line}" for line in lines[:20]]
        cursor.execute("PRAGMA foreign_key_check")
        for table, rowid, parent, _ in cursor.fetchall()[:20]:
            report.database_problems.append(
                f"row {rowid} of {table} points at a missing row of {parent}")
    report.database_checked = "sqlite: integrity_check and foreign_key_check"


def verify_store(database_url: str | None = None, progress: Progress = silent,
                 key: SealingKey | None = None) -> StoreReport:
    """Check the whole installation: every stored file against its hash, the store against
    the rows, the audit chain, and (on SQLite) the database file itself."""
    from civharm.config import Settings
    from civharm.store.models import EvidenceFile

    store = store_folder(database_url)
    report = StoreReport(store=str(store))
    if key is None and Settings.from_env().secret_key_file is not None:
        try:
            key = _key_for_confidential(database_url)
        except UserError as error:
            report.unchecked_reason = str(error)
    elif key is None:
        report.unchecked_reason = ("no key is configured (CIVHARM_SECRET_KEY_FILE), so "
                                   "sealed files were checked for presence only")
    files = _files_in_store(store, report)
    rows = list(EvidenceFile.objects.filter(stored=True).order_by("sha256")
                .values_list("sha256", "confidential"))
    report.never_stored = EvidenceFile.objects.filter(stored=False).count()
    recorded = set()
    for number, (sha, confidential) in enumerate(rows):
        progress("checking", number, len(rows))
        recorded.add(sha)
        path = files.get(sha)
        if path is None:
            report.missing.append(sha)
            continue
        if confidential and key is None:
            report.unchecked.append(sha)
            continue
        if confidential and key is not None:
            try:
                with path.open("rb") as handle:
                    if evidence_key_id(handle.read(64)) != key.key_id:
                        report.unchecked.append(sha)
                        report.unchecked_reason = ("some sealed files were sealed with "
                                                   "another key")
                        continue
            except CannotOpen:
                report.altered.append(sha)
                continue
        report.checked += 1
        if not _holds_intact(path, sha, confidential, key):
            report.altered.append(sha)
    progress("checking", len(rows), len(rows))
    report.orphans = sorted(set(files) - recorded)
    chain = audit.verify()
    report.audit_entries = chain.entries
    if not chain.intact:
        report.audit_problem = (f"entry {chain.first_broken}: {chain.reason}"
                                if chain.first_broken is not None else chain.reason)
    _check_database(report)
    return report
