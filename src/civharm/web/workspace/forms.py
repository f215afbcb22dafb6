"""The workspace's forms. They only carry what people type: every rule about what a record
may hold is checked by the services (the import's own rules), whose problems are put back
on the fields they concern."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.forms import formset_factory
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from civharm.domain.casualties import CATEGORIES, OUTCOMES, column_name
from civharm.domain.vocabulary import (
    DatePrecision,
    Fate,
    GeoPrecision,
    Grade,
    Sex,
    SourceKind,
    StrikeStatus,
    StrikeType,
)
from civharm.services.publishing import GRADE_LABELS

_DAY = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")

DATE_PRECISIONS = [
    (DatePrecision.DAY.value, _("a day")),
    (DatePrecision.WINDOW.value, _("a window of days")),
    (DatePrecision.MONTH.value, _("a month")),
    (DatePrecision.YEAR.value, _("a year")),
]

GEO_PRECISIONS = [("", _("not placed")), *[(p.value, p.value.replace("_", " ")) for p in GeoPrecision]]
STRIKE_TYPES = [(s.value, s.value) for s in StrikeType]
SOURCE_KINDS = [("", "—"), *[(k.value, k.value.replace("_", " ")) for k in SourceKind]]
PUBLIC_CHOICES = [("", _("as its kind (interviews private)")), ("yes", _("public")),
                  ("no", _("private"))]
SEXES = [(s.value, s.value) for s in Sex]
FATES = [(f.value, f.value) for f in Fate]
GRADES = [(g.value, GRADE_LABELS[g.value]) for g in Grade]
STRIKE_STATUSES = [("", _("not stated")), *[(s.value, s.value.replace("_", " "))
                                           for s in StrikeStatus]]


def _text(label: Any, *, attrs: dict[str, str] | None = None, max_length: int = 500,
          area: bool = False) -> forms.CharField:
    # Free text may be in either script: the browser sets its direction from what is typed.
    chosen = {"dir": "auto", **(attrs or {})}
    widget: forms.Widget = (forms.Textarea(attrs={"rows": 3, **chosen}) if area
                            else forms.TextInput(attrs=chosen))
    return forms.CharField(label=label, required=False, max_length=None if area else max_length,
                           strip=False, widget=widget)


LATIN = {"dir": "ltr"}
ARABIC = {"lang": "ar", "dir": "rtl"}
NUMBER = {"inputmode": "numeric", "size": "4"}


class IncidentForm(forms.Form):
    code = _text(_("Code"), attrs={"dir": "ltr", "autocomplete": "off"}, max_length=64)
    date_precision = forms.ChoiceField(label=_("Date known to"), choices=DATE_PRECISIONS,
                                       initial=DatePrecision.DAY.value)
    date = _text(_("Date"), attrs={"dir": "ltr", "placeholder": "YYYY-MM-DD",
                                   "data-similar": "date"}, max_length=32)
    date_until = _text(_("Until (for a window)"), attrs={"dir": "ltr", "placeholder": "YYYY-MM-DD"},
                       max_length=32)
    local_time = _text(_("Local time"), attrs={"dir": "ltr", "placeholder": "HH:MM"}, max_length=16)
    place = _text(_("Place (Latin script)"), attrs={**LATIN, "data-similar": "place"}, max_length=200)
    place_ar = _text(_("Place (Arabic)"), attrs=ARABIC, max_length=200)
    neighbourhood = _text(_("Neighbourhood"), max_length=200)
    latitude = _text(_("Latitude"), attrs={"dir": "ltr", "inputmode": "decimal",
                                           "data-similar": "lat"}, max_length=32)
    longitude = _text(_("Longitude"), attrs={"dir": "ltr", "inputmode": "decimal",
                                             "data-similar": "lon"}, max_length=32)
    geo_precision = forms.ChoiceField(label=_("Geolocation precision"), choices=GEO_PRECISIONS,
                                      required=False,
                                      widget=forms.Select(attrs={"data-similar": "precision"}))
    strike_type = forms.ChoiceField(label=_("Strike type"), choices=STRIKE_TYPES,
                                    initial=StrikeType.UNKNOWN.value)
    infrastructure = _text(_("Affected infrastructure (; between items)"), max_length=500)
    summary = _text(_("Summary (English)"), attrs=LATIN, area=True)
    summary_ar = _text(_("Summary (Arabic)"), attrs=ARABIC, area=True)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        precision = data.get("date_precision")
        day, until = (data.get("date") or "").strip(), (data.get("date_until") or "").strip()
        if precision == DatePrecision.DAY.value and day and not _DAY.match(day):
            self.add_error("date", _("write the day as YYYY-MM-DD"))
        if precision == DatePrecision.WINDOW.value and day and not until:
            self.add_error("date_until", _("a window needs its last day"))
        return data

    def date_cell(self) -> str:
        """The date as the import format writes it: a day, a window, a month or a year."""
        data = self.cleaned_data
        precision = data.get("date_precision")
        day, until = (data.get("date") or "").strip(), (data.get("date_until") or "").strip()
        if precision == DatePrecision.WINDOW.value and until:
            return f"{day}/{until}"
        if precision == DatePrecision.MONTH.value and _DAY.match(day):
            return day.rsplit("-", 1)[0]
        if precision == DatePrecision.YEAR.value and len(day) >= 4 and day[:4].isdigit():
            return day[:4]
        return day

    def cells(self) -> dict[str, str]:
        data = self.cleaned_data
        cells = {name: (data.get(name) or "") for name in (
            "code", "local_time", "place", "place_ar", "neighbourhood", "latitude", "longitude",
            "geo_precision", "strike_type", "infrastructure", "summary", "summary_ar")}
        cells["date"] = self.date_cell()
        return cells

    @staticmethod
    def initial_from(cells: dict[str, str]) -> dict[str, str]:
        """Form values from an incident's import-format cells."""
        initial = dict(cells)
        date = cells.get("date", "")
        if "/" in date:
            first, _sep, last = date.partition("/")
            initial |= {"date_precision": DatePrecision.WINDOW.value, "date": first,
                        "date_until": last}
        elif re.fullmatch(r"\d{4}-\d{1,2}", date):
            initial["date_precision"] = DatePrecision.MONTH.value
        elif re.fullmatch(r"\d{4}", date):
            initial["date_precision"] = DatePrecision.YEAR.value
        else:
            initial["date_precision"] = DatePrecision.DAY.value
        return initial


