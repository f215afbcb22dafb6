"""The controlled vocabulary of civilian-harm monitoring.

Every enumeration here is stored in the database by its value, appears in import
files by its value, and is shown to users through its label. Values never change
once released: they are part of the file formats.
"""

from __future__ import annotations

from enum import StrEnum


class Vocabulary(StrEnum):
    """A closed list of terms, each with a human label and an optional definition."""

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()

    @classmethod
    def parse(cls, text: str) -> Vocabulary:
        """Read a term the way people type it: any case, spaces, hyphens or underscores."""
        key = "_".join(text.strip().lower().replace("-", " ").split())
        for member in cls:
            if key == member.value:
                return member
        aliases = getattr(cls, "_aliases", None)
        if callable(aliases):
            found = aliases().get(key)
            if found is not None:
                return found  # type: ignore[no-any-return]
        allowed = ", ".join(m.value for m in cls)
        raise ValueError(f"{text!r} is not one of: {allowed}")

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(m.value, m.label) for m in cls]


class Grade(Vocabulary):
    """The Airwars grading scale for an incident."""

    CONFIRMED = "confirmed"
    FAIR = "fair"
    WEAK = "weak"
    CONTESTED = "contested"
    DISCOUNTED = "discounted"

    @property
    def definition(self) -> str:
        return GRADE_DEFINITIONS[self]

    @property
    def counts_as_likely(self) -> bool:
        """Likely deaths are the sum over Fair and Confirmed incidents."""
        return self in (Grade.CONFIRMED, Grade.FAIR)


GRADE_DEFINITIONS: dict[Grade, str] = {
    Grade.CONFIRMED: "A specific belligerent has accepted responsibility for civilian harm.",
    Grade.FAIR: (
        "Reported by two or more credible sources, with likely or confirmed near actions "
        "by a belligerent."
    ),
    Grade.WEAK: "Single source claim, though sometimes featuring significant information.",
    Grade.CONTESTED: (
        "Competing claims of responsibility (several belligerents, or ground forces)."
    ),
    Grade.DISCOUNTED: (
        "Those killed were combatants, or other parties most likely responsible."
    ),
}


class StrikeStatus(Vocabulary):
    """How far an incident is tied to a strike the belligerent itself declared."""

    DECLARED_STRIKE = "declared_strike"
    LIKELY_STRIKE = "likely_strike"
    CONTESTED_STRIKE = "contested_strike"
    SINGLE_SOURCE_CLAIM = "single_source_claim"


class GeoPrecision(Vocabulary):
    """The geolocation precision ladder, coarse to fine. Order matters: it is compared."""

    GOVERNORATE = "governorate"
    DISTRICT = "district"
    SUBDISTRICT = "subdistrict"
    CITY = "city"
    TOWN = "town"
    VILLAGE = "village"
    NEIGHBOURHOOD = "neighbourhood"
    STREET = "street"
    LANDMARK = "landmark"
    WITHIN_100M = "within_100m"
    WITHIN_1M = "within_1m"
    EXACT = "exact"

    @property
    def rank(self) -> int:
        return list(GeoPrecision).index(self)

    @property
    def is_point(self) -> bool:
        """Fine enough to draw as a point rather than as an area."""
        return self.rank >= GeoPrecision.STREET.rank

    @classmethod
    def _aliases(cls) -> dict[str, GeoPrecision]:
        return {
            "neighborhood": cls.NEIGHBOURHOOD,
            "within_100_m": cls.WITHIN_100M,
            "within_1_m": cls.WITHIN_1M,
            "100m": cls.WITHIN_100M,
            "1m": cls.WITHIN_1M,
        }


class DatePrecision(Vocabulary):
    """How precisely an incident's date is known."""

    DAY = "day"
    WINDOW = "window"
    MONTH = "month"
    YEAR = "year"


class StrikeType(Vocabulary):
    AIR = "air"
    ARTILLERY = "artillery"
    DRONE = "drone"
    UNKNOWN = "unknown"

    @classmethod
    def _aliases(cls) -> dict[str, StrikeType]:
        return {"airstrike": cls.AIR, "air_strike": cls.AIR, "shelling": cls.ARTILLERY}


class SourceKind(Vocabulary):
    WITNESS_INTERVIEW = "witness_interview"
    MEDIA_REPORT = "media_report"
    SOCIAL_MEDIA_POST = "social_media_post"
    NGO_REPORT = "ngo_report"
    OFFICIAL_STATEMENT = "official_statement"
    SATELLITE_IMAGERY = "satellite_imagery"
    CASUALTY_LIST = "casualty_list"

    @property
    def public_by_default(self) -> bool:
        """Interviews are confidential unless an analyst publishes them deliberately."""
        return self is not SourceKind.WITNESS_INTERVIEW


class Involvement(Vocabulary):
    KNOWN = "known"
    SUSPECTED = "suspected"


class BelligerentAssessment(Vocabulary):
    """The belligerent's own verdict on an allegation."""

    NOT_YET_ASSESSED = "not_yet_assessed"
    CREDIBLE = "credible"
    NON_CREDIBLE = "non_credible"
    DUPLICATE = "duplicate"
    CLOSED = "closed"
    REOPENED = "reopened"

    @classmethod
    def _aliases(cls) -> dict[str, BelligerentAssessment]:
        return {
            "noncredible": cls.NON_CREDIBLE,
            "not_credible": cls.NON_CREDIBLE,
            "not_assessed": cls.NOT_YET_ASSESSED,
            "pending": cls.NOT_YET_ASSESSED,
        }


class Sex(Vocabulary):
    FEMALE = "female"
    MALE = "male"
    UNKNOWN = "unknown"

    @classmethod
    def _aliases(cls) -> dict[str, Sex]:
        return {"f": cls.FEMALE, "m": cls.MALE, "u": cls.UNKNOWN, "": cls.UNKNOWN}


class Fate(Vocabulary):
    KILLED = "killed"
    INJURED = "injured"
    MISSING = "missing"


class DamageClass(Vocabulary):
    """Damage classes of satellite damage assessments, worst first."""

    DESTROYED = "destroyed"
    SEVERE = "severe"
    MODERATE = "moderate"
    POSSIBLE = "possible"
    NONE = "none"
