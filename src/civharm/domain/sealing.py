"""Sealing of confidential documents (a witness's identity) with AES-256-GCM.

A sealed document is ``FORMAT | key id | 96-bit random nonce | ciphertext and tag``. The
associated data binds it to the witness code, the format and the key id, so a ciphertext
copied onto another witness's row, or with its header edited, does not open.

The key file holds one text line, ``civharm-key-v1:<key id>:<base64 of 32 bytes>``. It is
text, not raw bytes, because the same file (``CIVHARM_SECRET_KEY_FILE``) is read as text for
the web app's signing key. The AES key is not the file's bytes but a subkey derived with
HKDF-SHA256 for this one purpose, so the two uses never share a key.

Pure: no database, no Django.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import secrets
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

FORMAT = 1
KEY_BYTES = 32
NONCE_BYTES = 12
HEADER_BYTES = 2 + NONCE_BYTES
KEY_FILE_PREFIX = "civharm-key-v1"
_WITNESS_PURPOSE = b"civharm witness identity v1"


class SealingError(Exception):
    """A document cannot be sealed or opened; the message names no confidential data."""


class KeyFileError(SealingError):
    """The key file is missing, malformed or exposed."""


class CannotOpen(SealingError):
    """The ciphertext does not open: wrong key, wrong witness, or tampered bytes."""


@dataclass(frozen=True, slots=True, repr=False)
class SealingKey:
    """A master key and its id (0-255), recorded in every ciphertext so keys can rotate."""

    key_id: int
    secret: bytes

    def __post_init__(self) -> None:
        if not 0 <= self.key_id <= 255:
            raise KeyFileError("a key id is a number from 0 to 255")
        if len(self.secret) != KEY_BYTES:
            raise KeyFileError(f"a key is {KEY_BYTES} bytes, not {len(self.secret)}")

    def __repr__(self) -> str:  # never print the secret
        return f"SealingKey(key_id={self.key_id})"

    @classmethod
    def generate(cls, key_id: int | None = None) -> SealingKey:
        return cls(secrets.randbelow(256) if key_id is None else key_id,
                   secrets.token_bytes(KEY_BYTES))

    def subkey(self, purpose: bytes) -> bytes:
        """A 32-byte key for one purpose only, derived from the master key with HKDF-SHA256."""
        return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None,
                    info=purpose).derive(self.secret)

    def to_line(self) -> str:
        encoded = base64.urlsafe_b64encode(self.secret).decode("ascii")
        return f"{KEY_FILE_PREFIX}:{self.key_id}:{encoded}"

    @classmethod
    def from_line(cls, line: str) -> SealingKey:
        parts = line.strip().split(":")
        if len(parts) != 3 or parts[0] != KEY_FILE_PREFIX:
            raise KeyFileError("it is not a civharm key file (make one with 'civharm keygen')")
        try:
            key_id = int(parts[1])
            secret = base64.urlsafe_b64decode(parts[2].encode("ascii"))
        except (ValueError, binascii.Error):
            raise KeyFileError("its key cannot be read; the file is damaged") from None
        if len(secret) != KEY_BYTES:
            raise KeyFileError(f"its key is {len(secret)} bytes, not {KEY_BYTES}; "
                               "the file is damaged") from None
        return cls(key_id, secret)


def write_key_file(path: Path, key_id: int | None = None) -> SealingKey:
    """Write a new random key to ``path``, readable by its owner only. Never overwrites."""
    key = SealingKey.generate(key_id)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise KeyFileError(f"{path} already exists; civharm never overwrites a key") from None
    except FileNotFoundError:
        raise KeyFileError(f"the folder of {path} does not exist") from None
    except PermissionError:
        raise KeyFileError(f"cannot write {path}: permission denied") from None
    try:
        # O_CREAT's mode is masked by the umask; make sure it is exactly owner-only.
        if os.name == "posix":
            os.fchmod(fd, 0o600)
        os.write(fd, (key.to_line() + "\n").encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)
    return key


def read_key_file(path: Path) -> SealingKey:
    """Read the key at ``path``; refuse a missing, malformed or exposed file."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise KeyFileError(f"the key file {path} does not exist") from None
    except PermissionError:
        raise KeyFileError(f"cannot read the key file {path}: permission denied") from None
    if not stat.S_ISREG(info.st_mode):
        raise KeyFileError(f"the key file {path} is not a regular file")
    if os.name == "posix" and info.st_mode & 0o077:
        raise KeyFileError(f"the key file {path} can be read or changed by other users "
                           f"(mode {stat.S_IMODE(info.st_mode):o}); run 'chmod 600 {path}'")
    try:
        raw = path.read_bytes()
    except PermissionError:
        raise KeyFileError(f"cannot read the key file {path}: permission denied") from None
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError:
        raise KeyFileError(f"{path}: it is not a civharm key file "
                           "(make one with 'civharm keygen')") from None
    try:
        return SealingKey.from_line(text)
    except KeyFileError as error:
        raise KeyFileError(f"{path}: {error}") from None