class PartForm(forms.Form):
    """One source, claim or victim; ``existing`` names the stored record it edits."""

    existing = forms.CharField(required=False, widget=forms.HiddenInput)
    cell_names: tuple[str, ...] = ()

    def cells(self) -> dict[str, str]:
        return {name: (self.cleaned_data.get(name) or "") for name in self.cell_names
                if name in self.fields}


class SourceForm(PartForm):
    source_id = _text(_("Key"), attrs={"dir": "ltr", "placeholder": _("made for you if empty")},
                      max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=SOURCE_KINDS, required=False)
    public = forms.ChoiceField(label=_("Public or private"), choices=PUBLIC_CHOICES,
                               required=False)
    title = _text(_("Title"))
    publisher = _text(_("Publisher"), max_length=200)
    author = _text(_("Author"), max_length=200)
    published = _text(_("Published"), attrs={"dir": "ltr", "placeholder": "YYYY-MM-DD"},
                      max_length=32)
    language = _text(_("Language (ar, en, …)"), attrs={"dir": "ltr", "size": "4"}, max_length=16)
    url = _text(_("Address (URL)"), attrs={"dir": "ltr"}, max_length=2000)
    original_text = _text(_("Original text"), area=True, attrs={"dir": "auto"})
    translated_text = _text(_("Translation"), area=True, attrs={"dir": "auto"})
    cell_names = ("source_id", "kind", "public", "title", "publisher", "author", "published",
                  "language", "url", "original_text", "translated_text")


CATEGORY_LABELS = {"civilians": _("civilians"), "children": _("children"), "women": _("women"),
                   "men": _("men"), "belligerents": _("belligerents"),
                   "undetermined": _("undetermined")}
OUTCOME_LABELS = {"killed": _("killed"), "injured": _("injured")}
BOUND_LABELS = {"min": _("at least"), "max": _("at most")}
CASUALTY_NAMES = tuple(column_name(o, c, b) for o in OUTCOMES for c in CATEGORIES
                       for b in ("min", "max"))


