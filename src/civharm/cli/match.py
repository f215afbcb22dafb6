"""``civharm match``: set incidents against the belligerent's own records."""

from __future__ import annotations

from typing import Annotated

import typer

from civharm.cli.context import open_database, out, simulated_banner

match_app = typer.Typer(help="Match incidents to the belligerent's declared strikes and verdicts, "
                        "and find incidents that are probably one event.",
                        no_args_is_help=True)


@match_app.command("strikes")
def strikes(
    ctx: typer.Context,
    days_before: Annotated[int, typer.Option(help="Days before an incident a strike may fall.")] = 1,
    days_after: Annotated[int, typer.Option(help="Days after an incident a strike may fall.")] = 0,
) -> None:
    """Find each incident's declared strikes (same belligerent, day window, within the larger
    location uncertainty; 50 m rule) and suggest a grade and strike status for each incident.
    Analysts' grades are never changed."""
    from civharm.cli.parse import gazetteer

    places = gazetteer()
    open_database(ctx)
    from civharm.services.matching import match_and_suggest

    if days_before < 0 or days_after < 0:
        from civharm.services.errors import UserError

        raise UserError("--days-before and --days-after must be zero or more")
    from civharm.cli.parse import verdict_summary
    from civharm.services.verdicts import link_stored_verdicts

    verdicts = link_stored_verdicts(places)
    report = match_and_suggest(places, days_before, days_after)
    simulated_banner()
    if verdicts.entries:
        out.print(f"Verdicts: {verdict_summary(verdicts)}.")
    out.print(f"{report.matched_incidents:,} of {report.incidents:,} incidents matched "
              f"{report.matches:,} declared strike line(s).")
    out.print(f"Placed {report.placed_incidents:,} incidents and {report.placed_strikes:,} of "
              f"{report.strikes:,} strike lines (lines whose place the gazetteer does not know "
              "cannot be matched).")
    out.print("Suggested grades: " + ", ".join(
        f"{grade} {count:,}" for grade, count in sorted(report.suggestions.items())))


@match_app.command("verdicts")
def verdicts(
    ctx: typer.Context,
    unlinked: Annotated[bool, typer.Option("--unlinked", help="List every entry not linked.")] = False,
    days: Annotated[int, typer.Option(help="Days either side of an incident a verdict's date may "
                                      "fall.")] = 1,
) -> None:
    """Link every stored civilian-casualty report entry to an incident again (by cited code,
    else by date and MGRS square or place), and set the linked incidents' verdicts.
    Run it after adding or merging incidents; `match strikes` runs it too."""
    from civharm.cli.parse import gazetteer, verdict_summary

    places = gazetteer()
    open_database(ctx)
    if days < 0:
        from civharm.services.errors import UserError

        raise UserError("--days must be zero or more")
    from civharm.services.verdicts import link_stored_verdicts

    report = link_stored_verdicts(places, days_tolerance=days)
    simulated_banner()
    out.print(verdict_summary(report) + ".")
    shown = report.unlinked if unlinked else []
    for entry in shown:
        candidates = f"; candidates {', '.join(entry.candidates)}" if entry.candidates else ""
        out.print(f"{entry.report} #{entry.number} line {entry.line}: {entry.date or 'no date'}, "
                  f"{entry.place or 'no place'}, {entry.status}: {entry.link_basis}{candidates}",
                  markup=False)


@match_app.command("incidents")
def incidents(
    ctx: typer.Context,
    days: Annotated[int, typer.Option(help="Days apart two incidents' dates may be.")] = 1,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per pair.")] = False,
) -> None:
    """Suggest pairs of incidents that are probably one event: near in time and place, and
    sharing a victim, a specific source, or a spot within 100 m. Pairs a reviewer marked
    as separate (`incident not-duplicate`) are not suggested again."""
    open_database(ctx)
    from civharm.services.duplicates import open_suggestions, suggest_duplicate_incidents

    report = suggest_duplicate_incidents(days)
    pairs = open_suggestions()
    if as_json:
        import json

        for pair in pairs:
            out.print(json.dumps(pair, ensure_ascii=False), markup=False)
        return
    simulated_banner()
    out.print(f"{report.suggested:,} pair(s) of {report.incidents:,} incidents are probably one "
              f"event ({report.dismissed:,} marked separate by a reviewer).", markup=False)
    for pair in pairs:
        out.print(f"  {pair['first']} ~ {pair['second']}  score {pair['score']}: "
                  f"{'; '.join(pair['reasons'])}", markup=False)
    if pairs:
        out.print("Merge with `civharm incident merge KEEP MERGED`, or record separate events with "
                  "`civharm incident not-duplicate A B`.", markup=False)
