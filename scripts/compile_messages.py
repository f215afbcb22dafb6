#!/usr/bin/env python3
"""Compile the translation catalogues (``locale/<lang>/LC_MESSAGES/django.po``) into the
``.mo`` files Django reads, with the standard library only: no GNU gettext needed to
install civharm. ``make install`` runs it; editing a ``.po`` file and running it again is
all a translator needs.

Supports what Django's catalogues use: msgctxt, plural forms, multi-line strings, and the
usual escapes. Fuzzy entries are left out, as msgfmt leaves them out.
"""

from __future__ import annotations

import ast
import struct
import sys
from pathlib import Path

LOCALE = Path(__file__).resolve().parent.parent / "src" / "civharm" / "locale"


def _unquote(text: str) -> str:
    return str(ast.literal_eval(text)) if text else ""


def parse_po(text: str) -> dict[str, str]:
    """The catalogue's messages as msgid → msgstr, keyed and joined the way .mo files are:
    ``context\\x04msgid`` with a context, ``singular\\x00plural`` and ``form0\\x00form1…``."""
    messages: dict[str, str] = {}
    entry: dict[str, object] = {}
    fuzzy = False
    current: tuple[str, int | None] | None = None

    def finish() -> None:
        nonlocal entry, fuzzy
        if "msgid" in entry and not fuzzy:
            key = str(entry["msgid"])
            if "msgid_plural" in entry:
                key += "\0" + str(entry["msgid_plural"])
                forms = entry.get("msgstr_plural", {})
                assert isinstance(forms, dict)
                value = "\0".join(forms[i] for i in sorted(forms))
            else:
                value = str(entry.get("msgstr", ""))
            if "msgctxt" in entry:
                key = f"{entry['msgctxt']}\x04{key}"
            if value.replace("\0", "") or key == "":
                messages[key] = value
        entry, fuzzy = {}, False

    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            finish()
            current = None
            continue
        if line.startswith("#,") and "fuzzy" in line:
            if "msgid" in entry:
                finish()
            fuzzy = True
            continue
        if line.startswith("#"):
            continue
        if line.startswith('"'):
            if current is None:
                raise ValueError(f"a continued string without a keyword: {raw!r}")
            name, index = current
            if index is None:
                entry[name] = str(entry[name]) + _unquote(line)
            else:
                forms = entry["msgstr_plural"]
                assert isinstance(forms, dict)
                forms[index] += _unquote(line)
            continue
        keyword, _, rest = line.partition(" ")
        if keyword in ("msgctxt", "msgid") and ("msgstr" in entry or "msgstr_plural" in entry):
            finish()
        if keyword.startswith("msgstr["):
            index = int(keyword[len("msgstr["):-1])
            entry.setdefault("msgstr_plural", {})
            forms = entry["msgstr_plural"]
            assert isinstance(forms, dict)
            forms[index] = _unquote(rest)
            current = ("msgstr_plural", index)
        elif keyword in ("msgctxt", "msgid", "msgid_plural", "msgstr"):
            entry[keyword] = _unquote(rest)
            current = (keyword, None)
        else:
            raise ValueError(f"cannot read this line: {raw!r}")
    finish()
    return messages


def mo_bytes(messages: dict[str, str]) -> bytes:
    """A GNU .mo file (little-endian, no hash table) holding ``messages``."""
    keys = sorted(messages)
    ids = [k.encode("utf-8") for k in keys]
    strs = [messages[k].encode("utf-8") for k in keys]
    count = len(keys)
    header = 7 * 4
    ids_table = header
    strs_table = ids_table + count * 8
    data = strs_table + count * 8
    offsets_ids, offsets_strs, blob = [], [], b""
    for encoded in ids:
        offsets_ids.append((len(encoded), data + len(blob)))
        blob += encoded + b"\0"
    for encoded in strs:
        offsets_strs.append((len(encoded), data + len(blob)))
        blob += encoded + b"\0"
    out = struct.pack("<7I", 0x950412DE, 0, count, ids_table, strs_table, 0, data)
    for length, offset in offsets_ids:
        out += struct.pack("<2I", length, offset)
    for length, offset in offsets_strs:
        out += struct.pack("<2I", length, offset)
    return out + blob


def main() -> int:
    catalogues = sorted(LOCALE.glob("*/LC_MESSAGES/*.po"))
    for po in catalogues:
        messages = parse_po(po.read_text(encoding="utf-8"))
        target = po.with_suffix(".mo")
        data = mo_bytes(messages)
        if target.exists() and target.read_bytes() == data:
            continue
        temporary = target.with_suffix(".mo.tmp")
        temporary.write_bytes(data)
        temporary.replace(target)
        print(f"compiled {po.relative_to(LOCALE.parent.parent.parent)}: "
              f"{len(messages) - ('' in messages)} messages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
