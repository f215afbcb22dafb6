"""Backups that can be checked and restored: the database, the evidence store and a manifest.

A backup is one gzip-compressed tar archive:

- ``manifest.json`` (first): the civharm version, the backend, when it was made, the row
  count of every table, the audit log's length and head hash, and the size and SHA-256 of
  every other member;
- ``database.sqlite3`` (a copy made with SQLite's online backup API, consistent while others
  write) or ``database.pgdump`` (``pg_dump --format=custom`` of one snapshot);
- ``evidence/<aa>/<bb>/<sha256>``: every file of the evidence store, byte for byte (partial
  writes in ``tmp/`` are not evidence and stay out).

The secret key (CIVHARM_SECRET_KEY_FILE) is never in a backup: a backup that leaks must not
open the witness identities it holds. Keep the key separately.

A restore reads the whole archive into a staging area beside the target, checks every member
against the manifest, and only then installs anything; after installing, it checks the
restored database (row counts, the audit chain up to the recorded head) and evidence. Any
failure removes everything it wrote.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from civharm import __version__
from civharm.config import Settings
from civharm.services.errors import UserError
from civharm.services.progress import Progress, silent

FORMAT = "civharm-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATABASE_MEMBERS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
EVIDENCE_PREFIX = "evidence/"
GENESIS = "0" * 64
AUDIT_TABLE = "civharm_auditentry"
# The store's layout: <aa>/<bb>/<64 hex>, the first two pairs of the name as folders.
_EVIDENCE_PATH = re.compile(r"([0-9a-f]{2})/([0-9a-f]{2})/([0-9a-f]{64})")
_HEX64 = re.compile(r"[0-9a-f]{64}")
_CHUNK = 1 << 20
_MANIFEST_LIMIT = 1 << 30
KEY_REMINDER = ("The secret key (CIVHARM_SECRET_KEY_FILE) is not in the backup, by design: "
                "keep a copy of it somewhere safe and separate, or the witness identities in "
                "the backup cannot be read by anyone.")


@dataclass(frozen=True, slots=True)
class EvidenceEntry:
    """One file of the evidence store: its path in the store, size and the SHA-256 of its
    bytes (which differs from its name when the file is stored encrypted)."""

    path: str
    size: int
    sha256: str


@dataclass(frozen=True, slots=True)
class BackupReport:
    path: Path
    backend: str
    tables: dict[str, int]
    audit_entries: int
    audit_head: str
    evidence_files: int
    evidence_bytes: int
    size: int
    skipped: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class RestoreReport:
    target: str
    backend: str
    created_at: str
    tables: dict[str, int]
    audit_entries: int
    audit_head: str
    evidence_files: int
    evidence_folder: Path


# --------------------------------------------------------------------------- backup


def make_backup(out_path: Path, progress: Progress | None = None) -> BackupReport:
    """Back up the configured database and its evidence store into one new file."""
    from django.db import connection

    from civharm.services import database

    report = progress or silent
    out_path = Path(out_path)
    if out_path.exists() or out_path.is_symlink():
        raise UserError(f"{out_path} already exists; a backup never overwrites a file")
    if not out_path.parent.is_dir():
        raise UserError(f"the folder of {out_path} does not exist")
    backend = connection.vendor
    if backend not in DATABASE_MEMBERS:
        raise UserError(f"cannot back up a {backend} database")
    with tempfile.TemporaryDirectory(prefix=".civharm-backup-", dir=out_path.parent) as work:
        dump = Path(work) / DATABASE_MEMBERS[backend]
        report("database", 0, 1)
        if backend == "sqlite":
            tables, entries, head = _snapshot_sqlite(connection.settings_dict["NAME"], dump)
        else:
            tables, entries, head = _snapshot_postgresql(connection, dump)
        report("database", 1, 1)
        # Listed after the database snapshot: evidence is written before the row naming it
        # commits, so every file a row in the snapshot names is already there.
        folder = database.evidence_folder()
        found, skipped = _evidence_files(folder)
        evidence = []
        for done, relative in enumerate(found, 1):
            size, digest = _hash_file(folder / relative)
            evidence.append(EvidenceEntry(relative, size, digest))
            report("hashing", done, len(found))
        db_size, db_hash = _hash_file(dump)
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "civharm_version": __version__,
            "backend": backend,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "secret_key": "not included; keep the key file separately",
            "database": {"member": dump.name, "size": db_size, "sha256": db_hash},
            "tables": tables,
            "audit": {"entries": entries, "head": head},
            "evidence": [{"path": e.path, "size": e.size, "sha256": e.sha256}
                         for e in evidence],
        }
        _write_archive(out_path, manifest, dump, folder, evidence, report)
    return BackupReport(
        path=out_path, backend=backend, tables=tables, audit_entries=entries, audit_head=head,
        evidence_files=len(evidence), evidence_bytes=sum(e.size for e in evidence),
        size=out_path.stat().st_size, skipped=skipped)


def _snapshot_sqlite(path: str, copy: Path) -> tuple[dict[str, int], int, str]:
    """Copy a live SQLite database with the online backup API: one read transaction, so the
    copy is consistent while others write (in WAL mode readers never block writers)."""
    source = sqlite3.connect(path, timeout=30)
    target = sqlite3.connect(copy)
    try:
        source.backup(target)  # all pages in one step: never restarted by a busy writer
        target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        # Counted on the copy itself, so the manifest describes exactly what is backed up.
        tables, entries, head = _describe(target.cursor(), "sqlite")
        target.commit()
    except sqlite3.Error as error:
        raise UserError(f"cannot copy the SQLite database: {error}") from None
    finally:
        target.close()
        source.close()
    _fsync(copy)
    return tables, entries, head


def _snapshot_postgresql(connection: Any, dump: Path) -> tuple[dict[str, int], int, str]:
    """pg_dump one exported snapshot, and count the rows in that same snapshot."""
    from django.db import transaction

    tool = _pg_tool("pg_dump", connection.pg_version // 10000)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        tables, entries, head = _describe(cursor, "postgresql")
        _run_pg(connection.settings_dict, [
            tool, "--format=custom", f"--snapshot={snapshot}", f"--file={dump}"], "pg_dump")
    _fsync(dump)
    return tables, entries, head


def _evidence_files(folder: Path) -> tuple[list[str], list[str]]:
    """The store's files (relative paths, sorted), and anything else found, which is left out:
    the tmp/ folder of partial writes, links, and files outside the store's layout (a key file
    put there by mistake must never reach a backup)."""
    if not folder.is_dir():
        return [], []
    key = Settings.from_env().secret_key_file
    found: list[str] = []
    skipped: list[str] = []
    for root, dirs, files in os.walk(folder):
        here = Path(root)
        if here == folder and "tmp" in dirs:
            dirs.remove("tmp")
        dirs.sort()
        for name in sorted(files):
            path = here / name
            relative = path.relative_to(folder).as_posix()
            match = _EVIDENCE_PATH.fullmatch(relative)
            regular = path.is_file() and not path.is_symlink()
            in_layout = bool(match) and match is not None and \
                match.group(3).startswith(match.group(1) + match.group(2))
            if not (regular and in_layout) or (key is not None and _same_file(path, key)):
                skipped.append(relative)
                continue
            found.append(relative)
        for name in list(dirs):
            if (here / name).is_symlink():
                dirs.remove(name)
                skipped.append((here / name).relative_to(folder).as_posix())
    return found, skipped


def _same_file(path: Path, other: Path) -> bool:
    try:
        return os.path.samefile(path, other)
    except OSError:
        return False


def _write_archive(out_path: Path, manifest: dict[str, Any], dump: Path, folder: Path,
                   evidence: list[EvidenceEntry], report: Progress) -> None:
    partial = out_path.with_name(f".{out_path.name}.{uuid.uuid4().hex[:8]}.partial")
    # Owner-only: the archive holds confidential evidence and sealed identities.
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as raw:
            with tarfile.open(fileobj=raw, mode="w:gz", compresslevel=1,
                              format=tarfile.PAX_FORMAT) as archive:
                text = json.dumps(manifest, indent=1, ensure_ascii=False).encode("utf-8")
                archive.addfile(_member(MANIFEST, len(text)), io.BytesIO(text))
                database = manifest["database"]
                _add_checked(archive, dump, database["member"], database["size"],
                             database["sha256"])
                for done, entry in enumerate(evidence, 1):
                    _add_checked(archive, folder / entry.path, EVIDENCE_PREFIX + entry.path,
                                 entry.size, entry.sha256)
                    report("writing", done, len(evidence))
            raw.flush()
            os.fsync(raw.fileno())
        _publish(partial, out_path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def _member(name: str, size: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mode = 0o600
    info.mtime = int(datetime.now(UTC).timestamp())
    return info


class _HashingReader:
    def __init__(self, stream: IO[bytes]):
        self.stream = stream
        self.hash = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        self.hash.update(data)
        return data


def _add_checked(archive: tarfile.TarFile, path: Path, name: str, size: int,
                 digest: str) -> None:
    """Add a file, hashing what is actually written: it must be what the manifest says."""
    try:
        with path.open("rb") as stream:
            reader = _HashingReader(stream)
            archive.addfile(_member(name, size), reader)
            changed = reader.hash.hexdigest() != digest or stream.read(1) != b""
    except (OSError, tarfile.TarError) as error:
        raise UserError(f"cannot read {path} for the backup: {error}") from None
    if changed:
        raise UserError(f"{path} changed while it was backed up; nothing was written, "
                        "run the backup again")


def _publish(partial: Path, out_path: Path) -> None:
    """Give the finished archive its name, never replacing a file that appeared meanwhile."""
    try:
        os.link(partial, out_path)
    except FileExistsError:
        raise UserError(f"{out_path} already exists; a backup never overwrites a file") from None
    except OSError:
        if out_path.exists():
            raise UserError(f"{out_path} already exists; a backup never overwrites a file") \
                from None
        os.replace(partial, out_path)  # a file system without hard links
    else:
        partial.unlink()
    _fsync_folder(out_path.parent)


# --------------------------------------------------------------------------- restore


def restore_backup(in_path: Path, target_url: str,
                   progress: Progress | None = None) -> RestoreReport:
    """Restore a backup into a new, empty database and an empty evidence folder.

    The archive is checked against its manifest before anything is installed; after
    installing, the restored rows, audit chain and evidence are checked against it too.
    All or nothing: on any failure, everything written is removed again.
    """
    from civharm.services import database
    from civharm.site.databases import DatabaseURLError, database_config

    report = progress or silent
    in_path = Path(in_path)
    if not in_path.is_file():
        raise UserError(f"there is no backup file at {in_path}")
    try:
        config = database_config(target_url)
    except DatabaseURLError as error:
        raise UserError(f"cannot use database {target_url!r}: {error}") from None
    target_backend = "sqlite" if config["ENGINE"].endswith("sqlite3") else "postgresql"
    folder = database.evidence_folder(target_url)
    with _open_archive(in_path) as archive:
        manifest = _read_manifest(archive)
        backend = manifest["backend"]
        if backend != target_backend:
            raise UserError(
                f"this is a backup of a {_backend_name(backend)} database; it can only be "
                f"restored into {_backend_name(backend)}, not {_backend_name(target_backend)}")
        description = database.configure(target_url)
        _require_empty_target(config, backend)
        _require_empty_evidence(folder)
        installed = _Installed(backend, folder)
        with contextlib.ExitStack() as cleanup:
            staging = _staging_folder(folder)
            cleanup.callback(shutil.rmtree, staging, ignore_errors=True)
            db_stage = (_sqlite_stage(Path(config["NAME"])) if backend == "sqlite"
                        else staging / DATABASE_MEMBERS[backend])
            cleanup.callback(db_stage.unlink, missing_ok=True)
            _unpack(archive, manifest, db_stage, staging / "evidence", report)
            try:
                _install(manifest, config, db_stage, staging / "evidence", installed)
                _check_restored(manifest, folder, report)
            except BaseException as error:
                problem = installed.undo()
                if problem and isinstance(error, UserError):
                    raise UserError(f"{error}. {problem}") from None
                raise
            finally:
                from django.db import connections

                connections.close_all()
    audit = manifest["audit"]
    return RestoreReport(
        target=description, backend=backend, created_at=manifest["created_at"],
        tables=manifest["tables"], audit_entries=audit["entries"], audit_head=audit["head"],
        evidence_files=len(manifest["evidence"]), evidence_folder=folder)


def _backend_name(backend: str) -> str:
    return {"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(backend, backend)


@contextlib.contextmanager
def _open_archive(path: Path) -> Iterator[tarfile.TarFile]:
    try:
        archive = tarfile.open(path, mode="r|gz")  # noqa: SIM115 (closed below)
    except (tarfile.TarError, OSError, EOFError) as error:
        raise UserError(f"{path} is not a civharm backup (a gzip-compressed tar archive): "
                        f"{_reason(error)}") from None
    try:
        yield archive
    finally:
        archive.close()


def _reason(error: BaseException) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def _read_manifest(archive: tarfile.TarFile) -> dict[str, Any]:
    try:
        first = archive.next()
        if first is None or first.name != MANIFEST or not first.isfile() or \
                first.size > _MANIFEST_LIMIT:
            raise UserError("the archive is not a civharm backup: it does not start with "
                            f"{MANIFEST}")
        stream = archive.extractfile(first)
        assert stream is not None
        manifest = json.loads(stream.read().decode("utf-8"))
    except (tarfile.TarError, OSError, EOFError, UnicodeDecodeError, ValueError) as error:
        raise UserError(f"the backup is damaged: {MANIFEST} cannot be read "
                        f"({_reason(error)}); nothing was restored") from None
    problem = _manifest_problem(manifest)
    if problem:
        raise UserError(f"the backup's {MANIFEST} is not valid: {problem}; nothing was restored")
    return dict(manifest)


def _manifest_problem(manifest: Any) -> str:
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        return "it is not a civharm backup manifest"
    if manifest.get("format_version") != FORMAT_VERSION:
        return (f"it is format version {manifest.get('format_version')!r}; this civharm "
                f"reads version {FORMAT_VERSION}")
    backend = manifest.get("backend")
    if backend not in DATABASE_MEMBERS:
        return f"unknown backend {backend!r}"
    db = manifest.get("database")
    if not isinstance(db, dict) or db.get("member") != DATABASE_MEMBERS[backend] or \
            not _is_size(db.get("size")) or not _is_hash(db.get("sha256")):
        return "its database entry is incomplete"
    tables = manifest.get("tables")
    if not isinstance(tables, dict) or not all(
            isinstance(k, str) and _is_size(v) for k, v in tables.items()):
        return "its table counts are incomplete"
    audit = manifest.get("audit")
    if not isinstance(audit, dict) or not _is_size(audit.get("entries")) or \
            not _is_hash(audit.get("head")):
        return "its audit log entry is incomplete"
    evidence = manifest.get("evidence")
    if not isinstance(evidence, list):
        return "its evidence list is missing"
    seen: set[str] = set()
    for item in evidence:
        if not isinstance(item, dict) or not isinstance(item.get("path"), str) or \
                not _EVIDENCE_PATH.fullmatch(item["path"]) or not _is_size(item.get("size")) \
                or not _is_hash(item.get("sha256")) or item["path"] in seen:
            return f"its evidence entry {str(item)[:120]} is not valid"
        seen.add(item["path"])
    if not isinstance(manifest.get("created_at"), str):
        return "it does not say when it was made"
    return ""


def _is_size(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _is_hash(value: Any) -> bool:
    return isinstance(value, str) and bool(_HEX64.fullmatch(value))


def _require_empty_target(config: dict[str, Any], backend: str) -> None:
    if backend == "sqlite":
        path = Path(config["NAME"])
        for extra in ("-wal", "-journal"):
            if Path(str(path) + extra).exists():
                raise UserError(f"{path}{extra} exists: the target database is in use or was "
                                "not closed cleanly; restore into a new database file")
        if not path.exists():
            if not path.parent.is_dir():
                raise UserError(f"the folder of {path} does not exist")
            return
        try:
            with contextlib.closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro",
                                                    uri=True)) as probe:
                tables = probe.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        except sqlite3.Error:
            raise UserError(f"{path} exists and is not an empty SQLite database; restore "
                            "into a new database file") from None
        if tables:
            raise UserError(f"{path} already holds a database; restore into a new, empty "
                            "one (a file that does not exist yet)")
        return  # an empty SQLite file: the restored one takes its place
    connection = _open_target()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') "
            "AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
            "AND n.nspname NOT LIKE 'pg\\_%%'")
        if cursor.fetchone()[0]:
            raise UserError("the target database already holds tables; restore into a new, "
                            "empty PostgreSQL database (createdb NAME)")


def _open_target() -> Any:
    from django.db import connection
    from django.db.utils import OperationalError

    from civharm.services import database

    try:
        connection.ensure_connection()
    except OperationalError as error:
        raise UserError(f"cannot open the target database: {_reason(error)}") from None
    database.require_durable(connection)
    return connection


def _require_empty_evidence(folder: Path) -> None:
    if folder.exists() and not folder.is_dir():
        raise UserError(f"the evidence folder {folder} is a file, not a folder")
    if folder.is_dir() and any(files for _, _, files in os.walk(folder)):
        raise UserError(f"the evidence folder {folder} already holds files; restore into an "
                        "empty one (set CIVHARM_EVIDENCE_DIR to choose it)")
    if not folder.parent.is_dir():
        raise UserError(f"the folder of the evidence store, {folder.parent}, does not exist")


def _staging_folder(folder: Path) -> Path:
    return Path(tempfile.mkdtemp(prefix=f".{folder.name}.restore-", dir=folder.parent))


def _sqlite_stage(path: Path) -> Path:
    return path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.restore")


def _unpack(archive: tarfile.TarFile, manifest: dict[str, Any], db_stage: Path,
            evidence_stage: Path, report: Progress) -> None:
    """Write every member to the staging area, hashing it; refuse unless the archive holds
    exactly what its manifest lists, byte for byte."""
    database = manifest["database"]
    expected = {database["member"]: (database["size"], database["sha256"], db_stage)}
    for item in manifest["evidence"]:
        expected[EVIDENCE_PREFIX + item["path"]] = (
            item["size"], item["sha256"], evidence_stage / item["path"])
    total = len(expected)
    done = 0
    report("reading", 0, total)
    try:
        while (member := archive.next()) is not None:  # after the manifest
            if member.name not in expected:
                raise UserError(f"the backup holds {member.name!r}, which its manifest does not "
                                "list; nothing was restored")
            size, digest, destination = expected.pop(member.name)
            if not member.isfile():
                raise UserError(f"the backup's {member.name} is not a regular file; nothing "
                                "was restored")
            stream = archive.extractfile(member)
            assert stream is not None
            destination.parent.mkdir(parents=True, exist_ok=True)
            actual = hashlib.sha256()
            written = 0
            with open(destination, "xb") as out:
                while chunk := stream.read(_CHUNK):
                    actual.update(chunk)
                    written += len(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            if written != size or actual.hexdigest() != digest:
                raise UserError(f"the backup is damaged: {member.name} does not match its "
                                "SHA-256 in the manifest; nothing was restored")
            done += 1
            report("reading", done, total)
    except UserError:
        raise
    except Exception as error:  # tarfile, gzip and zlib each raise their own kind
        raise UserError(f"the backup is damaged and cannot be read ({_reason(error)}); "
                        "nothing was restored") from None
    if expected:
        missing = sorted(expected)
        raise UserError(f"the backup is incomplete: {len(missing)} member(s) listed in its "
                        f"manifest are missing, the first {missing[0]}; nothing was restored")


class _Installed:
    """What a restore has put in place, so that a failure can take it away again."""

    def __init__(self, backend: str, folder: Path):
        self.backend = backend
        self.folder = folder
        self.database_file: Path | None = None
        self.pg_functions_before: set[str] | None = None
        self.files: list[Path] = []
        self.folders: list[Path] = []

    def undo(self) -> str:
        """Remove what was installed; say what could not be removed (or nothing)."""
        from django.db import connections

        connections.close_all()
        for path in reversed(self.files):
            path.unlink(missing_ok=True)
        for path in reversed(self.folders):
            with contextlib.suppress(OSError):
                path.rmdir()
        if self.database_file is not None:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(str(self.database_file) + suffix).unlink(missing_ok=True)
        if self.pg_functions_before is not None:
            try:
                _drop_restored_postgresql(self.pg_functions_before)
            except Exception as error:
                return (f"Removing the restored tables failed too ({_reason(error)}): drop and "
                        "re-create the target database before trying again")
        return ""


def _install(manifest: dict[str, Any], config: dict[str, Any], db_stage: Path,
             evidence_stage: Path, installed: _Installed) -> None:
    if manifest["backend"] == "sqlite":
        target = Path(config["NAME"])
        if target.exists():  # an empty database file, checked before
            os.replace(db_stage, target)
        else:
            try:
                os.link(db_stage, target)
            except FileExistsError:
                raise UserError(f"{target} appeared while restoring; nothing was "
                                "restored") from None
        installed.database_file = target
        _fsync_folder(target.parent)
    else:
        from django.db import connection

        installed.pg_functions_before = _postgresql_functions()
        tool = _pg_tool("pg_restore", connection.pg_version // 10000)
        connection.close()
        _run_pg(config, [tool, "--no-owner", "--no-privileges", "--single-transaction",
                         "--exit-on-error", str(db_stage)], "pg_restore", option="--dbname")
    touched = {installed.folder.parent}
    for item in manifest["evidence"]:
        source = evidence_stage / item["path"]
        destination = installed.folder / item["path"]
        for parent in _new_parents(installed.folder, destination):
            parent.mkdir()
            installed.folders.append(parent)
        if destination.exists():
            raise UserError(f"{destination} appeared while restoring; nothing was restored")
        os.rename(source, destination)
        installed.files.append(destination)
        touched.add(destination.parent)
    for path in sorted(touched, key=lambda p: len(p.parts), reverse=True):
        _fsync_folder(path)


def _new_parents(folder: Path, destination: Path) -> list[Path]:
    """The folders from the evidence folder down to ``destination`` that do not exist yet,
    outermost first."""
    inner = reversed(destination.relative_to(folder).parents)
    chain = [folder, *(folder / p for p in inner if str(p) != ".")]
    return [p for p in chain if not p.exists()]


def _postgresql_functions() -> set[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n "
                       "ON n.oid = p.pronamespace WHERE n.nspname = current_schema()")
        return {row[0] for row in cursor.fetchall()}


def _drop_restored_postgresql(functions_before: set[str]) -> None:
    """Drop what pg_restore created: the target held no tables before, so every table,
    view and sequence is the restore's; functions that were there before stay."""
    from django.db import connection, transaction

    kinds = (("TABLE", ["r", "p"]), ("MATERIALIZED VIEW", ["m"]), ("VIEW", ["v"]),
             ("SEQUENCE", ["S"]))
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            for kind, relkinds in kinds:
                cursor.execute(
                    "SELECT c.oid::regclass::text FROM pg_class c JOIN pg_namespace n "
                    "ON n.oid = c.relnamespace WHERE c.relkind::text = ANY(%s) "
                    "AND n.nspname = current_schema()", [relkinds])
                names = [row[0] for row in cursor.fetchall()]
                if names:
                    cursor.execute(f"DROP {kind} IF EXISTS {', '.join(names)} CASCADE")
            for function in _postgresql_functions() - functions_before:
                cursor.execute(f"DROP FUNCTION IF EXISTS {function} CASCADE")
    finally:
        connection.close()


