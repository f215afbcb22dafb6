"""Print the CLI reference (docs/cli.md) from the command definitions themselves."""

from __future__ import annotations

import sys
from typing import Any

import typer

from civharm.cli.main import app

HEADER = """# Command-line reference

Generated from the code by `make docs`; a test fails when it falls out of date.
Every command takes the global option `--db` (a SQLite path or a `postgresql://` URL;
default `$CIVHARM_DATABASE_URL`, else `./civharm.db`), placed before the command:
`civharm --db raqqa.db stats`.
"""


def _walk(command: Any, path: list[str], lines: list[str]) -> None:
    name = " ".join(path)
    help_text = (command.help or "").strip()
    if path[1:]:
        lines.append(f"## `{name}`\n")
        if help_text:
            lines.append(help_text + "\n")
        params = [p for p in command.params if p.name not in ("help",)]
        if params:
            lines.append("| option | meaning |\n|---|---|")
            for param in params:
                if param.param_type_name == "argument":
                    flag = f"`{param.metavar or param.name.upper()}`"
                else:
                    flag = ", ".join(f"`{o}`" for o in param.opts)
                meaning = (param.help or "").replace("|", "\\|")
                if param.required:
                    meaning += " Required."
                if getattr(param, "default", None) not in (None, "", False, 0, ()):
                    meaning += f" Default: `{param.default}`."
                lines.append(f"| {flag} | {meaning.strip()} |")
            lines.append("")
    subcommands = getattr(command, "commands", {})
    for sub_name in subcommands:
        _walk(subcommands[sub_name], [*path, sub_name], lines)


def reference() -> str:
    command = typer.main.get_command(app)
    lines = [HEADER]
    _walk(command, ["civharm"], lines)
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":
    sys.stdout.write(reference())
