"""The Arabic translation as its readers meet it: a catalogue that covers every message the
templates and the code mark for translation (no empty, fuzzy or half-filled plural entry, every
placeholder and tag kept), compiled by ``scripts/compile_messages.py`` into a .mo file that
Python's own gettext reads back, and pages that come out in Arabic, right to left, when the
reader asks for it (``?lang=ar``, then the cookie that remembers it, or the browser's
Accept-Language) with a language link that keeps the page's other query parameters."""

from __future__ import annotations

import ast
import gettext
import html
import importlib.util
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "civharm"
CATALOGUE = PACKAGE / "locale" / "ar" / "LC_MESSAGES" / "django.po"
TEMPLATES = PACKAGE / "web" / "templates"
# Where makemessages looks for Python strings (it is run with analysis/ and simulation/
# ignored: they never reach a page).
PYTHON_SOURCES = [p for p in PACKAGE.rglob("*.py")
                  if p.relative_to(PACKAGE).parts[0] not in ("analysis", "simulation")]
ARABIC_PLURALS = ("nplurals=6; plural=n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : "
                  "n%100>=3 && n%100<=10 ? 3 : n%100>=11 && n%100<=99 ? 4 : 5;")
# A number for each of the six Arabic plural forms, in form order.
NUMBER_OF_FORM = (0, 1, 2, 5, 11, 100)


# -- reading the catalogue -----------------------------------------------------------------------

@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: str = ""
    forms: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)

    @property
    def key(self) -> tuple[str | None, str, str | None]:
        return (self.msgctxt, self.msgid, self.msgid_plural)


def read_catalogue(text: str) -> list[Entry]:
    """Every entry of a .po file (entries are separated by blank lines), the header first;
    obsolete (#~) entries are left out."""
    entries = []
    for block in re.split(r"\n[ \t]*\n", text.strip()):
        entry, target = Entry(), ("", None)
        lines = [line.strip() for line in block.splitlines()]
        if all(line.startswith("#") for line in lines):
            continue
        for line in lines:
            if line.startswith("#,"):
                entry.flags |= {flag.strip() for flag in line[2:].split(",")}
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                name, index = target
                if index is None:
                    setattr(entry, name, getattr(entry, name) + ast.literal_eval(line))
                else:
                    entry.forms[index] += ast.literal_eval(line)
            else:
                keyword, _, rest = line.partition(" ")
                if keyword.startswith("msgstr["):
                    index = int(keyword[len("msgstr["):-1])
                    entry.forms[index] = ast.literal_eval(rest)
                    target = ("forms", index)
                else:
                    assert keyword in ("msgctxt", "msgid", "msgid_plural", "msgstr"), line
                    setattr(entry, keyword, ast.literal_eval(rest))
                    target = (keyword, None)
        entries.append(entry)
    return entries


@pytest.fixture(scope="module")
def catalogue() -> list[Entry]:
    return read_catalogue(CATALOGUE.read_text(encoding="utf-8"))


PLACEHOLDER = re.compile(r"%\([A-Za-z_][A-Za-z0-9_]*\)[sdif]|%%|\{[A-Za-z_][A-Za-z0-9_]*\}")
TAG = re.compile(r"</?[a-z]+[^>]*>")


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


def tags(text: str) -> list[str]:
    return sorted(TAG.findall(text))


# -- the catalogue itself ------------------------------------------------------------------------

def test_the_header_declares_arabic_and_its_six_plural_forms(catalogue: list[Entry]) -> None:
    header = catalogue[0]
    assert header.msgid == "" and "fuzzy" not in header.flags
    fields = dict(line.split(": ", 1) for line in header.msgstr.splitlines() if ": " in line)
    assert fields["Language"] == "ar"
    assert fields["Content-Type"] == "text/plain; charset=UTF-8"
    assert fields["Plural-Forms"].replace(" ", "") == ARABIC_PLURALS.replace(" ", "")


def test_every_message_is_translated_and_checked(catalogue: list[Entry]) -> None:
    messages = catalogue[1:]
    assert len(messages) > 300
    problems = []
    for e in messages:
        if "fuzzy" in e.flags:
            problems.append(f"fuzzy: {e.msgid!r}")
        if e.msgid_plural is None:
            if not e.msgstr.strip():
                problems.append(f"untranslated: {e.msgid!r}")
        elif sorted(e.forms) != list(range(6)) or not all(f.strip() for f in e.forms.values()):
            problems.append(f"a plural form missing: {e.msgid!r}")
    assert not problems, "\n".join(problems)


