"""A setting, command or format that is not documented is a bug."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from civharm.config import SETTINGS, Settings

ROOT = Path(__file__).resolve().parent.parent


def test_every_setting_is_documented_with_its_default() -> None:
    text = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    for setting in SETTINGS:
        row = next((line for line in text.splitlines() if f"`{setting.env}`" in line), None)
        assert row is not None, f"{setting.env} is not in docs/configuration.md"
        if setting.default:
            assert f"`{setting.default}`" in row, f"{setting.env}: default not documented"


def test_settings_read_from_the_environment() -> None:
    settings = Settings.from_env({"CIVHARM_DATABASE_URL": "x.db", "CIVHARM_DEBUG": "yes",
                                  "CIVHARM_ALLOWED_HOSTS": "a.org, b.org"})
    assert settings.database_url == "x.db"
    assert settings.debug is True
    assert settings.allowed_hosts == ("a.org", "b.org")
    assert Settings.from_env({}).database_url == "civharm.db"


def test_cli_reference_is_current() -> None:
    generated = subprocess.run([sys.executable, str(ROOT / "scripts" / "cli_reference.py")],
                               capture_output=True, text=True, check=True).stdout
    assert (ROOT / "docs" / "cli.md").read_text(encoding="utf-8") == generated, \
        "docs/cli.md is out of date: run 'make docs'"


def test_readme_names_every_top_level_command() -> None:
    import typer

    from civharm.cli.main import app

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make demo" in readme and "make test" in readme
    for name in typer.main.get_command(app).commands:  # type: ignore[attr-defined]
        assert f"civharm {name}" in readme, f"README does not show 'civharm {name}'"
