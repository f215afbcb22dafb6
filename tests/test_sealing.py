"""Sealing witness identities: AES-256-GCM bound to the witness code, and key files."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from civharm.domain.sealing import (
    FORMAT,
    HEADER_BYTES,
    KEY_FILE_PREFIX,
    CannotOpen,
    KeyFileError,
    SealingKey,
    open_identity,
    read_key_file,
    seal_identity,
    sealed_key_id,
    write_key_file,
)

KEY = SealingKey(7, bytes(range(32)))
IDENTITY = {"name": "أحمد الخليل", "contact": "+963 555 0101", "home": "35.95, 39.01",
            "statement": "The building fell at night."}

identities = st.dictionaries(st.sampled_from(["name", "contact", "home", "statement"]),
                             st.text(max_size=200))
codes = st.text(min_size=1, max_size=32)
keys = st.builds(SealingKey, st.integers(0, 255), st.binary(min_size=32, max_size=32))


@given(identities, keys, codes)
def test_round_trip(identity: dict[str, str], key: SealingKey, code: str) -> None:
    sealed = seal_identity(identity, key, code)
    assert sealed[0] == FORMAT and sealed_key_id(sealed) == key.key_id
    assert open_identity(sealed, key, code) == identity


def test_the_same_identity_seals_differently_each_time() -> None:
    assert seal_identity(IDENTITY, KEY, "W-1") != seal_identity(IDENTITY, KEY, "W-1")


def test_no_identity_text_is_visible_in_the_ciphertext() -> None:
    sealed = seal_identity({"name": "CANARY-abcdef"}, KEY, "W-1")
    assert b"CANARY" not in sealed and b"abcdef" not in sealed


@given(st.data())
def test_altering_any_byte_fails(data: st.DataObject) -> None:
    sealed = bytearray(seal_identity(IDENTITY, KEY, "W-1"))
    index = data.draw(st.integers(0, len(sealed) - 1))
    sealed[index] ^= data.draw(st.integers(1, 255))
    with pytest.raises(CannotOpen):
        open_identity(bytes(sealed), KEY, "W-1")


@given(st.integers(0, 40))
def test_truncated_ciphertext_fails(length: int) -> None:
    sealed = seal_identity(IDENTITY, KEY, "W-1")
    with pytest.raises(CannotOpen):
        open_identity(sealed[:length], KEY, "W-1")


@given(keys)
def test_a_wrong_key_fails(other: SealingKey) -> None:
    sealed = seal_identity(IDENTITY, KEY, "W-1")
    with pytest.raises(CannotOpen):
        open_identity(sealed, SealingKey(KEY.key_id, other.secret) if other.secret != KEY.secret
                      else SealingKey((KEY.key_id + 1) % 256, other.secret), "W-1")


def test_a_key_with_another_id_is_named_in_the_error() -> None:
    sealed = seal_identity(IDENTITY, KEY, "W-1")
    with pytest.raises(CannotOpen, match="sealed with key 7, but the key file holds key 8"):
        open_identity(sealed, SealingKey(8, KEY.secret), "W-1")


@given(codes, codes)
def test_a_ciphertext_moved_to_another_witness_fails(code: str, other: str) -> None:
    sealed = seal_identity(IDENTITY, KEY, code)
    if other == code:
        assert open_identity(sealed, KEY, other) == IDENTITY
        return
    with pytest.raises(CannotOpen):
        open_identity(sealed, KEY, other)


def test_errors_never_carry_the_identity() -> None:
    sealed = bytearray(seal_identity({"name": "CANARY-xyz"}, KEY, "W-1"))
    sealed[-1] ^= 1
    with pytest.raises(CannotOpen) as caught:
        open_identity(bytes(sealed), KEY, "W-1")
    assert "CANARY" not in str(caught.value)


def test_the_secret_is_never_in_a_repr() -> None:
    assert KEY.secret.hex() not in repr(KEY) and str(list(KEY.secret)) not in repr(KEY)


def test_subkeys_differ_by_purpose_and_from_the_master_key() -> None:
    assert KEY.subkey(b"a") != KEY.subkey(b"b")
    assert KEY.subkey(b"a") != KEY.secret and len(KEY.subkey(b"a")) == 32


# Key files


def test_write_key_file_makes_an_owner_only_file_that_reads_back(tmp_path: Path) -> None:
    path = tmp_path / "witness.key"
    old_umask = os.umask(0)  # even a permissive umask gives 0600
    try:
        written = write_key_file(path)
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text(encoding="ascii").startswith(KEY_FILE_PREFIX + ":")
    read = read_key_file(path)
    assert (read.key_id, read.secret) == (written.key_id, written.secret)
    assert len(read.secret) == 32


def test_new_keys_are_random(tmp_path: Path) -> None:
    first = write_key_file(tmp_path / "a.key")
    second = write_key_file(tmp_path / "b.key")
    assert first.secret != second.secret


def test_write_key_file_never_overwrites(tmp_path: Path) -> None:
    path = tmp_path / "witness.key"
    path.write_text("precious", encoding="utf-8")
    with pytest.raises(KeyFileError, match="already exists"):
        write_key_file(path)
    assert path.read_text(encoding="utf-8") == "precious"


def test_write_key_file_into_a_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(KeyFileError, match="does not exist"):
        write_key_file(tmp_path / "nowhere" / "witness.key")


def test_read_key_file_missing(tmp_path: Path) -> None:
    with pytest.raises(KeyFileError, match="does not exist"):
        read_key_file(tmp_path / "missing.key")


@pytest.mark.parametrize("mode", [0o644, 0o604, 0o640, 0o660, 0o606])
def test_read_key_file_refuses_a_file_others_can_read_or_change(tmp_path: Path,
                                                                 mode: int) -> None:
    path = tmp_path / "witness.key"
    write_key_file(path)
    path.chmod(mode)
    with pytest.raises(KeyFileError, match=r"other users.*chmod 600"):
        read_key_file(path)


@pytest.mark.parametrize("size", [0, 16, 31, 33, 64])
def test_read_key_file_refuses_a_key_of_the_wrong_size(tmp_path: Path, size: int) -> None:
    import base64

    path = tmp_path / "witness.key"
    encoded = base64.urlsafe_b64encode(b"k" * size).decode()
    path.write_text(f"{KEY_FILE_PREFIX}:1:{encoded}\n", encoding="ascii")
    path.chmod(0o600)
    with pytest.raises(KeyFileError, match=f"{size} bytes, not 32"):
        read_key_file(path)


@pytest.mark.parametrize("content", [b"", b"hello", bytes(range(32)), b"\xff" * 40,
                                     f"{KEY_FILE_PREFIX}:x:AAAA".encode(),
                                     f"{KEY_FILE_PREFIX}:300:".encode() + b"A" * 44,
                                     f"{KEY_FILE_PREFIX}:1:***".encode()])
def test_read_key_file_refuses_a_file_that_is_not_a_key(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "witness.key"
    path.write_bytes(content)
    path.chmod(0o600)
    with pytest.raises(KeyFileError):
        read_key_file(path)


def test_read_key_file_refuses_a_folder(tmp_path: Path) -> None:
    folder = tmp_path / "keys"
    folder.mkdir(mode=0o700)
    with pytest.raises(KeyFileError, match="not a regular file"):
        read_key_file(folder)


def test_the_header_is_authenticated() -> None:
    sealed = bytearray(seal_identity(IDENTITY, KEY, "W-1"))
    assert len(sealed) > HEADER_BYTES
    sealed[1] = 9  # claim another key id: the error names the mismatch, never opens
    with pytest.raises(CannotOpen):
        open_identity(bytes(sealed), SealingKey(9, KEY.secret), "W-1")