def test_placeholders_and_tags_are_kept(catalogue: list[Entry]) -> None:
    problems = []
    for e in catalogue[1:]:
        if e.msgid_plural is None:
            if placeholders(e.msgstr) != placeholders(e.msgid):
                problems.append(f"placeholders of {e.msgid!r}: {e.msgstr!r}")
            if tags(e.msgstr) != tags(e.msgid):
                problems.append(f"tags of {e.msgid!r}: {e.msgstr!r}")
            continue
        allowed = set(placeholders(e.msgid)) | set(placeholders(e.msgid_plural))
        for index, form in e.forms.items():
            found = placeholders(form)
            if not set(found) <= allowed:
                problems.append(f"form {index} of {e.msgid!r} invents a placeholder: {form!r}")
            missing = set(placeholders(e.msgid_plural)) - set(found)
            # Arabic says "one" and "two" with the noun itself (حادثة واحدة, حادثتان): the forms
            # for exactly 1 and exactly 2 may leave out the count, and nothing else.
            if len(missing) > (1 if index in (1, 2) else 0):
                problems.append(f"form {index} of {e.msgid!r} drops {sorted(missing)}")
            if tags(form) != tags(e.msgid_plural):
                problems.append(f"tags of form {index} of {e.msgid!r}: {form!r}")
    assert not problems, "\n".join(problems)


def test_numbers_stay_western_digits_and_names_stay_untranslated(
        catalogue: list[Entry]) -> None:
    """The pages give numbers as 0-9: a translation must not turn a digit of the English into
    an Arabic-Indic one; and proper names (civharm, Splink, LCMCR) stay as they are."""
    problems = []
    for e in catalogue[1:]:
        texts = [e.msgstr] if e.msgid_plural is None else list(e.forms.values())
        for text in texts:
            if re.search("[\u0660-\u0669\u06f0-\u06f9]", text):
                problems.append(f"Arabic-Indic digits in {text!r}")
            for name in ("civharm", "Splink", "LCMCR", "MGRS", "SHA-256", "GeoJSON"):
                if name in e.msgid and name not in text:
                    problems.append(f"{name} lost from {e.msgid!r}: {text!r}")
    assert not problems, "\n".join(problems)


# -- what the templates and the code ask for -----------------------------------------------------

STRING = r"""u?(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")"""
CALL = re.compile(rf"\b(n?p?gettext)\(\s*({STRING})(?:\s*,\s*({STRING}))?(?:\s*,\s*({STRING}))?")


def template_messages() -> Iterator[tuple[str, tuple[str | None, str, str | None]]]:
    """Every {% translate %} and {% blocktranslate %} of every template, as the msgid Django's
    makemessages would write for it (Django's own template-to-gettext conversion, without
    GNU gettext)."""
    from django.utils.translation.template import templatize

    for path in sorted(TEMPLATES.rglob("*.html")):
        converted = templatize(path.read_text(encoding="utf-8"), origin=str(path))
        for match in CALL.finditer(converted):
            kind = match.group(1)
            strings = [ast.literal_eval(s) for s in match.groups()[1:] if s is not None]
            if kind == "gettext":
                key = (None, strings[0], None)
            elif kind == "ngettext":
                key = (None, strings[0], strings[1])
            elif kind == "pgettext":
                key = (strings[0], strings[1], None)
            else:
                key = (strings[0], strings[1], strings[2])
            yield str(path.relative_to(TEMPLATES)), key


TRANSLATION_FUNCTIONS = {"gettext", "gettext_lazy", "ngettext", "ngettext_lazy", "pgettext",
                         "pgettext_lazy", "npgettext", "npgettext_lazy", "gettext_noop"}


