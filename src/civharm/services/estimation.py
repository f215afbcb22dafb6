"""Multiple systems estimation from the record: capture tables from linked victims, the
estimate by each method, and the stored figure with everything it was made from.

The people are those the victim linkage found (``civharm link victims``) with at least one
record of a death. Each source that names them is a list. A source naming at least
``MIN_LIST_SHARE`` of the people is a list of its own; the smaller ones are pooled into one
list, "other sources", because a list that names a handful of people adds sparse cells
and no information about the overlap.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction

from civharm.analysis.estimation import (
    METHODS,
    CaptureTable,
    Comparison,
    Estimate,
    EstimationError,
    compare_methods,
    side_by_side,
    sum_strata,
)
from civharm.analysis.estimation.lcmcr import DEFAULT_LCMCR, LcmcrSettings
from civharm.domain.vocabulary import Fate
from civharm.services import audit
from civharm.services.errors import UserError
from civharm.store import models

MIN_LIST_SHARE = 0.05
OTHER_SOURCES = "other sources"
STRATA = ("none", "month", "neighbourhood")


@dataclass(frozen=True, slots=True)
class EstimationResult:
    total: Estimate
    comparison: Comparison
    strata: tuple[tuple[str, Estimate], ...]
    tables: tuple[tuple[str, CaptureTable], ...]
    stored_id: int


@dataclass(frozen=True, slots=True)
class _Person:
    lists: frozenset[str]
    month: str
    neighbourhood: str


def _people() -> list[_Person]:
    records: dict[int, list[models.Victim]] = {}
    query = (models.Victim.objects.filter(person__isnull=False, fate=Fate.KILLED.value)
             .select_related("incident").prefetch_related("sources"))
    for victim in query:
        assert victim.person_id is not None
        records.setdefault(victim.person_id, []).append(victim)
    people = []
    for found in records.values():
        sources = frozenset(s.key for v in found for s in v.sources.all())
        first = min(found, key=lambda v: (v.date_of_death or v.incident.date_start, v.key))
        day = first.date_of_death or first.incident.date_start
        people.append(_Person(sources, f"{day.year:04d}-{day.month:02d}",
                              first.incident.neighbourhood or first.incident.place))
    return people


def choose_lists(people: Sequence[_Person], named: Sequence[str]) -> tuple[list[str], bool]:
    """The lists to estimate with, and whether an "other sources" list pools the rest."""
    if named:
        known = {s for p in people for s in p.lists}
        missing = [k for k in named if k not in known]
        if missing:
            raise UserError(f"--lists: no linked victim is named by {', '.join(missing)}")
        return list(named), any(p.lists - set(named) for p in people)
    counts: dict[str, int] = {}
    for person in people:
        for source in person.lists:
            counts[source] = counts.get(source, 0) + 1
    floor = MIN_LIST_SHARE * len(people)
    chosen = sorted(s for s, n in counts.items() if n >= floor)
    return chosen, any(p.lists - set(chosen) for p in people)


def capture_table(people: Sequence[_Person], lists: Sequence[str], pooled: bool) -> CaptureTable:
    names = [*lists, OTHER_SOURCES] if pooled else list(lists)
    chosen = set(lists)
    memberships = []
    for person in people:
        mine = set(person.lists & chosen)
        if pooled and person.lists - chosen:
            mine.add(OTHER_SOURCES)
        if mine:
            memberships.append(mine)
    return CaptureTable.from_memberships(names, memberships)


def _estimate_all(table: CaptureTable, seed: int, label: str,
                  lcmcr: LcmcrSettings = DEFAULT_LCMCR) -> Comparison:
    try:
        return side_by_side(table, METHODS, seed=seed, lcmcr=lcmcr)  # type: ignore[arg-type]
    except EstimationError as error:
        raise UserError(f"{label}: {error}") from None


def estimate_from_database(method: str, *, seed: int = 1, by: str = "none",
                           lists: Sequence[str] = (), made_by: str = "",
                           lcmcr: LcmcrSettings = DEFAULT_LCMCR) -> EstimationResult:
    if by not in STRATA:
        raise UserError(f"--by must be one of {', '.join(STRATA)}, not {by!r}")
    people = _people()
    if not people:
        raise UserError("no linked victims who were killed: run `civharm link victims` first")
    chosen_lists, pooled = choose_lists(people, lists)
    if len(chosen_lists) + pooled < 2:
        raise UserError("multiple systems estimation needs at least two lists; only "
                        f"{', '.join(chosen_lists) or 'one'} names enough people")
    groups: dict[str, list[_Person]] = {}
    for person in people:
        key = "" if by == "none" else person.month if by == "month" else person.neighbourhood
        groups.setdefault(key, []).append(person)
    tables = tuple((name, capture_table(group, chosen_lists, pooled))
                   for name, group in sorted(groups.items()))
    comparisons = [(name, _estimate_all(table, seed, name or "the whole record", lcmcr))
                   for name, table in tables]
    if by == "none":
        comparison = comparisons[0][1]
        strata: tuple[tuple[str, Estimate], ...] = ()
    else:
        totals = tuple(
            sum_strata([next(e for e in c.estimates if e.method == m) for _, c in comparisons],
                       [name for name, _ in comparisons])
            for m in METHODS)
        comparison = Comparison(totals, tuple(compare_methods(totals)))
        strata = tuple((name, next(e for e in c.estimates if e.method == method))
                       for name, c in comparisons)
    total = next(e for e in comparison.estimates if e.method == method)
    with transaction.atomic():
        stored = _store(total, comparison, tables, strata, seed, by, made_by)
        audit.record("estimate.store", actor=audit.acting(made_by), target=f"estimate:{stored.pk}",
                     details={"method": stored.method, "seed": seed, "stratified_by": by,
                              "lists": list(stored.lists), "observed": stored.observed,
                              "estimate": stored.estimate, "lower": stored.lower,
                              "upper": stored.upper})
    return EstimationResult(total, comparison, strata, tables, stored.pk)


def _table_json(table: CaptureTable) -> list[dict[str, object]]:
    return [{"pattern": list(p), "count": c} for p, c in zip(table.patterns, table.counts, strict=True)]


def _store(total: Estimate, comparison: Comparison, tables: tuple[tuple[str, CaptureTable], ...],
           strata: tuple[tuple[str, Estimate], ...], seed: int, by: str, made_by: str
           ) -> models.MseEstimate:
    details = dict(total.as_json()["details"])  # type: ignore[call-overload]
    details["compared"] = [e.as_json() for e in comparison.estimates if e.method != total.method]
    details["stratified_by"] = by
    details["strata"] = {name: {"estimate": e.as_json(), "capture_table": _table_json(t)}
                         for (name, e), (_, t) in zip(strata, tables, strict=False)}
    record = total.as_json()
    return models.MseEstimate.objects.create(
        method=total.method, seed=seed, stratum="" if by == "none" else f"sum by {by}",
        observed=total.observed, estimate=total.estimate, lower=total.lower,
        upper=None if total.upper == float("inf") else total.upper,
        lists=list(total.lists),
        capture_table=_table_json(tables[0][1]) if by == "none" else [],
        warnings=list(dict.fromkeys([*total.warnings, *comparison.warnings])),
        details={**details, "level": record["level"]}, made_by=made_by)


def latest_estimate() -> models.MseEstimate | None:
    return models.MseEstimate.objects.order_by("-created_at", "-id").first()