def _associated_data(witness_code: str, key_id: int) -> bytes:
    return b"\x00".join([_WITNESS_PURPOSE, bytes([FORMAT, key_id]),
                         witness_code.encode("utf-8")])


def seal_identity(identity: Mapping[str, str], key: SealingKey, witness_code: str) -> bytes:
    """Encrypt a witness's identity document (a flat mapping of text) for one witness code."""
    plaintext = json.dumps(dict(identity), ensure_ascii=False, sort_keys=True).encode("utf-8")
    nonce = secrets.token_bytes(NONCE_BYTES)
    cipher = AESGCM(key.subkey(_WITNESS_PURPOSE))
    body = cipher.encrypt(nonce, plaintext, _associated_data(witness_code, key.key_id))
    return bytes([FORMAT, key.key_id]) + nonce + body


def sealed_key_id(sealed: bytes) -> int:
    """The id of the key that sealed a document (the header is not secret)."""
    if len(sealed) < HEADER_BYTES + 16 or sealed[0] != FORMAT:
        raise CannotOpen("the sealed document is damaged or of an unknown format")
    return sealed[1]


def open_identity(sealed: bytes, key: SealingKey, witness_code: str) -> dict[str, str]:
    """Decrypt a witness's identity; fail on the wrong key, witness, or any altered byte."""
    key_id = sealed_key_id(sealed)
    if key_id != key.key_id:
        raise CannotOpen(f"sealed with key {key_id}, but the key file holds key {key.key_id}")
    nonce, body = sealed[2:HEADER_BYTES], sealed[HEADER_BYTES:]
    cipher = AESGCM(key.subkey(_WITNESS_PURPOSE))
    try:
        plaintext = cipher.decrypt(nonce, body, _associated_data(witness_code, key_id))
    except InvalidTag:
        raise CannotOpen("the sealed document does not open with this key for this witness; "
                         "it was altered, moved from another witness, or sealed with "
                         "another key") from None
    document = json.loads(plaintext.decode("utf-8"))
    if not isinstance(document, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in document.items()
    ):
        raise CannotOpen("the sealed document is not an identity document")
    return {str(k): str(v) for k, v in document.items()}


# ---------------------------------------------------------------------------------------
# Confidential evidence files (interview audio, a witness's photo): sealed as a stream.
#
# A sealed file is ``MAGIC | FORMAT | key id | 16-byte file salt`` and then the plaintext in
# chunks of EVIDENCE_CHUNK bytes, each encrypted on its own with AES-256-GCM (ciphertext and
# 16-byte tag). Each file gets its own key, derived with HKDF from the master key, the
# evidence purpose and the file's random salt, so every file's nonces can simply count
# chunks: the nonce is the chunk's number (11 bytes) and a last-chunk flag (1 byte). The
# associated data is the header and the file's address (the SHA-256 of its plaintext), so a
# chunk cannot be dropped, reordered, cut off at the end, or moved to another file, and a
# sealed file renamed to another address does not open. Files of any size stream through a
# fixed amount of memory.

