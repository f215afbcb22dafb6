"""``incident``, ``claim``, ``source`` and ``victim`` commands: add, list and show records."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from civharm.cli.context import open_database, out, simulated_banner
from civharm.cli.render import print_table

incident_app = typer.Typer(help="Add, list, show, grade and merge incidents.", no_args_is_help=True)
claim_app = typer.Typer(help="Add and list claims: what one source says of one incident.",
                        no_args_is_help=True)
source_app = typer.Typer(help="Add and list sources.", no_args_is_help=True)
victim_app = typer.Typer(help="Add and list victims.", no_args_is_help=True)

def _opt(*names: str, help: str = "") -> typer.models.OptionInfo:
    return typer.Option(*names, help=help, show_default=False)


def _add(ctx: typer.Context, kind: str, cells: dict[str, str]) -> None:
    open_database(ctx)
    from civharm.services.records import add

    add(kind, cells)


@incident_app.command("add")
def incident_add(
    ctx: typer.Context,
    code: Annotated[str, _opt("--code", help="Incident code, e.g. RQ0001.")],
    date: Annotated[str, _opt("--date", help="YYYY-MM-DD, a window A/B, YYYY-MM or YYYY.")],
    place: Annotated[str, _opt("--place", help="Place name in Latin script.")],
    place_ar: Annotated[str, _opt("--place-ar", help="Place name in Arabic.")] = "",
    neighbourhood: Annotated[str, _opt("--neighbourhood")] = "",
    latitude: Annotated[str, _opt("--lat", "--latitude", help="Decimal degrees.")] = "",
    longitude: Annotated[str, _opt("--lon", "--longitude", help="Decimal degrees.")] = "",
    precision: Annotated[str, _opt("--precision", help="Geolocation precision, e.g. neighbourhood.")] = "",
    strike_type: Annotated[str, _opt("--strike-type", help="air, artillery, drone or unknown.")] = "",
    local_time: Annotated[str, _opt("--time", help="Local time HH:MM.")] = "",
    summary: Annotated[str, _opt("--summary")] = "",
    summary_ar: Annotated[str, _opt("--summary-ar")] = "",
) -> None:
    """Add one incident."""
    _add(ctx, "incidents", {
        "code": code, "date": date, "place": place, "place_ar": place_ar,
        "neighbourhood": neighbourhood, "latitude": latitude, "longitude": longitude,
        "geo_precision": precision, "strike_type": strike_type, "local_time": local_time,
        "summary": summary, "summary_ar": summary_ar,
    })
    out.print(f"Added incident {code}.")


@incident_app.command("list")
def incident_list(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(help="Show at most this many; 0 for all.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines.")] = False,
) -> None:
    """List incidents with their grade and reported civilian deaths."""
    open_database(ctx)
    from civharm.services.records import incident_lines

    lines = incident_lines(limit or None)
    rows = [
        {"code": i.code, "date": i.date, "place": i.place, "place_ar": i.place_ar,
         "grade": i.grade, "civilians_killed": str(i.civilians_killed or ""),
         "claims": i.claims, "victims": i.victims}
        for i in lines
    ]
    if as_json:
        for row in rows:
            out.print(json.dumps(row, ensure_ascii=False), markup=False)
        return
    simulated_banner()
    print_table(rows, ["code", "date", "place", "place_ar", "grade", "civilians_killed",
                       "claims", "victims"], "Incidents")


@incident_app.command("show")
def incident_show(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="Incident code.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Everything recorded on one incident: claims, victims, verdicts and grade history."""
    open_database(ctx)
    from civharm.services.records import incident_detail

    detail = incident_detail(code)
    if as_json:
        out.print(json.dumps(detail, ensure_ascii=False, indent=1), markup=False)
        return
    simulated_banner()
    incident = detail["incident"]
    out.print(f"[bold]{incident['code']}[/]  {incident['date']}  {incident['place']}"
              + (f"  {incident['place_ar']}" if incident["place_ar"] else ""))
    if incident["previous_codes"]:
        out.print(f"  previous codes: {incident['previous_codes']}", markup=False)
    for field in ("neighbourhood", "strike_type", "geo_precision", "summary"):
        if incident[field]:
            out.print(f"  {field.replace('_', ' ')}: {incident[field]}", markup=False)
    if incident["latitude"] != "":
        out.print(f"  coordinates: {incident['latitude']}, {incident['longitude']}")
    killed = detail["civilians_killed"]
    if killed:
        out.print(f"  civilians killed (across sources): {killed['min']}–{killed['max']}")
    history = detail["assessments"]
    if history:
        now = history[0]
        out.print(f"  grade: [bold]{now['grade']}[/] — {now['definition']}")
        out.print(f"    reason: {now['reason']} ({now['assessed_by']}, {now['assessed_at']})",
                  markup=False)
        for past in history[1:]:
            out.print(f"    earlier: {past['grade']} — {past['reason']} ({past['assessed_by']}, "
                      f"{past['assessed_at']})", markup=False)
    else:
        out.print("  grade: not yet graded")
    suggestion = detail["suggestion"]
    if suggestion:
        status = f", strike status {suggestion['strike_status']}" if suggestion["strike_status"] else ""
        out.print(f"  suggested: {suggestion['grade']}{status} — {suggestion['reason']}", markup=False)
    print_table(detail["strike_matches"], ["date", "place", "belligerent", "strikes", "distance_m",
                                           "day_offset", "fifty_metre_rule"], "Declared strikes matched")
    print_table(detail["claims"], ["source", "killed_civilians_min", "killed_civilians_max",
                                   "injured_civilians_min", "injured_civilians_max",
                                   "belligerent_blamed"], "Claims")
    print_table(detail["verdicts"], ["belligerent", "involvement", "assessment",
                                     "deaths_conceded_min", "deaths_conceded_max"], "Verdicts")
    print_table(detail["report_entries"], ["report", "number", "status", "killed", "basis"],
                "Belligerent's report entries linked here")
    print_table(detail["victims"], ["victim_id", "name", "name_ar", "sex", "age", "fate"],
                "Victims")
    for pair in detail["duplicate_suggestions"]:
        out.print(f"  possibly the same event as {pair['incident']} (score {pair['score']}): "
                  f"{'; '.join(pair['reasons'])} — merge with `civharm incident merge`, or "
                  "`civharm incident not-duplicate`", markup=False)
    out.print(f"{detail['witnesses']} witness record(s) (identities are not shown here).")