def _check_restored(manifest: dict[str, Any], folder: Path, report: Progress) -> None:
    """Check the restored database and evidence against the manifest."""
    from civharm.services import audit

    evidence = manifest["evidence"]
    total = 2 + len(evidence)
    report("checking", 0, total)
    connection = _open_target()
    with connection.cursor() as cursor:
        tables, _, _ = _describe(cursor, connection.vendor)
    if tables != manifest["tables"]:
        wrong = sorted(name for name in set(tables) | set(manifest["tables"])
                       if tables.get(name) != manifest["tables"].get(name))
        raise UserError(f"the restored database does not match the backup's manifest: "
                        f"{len(wrong)} table(s) differ, the first {wrong[0]} "
                        f"({tables.get(wrong[0])} rows, not {manifest['tables'].get(wrong[0])}); "
                        "nothing was restored")
    report("checking", 1, total)
    expected = manifest["audit"]
    check = audit.verify(expected_head=expected["head"])
    if not check.intact or check.entries != expected["entries"]:
        raise UserError("the restored audit log does not check out: "
                        f"{check.reason or 'it holds a different number of entries'}; "
                        "nothing was restored")
    report("checking", 2, total)
    for done, item in enumerate(evidence, 3):
        size, digest = _hash_file(folder / item["path"])
        if size != item["size"] or digest != item["sha256"]:
            raise UserError(f"the restored evidence file {item['path']} does not match the "
                            "backup; nothing was restored")
        report("checking", done, total)


