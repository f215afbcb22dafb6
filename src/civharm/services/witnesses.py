"""Witnesses: a pseudonymous code in the clear, everything that identifies them sealed.

Identity (name, contact, exact home location, statement) is sealed with the key in
``CIVHARM_SECRET_KEY_FILE`` before it reaches the database, and opened only when the key is
configured. Until users and roles exist, holding the key is what lets someone see identities.
Errors never carry the identity, only what is missing.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from civharm.config import Settings
from civharm.domain.sealing import (
    CannotOpen,
    KeyFileError,
    SealingKey,
    open_identity,
    read_key_file,
    seal_identity,
    write_key_file,
)
from civharm.services import audit
from civharm.services.errors import NotFound, UserError

IDENTITY_FIELDS = ("name", "contact", "home", "statement")
_CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O or 1/I to misread


@dataclass(frozen=True, slots=True)
class WitnessLine:
    code: str
    incident: str
    identity: dict[str, str] | None = None


def sqlite_database_folder(database_url: str | None) -> Path | None:
    """The folder of the SQLite database file that ``database_url`` names, if it names one."""
    from civharm.site.databases import DatabaseURLError, database_config

    target = database_url or Settings.from_env().database_url
    try:
        config = database_config(target)
    except DatabaseURLError:
        return None
    if not config["ENGINE"].endswith("sqlite3"):
        return None
    return Path(config["NAME"]).expanduser().resolve().parent


def _refuse_beside_database(key_path: Path, database_url: str | None) -> None:
    folder = sqlite_database_folder(database_url)
    if folder is not None and key_path.expanduser().resolve().parent == folder:
        raise UserError(
            f"the key file {key_path} is in the same folder as the database; whoever copies "
            "the folder would get both. Keep the key in another folder (or on a removable "
            "drive) and point CIVHARM_SECRET_KEY_FILE at it"
        )


def make_key_file(path: Path, database_url: str | None = None) -> SealingKey:
    """Write a new key file at ``path``; refuse to overwrite, or to sit beside the database."""
    _refuse_beside_database(path, database_url)
    try:
        return write_key_file(path)
    except KeyFileError as error:
        raise UserError(str(error)) from None


def load_key(database_url: str | None = None) -> SealingKey:
    """The configured key; a plain error saying what is missing when there is none."""
    path = Settings.from_env().secret_key_file
    if path is None:
        raise UserError(
            "witness identities are encrypted, and no key is configured: set "
            "CIVHARM_SECRET_KEY_FILE to a key file (make one with 'civharm keygen PATH')"
        )
    _refuse_beside_database(path, database_url)
    try:
        return read_key_file(path)
    except KeyFileError as error:
        raise UserError(f"cannot use the key in CIVHARM_SECRET_KEY_FILE: {error}") from None


def new_code() -> str:
    """A random pseudonymous code: it reveals neither the person nor the order of interviews."""
    from civharm.store.models import Witness

    while True:
        code = "W-" + "".join(secrets.choice(_CODE_ALPHABET) for _ in range(8))
        if not Witness.objects.filter(code=code).exists():
            return code


def add_witness(
    incident_code: str,
    name: str,
    contact: str = "",
    home: str = "",
    statement: str = "",
    code: str | None = None,
    database_url: str | None = None,
    actor: str | None = None,
) -> str:
    """Store one witness of an incident; returns the pseudonymous code. Needs the key.

    The audit entry names the code and the incident only: nothing of the identity."""
    from django.db import transaction

    from civharm.store.models import Incident, Witness

    key = load_key(database_url)
    if not name.strip():
        raise UserError("a witness needs a name (it is stored encrypted)")
    code = (code or "").strip() or new_code()
    if len(code) > 32:
        raise UserError("a witness code is at most 32 characters")
    identity = {"name": name, "contact": contact, "home": home, "statement": statement}
    sealed = seal_identity(identity, key, code)
    with transaction.atomic():
        incident = Incident.objects.filter(code=incident_code).first()
        if incident is None:
            raise NotFound(f"no incident with code {incident_code!r}")
        if Witness.objects.filter(code=code).exists():
            raise UserError(f"a witness with code {code!r} already exists")
        Witness.objects.create(code=code, incident=incident, identity_ciphertext=sealed)
        audit.record("witness.add", actor=audit.acting(actor), target=f"witness:{code}",
                     details={"incident": incident.code})
    return code


def witness_lines(
    show_identities: bool = False, database_url: str | None = None, actor: str | None = None
) -> list[WitnessLine]:
    """Every witness: code and incident; with ``show_identities``, the opened identity too.

    Each identity opened gets an audit entry (who opened which code, never what it holds),
    written before any identity is returned: what the log does not name was not shown. An
    identity the key cannot open is recorded as a refusal, and nothing is shown."""
    from django.db import transaction

    from civharm.store.models import Witness

    key = load_key(database_url) if show_identities else None
    who = audit.acting(actor)
    lines = []
    for witness in Witness.objects.select_related("incident").order_by("code"):
        incident = witness.incident.code if witness.incident is not None else ""
        identity = None
        if key is not None:
            identity = _open(witness.code, witness.identity_ciphertext, key, who)
        lines.append(WitnessLine(witness.code, incident, identity))
    if key is not None:
        with transaction.atomic():
            for line in lines:
                audit.record("witness.identity_opened", actor=who, target=f"witness:{line.code}",
                             details={"incident": line.incident, "key": key.key_id})
    return lines


def _open(code: str, sealed: bytes | memoryview | None, key: SealingKey,
          actor: str) -> dict[str, str]:
    if sealed is None:
        return {field: "" for field in IDENTITY_FIELDS}
    try:
        return open_identity(bytes(sealed), key, code)
    except CannotOpen as error:
        audit.record_refusal("witness.identity_refused", actor=actor, target=f"witness:{code}",
                             details={"key": key.key_id, "reason": "the key does not open it"})
        raise UserError(f"witness {code}: {error}") from None