@incident_app.command("grade")
def incident_grade(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="Incident code.")],
    grade: Annotated[str, _opt("--grade", help="confirmed, fair, weak, contested or discounted.")],
    reason: Annotated[str, _opt("--reason", help="Why; required.")],
    strike_status: Annotated[str, _opt("--strike-status")] = "",
    by: Annotated[str, typer.Option("--by", help="Who is grading.")] = "",
) -> None:
    """Grade an incident. Earlier grades are kept as its history."""
    open_database(ctx)
    import getpass

    from civharm.services.assessments import grade_incident

    assessment = grade_incident(code, grade, reason, strike_status, by or getpass.getuser())
    out.print(f"{code} graded {assessment.grade}.")


@claim_app.command("add")
def claim_add(
    ctx: typer.Context,
    incident: Annotated[str, _opt("--incident", help="Incident code.")],
    source: Annotated[str, _opt("--source", help="Source key.")],
    killed_min: Annotated[str, _opt("--killed-min", help="Civilians killed, minimum.")] = "",
    killed_max: Annotated[str, _opt("--killed-max", help="Civilians killed, maximum.")] = "",
    injured_min: Annotated[str, _opt("--injured-min", help="Civilians injured, minimum.")] = "",
    injured_max: Annotated[str, _opt("--injured-max", help="Civilians injured, maximum.")] = "",
    children_killed_min: Annotated[str, _opt("--children-killed-min")] = "",
    children_killed_max: Annotated[str, _opt("--children-killed-max")] = "",
    women_killed_min: Annotated[str, _opt("--women-killed-min")] = "",
    women_killed_max: Annotated[str, _opt("--women-killed-max")] = "",
    belligerent_blamed: Annotated[str, _opt("--blames", help="Belligerent the source blames.")] = "",
) -> None:
    """Add what one source says about one incident. Use 'import' for every category."""
    _add(ctx, "claims", {
        "incident": incident, "source": source,
        "killed_civilians_min": killed_min, "killed_civilians_max": killed_max,
        "injured_civilians_min": injured_min, "injured_civilians_max": injured_max,
        "killed_children_min": children_killed_min, "killed_children_max": children_killed_max,
        "killed_women_min": women_killed_min, "killed_women_max": women_killed_max,
        "belligerent_blamed": belligerent_blamed,
    })
    out.print(f"Added the claim of {source} on {incident}.")


@claim_app.command("list")
def claim_list(
    ctx: typer.Context,
    incident: Annotated[str, _opt("--incident", help="Only this incident.")] = "",
) -> None:
    """List claims."""
    open_database(ctx)
    from civharm.services.records import claim_lines

    simulated_banner()
    print_table(claim_lines(incident or None),
                ["incident", "source", "killed_civilians_min", "killed_civilians_max",
                 "injured_civilians_min", "injured_civilians_max", "belligerent_blamed"],
                "Claims")


