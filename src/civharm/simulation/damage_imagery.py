"""Generated satellite pictures of the buildings volunteers date, for the demo.

For each dating task in damage/volunteer-answers.csv this draws, for every image date
shown, a small top-down picture of the building, like low-resolution satellite imagery:
dusty ground, the building's flat roof and shadow, neighbours and perhaps a road. An
image taken on date t shows the building standing when t <= destroyed_on (from
truth/damage.csv) and as rubble when t > destroyed_on; a building without a destruction
date always stands. About one image date in eight is cloudy. A building has at most four
pictures (standing or destroyed, with or without its cloud), written once each to
damage/imagery/, and damage/imagery.csv says which picture belongs to which task and
date. Nothing is downloaded: every picture is drawn from the seed.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import numpy.typing as npt

from civharm.simulation.png import encode_png

SIZE = 96
CLOUD_SHARE = 0.12
DEBRIS = 10  # how far from a destroyed building's footprint debris may lie, in pixels
VARIANTS = ("standing", "destroyed", "standing-cloud", "destroyed-cloud")
ANSWER_COLUMNS = ("task", "building", "dates_shown")
TRUTH_COLUMNS = ("SiteID", "destroyed_on")
SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")

Image = npt.NDArray[np.float32]

_Y, _X = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32)

SAND = np.array([192, 174, 138], dtype=np.float32)
GREY_ROOF = np.array([188, 186, 180], dtype=np.float32)
BEIGE_ROOF = np.array([208, 197, 172], dtype=np.float32)
ROAD = np.array([128, 121, 110], dtype=np.float32)
SHADOW = np.array([0.46, 0.48, 0.55], dtype=np.float32)
CLOUD = np.array([238, 238, 242], dtype=np.float32)
RUBBLE = np.array([[74, 72, 70],      # dark grey: broken concrete in shade
                   [116, 94, 70],     # brown: earth, burnt wood
                   [138, 134, 126],   # mid grey
                   [172, 167, 156]],  # pale: pieces of the roof
                  dtype=np.float32)


@dataclass(frozen=True, slots=True)
class ImagerySummary:
    tasks: int   # dating tasks given pictures
    images: int  # rows of imagery.csv: one per task and image date
    files: int   # distinct picture files written


@dataclass(frozen=True, slots=True)
class _Task:
    task: str
    building: str
    dates: tuple[date, ...]


@dataclass(frozen=True, slots=True)
class _Rect:
    x0: int
    y0: int
    x1: int  # exclusive
    y1: int  # exclusive

    def window(self, dx: int = 0, dy: int = 0) -> tuple[slice, slice]:
        """The rows and columns of the frame it covers, moved by (dx, dy)."""
        return (slice(min(SIZE, max(0, self.y0 + dy)), min(SIZE, max(0, self.y1 + dy))),
                slice(min(SIZE, max(0, self.x0 + dx)), min(SIZE, max(0, self.x1 + dx))))

    def near(self, other: _Rect, margin: int) -> bool:
        """Whether the two overlap once this one is grown by ``margin`` on every side."""
        return (self.x0 - margin < other.x1 and other.x0 < self.x1 + margin
                and self.y0 - margin < other.y1 and other.y0 < self.y1 + margin)

    def distance(self, window: tuple[slice, slice]) -> Image:
        """The distance from each pixel of ``window`` to the rectangle (0 inside)."""
        x, y = _X[window], _Y[window]
        dx = np.maximum(np.maximum(self.x0 - x, x - (self.x1 - 1)), 0)
        dy = np.maximum(np.maximum(self.y0 - y, y - (self.y1 - 1)), 0)
        distance: Image = np.sqrt(dx * dx + dy * dy)
        return distance


@dataclass(frozen=True, slots=True)
class _Pictures:
    """A building's scene, drawn once; the variants are made from it on demand."""

    seed: int
    building: str
    target: _Rect
    standing: Image
    destroyed: Image
    clouds: dict[str, Image]  # drawn when first wanted

    def variant(self, name: str) -> npt.NDArray[np.uint8]:
        picture = self.destroyed if name.startswith("destroyed") else self.standing
        if name.endswith("cloud"):
            if not self.clouds:
                self.clouds["cloud"] = _cloud(self.seed, self.building, self.target)
            cloud = self.clouds["cloud"]
            alpha = cloud[:, :, None]
            # Its shadow falls to the south-east, like the buildings'.
            shade = 1 - np.float32(0.3) * np.roll(alpha, (5, 5), axis=(0, 1))
            picture = picture * shade * (1 - alpha) + CLOUD * alpha
        # Rounded to the nearest level: + 0.5, then cut down.
        pixels: npt.NDArray[np.uint8] = np.clip(picture + np.float32(0.5), 0, 255).astype(np.uint8)
        return pixels


