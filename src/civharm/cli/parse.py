"""``civharm parse``: read the belligerent's own documents into JSON lines."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from civharm.cli.context import err, open_database, out, read_utf8

if TYPE_CHECKING:
    from civharm.analysis.gazetteer import Gazetteer
    from civharm.services.verdicts import VerdictReport

parse_app = typer.Typer(
    help="Read the belligerent's strike releases and civilian-casualty reports.",
    no_args_is_help=True,
)

Files = Annotated[list[Path], typer.Argument(help="Text files.", show_default=False)]


def _day(text: str | None) -> date | None:
    if not text:
        return None
    from civharm.domain.dates import parse_day
    from civharm.services.errors import UserError

    try:
        return parse_day(text)
    except ValueError as error:
        raise UserError(f"--date: {error}") from None


def gazetteer() -> Gazetteer:
    """The shipped places and the user's own (CIVHARM_GAZETTEER_FILE)."""
    from civharm.analysis.gazetteer import load_gazetteer
    from civharm.config import Settings
    from civharm.services.errors import UserError

    extra = Settings.from_env().gazetteer_file
    try:
        return load_gazetteer(extra)
    except (OSError, ValueError) as error:
        raise UserError(f"gazetteer {extra}: {error}") from None


@parse_app.command("strike-release")
def strike_release(
    ctx: typer.Context,
    files: Files,
    release_date: Annotated[str | None, typer.Option(
        "--date", help="The release's date, YYYY-MM-DD. Default: the date in the text or the "
        "file name.")] = None,
    store: Annotated[bool, typer.Option("--import", help="Store the lines as declared strikes.")] = False,
    belligerent: Annotated[str, typer.Option(help="Whose release it is.")] = "US-led Coalition",
) -> None:
    """One JSON object per place line: date, country, place, place_id, strikes, engagements,
    tactical_units and destroyed. Lines that cannot be read are listed on standard error."""
    from civharm.analysis.strike_releases import date_from_name, parse_strike_release

    when = _day(release_date)
    places = gazetteer()
    parsed = [
        (path, parse_strike_release(read_utf8(path), release_date=when or date_from_name(path.name),
                                    resolve_place=places.place_id))
        for path in files
    ]
    for path, release in parsed:
        for line in release.lines:
            out.print(json.dumps(line.as_json(), ensure_ascii=False), markup=False)
        for problem in release.problems:
            err.print(f"{path.name}, {problem}", markup=False)
    if store:
        open_database(ctx)
        from civharm.services.releases import import_strike_lines

        report = import_strike_lines(parsed, belligerent)
        counts = report.counts.get("declared_strikes", {"created": 0, "updated": 0})
        err.print(f"stored {counts['created']} new declared strike(s); "
                  f"{counts.get('unchanged', 0)} already known")


@parse_app.command("civcas-report")
def civcas_report(
    ctx: typer.Context,
    files: Files,
    store: Annotated[bool, typer.Option(
        "--import", help="Store every entry and link its verdict to an incident.")] = False,
    belligerent: Annotated[str, typer.Option(help="Whose report it is.")] = "US-led Coalition",
) -> None:
    """A summary object, then one object per numbered allegation with its status, reason,
    deaths and injuries conceded, MGRS grid and cited code. With --import, each entry is
    linked to an incident by cited code, else by date and MGRS square or place."""
    from civharm.analysis.civcas_reports import parse_civcas_report

    parsed = [(path, parse_civcas_report(read_utf8(path))) for path in files]
    for path, report in parsed:
        out.print(json.dumps(report.summary_json(), ensure_ascii=False), markup=False)
        for allegation in report.allegations:
            out.print(json.dumps(allegation.as_json(), ensure_ascii=False), markup=False)
        for line, reason, body in report.problems:
            err.print(f"{path.name}, line {line}: {reason}: {body[:80]!r}", markup=False)
    if store:
        places = gazetteer()
        open_database(ctx)
        from civharm.services.verdicts import import_civcas_reports

        result = import_civcas_reports(parsed, belligerent, places)
        err.print(verdict_summary(result), markup=False)
        for entry in result.unlinked[:10]:
            err.print(f"  not linked: {entry.report} #{entry.number} ({entry.date}, {entry.place}): "
                      f"{entry.link_basis}" + (f" — candidates {', '.join(entry.candidates[:5])}"
                                               if entry.candidates else ""), markup=False)
        if len(result.unlinked) > 10:
            err.print(f"  … and {len(result.unlinked) - 10} more; "
                      "`civharm match verdicts --unlinked` lists them all", markup=False)


def verdict_summary(result: VerdictReport) -> str:
    bases = ", ".join(f"{count:,} by {basis}" for basis, count in sorted(result.by_basis.items()))
    return (f"{result.entries:,} report entries stored ({result.new_entries:,} new); "
            f"{result.linked:,} linked to incidents" + (f" ({bases})" if bases else "")
            + f", {len(result.unlinked):,} not linked; {result.verdicts_set:,} verdicts set")