@source_app.command("add")
def source_add(
    ctx: typer.Context,
    key: Annotated[str, _opt("--id", help="Your key for the source.")],
    kind: Annotated[str, _opt("--kind", help="witness_interview, media_report, ngo_report, …")],
    title: Annotated[str, _opt("--title")] = "",
    publisher: Annotated[str, _opt("--publisher")] = "",
    published: Annotated[str, _opt("--published", help="YYYY-MM-DD.")] = "",
    language: Annotated[str, _opt("--language", help="ar, en, …")] = "",
    url: Annotated[str, _opt("--url")] = "",
) -> None:
    """Add one source."""
    _add(ctx, "sources", {"source_id": key, "kind": kind, "title": title,
                          "publisher": publisher, "published": published,
                          "language": language, "url": url})
    out.print(f"Added source {key}.")


@source_app.command("list")
def source_list(ctx: typer.Context) -> None:
    """List sources."""
    open_database(ctx)
    from civharm.services.records import source_lines

    simulated_banner()
    print_table(source_lines(), ["source_id", "kind", "title", "publisher", "published",
                                 "language", "public"], "Sources")


@victim_app.command("add")
def victim_add(
    ctx: typer.Context,
    key: Annotated[str, _opt("--id", help="Your key for this victim record.")],
    incident: Annotated[str, _opt("--incident", help="Incident code.")],
    name: Annotated[str, _opt("--name", help="Name in Latin script.")] = "",
    name_ar: Annotated[str, _opt("--name-ar", help="Name in Arabic script.")] = "",
    sex: Annotated[str, _opt("--sex", help="female, male or unknown.")] = "",
    age: Annotated[str, _opt("--age")] = "",
    fate: Annotated[str, _opt("--fate", help="killed, injured or missing.")] = "",
    relation: Annotated[str, _opt("--relation", help="e.g. 'son of V0001'.")] = "",
    sources: Annotated[str, _opt("--sources", help="Source keys, ';' between them.")] = "",
) -> None:
    """Add one victim."""
    _add(ctx, "victims", {"victim_id": key, "incident": incident, "name": name,
                          "name_ar": name_ar, "sex": sex, "age": age, "fate": fate,
                          "relation": relation, "sources": sources})
    out.print(f"Added victim {key}.")


@victim_app.command("list")
def victim_list(
    ctx: typer.Context,
    incident: Annotated[str, _opt("--incident", help="Only this incident.")] = "",
    limit: Annotated[int, typer.Option(help="Show at most this many; 0 for all.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="A JSON array.")] = False,
) -> None:
    """List victims, Arabic and Latin names side by side, with the person each record names
    once victims are linked."""
    open_database(ctx)
    from civharm.services.records import victim_lines

    rows = victim_lines(incident or None, limit or None)
    if as_json:
        import json

        out.print(json.dumps(rows, ensure_ascii=False), markup=False)
        return
    simulated_banner()
    print_table(rows, ["victim_id", "incident", "name", "name_ar", "sex", "age", "fate",
                       "date_of_death", "sources", "person"], "Victims")


@incident_app.command("merge")
def incident_merge(
    ctx: typer.Context,
    keep: Annotated[str, typer.Argument(help="The incident that stays.")],
    merged: Annotated[str, typer.Argument(help="The incident merged into it; its code becomes "
                                          "one of KEEP's previous codes.")],
) -> None:
    """Merge two records of one event: claims, victims, witnesses, verdicts, grade history
    and report entries move to KEEP. Refused when something would be lost."""
    open_database(ctx)
    from civharm.services.duplicates import merge_incidents

    kept = merge_incidents(keep, merged)
    out.print(f"{merged} merged into {kept.code} (previous codes: {', '.join(kept.previous_codes)}). "
              "Run `civharm match strikes` to refresh its matches and suggestion.", markup=False)


@incident_app.command("not-duplicate")
def incident_not_duplicate(
    ctx: typer.Context,
    first: Annotated[str, typer.Argument(help="Incident code.")],
    second: Annotated[str, typer.Argument(help="Incident code.")],
) -> None:
    """Record that two incidents are separate events, so they are not suggested again."""
    open_database(ctx)
    from civharm.services.duplicates import dismiss_duplicate

    dismiss_duplicate(first, second)
    out.print(f"{first} and {second} are recorded as separate events.")
