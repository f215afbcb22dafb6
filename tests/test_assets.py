"""scripts/fetch_assets.py: the front-end assets come from pinned npm tarballs, checked
against their integrity, and only the listed files leave them. No network here: the
tarballs are built in the test and fetched by file:// URL or a stand-in opener."""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import io
import json
import re
import sys
import tarfile
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("fetch_assets", ROOT / "scripts" / "fetch_assets.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["fetch_assets"] = module
    spec.loader.exec_module(module)
    return module


fetch_assets = _load()

FILES = {
    "package/dist/lib.js": b"console.log('the library');\n",
    "package/dist/lib.css": b".lib { color: red; }\n",
    "package/LICENSE": b"BSD 2-Clause License\n",
    "package/dist/unlisted.js": b"not wanted\n",
    "package/src/evil.js": b"also not wanted\n",
}


def _tarball(files: dict[str, bytes] = FILES) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _integrity(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def _lock(tmp_path: Path, tarball: bytes, integrity: str | None = None,
          files: list[dict[str, str]] | None = None) -> Path:
    path = tmp_path / "pkg-1.0.0.tgz"
    path.write_bytes(tarball)
    entry = {
        "package": "pkg", "version": "1.0.0", "licence": "BSD-2-Clause",
        "tarball": path.as_uri(),
        "integrity": integrity or _integrity(tarball),
        "files": files if files is not None else [
            {"from": "dist/lib.js", "to": "pkg/lib.js",
             "sha256": hashlib.sha256(FILES["package/dist/lib.js"]).hexdigest()},
            {"from": "dist/lib.css", "to": "pkg/lib.css",
             "sha256": hashlib.sha256(FILES["package/dist/lib.css"]).hexdigest()},
            {"from": "LICENSE", "to": "pkg/LICENSE",
             "sha256": hashlib.sha256(FILES["package/LICENSE"]).hexdigest()},
        ],
    }
    lock = tmp_path / "assets.lock.json"
    lock.write_text(json.dumps([entry]), encoding="utf-8")
    return lock


def _written(vendor: Path) -> set[str]:
    return {p.relative_to(vendor).as_posix() for p in vendor.rglob("*") if p.is_file()}


def test_extracts_only_the_listed_files(tmp_path: Path) -> None:
    vendor = tmp_path / "vendor"
    done = fetch_assets.run(_lock(tmp_path, _tarball()), vendor)
    assert _written(vendor) == {"pkg/lib.js", "pkg/lib.css", "pkg/LICENSE"}
    assert (vendor / "pkg" / "lib.js").read_bytes() == FILES["package/dist/lib.js"]
    assert any("wrote pkg/lib.js" in line for line in done)


def test_refuses_a_tarball_whose_integrity_does_not_match(tmp_path: Path,
                                                          capsys: Any) -> None:
    vendor = tmp_path / "vendor"
    tampered = _tarball({**FILES, "package/dist/lib.js": b"alert('swapped');\n"})
    lock = _lock(tmp_path, tampered, integrity=_integrity(_tarball()))
    with pytest.raises(fetch_assets.AssetError, match="integrity mismatch"):
        fetch_assets.run(lock, vendor)
    assert not vendor.exists() or not _written(vendor)
    # The command says so and fails.
    assert fetch_assets.main(["--lock", str(lock), "--vendor", str(vendor)]) == 1
    assert "integrity mismatch" in capsys.readouterr().err


def test_refuses_a_file_without_its_recorded_checksum(tmp_path: Path) -> None:
    vendor = tmp_path / "vendor"
    files = [{"from": "dist/lib.js", "to": "pkg/lib.js", "sha256": "0" * 64}]
    with pytest.raises(fetch_assets.AssetError, match="recorded sha256"):
        fetch_assets.run(_lock(tmp_path, _tarball(), files=files), vendor)
    assert not vendor.exists() or not _written(vendor)


def test_refuses_a_destination_outside_the_vendor_folder(tmp_path: Path) -> None:
    files = [{"from": "dist/lib.js", "to": "../escaped.js", "sha256": "0" * 64}]
    with pytest.raises(fetch_assets.AssetError, match="inside vendor"):
        fetch_assets.run(_lock(tmp_path, _tarball(), files=files), tmp_path / "vendor")
    assert not (tmp_path / "escaped.js").exists()


def test_a_listed_file_missing_from_the_tarball_is_refused(tmp_path: Path) -> None:
    files = [{"from": "dist/absent.js", "to": "pkg/absent.js", "sha256": "0" * 64}]
    with pytest.raises(fetch_assets.AssetError, match="not in the tarball"):
        fetch_assets.run(_lock(tmp_path, _tarball(), files=files), tmp_path / "vendor")


def test_a_second_run_fetches_nothing_and_a_changed_file_is_fetched_again(tmp_path: Path) -> None:
    vendor = tmp_path / "vendor"
    lock = _lock(tmp_path, _tarball())
    fetch_assets.run(lock, vendor)
    fetched: list[str] = []

    def opener(url: str) -> bytes:
        fetched.append(url)
        return fetch_assets.download(url)

    assert fetch_assets.run(lock, vendor, opener=opener) == ["pkg@1.0.0: 3 file(s) already in place"]
    assert fetched == []
    (vendor / "pkg" / "lib.css").write_text("changed by hand")
    fetch_assets.run(lock, vendor, opener=opener)
    assert len(fetched) == 1
    assert (vendor / "pkg" / "lib.css").read_bytes() == FILES["package/dist/lib.css"]


def test_only_https_or_file_urls_are_fetched() -> None:
    with pytest.raises(fetch_assets.AssetError, match="only https"):
        fetch_assets.download("http://registry.npmjs.org/leaflet/-/leaflet-1.9.4.tgz")


def test_the_committed_lock_pins_the_map_library_the_fonts_and_their_licences() -> None:
    entries = json.loads((ROOT / "assets.lock.json").read_text(encoding="utf-8"))
    by_name = {e["package"]: e for e in entries}
    assert set(by_name) == {"leaflet", "@fontsource/noto-sans", "@fontsource/noto-naskh-arabic"}
    assert by_name["leaflet"]["version"].startswith("1.9.")
    destinations = set()
    for entry in entries:
        assert entry["tarball"].startswith("https://registry.npmjs.org/")
        assert re.fullmatch(r"sha512-[A-Za-z0-9+/]{86}==", entry["integrity"])
        assert any("LICENSE" in f["to"] for f in entry["files"]), entry["package"]
        for f in entry["files"]:
            assert re.fullmatch(r"[0-9a-f]{64}", f["sha256"])
            destinations.add(f["to"])
    assert {"leaflet/leaflet.js", "leaflet/leaflet.css"} <= destinations
    # Every font file the committed fonts.css names is one the lock fetches.
    fonts_css = (ROOT / "src/civharm/web/static/vendor/fonts/fonts.css").read_text()
    named = set(re.findall(r'url\("([^"]+)"\)', fonts_css))
    assert len(named) == 4
    assert {f"fonts/{n}" for n in named} <= destinations
    assert 'font-family: "Noto Sans"' in fonts_css and 'font-family: "Noto Naskh Arabic"' in fonts_css
    # Leaflet's stylesheet finds its images beside it.
    assert {f"leaflet/images/{n}" for n in ("layers.png", "layers-2x.png", "marker-icon.png",
                                            "marker-icon-2x.png", "marker-shadow.png")} <= destinations