class ClaimForm(PartForm):
    source = _text(_("Source key"), attrs={"dir": "ltr", "list": "source-keys"}, max_length=100)
    belligerent_blamed = _text(_("Belligerent blamed"), max_length=200)
    cell_names = ("source", "belligerent_blamed", *CASUALTY_NAMES)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in CASUALTY_NAMES:
            outcome, category, bound = name.split("_")
            label = format_lazy("{} {}, {}", OUTCOME_LABELS[outcome],
                                CATEGORY_LABELS[category], BOUND_LABELS[bound])
            self.fields[name] = _text(label, attrs={**NUMBER, "aria-label": label}, max_length=16)

    def casualty_rows(self) -> list[dict[str, Any]]:
        """The casualty fields as a table: one row per category of person."""
        return [{"category": CATEGORY_LABELS.get(category, category),
                 "cells": [self[column_name(outcome, category, bound)]
                           for outcome in OUTCOMES for bound in ("min", "max")]}
                for category in CATEGORIES]


class VictimForm(PartForm):
    victim_id = _text(_("Key"), attrs={"dir": "ltr", "placeholder": _("made for you if empty")},
                      max_length=100)
    name = _text(_("Name (Latin script)"), attrs=LATIN, max_length=300)
    name_ar = _text(_("Name (Arabic script)"), attrs=ARABIC, max_length=300)
    sex = forms.ChoiceField(label=_("Sex"), choices=SEXES, initial=Sex.UNKNOWN.value)
    age = _text(_("Age"), attrs=NUMBER, max_length=8)
    age_min = _text(_("Age band from"), attrs=NUMBER, max_length=8)
    age_max = _text(_("to"), attrs=NUMBER, max_length=8)
    fate = forms.ChoiceField(label=_("Fate"), choices=FATES, initial=Fate.KILLED.value)
    date_of_death = _text(_("Date of death"), attrs={"dir": "ltr", "placeholder": "YYYY-MM-DD"},
                          max_length=32)
    relation = _text(_("Relation"), max_length=300)
    sources = _text(_("Source keys (; between)"), attrs={"dir": "ltr"}, max_length=1000)
    cell_names = ("victim_id", "name", "name_ar", "sex", "age", "age_min", "age_max", "fate",
                  "date_of_death", "relation", "sources")


SourceFormSet = formset_factory(SourceForm, extra=1, max_num=200, absolute_max=200)
ClaimFormSet = formset_factory(ClaimForm, extra=1, can_delete=True, max_num=200,
                               absolute_max=200)
VictimFormSet = formset_factory(VictimForm, extra=2, can_delete=True, max_num=500,
                                absolute_max=500)


class LoginForm(forms.Form):
    username = forms.CharField(label=_("User name"), max_length=150,
                               widget=forms.TextInput(attrs={"autocomplete": "username",
                                                             "dir": "ltr", "autofocus": True}))
    password = forms.CharField(label=_("Password"), max_length=1024, strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete":
                                                                 "current-password"}))


class GradeForm(forms.Form):
    grade = forms.ChoiceField(label=_("Grade"), choices=GRADES, widget=forms.RadioSelect)
    strike_status = forms.ChoiceField(label=_("Strike status"), choices=STRIKE_STATUSES,
                                      required=False)
    reason = forms.CharField(label=_("Reason"), max_length=5000,
                             widget=forms.Textarea(attrs={"rows": 4}),
                             error_messages={"required": _("a grade needs a written reason")})


class EvidenceUploadForm(forms.Form):
    source = forms.ChoiceField(label=_("Source"), choices=())
    file = forms.FileField(label=_("File"))
    confidential = forms.BooleanField(
        label=_("Confidential: only witness handlers may open it (sealed at rest)"),
        required=False)
    reason = forms.CharField(label=_("Reason"), max_length=500,
                             error_messages={"required": _("say why this file is evidence")})

    def __init__(self, *args: Any, sources: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = [(key, key) for key in sources]


class EvidenceDownloadForm(forms.Form):
    reason = forms.CharField(label=_("Reason for taking a copy"), max_length=500,
                             error_messages={"required": _("a reason is required: it is part of "
                                                           "the chain of custody")})
