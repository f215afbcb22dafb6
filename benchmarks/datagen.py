"""Seeded, synthetic import files for the benchmark, in civharm's own CSV formats.

Everything here is invented: the names are assembled from common given and family
names, the places from a short gazetteer, the numbers from a seeded generator. The
same seed and scale always write byte-identical files.
"""

from __future__ import annotations

import csv
import hashlib
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

SEED = 20170606

# Given names as (Latin spellings seen across lists, Arabic); several Latin spellings of
# one name is what real casualty lists look like.
MALE_NAMES = (
    (("Mohammed", "Muhammad", "Mohamad"), "محمد"),
    (("Ahmad", "Ahmed"), "أحمد"),
    (("Khaled", "Khalid"), "خالد"),
    (("Omar", "Umar"), "عمر"),
    (("Hussein", "Husayn"), "حسين"),
    (("Ali",), "علي"),
    (("Mahmoud", "Mahmud"), "محمود"),
    (("Abdullah", "Abdallah"), "عبد الله"),
    (("Yousef", "Yusuf"), "يوسف"),
    (("Ibrahim",), "إبراهيم"),
    (("Hamza",), "حمزة"),
    (("Bilal",), "بلال"),
    (("Jassem", "Jasim"), "جاسم"),
    (("Saleh", "Salih"), "صالح"),
    (("Mustafa", "Moustafa"), "مصطفى"),
    (("Anas",), "أنس"),
)
FEMALE_NAMES = (
    (("Fatima", "Fatma"), "فاطمة"),
    (("Aisha", "Aicha"), "عائشة"),
    (("Maryam", "Mariam"), "مريم"),
    (("Khadija", "Khadeeja"), "خديجة"),
    (("Zainab", "Zeinab"), "زينب"),
    (("Amina", "Ameena"), "أمينة"),
    (("Huda", "Hoda"), "هدى"),
    (("Nour", "Noor"), "نور"),
    (("Rasha",), "رشا"),
    (("Salma",), "سلمى"),
    (("Hanan",), "حنان"),
    (("Layla", "Leila"), "ليلى"),
    (("Asmaa", "Asma"), "أسماء"),
    (("Ruqaya", "Ruqayya"), "رقية"),
)
FAMILY_NAMES = (
    (("al-Hassan", "Al Hasan"), "الحسن"),
    (("al-Ali",), "العلي"),
    (("al-Khalaf", "Khalaf"), "الخلف"),
    (("al-Hamad", "Hamad"), "الحمد"),
    (("al-Ahmad",), "الأحمد"),
    (("al-Mohammed", "al-Muhammad"), "المحمد"),
    (("al-Issa", "Eissa"), "العيسى"),
    (("al-Jasim",), "الجاسم"),
    (("al-Abdullah",), "العبد الله"),
    (("al-Saleh",), "الصالح"),
    (("al-Hussein",), "الحسين"),
    (("al-Aboud", "Aboud"), "العبود"),
    (("al-Shawakh",), "الشواخ"),
    (("al-Faraj", "Faraj"), "الفرج"),
    (("al-Ujayli",), "العجيلي"),
    (("al-Hawas",), "الهواس"),
)
PLACES = (
    ("Raqqa", "الرقة", 35.9500, 39.0100),
    ("Tabqa", "الطبقة", 35.8350, 38.5480),
    ("Mansoura", "المنصورة", 35.8220, 38.7580),
    ("Karama", "الكرامة", 35.9480, 39.2720),
    ("Maadan", "معدان", 35.7450, 39.6600),
    ("Hunayda", "الحنيدة", 35.8900, 38.8800),
    ("Sabkha", "السبخة", 35.7620, 39.3100),
    ("Hazima", "حزيمة", 36.0530, 39.0400),
)
NEIGHBOURHOODS = (
    "al-Bedu", "al-Mashlab", "al-Rumaniyah", "Hisham bin Abdul Malik", "al-Sinaa",
    "al-Thaknah", "al-Daraiya", "Nazlat Shehada", "al-Hamra", "Tayar", "al-Dariya",
    "al-Amasi", "al-Nahda", "Harat al-Badu",
)
INFRASTRUCTURE = ("residential", "market", "bakery", "school", "mosque", "hospital", "bridge",
                  "water station", "road")
PUBLISHERS = ("Raqqa is Being Slaughtered Silently", "Airwars", "Amnesty International",
              "Syrian Network for Human Rights", "Smart News Agency", "Sound and Picture",
              "Enab Baladi", "Step News", "Furat Post", "Coalition press desk")
SOURCE_KINDS = ("media_report", "social_media_post", "ngo_report", "witness_interview",
                "official_statement", "satellite_imagery", "casualty_list")