def python_messages() -> Iterator[tuple[str, tuple[str | None, str, str | None]]]:
    """Every string the code passes to django.utils.translation's functions (under any name
    they are imported as)."""
    for path in PYTHON_SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names: dict[str, str] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation":
                for alias in node.names:
                    if alias.name in TRANSLATION_FUNCTIONS:
                        names[alias.asname or alias.name] = alias.name
        if not names:
            continue
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id in names):
                continue
            function = names[node.func.id].removesuffix("_lazy")
            args = [a.value if isinstance(a, ast.Constant) and isinstance(a.value, str) else None
                    for a in node.args]
            wanted = {"gettext": 1, "gettext_noop": 1, "ngettext": 2, "pgettext": 2,
                      "npgettext": 3}[function]
            if len(args) < wanted or None in args[:wanted]:
                continue
            if function.startswith("np"):
                key = (args[0], args[1], args[2])
            elif function.startswith("p"):
                key = (args[0], args[1], None)
            elif function.startswith("n"):
                key = (None, args[0], args[1])
            else:
                key = (None, args[0], None)
            yield str(path.relative_to(PACKAGE)), key  # type: ignore[misc]


def _translated(catalogue: list[Entry]) -> set[tuple[str | None, str, str | None]]:
    return {e.key for e in catalogue[1:]
            if "fuzzy" not in e.flags
            and (e.msgstr.strip() if e.msgid_plural is None
                 else len(e.forms) == 6 and all(f.strip() for f in e.forms.values()))}


def test_every_template_string_has_a_translation(catalogue: list[Entry]) -> None:
    found = list(template_messages())
    assert len(found) > 300, "the templates' strings were not found"
    assert any(key[1] == "Incidents" for _, key in found)
    assert any(key[2] is not None for _, key in found), "no plural blocktranslate found"
    translated = _translated(catalogue)
    missing = sorted({f"{where}: {key[1]!r}" for where, key in found if key not in translated})
    assert not missing, "not in the Arabic catalogue (run makemessages, then translate):\n" + (
        "\n".join(missing))


def test_every_python_string_has_a_translation(catalogue: list[Entry]) -> None:
    found = list(python_messages())
    assert len(found) > 50, "the code's strings were not found"
    translated = _translated(catalogue)
    missing = sorted({f"{where}: {key[1]!r}" for where, key in found if key not in translated})
    assert not missing, "not in the Arabic catalogue (run makemessages, then translate):\n" + (
        "\n".join(missing))


def test_a_new_untranslated_template_string_would_be_caught(catalogue: list[Entry]) -> None:
    """The check above can fail: a string it has never seen is reported."""
    from django.utils.translation.template import templatize

    converted = templatize('{% load i18n %}<p>{% translate "A sentence nobody translated" %}'
                           '{% blocktranslate count n=k %}{{ n }} new thing{% plural %}'
                           '{{ n }} new things{% endblocktranslate %}</p>')
    keys = set()
    for match in CALL.finditer(converted):
        strings = [ast.literal_eval(s) for s in match.groups()[1:] if s is not None]
        keys.add((None, strings[0], strings[1] if match.group(1) == "ngettext" else None))
    assert keys == {(None, "A sentence nobody translated", None),
                    (None, "%(n)s new thing", "%(n)s new things")}
    assert not keys & _translated(catalogue)


# -- compiling -----------------------------------------------------------------------------------

def _compiler() -> ModuleType:
    spec = importlib.util.spec_from_file_location("compile_messages",
                                                  ROOT / "scripts" / "compile_messages.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_compiled_catalogue_reads_back_with_pythons_gettext(
        catalogue: list[Entry], tmp_path: Path) -> None:
    compiler = _compiler()
    mo = tmp_path / "django.mo"
    mo.write_bytes(compiler.mo_bytes(compiler.parse_po(CATALOGUE.read_text(encoding="utf-8"))))
    with mo.open("rb") as handle:
        translations = gettext.GNUTranslations(handle)
    assert translations.info()["language"] == "ar"
    plurals = 0
    for e in catalogue[1:]:
        if e.msgid_plural is None:
            got = (translations.pgettext(e.msgctxt, e.msgid) if e.msgctxt
                   else translations.gettext(e.msgid))
            assert got == e.msgstr, e.msgid
            continue
        plurals += 1
        for index, n in enumerate(NUMBER_OF_FORM):
            got = (translations.npgettext(e.msgctxt, e.msgid, e.msgid_plural, n) if e.msgctxt
                   else translations.ngettext(e.msgid, e.msgid_plural, n))
            assert got == e.forms[index], (e.msgid, n)
        # 101 and 102 take the last form again, as Arabic counts them.
        assert translations.ngettext(e.msgid, e.msgid_plural, 102) == e.forms[5]
    assert plurals >= 15


