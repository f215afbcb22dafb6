"""The pure domain: vocabulary, records and figures. No database, no Django."""

from civharm.domain.casualties import CATEGORIES, OUTCOMES, Casualties, Range
from civharm.domain.dates import DateWindow
from civharm.domain.vocabulary import (
    BelligerentAssessment,
    DamageClass,
    DatePrecision,
    Fate,
    GeoPrecision,
    Grade,
    Involvement,
    Sex,
    SourceKind,
    StrikeStatus,
    StrikeType,
)

__all__ = [
    "CATEGORIES",
    "OUTCOMES",
    "BelligerentAssessment",
    "Casualties",
    "DamageClass",
    "DatePrecision",
    "DateWindow",
    "Fate",
    "GeoPrecision",
    "Grade",
    "Involvement",
    "Range",
    "Sex",
    "SourceKind",
    "StrikeStatus",
    "StrikeType",
]
