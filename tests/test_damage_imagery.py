"""The generated satellite pictures of buildings: the PNG encoder read back byte by byte,
and the pictures for a few hand-made dating tasks."""

from __future__ import annotations

import csv
import struct
import zlib
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from civharm.simulation import damage_imagery as di
from civharm.simulation.png import encode_png

SHOWN = tuple(date(2017, 6, 1) + timedelta(days=14 * i) for i in range(6))
SHOWN_TEXT = ";".join(d.isoformat() for d in SHOWN)
ANSWERS_HEADER = "task,volunteer,building,dates_shown,answer_before,answer_after,gold\n"
TRUTH_HEADER = "SiteID,neighbourhood,final_class,final_class_name,damaged_on,destroyed_on\n"


def decode_png(data: bytes) -> np.ndarray:
    """Read an 8-bit RGB PNG as encode_png writes it, checking every chunk on the way."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, chunks = 8, []
    while position < len(data):
        (length,) = struct.unpack(">I", data[position:position + 4])
        kind = data[position + 4:position + 8]
        body = data[position + 8:position + 8 + length]
        (crc,) = struct.unpack(">I", data[position + 8 + length:position + 12 + length])
        assert len(body) == length
        assert crc == zlib.crc32(kind + body) & 0xFFFFFFFF, f"bad CRC on {kind!r}"
        chunks.append((kind, body))
        position += 12 + length
    assert position == len(data)
    assert [kind for kind, _ in chunks] == [b"IHDR", b"IDAT", b"IEND"]
    assert chunks[2][1] == b""
    width, height, depth, colour, compression, filtering, interlace = struct.unpack(
        ">IIBBBBB", chunks[0][1])
    assert (depth, colour, compression, filtering, interlace) == (8, 2, 0, 0, 0)
    raw = zlib.decompress(chunks[1][1])
    stride = width * 3
    assert len(raw) == height * (stride + 1)
    rows = np.zeros((height, stride), dtype=np.uint8)
    previous = np.zeros(stride, dtype=np.uint8)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = np.frombuffer(raw, dtype=np.uint8, count=stride, offset=y * (stride + 1) + 1)
        if kind == 0:
            rows[y] = line
        elif kind == 2:
            rows[y] = line + previous  # uint8: wraps mod 256
        else:
            raise AssertionError(f"unexpected filter type {kind} on row {y}")
        previous = rows[y]
    return rows.reshape(height, width, 3)


@settings(max_examples=150, deadline=None, database=None)
@given(arrays(np.uint8, st.tuples(st.integers(1, 20), st.integers(1, 20), st.just(3))))
def test_png_round_trip(pixels: np.ndarray) -> None:
    assert np.array_equal(decode_png(encode_png(pixels)), pixels)


@settings(max_examples=40, deadline=None, database=None)
@given(st.integers(1, 20), st.integers(1, 20), st.integers(0, 255))
def test_png_round_trip_smooth(height: int, width: int, start: int) -> None:
    # Rows alike, so that the "Up" filter is chosen and undone.
    row = (start + np.arange(width * 3)).astype(np.uint8).reshape(width, 3)
    pixels = np.repeat(row[None], height, axis=0)
    pixels[height // 2:] += 7
    assert np.array_equal(decode_png(encode_png(pixels)), pixels)


def test_png_rejects_what_it_cannot_write() -> None:
    with pytest.raises(ValueError):
        encode_png(np.zeros((4, 4), dtype=np.uint8))
    with pytest.raises(ValueError):
        encode_png(np.zeros((4, 4, 3), dtype=np.int16))
    with pytest.raises(ValueError):
        encode_png(np.zeros((0, 4, 3), dtype=np.uint8))


def make_folder(folder: Path) -> Path:
    """Three tasks: B1 destroyed after the third date, B2 never, B3 after the last date."""
    (folder / "damage").mkdir(parents=True)
    (folder / "truth").mkdir()
    answers = [("T1", "B1"), ("T1", "B1"), ("T2", "B2"), ("T3", "B3"), ("T1", "B1")]
    (folder / "damage" / "volunteer-answers.csv").write_text(
        ANSWERS_HEADER + "".join(
            f"{task},volunteer-{n:05d},{building},{SHOWN_TEXT},{SHOWN[1]},{SHOWN[2]},no\n"
            for n, (task, building) in enumerate(answers)), encoding="utf-8")
    (folder / "truth" / "damage.csv").write_text(
        TRUTH_HEADER
        + f"B1,p1,1,destroyed,{SHOWN[2]},{SHOWN[2]}\n"
        + "B2,p1,6,none,,\n"
        + f"B3,p2,1,destroyed,{SHOWN[-1]},{SHOWN[-1]}\n", encoding="utf-8")
    return folder


def read_rows(folder: Path) -> list[dict[str, str]]:
    with open(folder / "damage" / "imagery.csv", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def picture(folder: Path, relative: str) -> np.ndarray:
    return decode_png((folder / "damage" / relative).read_bytes())


@pytest.fixture
def written(tmp_path: Path) -> tuple[Path, di.ImagerySummary]:
    folder = make_folder(tmp_path / "run")
    return folder, di.write_imagery(folder, seed=5)


def test_rows_name_a_picture_for_every_task_and_date(
        written: tuple[Path, di.ImagerySummary]) -> None:
    folder, summary = written
    rows = read_rows(folder)
    assert (folder / "damage" / "imagery.csv").read_bytes().startswith(
        b"task,building,taken_on,image\n")
    assert b"\r" not in (folder / "damage" / "imagery.csv").read_bytes()
    assert [(r["task"], r["building"], r["taken_on"]) for r in rows] == [
        (task, building, day.isoformat())
        for task, building in (("T1", "B1"), ("T2", "B2"), ("T3", "B3")) for day in SHOWN]
    for row in rows:
        assert row["image"].startswith(f"imagery/{row['building']}-")
        assert (folder / "damage" / row["image"]).is_file()
    files = sorted(p.name for p in (folder / "damage" / "imagery").iterdir())
    assert files == sorted({r["image"].removeprefix("imagery/") for r in rows})
    assert summary == di.ImagerySummary(tasks=3, images=18, files=len(files))


def test_standing_until_destroyed_then_rubble(written: tuple[Path, di.ImagerySummary]) -> None:
    folder, _ = written
    rows = read_rows(folder)
    destroyed_on = {"B1": SHOWN[2], "B2": None, "B3": SHOWN[-1]}
    for row in rows:
        fell = destroyed_on[row["building"]]
        taken_on = date.fromisoformat(row["taken_on"])
        state = "destroyed" if fell is not None and taken_on > fell else "standing"
        cloudy = di._cloudy(5, row["building"], taken_on)
        assert row["image"] == f"imagery/{row['building']}-{state}{'-cloud' if cloudy else ''}.png"
    b1 = [r["image"] for r in rows if r["building"] == "B1"]
    b1_clear = [image for image in b1 if not image.endswith("-cloud.png")]
    before = {i for i, r in zip(b1, SHOWN, strict=True) if r <= SHOWN[2] and i in b1_clear}
    after = {i for i, r in zip(b1, SHOWN, strict=True) if r > SHOWN[2] and i in b1_clear}
    # Same side of the destruction, no cloud: the same file; either side: different files.
    assert len(before) == 1 and len(after) == 1
    assert not before & after
    for building in ("B2", "B3"):
        assert all("destroyed" not in r["image"] for r in rows if r["building"] == building)


def test_pictures_are_96_pixel_pngs(written: tuple[Path, di.ImagerySummary]) -> None:
    folder, _ = written
    for path in (folder / "damage" / "imagery").iterdir():
        assert decode_png(path.read_bytes()).shape == (96, 96, 3)


def test_every_variant_looks_its_part() -> None:
    scene = di._render(5, "B1")
    standing, destroyed = scene.variant("standing"), scene.variant("destroyed")
    standing_cloud = scene.variant("standing-cloud")
    roof = scene.target.window()
    # The middle of the roof turns to rubble: clearly different there...
    difference = np.abs(standing[roof].astype(int) - destroyed[roof].astype(int)).mean()
    assert difference > 25
    # ...and darker than the pale roof, while the rest of the picture (neighbours, road,
    # ground away from the building) stays as it was.
    assert destroyed[roof].mean() < standing[roof].mean() - 20
    far = np.ones((96, 96), dtype=bool)
    far[max(0, roof[0].start - 12):roof[0].stop + 12,
        max(0, roof[1].start - 12):roof[1].stop + 12] = False
    assert np.array_equal(standing[far], destroyed[far])
    # The cloud hides part of the roof, not all of it.
    whitened = (standing_cloud[roof].astype(int) - standing[roof].astype(int)).sum(axis=2)
    assert (whitened > 30).mean() > 0.05
    assert (np.abs(whitened) < 40).mean() > 0.2


def test_cloudy_about_one_date_in_eight() -> None:
    cloudy = [di._cloudy(3, f"S{n:07d}", day) for n in range(400) for day in SHOWN]
    assert 0.09 < sum(cloudy) / len(cloudy) < 0.15


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    first = make_folder(tmp_path / "a")
    second = make_folder(tmp_path / "b")
    di.write_imagery(first, seed=11)
    di.write_imagery(second, seed=11)
    di.write_imagery(first, seed=11)  # again, over its own output
    names = sorted(p.name for p in (first / "damage" / "imagery").iterdir())
    assert names == sorted(p.name for p in (second / "damage" / "imagery").iterdir())
    for name in names:
        assert ((first / "damage" / "imagery" / name).read_bytes()
                == (second / "damage" / "imagery" / name).read_bytes())
    assert ((first / "damage" / "imagery.csv").read_bytes()
            == (second / "damage" / "imagery.csv").read_bytes())
    # Another seed draws other buildings.
    assert not np.array_equal(di._render(11, "B2").variant("standing"),
                              di._render(12, "B2").variant("standing"))


@pytest.mark.parametrize("missing", ["damage/volunteer-answers.csv", "truth/damage.csv"])
def test_missing_input(tmp_path: Path, missing: str) -> None:
    folder = make_folder(tmp_path / "run")
    (folder / missing).unlink()
    with pytest.raises(FileNotFoundError, match=missing.split("/")[-1]):
        di.write_imagery(folder, seed=1)


def test_building_absent_from_truth_always_stands(tmp_path: Path) -> None:
    folder = make_folder(tmp_path / "run")
    (folder / "truth" / "damage.csv").write_text(TRUTH_HEADER, encoding="utf-8")
    di.write_imagery(folder, seed=1)
    assert all("destroyed" not in r["image"] for r in read_rows(folder))