def test_the_installed_catalogue_is_compiled_from_the_current_po() -> None:
    """The pages below read the .mo file: it must be the compilation of today's .po."""
    compiler = _compiler()
    mo = CATALOGUE.with_suffix(".mo")
    assert mo.exists(), "no compiled catalogue: run make install"
    expected = compiler.mo_bytes(compiler.parse_po(CATALOGUE.read_text(encoding="utf-8")))
    assert mo.read_bytes() == expected, "the .mo is older than the .po: run make install"


def test_the_compiler_leaves_out_fuzzy_and_empty_entries(tmp_path: Path) -> None:
    compiler = _compiler()
    po = (
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
        f'"Plural-Forms: {ARABIC_PLURALS}\\n"\n\n'
        '#, fuzzy\nmsgid "Guessed"\nmsgstr "مخمَّن"\n\n'
        'msgid "Empty"\nmsgstr ""\n\n'
        'msgctxt "menu"\nmsgid "Open"\nmsgstr "فتح"\n\n'
        'msgid ""\n"Two "\n"lines"\nmsgstr ""\n"سطران "\n"اثنان"\n\n'
        '#, python-format\nmsgid "%(n)s day"\nmsgid_plural "%(n)s days"\n'
        'msgstr[0] "%(n)s يوم"\nmsgstr[1] "يوم واحد"\nmsgstr[2] "يومان"\n'
        'msgstr[3] "%(n)s أيام"\nmsgstr[4] "%(n)s يومًا"\nmsgstr[5] "%(n)s يوم"\n')
    mo = tmp_path / "x.mo"
    mo.write_bytes(compiler.mo_bytes(compiler.parse_po(po)))
    with mo.open("rb") as handle:
        translations = gettext.GNUTranslations(handle)
    assert translations.gettext("Guessed") == "Guessed"
    assert translations.gettext("Empty") == "Empty"
    assert translations.pgettext("menu", "Open") == "فتح"
    assert translations.gettext("Two lines") == "سطران اثنان"
    days = [translations.ngettext("%(n)s day", "%(n)s days", n) % {"n": n}
            for n in NUMBER_OF_FORM]
    assert days == ["0 يوم", "يوم واحد", "يومان", "5 أيام", "11 يومًا", "100 يوم"]


# -- pages ---------------------------------------------------------------------------------------

NAV_ARABIC = ("الأرقام", "الحوادث", "الخريطة", "الخط الزمني", "ذكرى الضحايا", "مساحة العمل")
NAV_ENGLISH = (">Figures<", ">Incidents<", ">Map<", ">Timeline<", ">Memorial<", ">Workspace<")