def _generator(seed: int, *names: object) -> np.random.Generator:
    label = "|".join(["civharm-simulation", str(seed), "imagery", *(str(n) for n in names)])
    digest = hashlib.sha256(label.encode("utf-8")).digest()
    return np.random.default_rng(int.from_bytes(digest[:16], "big"))


def _cloudy(seed: int, building: str, taken_on: date) -> bool:
    label = f"civharm-simulation|{seed}|imagery-cloud|{building}|{taken_on.isoformat()}"
    digest = hashlib.sha256(label.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2.0 ** 64 < CLOUD_SHARE


def _blocky(rng: np.random.Generator, block: int) -> Image:
    """Noise in square blocks of ``block`` pixels, values about N(0, 1)."""
    cells = -(-SIZE // block)
    coarse = rng.standard_normal((cells, cells), dtype=np.float32)
    noise: Image = np.broadcast_to(coarse[:, None, :, None], (cells, block, cells, block)
                                   ).reshape(cells * block, cells * block)[:SIZE, :SIZE]
    return noise


@functools.cache
def _spread(cells: int) -> Image:
    """The (SIZE, cells + 1) matrix that interpolates a coarse grid linearly to SIZE pixels."""
    position = np.linspace(0, cells, SIZE, dtype=np.float64)
    weights = np.maximum(0, 1 - np.abs(position[:, None] - np.arange(cells + 1)[None, :]))
    spread: Image = weights.astype(np.float32)
    return spread


def _smooth(rng: np.random.Generator, cells: int) -> Image:
    """Smooth noise varying over about SIZE / ``cells`` pixels, values about N(0, 1)."""
    coarse = rng.standard_normal((cells + 1, cells + 1), dtype=np.float32)
    spread = _spread(cells)
    noise: Image = (np.float32(1.5) * (spread @ coarse @ spread.T)).astype(np.float32, copy=False)
    return noise


def _roof_colour(rng: np.random.Generator) -> Image:
    mix = np.float32(rng.uniform(0, 1))
    colour: Image = (GREY_ROOF * (1 - mix) + BEIGE_ROOF * mix
                     + np.float32(rng.uniform(-12, 10)))
    return colour


def _draw_building(picture: Image, rect: _Rect, offset: tuple[int, int],
                   rng: np.random.Generator, texture: Image) -> None:
    """A flat roof with a parapet and maybe a water tank, and its shadow, on ``picture``."""
    picture[rect.window(*offset)] *= SHADOW  # the roof covers the part under it
    colour = _roof_colour(rng)
    roof = rect.window()
    inner = _Rect(rect.x0 + 1, rect.y0 + 1, rect.x1 - 1, rect.y1 - 1).window()
    picture[roof] = np.float32(0.86) * (colour + 3 * texture[roof][:, :, None])  # parapet
    picture[inner] = colour + 3 * texture[inner][:, :, None]
    if rng.uniform() < 0.7:
        width, height = rect.x1 - rect.x0, rect.y1 - rect.y0
        tx = rect.x0 + 2 + int(rng.integers(0, max(1, width - 6)))
        ty = rect.y0 + 2 + int(rng.integers(0, max(1, height - 6)))
        picture[_Rect(tx, ty, tx + 3, ty + 3).window()] *= np.float32(0.62)


def _render(seed: int, building: str) -> _Pictures:
    """The building's scene standing and destroyed, the same for the same seed."""
    rng = _generator(seed, building, "scene")
    # Ground: sand with blotches at three scales.
    tint = SAND + rng.normal(0, 3, 3).astype(np.float32)
    light = 9 * _smooth(rng, 6) + 5 * _blocky(rng, 3) + 3 * _blocky(rng, 2)
    ground: Image = tint + light[:, :, None]
    ground += (rng.normal(0, 2, 3).astype(np.float32) * _smooth(rng, 10)[:, :, None])
    texture = _blocky(rng, 2)
    # The target: near the centre, its size and place varying per building.
    width, height = int(rng.integers(14, 27)), int(rng.integers(14, 27))
    cx, cy = SIZE // 2 + int(rng.integers(-4, 5)), SIZE // 2 + int(rng.integers(-4, 5))
    target = _Rect(cx - width // 2, cy - height // 2, cx - width // 2 + width,
                   cy - height // 2 + height)
    # The sun is in the north-west for the whole city: shadows fall to the south-east.
    offset = (int(rng.integers(2, 5)), int(rng.integers(2, 5)))
    sides = [int(s) for s in rng.permutation(4)]
    count = int(rng.integers(2, 4))
    drawn: list[_Rect] = []
    for side in sides[:count]:
        gap = int(rng.integers(7, 13))
        length, depth = int(rng.integers(18, 34)), int(rng.integers(14, 26))
        for along in (int(a) for a in rng.integers(-10, SIZE - 20, size=4)):
            if side == 0:    # west
                rect = _Rect(target.x0 - gap - depth, along, target.x0 - gap, along + length)
            elif side == 1:  # east
                start = target.x1 + offset[0] + gap
                rect = _Rect(start, along, start + depth, along + length)
            elif side == 2:  # north
                rect = _Rect(along, target.y0 - gap - depth, along + length, target.y0 - gap)
            else:            # south
                start = target.y1 + offset[1] + gap
                rect = _Rect(along, start, along + length, start + depth)
            if not any(rect.near(other, 5) for other in drawn):
                drawn.append(rect)
                break
    for rect in drawn:
        _draw_building(ground, rect, offset, rng, texture)
    if count == 3 or rng.uniform() < 0.6:
        # A dusty road along the side without neighbours, at the frame's edge.
        side, breadth = sides[3], int(rng.integers(7, 11))
        edge = int(rng.integers(0, 4))
        strip = {0: _Rect(edge, 0, edge + breadth, SIZE),
                 1: _Rect(SIZE - edge - breadth, 0, SIZE - edge, SIZE),
                 2: _Rect(0, edge, SIZE, edge + breadth),
                 3: _Rect(0, SIZE - edge - breadth, SIZE, SIZE - edge)}[side].window()
        ground[strip] = ROAD + (4 * texture[strip] + 0.3 * light[strip])[:, :, None]
    standing = ground.copy()
    _draw_building(standing, target, offset, rng, texture)
    # Destroyed: rubble blotches over a ragged footprint, debris scattered around it; all
    # within DEBRIS pixels of the footprint, so drawn in that window only.
    around = _Rect(target.x0 - DEBRIS, target.y0 - DEBRIS, target.x1 + DEBRIS,
                   target.y1 + DEBRIS).window()
    distance = target.distance(around)
    ragged = distance <= 2.5 * (0.5 + 0.5 * np.tanh(_smooth(rng, 16)[around]
                                                    + 0.5 * texture[around]))
    blotches = 0.8 * _smooth(rng, 16)[around] + 0.5 * _blocky(rng, 2)[around]
    kind = (blotches > -0.4).astype(np.intp) + (blotches > 0.35) + (blotches > 1.0)
    rubble = RUBBLE[kind] + 4 * texture[around][:, :, None]
    scatter = rng.uniform(size=distance.shape) < 0.45 * np.exp(-distance / 2.5)
    debris = scatter | ragged
    destroyed = ground.copy()
    destroyed[around] = np.where(debris[:, :, None], rubble, ground[around])
    return _Pictures(seed, building, target, standing, destroyed, {})


def _cloud(seed: int, building: str, target: _Rect) -> Image:
    """The building's cloud opacity, 0..1: soft blobs around a point just off its edge,
    drawn again (a few times at most) until it hides part of the roof but not all."""
    rng = _generator(seed, building, "cloud")
    axis = np.arange(SIZE, dtype=np.float32)
    width, height = target.x1 - target.x0, target.y1 - target.y0
    reach = 0.5 * np.hypot(width, height) + 2
    roof = target.window()
    for _ in range(8):
        cloud = np.zeros((SIZE, SIZE), dtype=np.float32)
        angle = rng.uniform(0, 2 * np.pi)
        centre_x = (target.x0 + target.x1) / 2 + reach * np.cos(angle)
        centre_y = (target.y0 + target.y1) / 2 + reach * np.sin(angle)
        for _ in range(int(rng.integers(3, 6))):
            bx = centre_x + rng.normal(0, 3)
            by = centre_y + rng.normal(0, 3)
            spread = np.float32(2 * rng.uniform(4, 6.5) ** 2)
            strength = np.float32(rng.uniform(0.8, 1.6))
            across = np.exp(-((axis - np.float32(bx)) ** 2) / spread)
            down = strength * np.exp(-((axis - np.float32(by)) ** 2) / spread)
            cloud += down[:, None] * across[None, :]
        cloud = np.float32(0.9) * (1 - np.exp(np.float32(-1.5) * cloud))
        over = cloud[roof]
        if np.mean(over > 0.5) >= 0.15 and np.mean(over < 0.3) >= 0.3:
            break
    cloud *= 1 + np.float32(0.08) * _blocky(rng, 3)
    opacity: Image = np.clip(cloud, 0, 1)
    return opacity


def _require(path: Path, what: str) -> None:
    if not path.is_file():
        raise FileNotFoundError(f"{what} not found at {path}: write the damage data first "
                                f"(the simulator's damage part)")


def _check_columns(path: Path, found: Sequence[str] | None, needed: tuple[str, ...]) -> None:
    missing = [c for c in needed if c not in (found or [])]
    if missing:
        raise ValueError(f"{path} lacks the column(s) {', '.join(missing)}")


def _read_tasks(path: Path) -> list[_Task]:
    _require(path, "the volunteers' answers")
    tasks: dict[str, _Task] = {}
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        _check_columns(path, reader.fieldnames, ANSWER_COLUMNS)
        for row in reader:
            task = row["task"]
            if task in tasks:
                continue
            building = row["building"]
            if not SAFE_NAME.fullmatch(building):
                raise ValueError(f"{path}: building {building!r} of task {task} cannot name a file")
            dates = sorted({date.fromisoformat(text.strip())
                            for text in row["dates_shown"].split(";") if text.strip()})
            tasks[task] = _Task(task, building, tuple(dates))
    return list(tasks.values())


def _read_destroyed(path: Path) -> dict[str, date]:
    _require(path, "the damage truth")
    destroyed: dict[str, date] = {}
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        _check_columns(path, reader.fieldnames, TRUTH_COLUMNS)
        for row in reader:
            when = (row["destroyed_on"] or "").strip()
            if when:
                destroyed[row["SiteID"]] = date.fromisoformat(when)
    return destroyed


def write_imagery(out_dir: Path, seed: int) -> ImagerySummary:
    """Write damage/imagery/*.png and damage/imagery.csv for the tasks of
    damage/volunteer-answers.csv, destroyed as truth/damage.csv says."""
    tasks = _read_tasks(out_dir / "damage" / "volunteer-answers.csv")
    destroyed_on = _read_destroyed(out_dir / "truth" / "damage.csv")
    folder = out_dir / "damage" / "imagery"
    folder.mkdir(parents=True, exist_ok=True)
    # A building has one task as a rule: keep only the last scene drawn (a building met
    # again later is drawn again, identically).
    scene: tuple[str, _Pictures] | None = None
    written: set[str] = set()
    rows: list[list[str]] = []
    for task in tasks:
        building = task.building
        fell = destroyed_on.get(building)
        for taken_on in task.dates:
            name = "destroyed" if fell is not None and taken_on > fell else "standing"
            if _cloudy(seed, building, taken_on):
                name += "-cloud"
            file_name = f"{building}-{name}.png"
            if file_name not in written:
                if scene is None or scene[0] != building:
                    scene = (building, _render(seed, building))
                (folder / file_name).write_bytes(encode_png(scene[1].variant(name)))
                written.add(file_name)
            rows.append([task.task, building, taken_on.isoformat(), f"imagery/{file_name}"])
    with open(out_dir / "damage" / "imagery.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["task", "building", "taken_on", "image"])
        writer.writerows(rows)
    return ImagerySummary(tasks=len(tasks), images=len(rows), files=len(written))