# --------------------------------------------------------------------------- shared


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _describe(cursor: Any, backend: str) -> tuple[dict[str, int], int, str]:
    """Row counts of every table, and the audit log's length and head, read through a
    DB-API cursor (of the live snapshot, a copy, or a restored database)."""
    if backend == "sqlite":
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                       "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name")
    else:
        cursor.execute("SELECT c.relname FROM pg_class c JOIN pg_namespace n "
                       "ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p') "
                       "AND n.nspname = current_schema() ORDER BY c.relname")
    names = [row[0] for row in cursor.fetchall()]
    tables: dict[str, int] = {}
    for name in names:
        cursor.execute(f"SELECT count(*) FROM {_quote(name)}")  # noqa: S608 (a table name)
        tables[name] = int(cursor.fetchone()[0])
    head = GENESIS
    if tables.get(AUDIT_TABLE):
        cursor.execute(f"SELECT entry_hash FROM {AUDIT_TABLE} ORDER BY id DESC LIMIT 1")  # noqa: S608
        head = cursor.fetchone()[0]
    return tables, tables.get(AUDIT_TABLE, 0), head


def _hash_file(path: Path) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_folder(path: Path) -> None:
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        _fsync(path)


def _pg_tool(name: str, server_major: int) -> str:
    """pg_dump or pg_restore able to read the server: the same major version, else the
    nearest newer one (Debian keeps each in /usr/lib/postgresql/<version>/bin), else PATH."""
    found: dict[int, str] = {}
    for candidate in glob.glob(f"/usr/lib/postgresql/*/bin/{name}"):
        version = Path(candidate).parent.parent.name
        if version.isdigit() and os.access(candidate, os.X_OK):
            found[int(version)] = candidate
    newer = sorted(v for v in found if v >= server_major)
    if newer:
        return found[newer[0]]
    on_path = shutil.which(name)
    if on_path:
        try:
            text = subprocess.run([on_path, "--version"], capture_output=True, text=True,
                                  timeout=30).stdout
        except OSError:
            text = ""
        match = re.search(r"(\d+)(?:\.\d+)?", text)
        if match and int(match.group(1)) >= server_major:
            return on_path
    raise UserError(
        f"{name} for PostgreSQL {server_major} (or newer) was not found: install the "
        f"PostgreSQL client programs of that version (Debian: postgresql-client-{server_major}, "
        "or the postgresql package) or put them on PATH")


def _run_pg(config: dict[str, Any], command: list[str], what: str,
            option: str = "--dbname") -> None:
    """Run a PostgreSQL client program against the database of ``config``; the password goes
    through the environment, never the command line (where other users could see it)."""
    from psycopg.conninfo import make_conninfo

    params = {"dbname": config["NAME"], "host": config.get("HOST") or None,
              "port": str(config["PORT"]) if config.get("PORT") else None,
              "user": config.get("USER") or None}
    conninfo = make_conninfo(**{k: v for k, v in params.items() if v})
    env = dict(os.environ)
    if config.get("PASSWORD"):
        env["PGPASSWORD"] = str(config["PASSWORD"])
    try:
        result = subprocess.run([*command, f"{option}={conninfo}"], capture_output=True,
                                text=True, env=env, timeout=None)
    except OSError as error:
        raise UserError(f"cannot run {what}: {error.strerror}") from None
    if result.returncode != 0:
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        raise UserError(f"{what} failed: {lines[0] if lines else f'exit {result.returncode}'}")