BLAMED = ("US-led Coalition", "Russia", "Syrian regime", "SDF ground forces", "unknown")
STRIKE_TYPES = ("air", "air", "air", "artillery", "drone", "unknown")
PRECISIONS = ("neighbourhood", "street", "within_100m", "city", "village", "landmark")
STATUSES = ("likely_strike", "single_source_claim", "declared_strike")
GRADES = ("fair", "weak", "contested", "confirmed", "discounted")

TEXT_AR = "قتل عدد من المدنيين في غارة جوية على الحي."
TEXT_EN = "Several civilians were killed in an air strike on the neighbourhood."

INCIDENT_HEADER = ("code", "date", "local_time", "place", "place_ar", "neighbourhood",
                   "latitude", "longitude", "geo_precision", "strike_type", "infrastructure",
                   "summary", "summary_ar", "grade", "strike_status", "grade_reason",
                   "assessed_by")
SOURCE_HEADER = ("source_id", "kind", "title", "publisher", "author", "published", "language",
                 "url", "original_text", "translated_text", "evidence_sha256", "public")
CLAIM_HEADER = ("incident", "source", "belligerent_blamed",
                "killed_civilians_min", "killed_civilians_max",
                "killed_children_min", "killed_children_max",
                "killed_women_min", "killed_women_max",
                "killed_men_min", "killed_men_max",
                "injured_civilians_min", "injured_civilians_max")
VICTIM_HEADER = ("victim_id", "incident", "name", "name_ar", "sex", "age", "age_min",
                 "age_max", "relation", "fate", "date_of_death", "sources")


@dataclass(frozen=True, slots=True)
class Sizes:
    incidents: int
    sources: int
    claims: int
    victims: int

    @classmethod
    def scaled(cls, scale: float) -> Sizes:
        incidents = max(1, round(10_000 * scale))
        return cls(
            incidents=incidents,
            sources=max(1, round(2_000 * scale)),
            claims=incidents,  # one claim per incident
            victims=max(1, round(100_000 * scale)),
        )

    @property
    def total(self) -> int:
        return self.incidents + self.sources + self.claims + self.victims


@dataclass(frozen=True, slots=True)
class Dataset:
    folder: Path
    sizes: Sizes
    victim_source_links: int

    @property
    def files(self) -> list[Path]:
        return files_in(self.folder)


def files_in(folder: Path) -> list[Path]:
    """The generated files; the importer puts kinds in order itself."""
    return [folder / f"{kind}.csv" for kind in ("incidents", "sources", "claims", "victims")]