def _html(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    return str(response.content.decode("utf-8"))


def _is_arabic(page: str) -> bool:
    opening = re.search(r"<html[^>]*>", page)
    assert opening is not None
    return 'lang="ar"' in opening.group(0) and 'dir="rtl"' in opening.group(0)


def _language_link(page: str) -> str:
    found = re.search(r'<a class="language" href="([^"]*)"', page)
    assert found is not None, "no language link"
    return html.unescape(found.group(1))


def _english_left(page: str, catalogue: list[Entry]) -> list[str]:
    """English sentences of the catalogue still on an Arabic page."""
    return [e.msgid for e in catalogue[1:]
            if e.msgid_plural is None and e.msgid.count(" ") >= 2
            and not PLACEHOLDER.search(e.msgid)
            and (html.escape(e.msgid) in page or e.msgid in page)]


def test_lang_ar_gives_arabic_right_to_left_and_the_cookie_keeps_it(
        example_database: str, catalogue: list[Entry]) -> None:
    client = Client()
    english = _html(client.get("/incidents"))
    assert not _is_arabic(english) and 'dir="ltr"' in english
    assert all(label in english for label in NAV_ENGLISH)

    response = client.get("/incidents", {"lang": "ar"})
    page = _html(response)
    assert _is_arabic(page) and response["Content-Language"] == "ar"
    assert all(label in page for label in NAV_ARABIC)
    assert not any(label in page for label in NAV_ENGLISH)
    assert response.cookies["civharm_lang"].value == "ar"

    # Chosen once, kept: the next pages come in Arabic without asking again.
    for path in ("/", "/timeline", "/memorial", "/downloads", "/figures/estimate",
                 "/incidents/RQ0001", "/map", "/workspace/login"):
        later = _html(client.get(path))
        assert _is_arabic(later), path
        assert not _english_left(later, catalogue), (path, _english_left(later, catalogue))
    assert "التنزيلات" in _html(client.get("/"))

    back = client.get("/", {"lang": "en"})
    assert not _is_arabic(_html(back)) and back.cookies["civharm_lang"].value == "en"
    assert not _is_arabic(_html(client.get("/memorial")))


WORKSPACE_PAGES = ("/workspace/", "/workspace/incidents/", "/workspace/incidents/RQ0001",
                   "/workspace/incidents/RQ0001/edit", "/workspace/incidents/new",
                   "/workspace/review/victims", "/workspace/review/incidents")


def _signed_in(language: str) -> Client:
    from civharm.services import accounts
    from civharm.store import models

    accounts.add_user("translator-check", "admin", "a long enough passphrase 42")
    client = Client()
    assert _is_arabic(_html(client.get("/workspace/login", {"lang": language})))
    client.force_login(models.Account.objects.get(user__username="translator-check").user)
    return client


def test_the_workspace_in_arabic(example_database: str, catalogue: list[Entry]) -> None:
    client = _signed_in("ar")
    left = {}
    for path in WORKSPACE_PAGES:
        page = _html(client.get(path))
        assert _is_arabic(page) and "تسجيل الخروج" in page, path
        if _english_left(page, catalogue):
            left[path] = _english_left(page, catalogue)
    assert not left, left


def test_the_grading_page_in_arabic(example_database: str, catalogue: list[Entry]) -> None:
    page = _html(_signed_in("ar").get("/workspace/incidents/RQ0001/grade"))
    assert _is_arabic(page) and "تسجيل هذا التصنيف" in page
    assert not _english_left(page, catalogue), _english_left(page, catalogue)


def test_the_browsers_language_alone_gives_arabic(example_database: str) -> None:
    page = _html(Client(headers={"Accept-Language": "ar"}).get("/"))
    assert _is_arabic(page) and "الأرقام" in page
    page = _html(Client(headers={"Accept-Language": "ar-SY,ar;q=0.9,en;q=0.5"}).get("/timeline"))
    assert _is_arabic(page)
    page = _html(Client(headers={"Accept-Language": "en-GB,en;q=0.9"}).get("/"))
    assert not _is_arabic(page) and 'lang="en"' in page
    # An explicit choice beats the browser's.
    page = _html(Client(headers={"Accept-Language": "ar"}).get("/", {"lang": "en"}))
    assert not _is_arabic(page)


def test_the_language_link_keeps_the_other_query_parameters(example_database: str) -> None:
    client = Client()
    page = _html(client.get("/incidents?grade=fair&grade=weak&q=Raqqa&lang=ar"))
    link = _language_link(page)
    parts = urlsplit(link)
    assert parts.path == "" and not parts.netloc
    query = parse_qs(parts.query)
    assert query == {"grade": ["fair", "weak"], "q": ["Raqqa"], "lang": ["en"]}

    # From an English page with no query, the link asks for Arabic and nothing else.
    english = _html(Client().get("/memorial"))
    assert parse_qs(urlsplit(_language_link(english)).query) == {"lang": ["ar"]}
    # Parameters that need escaping survive the round trip.
    page = _html(Client().get("/incidents", {"q": "al-Badu & co", "lang": "en"}))
    assert parse_qs(urlsplit(_language_link(page)).query) == {"q": ["al-Badu & co"],
                                                              "lang": ["ar"]}


def test_the_simulated_banner_and_the_error_page_in_arabic(example_database: str) -> None:
    from civharm.services.flags import mark_simulated

    client = Client()
    missing = client.get("/no-such-page", {"lang": "ar"})
    assert missing.status_code == 404
    page = missing.content.decode("utf-8")
    assert _is_arabic(page) and "غير موجود" in page

    mark_simulated()
    page = _html(client.get("/"))
    banner = re.search(r'<div class="simulated"[^>]*>(.*?)</div>', page, re.S)
    assert banner is not None
    text = banner.group(1).strip()
    # One sentence in one language: in Arabic it ends with its own full stop, and the
    # product name is isolated so that it cannot pull the punctuation around.
    assert text.startswith("بيانات محاكاة") and text.endswith(".")
    assert "<bdi>civharm</bdi>" in text and "SIMULATED" not in text
    english = _html(client.get("/", {"lang": "en"}))
    assert re.search(r'<div class="simulated"[^>]*>SIMULATED DATA', english)
