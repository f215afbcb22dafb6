#!/usr/bin/env python3
"""Write ``src/civharm/data/outlines.geojson``: the outlines of Syria and its neighbours.

A one-off: the result is committed, and the map draws it with no tile server. The
outlines come from the npm registry's ``world-atlas`` package (Natural Earth 1:50m
admin-0 countries, public domain), pinned below by version and integrity. Its TopoJSON
is decoded here (quantized, delta-encoded arcs) and written as GeoJSON rounded to four
decimals (about 10 m), outer rings counter-clockwise as RFC 7946 asks.

    python scripts/make_outlines.py            # fetch world-atlas and write the file
    python scripts/make_outlines.py --topojson countries-50m.json   # from a local copy

Standard library only.
"""

from __future__ import annotations

import argparse
import io
import itertools
import json
import sys
import tarfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fetch_assets import check_integrity, download

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "src" / "civharm" / "data" / "outlines.geojson"
PACKAGE = "world-atlas"
VERSION = "2.0.2"
TARBALL = "https://registry.npmjs.org/world-atlas/-/world-atlas-2.0.2.tgz"
INTEGRITY = (
    "sha512-IXfV0qwlKXpckz1FhwXVwKRjiIhOnWttOskm5CtxMsjgE/MXAYRHWJqgXOpM8IkcPBoXnyTU5lFHcYa5ChG0LQ=="
)
MEMBER = "package/countries-50m.json"
DECIMALS = 4

# ISO 3166-1 numeric codes, as world-atlas keys its countries, with the Arabic names the
# map shows. Natural Earth draws northern Cyprus as its own unit, without a code: it is
# taken by name so that the island is whole.
COUNTRIES: dict[str, tuple[str, str]] = {
    "760": ("Syria", "سوريا"),
    "792": ("Turkey", "تركيا"),
    "368": ("Iraq", "العراق"),
    "400": ("Jordan", "الأردن"),
    "422": ("Lebanon", "لبنان"),
    "376": ("Israel", "إسرائيل"),
    "275": ("Palestine", "فلسطين"),
    "196": ("Cyprus", "قبرص"),
}
BY_NAME: dict[str, tuple[str, str]] = {"N. Cyprus": ("Cyprus (north)", "قبرص (الشمال)")}


def decode_arcs(topology: dict[str, Any]) -> list[list[tuple[float, float]]]:
    """Every arc as absolute longitude/latitude pairs."""
    transform = topology.get("transform")
    arcs: list[list[tuple[float, float]]] = []
    for arc in topology["arcs"]:
        points: list[tuple[float, float]] = []
        if transform:
            (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
            x = y = 0
            for dx, dy, *_ in arc:
                x += dx
                y += dy
                points.append((x * sx + tx, y * sy + ty))
        else:
            points = [(float(p[0]), float(p[1])) for p in arc]
        arcs.append(points)
    return arcs


def ring(indices: list[int], arcs: list[list[tuple[float, float]]]) -> list[tuple[float, float]]:
    """Join a ring's arcs; ``~i`` (a negative index) is arc ``i`` walked backwards."""
    points: list[tuple[float, float]] = []
    for index in indices:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc if not points else arc[1:])
    return points


def signed_area(points: list[list[float]]) -> float:
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in itertools.pairwise(points)) / 2


def rounded(points: list[tuple[float, float]], outer: bool) -> list[list[float]] | None:
    out: list[list[float]] = []
    for x, y in points:
        point = [round(x, DECIMALS), round(y, DECIMALS)]
        if not out or point != out[-1]:
            out.append(point)
    if out[0] != out[-1]:
        out.append(out[0])
    if len(out) < 4:
        return None  # a sliver that rounding collapsed
    # RFC 7946: outer rings counter-clockwise, holes clockwise.
    if (signed_area(out) > 0) != outer:
        out.reverse()
    return out


def polygon(rings: list[list[int]], arcs: list[list[tuple[float, float]]]) -> list[list[list[float]]]:
    out = []
    for number, indices in enumerate(rings):
        found = rounded(ring(indices, arcs), outer=number == 0)
        if found is None and number == 0:
            return []
        if found is not None:
            out.append(found)
    return out


def geometry(shape: dict[str, Any], arcs: list[list[tuple[float, float]]]) -> dict[str, Any]:
    if shape["type"] == "Polygon":
        parts = [polygon(shape["arcs"], arcs)]
    elif shape["type"] == "MultiPolygon":
        parts = [polygon(p, arcs) for p in shape["arcs"]]
    else:
        raise ValueError(f"unexpected geometry type {shape['type']}")
    parts = [p for p in parts if p]
    if len(parts) == 1:
        return {"type": "Polygon", "coordinates": parts[0]}
    return {"type": "MultiPolygon", "coordinates": parts}


def outlines(topology: dict[str, Any]) -> dict[str, Any]:
    arcs = decode_arcs(topology)
    features: list[dict[str, Any]] = []
    for shape in topology["objects"]["countries"]["geometries"]:
        name = shape.get("properties", {}).get("name", "")
        code = str(shape.get("id", ""))
        names = COUNTRIES.get(code) or BY_NAME.get(name)
        if names is None:
            continue
        features.append({
            "type": "Feature",
            "id": code or name,
            "properties": {"kind": "country", "name": names[0], "name_ar": names[1],
                           "iso_numeric": code},
            "geometry": geometry(shape, arcs),
        })
    features.sort(key=lambda f: f["properties"]["name"])
    wanted = len(COUNTRIES) + len(BY_NAME)
    if len(features) != wanted:
        raise ValueError(f"found {len(features)} of {wanted} countries in the topology")
    return {
        "type": "FeatureCollection",
        "name": "outlines",
        "description": (
            f"Country outlines from Natural Earth 1:50m admin-0 (public domain), via the npm "
            f"package {PACKAGE} {VERSION}; written by scripts/make_outlines.py. Borders are "
            "Natural Earth's and say nothing about sovereignty."
        ),
        "features": features,
    }


def fetch_topology() -> dict[str, Any]:
    data = download(TARBALL)
    check_integrity(data, INTEGRITY, f"{PACKAGE}@{VERSION}")
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        handle = archive.extractfile(MEMBER)
        if handle is None:
            raise ValueError(f"{MEMBER} not in the tarball")
        loaded: dict[str, Any] = json.load(handle)
        return loaded


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--topojson", type=Path, help="a local countries-50m.json instead")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    topology = (json.loads(args.topojson.read_text(encoding="utf-8")) if args.topojson
                else fetch_topology())
    collection = outlines(topology)
    lines = ",\n".join(json.dumps(f, ensure_ascii=False, separators=(",", ":"))
                       for f in collection["features"])
    head = {k: v for k, v in collection.items() if k != "features"}
    text = json.dumps(head, ensure_ascii=False)[:-1] + ',\n"features":[\n' + lines + "\n]}\n"
    json.loads(text)  # what is written must parse
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {len(collection['features'])} outlines to {args.out.name} "
          f"({len(text.encode('utf-8')) // 1024} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