def generate(folder: Path, scale: float = 1.0, seed: int = SEED) -> Dataset:
    """Write incidents.csv, sources.csv, claims.csv and victims.csv into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    sizes = Sizes.scaled(scale)
    rng = random.Random(seed)
    source_keys = [f"S{n:06d}" for n in range(1, sizes.sources + 1)]
    incident_codes = [f"RQ{n:06d}" for n in range(1, sizes.incidents + 1)]
    days = _write_incidents(folder / "incidents.csv", rng, incident_codes)
    _write_sources(folder / "sources.csv", rng, source_keys)
    claim_source = _write_claims(folder / "claims.csv", rng, incident_codes, source_keys)
    links = _write_victims(folder / "victims.csv", rng, sizes.victims, incident_codes, days,
                           claim_source, source_keys)
    return Dataset(folder, sizes, links)


def _rows(path: Path, header: tuple[str, ...], rows: Iterable[Sequence[object]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


FIRST_DAY = date(2016, 11, 6)
CAMPAIGN_DAYS = 365


def _write_incidents(path: Path, rng: random.Random, codes: list[str]) -> dict[str, date]:
    """One row per incident; returns each incident's (first) day for victims' dates."""
    days: dict[str, date] = {}
    rows = []
    for code in codes:
        first = FIRST_DAY + timedelta(days=rng.randrange(CAMPAIGN_DAYS))
        days[code] = first
        shape = rng.random()
        if shape < 0.75:
            when = first.isoformat()
        elif shape < 0.92:
            when = f"{first.isoformat()}/{(first + timedelta(days=rng.randint(1, 3))).isoformat()}"
        else:
            when = first.strftime("%Y-%m")
        place, place_ar, lat, lon = rng.choice(PLACES)
        located = rng.random() < 0.85
        neighbourhood = rng.choice(NEIGHBOURHOODS) if rng.random() < 0.6 else ""
        grade = rng.choice(GRADES) if rng.random() < 0.3 else ""
        rows.append((
            code,
            when,
            f"{rng.randrange(24):02d}:{rng.randrange(60):02d}" if rng.random() < 0.4 else "",
            place,
            place_ar,
            neighbourhood,
            f"{lat + rng.uniform(-0.03, 0.03):.5f}" if located else "",
            f"{lon + rng.uniform(-0.03, 0.03):.5f}" if located else "",
            rng.choice(PRECISIONS) if located else "",
            rng.choice(STRIKE_TYPES),
            ";".join(rng.sample(INFRASTRUCTURE, rng.randint(0, 2))),
            f"Strike reported on {place}{', ' + neighbourhood if neighbourhood else ''}; "
            f"civilians reported killed in {rng.choice(('a house', 'a street', 'a market'))}.",
            f"غارة على {place_ar} أدت إلى مقتل مدنيين.",
            grade,
            rng.choice(STATUSES) if grade else "",
            "Benchmark grade: sources agree on date and place." if grade else "",
            "bench" if grade else "",
        ))
    _rows(path, INCIDENT_HEADER, rows)
    return days


def _write_sources(path: Path, rng: random.Random, keys: list[str]) -> None:
    rows = []
    for key in keys:
        kind = rng.choice(SOURCE_KINDS)
        arabic = rng.random() < 0.6
        published = FIRST_DAY + timedelta(days=rng.randrange(CAMPAIGN_DAYS + 60))
        evidence = ";".join(
            hashlib.sha256(f"{key}/{n}".encode()).hexdigest()
            for n in range(rng.randint(1, 2))
        ) if rng.random() < 0.2 else ""
        rows.append((
            key,
            kind,
            f"{kind.replace('_', ' ').capitalize()} {key}",
            rng.choice(PUBLISHERS),
            "" if kind == "official_statement" else f"Reporter {rng.randrange(1, 400)}",
            published.isoformat(),
            "ar" if arabic else "en",
            f"https://example.org/{key.lower()}",
            TEXT_AR if arabic else TEXT_EN,
            TEXT_EN if arabic else "",
            evidence,
            "",
        ))
    _rows(path, SOURCE_HEADER, rows)


def _write_claims(
    path: Path, rng: random.Random, codes: list[str], sources: list[str]
) -> dict[str, str]:
    """One claim per incident; returns the source of each incident's claim."""
    claim_source: dict[str, str] = {}
    rows = []
    for code in codes:
        source = rng.choice(sources)
        claim_source[code] = source
        killed = rng.randint(1, 40)
        killed_max = killed + rng.randint(0, 5)
        children = rng.randint(0, killed // 3)
        women = rng.randint(0, killed // 3)
        men = rng.randint(0, killed - children - women)
        injured = rng.randint(0, 30)
        rows.append((
            code, source, rng.choice(BLAMED),
            killed, killed_max,
            children, children + rng.randint(0, 2),
            women, women + rng.randint(0, 2),
            men, "",
            injured, injured + rng.randint(0, 10) if injured else "",
        ))
    _rows(path, CLAIM_HEADER, rows)
    return claim_source


def _name(rng: random.Random, female: bool) -> tuple[str, str]:
    given = rng.choice(FEMALE_NAMES if female else MALE_NAMES)
    father = rng.choice(MALE_NAMES)
    family = rng.choice(FAMILY_NAMES)
    latin = f"{rng.choice(given[0])} {rng.choice(father[0])} {rng.choice(family[0])}"
    arabic = f"{given[1]} {father[1]} {family[1]}"
    return latin, arabic


def _write_victims(
    path: Path,
    rng: random.Random,
    count: int,
    codes: list[str],
    days: dict[str, date],
    claim_source: dict[str, str],
    sources: list[str],
) -> int:
    """Victims spread over incidents; returns how many victim-source links they name."""
    links = 0
    rows = []
    previous: dict[str, str] = {}
    for number in range(1, count + 1):
        key = f"V{number:07d}"
        code = codes[rng.randrange(len(codes))]
        sex_roll = rng.random()
        sex = "female" if sex_roll < 0.42 else "male" if sex_roll < 0.9 else "unknown"
        latin, arabic = _name(rng, sex == "female")
        script = rng.random()
        if script < 0.15:
            latin = ""
        elif script < 0.3:
            arabic = ""
        if sex != "unknown" and rng.random() < 0.1:
            sex = sex[0].upper()  # 'F' / 'M', as many lists write it
        age = age_min = age_max = ""
        age_roll = rng.random()
        if age_roll < 0.6:
            age = str(rng.randint(0, 85))
        elif age_roll < 0.8:
            low = rng.choice((0, 5, 12, 18, 30, 45, 60))
            age_min, age_max = str(low), str(low + rng.choice((4, 9, 14)))
        fate = "killed" if rng.random() < 0.85 else "injured"
        named = [claim_source[code]]
        if rng.random() < 0.3:
            extra = rng.choice(sources)
            if extra not in named:
                named.append(extra)
        links += len(named)
        relation = ""
        if code in previous and rng.random() < 0.25:
            relation = f"{rng.choice(('child', 'sibling', 'spouse', 'parent'))} of {previous[code]}"
        previous[code] = key
        rows.append((
            key, code, latin, arabic, sex, age, age_min, age_max, relation, fate,
            days[code].isoformat() if fate == "killed" and rng.random() < 0.7 else "",
            ";".join(named),
        ))
    _rows(path, VICTIM_HEADER, rows)
    return links