EVIDENCE_MAGIC = b"CHEV"
EVIDENCE_FORMAT = 1
EVIDENCE_SALT_BYTES = 16
EVIDENCE_HEADER_BYTES = len(EVIDENCE_MAGIC) + 2 + EVIDENCE_SALT_BYTES
EVIDENCE_CHUNK = 1024 * 1024
TAG_BYTES = 16
_EVIDENCE_PURPOSE = b"civharm evidence file v1"


class Reader(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


class Writer(Protocol):
    def write(self, data: bytes, /) -> int: ...


def _evidence_cipher(key: SealingKey, salt: bytes) -> AESGCM:
    return AESGCM(HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=salt,
                       info=_EVIDENCE_PURPOSE).derive(key.subkey(_EVIDENCE_PURPOSE)))


def _chunk_nonce(number: int, last: bool) -> bytes:
    return number.to_bytes(NONCE_BYTES - 1, "big") + (b"\x01" if last else b"\x00")


def _read_full(source: Reader, size: int) -> bytes:
    """Read exactly ``size`` bytes unless the stream ends first."""
    parts: list[bytes] = []
    wanted = size
    while wanted > 0:
        block = source.read(wanted)
        if not block:
            break
        parts.append(block)
        wanted -= len(block)
    return b"".join(parts)


def seal_evidence(source: Reader, target: Writer, key: SealingKey, address: str) -> str:
    """Encrypt the stream ``source`` into ``target`` for the evidence file at ``address``
    (the SHA-256 of the plaintext, in hex). Returns the SHA-256 of the plaintext actually
    read, so a caller can refuse a file that changed after it was hashed."""
    salt = secrets.token_bytes(EVIDENCE_SALT_BYTES)
    header = EVIDENCE_MAGIC + bytes([EVIDENCE_FORMAT, key.key_id]) + salt
    cipher = _evidence_cipher(key, salt)
    associated = header + address.encode("ascii")
    digest = hashlib.sha256()
    target.write(header)
    number = 0
    chunk = _read_full(source, EVIDENCE_CHUNK)
    while True:
        following = _read_full(source, EVIDENCE_CHUNK) if len(chunk) == EVIDENCE_CHUNK else b""
        last = not following
        digest.update(chunk)
        target.write(cipher.encrypt(_chunk_nonce(number, last), chunk, associated))
        if last:
            return digest.hexdigest()
        number += 1
        chunk = following


def evidence_key_id(header: bytes) -> int:
    """The id of the key that sealed an evidence file, from its first bytes."""
    if (len(header) < EVIDENCE_HEADER_BYTES or not header.startswith(EVIDENCE_MAGIC)
            or header[len(EVIDENCE_MAGIC)] != EVIDENCE_FORMAT):
        raise CannotOpen("the sealed evidence file is damaged or of an unknown format")
    return header[len(EVIDENCE_MAGIC) + 1]


def open_evidence(source: Reader, target: Writer | None, key: SealingKey, address: str) -> str:
    """Decrypt a sealed evidence file into ``target`` (or nowhere, to check it) and return
    the SHA-256 of its plaintext. Raises :class:`CannotOpen` on the wrong key or address, or
    any altered, missing, reordered or extra byte. The plaintext written before a failure
    must be discarded by the caller."""
    header = _read_full(source, EVIDENCE_HEADER_BYTES)
    key_id = evidence_key_id(header)
    if key_id != key.key_id:
        raise CannotOpen(f"sealed with key {key_id}, but the key file holds key {key.key_id}")
    cipher = _evidence_cipher(key, header[len(EVIDENCE_MAGIC) + 2:])
    associated = header + address.encode("ascii")
    digest = hashlib.sha256()
    size = EVIDENCE_CHUNK + TAG_BYTES
    number = 0
    block = _read_full(source, size)
    while True:
        following = _read_full(source, size) if len(block) == size else b""
        last = not following
        try:
            chunk = cipher.decrypt(_chunk_nonce(number, last), block, associated)
        except InvalidTag:
            raise CannotOpen("the sealed evidence file does not open with this key at this "
                             "address: it was altered, cut short, or sealed with another "
                             "key") from None
        digest.update(chunk)
        if target is not None:
            target.write(chunk)
        if last:
            return digest.hexdigest()
        number += 1
        block = following
