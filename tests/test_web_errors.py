"""The web app's error pages: plain words, an error id for a failure, and never a stack
trace, SQL or data; the details go to CIVHARM_LOG_FILE under the same id."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client


def test_a_failing_page_shows_an_error_id_and_keeps_the_details_for_the_administrator(
    example_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db import connection

    log = tmp_path / "failures.log"
    monkeypatch.setenv("CIVHARM_LOG_FILE", str(log))
    client = Client(raise_request_exception=False)
    assert client.get("/incidents").status_code == 200
    # Break the database behind the app's back: the next page fails unexpectedly.
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE civharm_incident RENAME TO civharm_incident_gone")
    for language in ("en", "ar"):
        failed = client.get(f"/incidents?lang={language}")
        assert failed.status_code == 500
        page = failed.content.decode("utf-8")
        found = re.search(r"E-[0-9A-F]{8}", page)
        assert found is not None, page
        for leak in ("Traceback", "civharm_incident", "SELECT", "relation", "no such table",
                     "File \""):
            assert leak not in page, leak
        assert found.group(0) in log.read_text(encoding="utf-8")
    assert "Traceback" in log.read_text(encoding="utf-8")
    assert log.stat().st_mode & 0o077 == 0


def test_unknown_pages_and_refusals_are_plain(example_database: str) -> None:
    client = Client(enforce_csrf_checks=True)
    missing = client.get("/no-such-page")
    assert missing.status_code == 404
    assert "Traceback" not in missing.content.decode("utf-8")
    refused = client.post("/workspace/login", {"username": "x", "password": "y"})
    # No CSRF token from a form: refused in plain words, nothing else.
    assert refused.status_code == 403
    page = refused.content.decode("utf-8")
    assert "Traceback" not in page and "CSRF verification failed" not in page
