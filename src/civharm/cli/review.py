"""``civharm review``: decide the victim-record pairs the linkage was unsure of."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from civharm.cli.context import open_database, out, simulated_banner

review_app = typer.Typer(help="Review uncertain victim matches: are two records one person?",
                         no_args_is_help=True)

By = Annotated[str, typer.Option("--by", help="Who decides (default: the system user).")]
Reason = Annotated[str, typer.Option("--reason", help="Why, for the record.")]
Record = Annotated[str, typer.Argument(help="Victim record id.", show_default=False)]


@review_app.command("next")
def next_pair(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object.")] = False,
) -> None:
    """Show the next pair waiting for review: both records, the probability, and how each
    comparison scored."""
    open_database(ctx)
    from civharm.services.linkage import next_review

    pair = next_review()
    if as_json:
        out.print(json.dumps(pair, ensure_ascii=False), markup=False)
        return
    simulated_banner()
    if pair is None:
        out.print("No pair is waiting for review.")
        return
    out.print(f"{pair['waiting']:,} pair(s) waiting. Are these one person? "
              f"(match probability {float(pair['probability']):.2f})")  # type: ignore[arg-type]
    for side in ("first", "second"):
        record = pair[side]
        assert isinstance(record, dict)
        names = " / ".join(str(n) for n in (record["name"], record["name_ar"]) if n)
        out.print(f"  {record['victim_id']}: {names}; {record['sex']}, age {record['age'] or '?'}, "
                  f"died {record['date_of_death'] or '?'}; incident {record['incident']}, "
                  f"list {record['list']}", markup=False)
    out.print("Why it scored so:")
    explanation = pair["explanation"]
    assert isinstance(explanation, list)
    for outcome in sorted(explanation, key=lambda o: -abs(float(o["bayes_factor"] or 1) - 1)):
        out.print(f"  {outcome['comparison']}: {outcome['level']} "
                  f"(Bayes factor {float(outcome['bayes_factor']):.3g})", markup=False)
    first, second = pair["first"], pair["second"]
    assert isinstance(first, dict) and isinstance(second, dict)
    out.print(f"Decide with: civharm review accept {first['victim_id']} {second['victim_id']}  "
              f"(or reject)", markup=False)


def _decide(ctx: typer.Context, first: str, second: str, same: bool, by: str, reason: str) -> None:
    open_database(ctx)
    import getpass

    from civharm.services.linkage import decide

    out.print(decide(first, second, same, by or getpass.getuser(), reason) + ".", markup=False)


@review_app.command("accept")
def accept(ctx: typer.Context, first: Record, second: Record, by: By = "", reason: Reason = "") -> None:
    """The two records name one person. Kept, with who and when; later runs obey it."""
    _decide(ctx, first, second, True, by, reason)


@review_app.command("reject")
def reject(ctx: typer.Context, first: Record, second: Record, by: By = "", reason: Reason = "") -> None:
    """The two records name different people. Kept, with who and when; later runs obey it."""
    _decide(ctx, first, second, False, by, reason)
