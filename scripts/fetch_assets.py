#!/usr/bin/env python3
"""Fetch the web app's front-end assets (the map library, the fonts) from the npm registry.

Reads ``assets.lock.json`` at the repository root: a list of pinned packages, each with its
tarball URL, the registry's ``dist.integrity`` (sha512) and the files to take from it, each
with the SHA-256 it must have once extracted. A tarball whose integrity does not match is
refused, and only the listed files are written, under ``src/civharm/web/static/vendor/``.

Run by ``make install``; civharm itself never downloads anything. Running it again skips
every file already in place with its recorded checksum.

    python scripts/fetch_assets.py            # fetch what is missing
    python scripts/fetch_assets.py --record   # after changing a version: write the checksums

Standard library only, so that it runs before anything else is installed.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import sys
import tarfile
import urllib.request
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "assets.lock.json"
VENDOR = ROOT / "src" / "civharm" / "web" / "static" / "vendor"
LARGEST_TARBALL = 64 * 1024 * 1024

Opener = Callable[[str], bytes]


class AssetError(Exception):
    """A tarball or file that is not what the lock file says it is."""


def download(url: str) -> bytes:
    if not url.startswith(("https://", "file://")):
        raise AssetError(f"refusing to fetch {url}: only https:// (or file://) URLs")
    with urllib.request.urlopen(url, timeout=120) as response:  # noqa: S310 (scheme checked)
        data: bytes = response.read(LARGEST_TARBALL + 1)
    if len(data) > LARGEST_TARBALL:
        raise AssetError(f"{url} is larger than {LARGEST_TARBALL} bytes")
    return data


def check_integrity(data: bytes, integrity: str, what: str) -> None:
    """Subresource-integrity check, as npm does it: ``sha512-<base64 digest>``."""
    algorithm, _, expected = integrity.partition("-")
    if algorithm != "sha512" or not expected:
        raise AssetError(f"{what}: integrity must be a sha512-… value, not {integrity!r}")
    actual = base64.b64encode(hashlib.sha512(data).digest()).decode("ascii")
    if actual != expected:
        raise AssetError(
            f"{what}: integrity mismatch (expected sha512-{expected}, got sha512-{actual}); "
            "nothing was written"
        )


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def destination(vendor: Path, relative: str) -> Path:
    """The path a file goes to, which must stay inside the vendor folder."""
    path = PurePosixPath(relative)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise AssetError(f"destination {relative!r} must be a relative path inside vendor/")
    return vendor.joinpath(*path.parts)


def members(data: bytes, wanted: set[str], what: str) -> dict[str, bytes]:
    """The listed files of a tarball, by their path below its top folder ("package/")."""
    found: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        for member in archive.getmembers():
            parts = PurePosixPath(member.name).parts
            inner = "/".join(parts[1:])
            if inner not in wanted or not member.isfile():
                continue
            handle = archive.extractfile(member)
            if handle is not None:
                found[inner] = handle.read()
    missing = wanted - found.keys()
    if missing:
        raise AssetError(f"{what}: not in the tarball: {', '.join(sorted(missing))}")
    return found


def install_package(entry: dict[str, Any], vendor: Path, opener: Opener,
                    record: bool = False) -> list[str]:
    """Fetch one package if any of its files is missing or changed; returns what was done."""
    what = f"{entry['package']}@{entry['version']}"
    files: list[dict[str, str]] = entry["files"]
    targets = [(f, destination(vendor, f["to"])) for f in files]
    if not record and all(
        "sha256" in f and target.is_file() and sha256(target.read_bytes()) == f["sha256"]
        for f, target in targets
    ):
        return [f"{what}: {len(files)} file(s) already in place"]
    data = opener(entry["tarball"])
    check_integrity(data, entry["integrity"], what)
    contents = members(data, {f["from"] for f in files}, what)
    for f, _ in targets:
        if record:
            f["sha256"] = sha256(contents[f["from"]])
        elif f.get("sha256") != sha256(contents[f["from"]]):
            raise AssetError(f"{what}: {f['from']} does not have its recorded sha256; "
                             "nothing was written (run with --record after a version change)")
    for f, target in targets:
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.partial")
        partial.write_bytes(contents[f["from"]])
        partial.replace(target)
    return [f"{what}: wrote {f['to']}" for f, _ in targets]


def run(lock: Path = LOCK, vendor: Path = VENDOR, opener: Opener = download,
        record: bool = False) -> list[str]:
    entries: list[dict[str, Any]] = json.loads(lock.read_text(encoding="utf-8"))
    done: list[str] = []
    for entry in entries:
        done += install_package(entry, vendor, opener, record=record)
    if record:
        lock.write_text(json.dumps(entries, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        done.append(f"recorded checksums in {lock.name}")
    return done


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lock", type=Path, default=LOCK)
    parser.add_argument("--vendor", type=Path, default=VENDOR)
    parser.add_argument("--record", action="store_true",
                        help="fetch every package and write the checksums of its files into "
                             "the lock file (after a version change)")
    args = parser.parse_args(argv)
    try:
        for line in run(args.lock, args.vendor, record=args.record):
            print(line)
    except (AssetError, OSError, tarfile.TarError, KeyError, ValueError) as err:
        print(f"fetch_assets: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
