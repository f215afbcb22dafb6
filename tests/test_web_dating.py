"""Building-dating tasks in the database and in the browser: tasks made from an image
manifest (images in the evidence store, all or nothing), answers imported, and a volunteer
dating buildings in the web app while seeing nothing else of the workspace."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from django.test import Client

from civharm.analysis import volunteer_dating as vd
from civharm.services import accounts, audit
from civharm.services.dating_tasks import (
    create_tasks,
    import_answers,
    next_task,
    record_answer,
    stored_answers,
    task_summary,
)
from civharm.services.errors import ImportRejected, UserError
from civharm.simulation.png import encode_png
from civharm.store import models

PASSWORD = "tangerine-orbit-cascade-41"
LOGIN = "/workspace/login"
DAYS = ("2017-06-01", "2017-06-15", "2017-06-29", "2017-07-13")


def _png(shade: int) -> bytes:
    return encode_png(np.full((8, 8, 3), shade, dtype=np.uint8))


@pytest.fixture
def imagery(tmp_path: Path) -> Path:
    """A manifest of three tasks (K2 gold), four images each; two image files are shared."""
    folder = tmp_path / "upload"
    (folder / "imagery").mkdir(parents=True)
    for name, shade in (("standing", 200), ("destroyed", 60), ("cloud", 250)):
        (folder / "imagery" / f"{name}.png").write_bytes(_png(shade))
    rows = ["task,building,taken_on,image"]
    for task, building, destroyed_after in (("K1", "S1", 1), ("K2", "S2", 2), ("K3", "S3", 0)):
        for index, day in enumerate(DAYS):
            picture = "standing" if index <= destroyed_after else "destroyed"
            if task == "K3" and index == 3:
                picture = "cloud"
            rows.append(f"{task},{building},{day},imagery/{picture}.png")
    (folder / "imagery.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (folder / "gold.csv").write_text("task,building,before,after\nK2,S2,2017-06-29,2017-07-13\n",
                                     encoding="utf-8")
    return folder


@pytest.fixture
def tasks(in_process_database: str, imagery: Path, monkeypatch: pytest.MonkeyPatch,
          tmp_path: Path) -> Iterator[Path]:
    monkeypatch.setenv("CIVHARM_EVIDENCE_DIR", str(tmp_path / "evidence"))
    monkeypatch.delenv("CIVHARM_SECRET_KEY_FILE", raising=False)
    create_tasks(imagery / "imagery.csv", gold=imagery / "gold.csv", actor="cli:test")
    yield imagery


def test_tasks_are_made_with_their_images_in_the_evidence_store(tasks: Path,
                                                                 tmp_path: Path) -> None:
    assert list(models.DatingTask.objects.values_list("code", "site")) == [
        ("K1", "S1"), ("K2", "S2"), ("K3", "S3")]
    k2 = models.DatingTask.objects.get(code="K2")
    assert (k2.gold_before, k2.gold_after) == (date(2017, 6, 29), date(2017, 7, 13))
    assert not models.DatingTask.objects.get(code="K1").gold
    assert models.DatingImage.objects.count() == 12
    standing = hashlib.sha256((tasks / "imagery" / "standing.png").read_bytes()).hexdigest()
    stored = tmp_path / "evidence" / standing[:2] / standing[2:4] / standing
    assert stored.read_bytes() == (tasks / "imagery" / "standing.png").read_bytes()
    assert models.EvidenceFile.objects.count() == 3  # shared images stored once
    made = list(audit.lines(action="import.dating_tasks"))
    assert len(made) == 1 and made[0].details["tasks"] == 3 and made[0].details["gold"] == 1
    # The same manifest again changes nothing and writes no entry.
    again = create_tasks(tasks / "imagery.csv", gold=tasks / "gold.csv")
    assert (again.created, again.unchanged) == (0, 3)
    assert len(list(audit.lines(action="import.dating_tasks"))) == 1


def test_a_manifest_with_any_problem_creates_nothing(in_process_database: str, imagery: Path,
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    tmp_path: Path) -> None:
    monkeypatch.setenv("CIVHARM_EVIDENCE_DIR", str(tmp_path / "evidence"))
    manifest = imagery / "imagery.csv"
    text = manifest.read_text(encoding="utf-8")
    (imagery / "imagery" / "page.png").write_text("<svg onload=alert(1)>", encoding="utf-8")
    cases = {
        "missing.png": "no such file",
        "page.png": "not a PNG or JPEG",
    }
    for name, words in cases.items():
        manifest.write_text(text.replace("imagery/cloud.png", f"imagery/{name}"),
                            encoding="utf-8")
        with pytest.raises(ImportRejected) as raised:
            create_tasks(manifest, gold=imagery / "gold.csv")
        assert any(words in p.reason for p in raised.value.problems), raised.value.problems
    manifest.write_text(text, encoding="utf-8")
    (imagery / "bad-gold.csv").write_text(
        "task,building,before,after\nK9,S9,2017-06-01,2017-06-15\n"
        "K1,S1,2017-06-01,2017-06-29\n", encoding="utf-8")
    with pytest.raises(ImportRejected) as raised:
        create_tasks(manifest, gold=imagery / "bad-gold.csv")
    reasons = " ".join(p.reason for p in raised.value.problems)
    assert "manifest lacks" in reasons and "consecutive" in reasons
    with pytest.raises(UserError):
        create_tasks(manifest, answers_wanted=0)
    assert not models.DatingTask.objects.exists()
    assert not models.EvidenceFile.objects.exists()
    assert not list(audit.lines(action="import.dating_tasks"))


def test_a_task_never_changes(tasks: Path) -> None:
    manifest = tasks / "imagery.csv"
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(text.replace("K1,S1,2017-07-13", "K1,S1,2017-07-14"), encoding="utf-8")
    with pytest.raises(ImportRejected) as raised:
        create_tasks(manifest)
    assert "never changes" in raised.value.problems[0].reason
    # Other bytes under the same dates are other images too.
    manifest.write_text(text, encoding="utf-8")
    (tasks / "imagery" / "cloud.png").write_bytes(_png(240))
    with pytest.raises(ImportRejected) as raised:
        create_tasks(manifest)
    assert [p.reason for p in raised.value.problems if "K3" in p.reason]
    assert not [p for p in raised.value.problems if "'K1'" in p.reason]


def _answers_file(folder: Path, *rows: str) -> Path:
    path = folder / "answers.csv"
    shown = ";".join(DAYS)
    body = "".join(f"{task},{volunteer},{building},{shown},{before},{after},no\n"
                   for task, volunteer, building, before, after in
                   (row.split(",") for row in rows))
    path.write_text("task,volunteer,building,dates_shown,answer_before,answer_after,gold\n"
                    + body, encoding="utf-8")
    return path


def test_answers_are_imported_once_and_conflicts_refused(tasks: Path) -> None:
    path = _answers_file(tasks, "K1,v1,S1,2017-06-15,2017-06-29",
                         "K1,v2,S1,2017-06-15,2017-06-29", "K2,v1,S2,2017-06-29,2017-07-13")
    report = import_answers(path)
    assert (report.created, report.unchanged) == (3, 0)
    assert import_answers(path).created == 0
    conflict = _answers_file(tasks, "K1,v1,S1,2017-06-01,2017-06-15")
    with pytest.raises(ImportRejected, match="nothing was imported"):
        import_answers(conflict)
    unknown = _answers_file(tasks, "K7,v1,S1,2017-06-01,2017-06-15")
    with pytest.raises(ImportRejected) as raised:
        import_answers(unknown)
    assert "create it first" in raised.value.problems[0].reason
    wrong_building = _answers_file(tasks, "K3,v1,S1,2017-06-01,2017-06-15")
    with pytest.raises(ImportRejected):
        import_answers(wrong_building)
    assert models.DatingAnswer.objects.count() == 3
    answers, gold = stored_answers()
    first = answers[0]
    assert (first.task, first.volunteer, first.gap) == (
        "K1", "v1", (date(2017, 6, 15), date(2017, 6, 29)))
    assert set(gold) == {"K2"} and answers[-1].gold
    windows = {w.building: w for w in vd.aggregate(answers, gold).windows}
    assert (windows["S1"].before, windows["S1"].after) == (date(2017, 6, 15), date(2017, 6, 29))


def test_next_task_and_answers_in_the_service(tasks: Path) -> None:
    assert next_task("user:v") == "K2"  # gold first
    record_answer("K2", "user:v", 2, "user:v")
    assert next_task("user:v") == "K1"
    assert next_task("user:v", skipped=["K1"]) == "K3"
    with pytest.raises(UserError, match="already"):
        record_answer("K2", "user:v", 1, "user:v")
    with pytest.raises(UserError):
        record_answer("K1", "user:v", 3, "user:v")  # four images: gaps 0 to 2
    summary = task_summary()
    assert (summary.tasks, summary.gold, summary.answers, summary.web_answers) == (3, 1, 1, 1)


# -- in the browser ---------------------------------------------------------------------------

@pytest.fixture
def volunteers(tasks: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    from django.contrib.auth.hashers import Argon2PasswordHasher

    monkeypatch.setattr(Argon2PasswordHasher, "memory_cost", 1024)
    monkeypatch.setattr(Argon2PasswordHasher, "time_cost", 1)
    monkeypatch.setattr(Argon2PasswordHasher, "parallelism", 1)
    for name, role in (("vol1", "volunteer"), ("viewer1", "viewer"), ("admin1", "admin")):
        accounts.add_user(name, role, PASSWORD)
    return tasks


def _sign_in(username: str) -> tuple[Client, str]:
    client = Client()
    response = client.post(LOGIN, {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client, response["Location"]


def _task_of(client: Client) -> tuple[str, bytes]:
    response = client.get("/workspace/dating/")
    assert response.status_code == 302
    code = response["Location"].rsplit("/", 1)[1]
    page = client.get(response["Location"])
    assert page.status_code == 200
    return code, page.content


def test_a_volunteer_dates_buildings_in_the_browser(volunteers: Path) -> None:
    client, landing = _sign_in("vol1")
    home = client.get(landing)
    assert home.status_code == 302 and home["Location"].endswith("/workspace/dating/")
    code, page = _task_of(client)
    assert code == "K2"  # the gold task comes first, and the page does not say so
    assert b"gold" not in page.lower()
    images = re.findall(rb'src="(/workspace/dating/K2/image/\d+)"', page)
    assert len(images) == 4
    gaps = re.findall(rb'name="gap" value="(\d+)"', page)
    assert gaps == [b"0", b"1", b"2"]
    picture = client.get(images[3].decode())
    assert picture.status_code == 200 and picture["Content-Type"] == "image/png"
    assert b"".join(picture.streaming_content) == (volunteers / "imagery" /
                                                   "destroyed.png").read_bytes()
    assert picture["X-Content-Type-Options"] == "nosniff"
    assert client.get("/workspace/dating/K2/image/4").status_code == 404
    # No choice: the page comes back with a message, nothing kept.
    refused = client.post("/workspace/dating/K2", {})
    assert refused.status_code == 400 and b'role="alert"' in refused.content
    assert not models.DatingAnswer.objects.exists()
    saved = client.post("/workspace/dating/K2", {"gap": "2"})
    assert saved.status_code == 302
    answer = models.DatingAnswer.objects.get()
    assert (answer.volunteer, answer.before, answer.after, answer.origin) == (
        "user:vol1", date(2017, 6, 29), date(2017, 7, 13), "web")
    (entry,) = audit.lines(action="damage.dating_answer")
    assert (entry.actor, entry.target) == ("user:vol1", "dating-task:K2")
    again = client.post("/workspace/dating/K2", {"gap": "1"})
    assert again.status_code == 400 and b"already" in again.content
    # Skip one, answer the other, then nothing is waiting.
    code, _ = _task_of(client)
    assert code == "K1"
    assert client.post("/workspace/dating/K1", {"skip": "1"}).status_code == 302
    code, _ = _task_of(client)
    assert code == "K3"
    client.post("/workspace/dating/K3", {"gap": "0"})
    done = client.get("/workspace/dating/")
    assert done.status_code == 200 and b"No building is waiting" in done.content
    assert client.post("/workspace/dating/", {"unskip": "1"}).status_code == 302
    code, _ = _task_of(client)
    assert code == "K1"
    assert models.DatingAnswer.objects.filter(volunteer="user:vol1").count() == 2


def test_a_volunteer_sees_nothing_else_and_others_do_not_date(volunteers: Path) -> None:
    client, _ = _sign_in("vol1")
    sha = models.EvidenceFile.objects.values_list("sha256", flat=True).first()
    for path in ("/workspace/incidents/", "/workspace/incidents/new",
                 f"/workspace/evidence/{sha}", "/workspace/review/victims",
                 "/workspace/witnesses"):
        assert client.get(path).status_code == 403, path
    page = client.get("/workspace/dating/K1")
    assert b"/workspace/incidents/" not in page.content
    viewer, _ = _sign_in("viewer1")
    home = viewer.get("/workspace/").content.decode()
    assert "0 / 3" in home and "buildings dated by volunteers" in home
    for name in ("viewer1", "admin1"):
        other, _ = _sign_in(name)
        assert other.get("/workspace/dating/").status_code == 403, name
        assert other.get("/workspace/dating/K1/image/0").status_code == 403, name
        assert other.post("/workspace/dating/K1", {"gap": "0"}).status_code == 403, name
    anonymous = Client()
    for path in ("/workspace/dating/", "/workspace/dating/K1", "/workspace/dating/K1/image/0"):
        response = anonymous.get(path)
        assert response.status_code == 302 and response["Location"].startswith(LOGIN), path
    assert not models.DatingAnswer.objects.exists()
    denied = {e.details["action"] for e in audit.lines(action="access.denied")}
    assert {"view_internal", "date_buildings"} <= denied


# -- the windows, kept and set beside incidents ------------------------------------------------

def test_windows_are_kept_replaced_whole_and_audited(tasks: Path) -> None:
    from civharm.services.dating_tasks import store_windows

    with pytest.raises(UserError, match="no dating answers"):
        store_windows()
    import_answers(_answers_file(tasks, "K1,v1,S1,2017-06-15,2017-06-29",
                                 "K1,v2,S1,2017-06-15,2017-06-29",
                                 "K3,v1,S3,2017-06-01,2017-06-15"))
    stored, _ = store_windows(actor="cli:test")
    assert (stored.windows, stored.answers, stored.volunteers) == (2, 3, 2)
    kept = {w.site: (w.before, w.after) for w in models.DestructionWindow.objects.all()}
    assert kept == {"S1": (date(2017, 6, 15), date(2017, 6, 29)),
                    "S3": (date(2017, 6, 1), date(2017, 6, 15))}
    record_answer("K2", "user:v", 0, "user:v")
    assert store_windows()[0].windows == 3
    assert models.DestructionWindow.objects.count() == 3
    assert [e.details["windows"] for e in audit.lines(action="damage.windows",
                                                       newest_first=False)] == [2, 3]


def test_the_incident_page_shows_the_volunteers_window(example_database: str) -> None:
    incident = models.Incident.objects.filter(latitude__isnull=False).order_by("code").first()
    assert incident is not None and incident.longitude is not None
    day = incident.date_start
    models.DamageObservation.objects.bulk_create(
        models.DamageObservation(site=site, product="UNOSAT", latitude=incident.latitude,
                                 longitude=incident.longitude + shift, observed_on=day,
                                 damage_class="destroyed")
        for site, shift in (("NEAR-1", 0.0015), ("NEAR-2", 0.0005), ("NEAR-3", 0.001)))
    from datetime import timedelta

    models.DestructionWindow.objects.bulk_create([
        models.DestructionWindow(site="NEAR-1", before=day - timedelta(days=3),
                                 after=day + timedelta(days=11), method="weighted",
                                 answers=3, agreement=1.0),
        models.DestructionWindow(site="NEAR-2", before=day - timedelta(days=40),
                                 after=day - timedelta(days=26), method="weighted",
                                 answers=3, agreement=0.34, disputed=True)])
    page = Client().get(f"/incidents/{incident.code}?lang=en").content.decode()
    rows = {site: re.search(rf"<tr><td dir=\"ltr\">{site}</td>(.*?)</tr>", page)
            for site in ("NEAR-1", "NEAR-2", "NEAR-3")}
    assert all(rows.values()), page[:2000]
    near_1 = rows["NEAR-1"].group(1)  # type: ignore[union-attr]
    near_2 = rows["NEAR-2"].group(1)  # type: ignore[union-attr]
    near_3 = rows["NEAR-3"].group(1)  # type: ignore[union-attr]
    assert (day - timedelta(days=3)).isoformat() in near_1
    assert "includes the incident" in near_1 and "disagree" not in near_1
    assert "includes the incident" not in near_2 and "volunteers disagree" in near_2
    assert "—" in near_3 and "includes" not in near_3
    assert "Volunteers dated these buildings" in page
    assert "3 sites seen destroyed or severely damaged" in page
    assert "Dated by volunteers: 2; with a window that includes the incident's dates: 1" \
        in page
    # The corroborating building comes first, whatever its distance.
    assert page.index(">NEAR-1<") < page.index(">NEAR-2<") < page.index(">NEAR-3<")


def test_analysts_see_the_disputed_buildings_with_their_images(volunteers: Path) -> None:
    from civharm.services.dating_tasks import store_windows

    # K1: two volunteers each way (disputed); K3: all agree.
    import_answers(_answers_file(volunteers, "K1,v1,S1,2017-06-01,2017-06-15",
                                 "K1,v2,S1,2017-06-01,2017-06-15",
                                 "K1,v3,S1,2017-06-29,2017-07-13",
                                 "K1,v4,S1,2017-06-29,2017-07-13",
                                 "K3,v1,S3,2017-06-01,2017-06-15",
                                 "K3,v2,S3,2017-06-01,2017-06-15"))
    store_windows()
    assert set(models.DestructionWindow.objects.filter(disputed=True).values_list(
        "site", flat=True)) == {"S1"}
    viewer, _ = _sign_in("viewer1")
    page = viewer.get("/workspace/dating/disputed")
    assert page.status_code == 200
    html = page.content.decode()
    assert ">S1<" in html and ">S3<" not in html
    assert "1 building&#x27;s destruction window is disputed" in html \
        or "1 building's destruction window is disputed" in html
    assert html.count("2 votes") == 2 and html.count("0 votes") == 1
    images = re.findall(r'src="(/workspace/dating/K1/evidence/\d+)"', html)
    assert len(images) == 4
    picture = viewer.get(images[0])
    assert picture.status_code == 200 and picture["Content-Type"] == "image/png"
    picture.close()
    assert "/workspace/dating/disputed" in viewer.get("/workspace/").content.decode()
    volunteer, _ = _sign_in("vol1")
    assert volunteer.get("/workspace/dating/disputed").status_code == 403
    assert volunteer.get(images[0]).status_code == 403
    assert Client().get("/workspace/dating/disputed").status_code == 302
