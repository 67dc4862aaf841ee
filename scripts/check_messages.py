"""Fail (naming them) when the Chinese catalogue has untranslated or fuzzy entries, or a .mo is stale.

Run by `make test`. English is the source language, so its catalogue may leave msgstr empty.
"""

from __future__ import annotations

import gettext
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CATALOGUES = ["zh_Hans"]


def entries(po_text: str) -> list[str]:
    return [e for e in po_text.split("\n\n") if re.search(r"^msgid ", e, re.M)]


def problems_in(po: Path) -> list[str]:
    problems = []
    for entry in entries(po.read_text(encoding="utf-8")):
        msgid = "".join(re.findall(r'^(?:msgid|")\s*"?(.*?)"?$', entry.split("msgstr")[0], re.M)).strip('"')
        if not msgid:
            continue
        if re.search(r"^#,.*\bfuzzy\b", entry, re.M):
            problems.append(f"fuzzy: {msgid!r}")
        translations = re.findall(r'^msgstr(?:\[\d\])? ((?:".*"\n?)+)', entry, re.M)
        if not translations or any(not "".join(re.findall(r'"(.*)"', t)) for t in translations):
            problems.append(f"untranslated: {msgid!r}")
    mo = po.with_suffix(".mo")
    if not mo.exists():
        problems.append(f"{mo.relative_to(ROOT)} is missing: run make messages")
    else:
        problems += stale_in(po, mo)
    return problems


ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


def _unquote(block: str) -> str:
    joined = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', block))
    return re.sub(r"\\(.)", lambda m: ESCAPES.get(m.group(1), m.group(1)), joined)


def stale_in(po: Path, mo: Path) -> list[str]:
    """Entries whose compiled translation differs from the .po (the .mo was not rebuilt)."""
    with mo.open("rb") as handle:
        catalog = gettext.GNUTranslations(handle)._catalog
    stale = []
    for entry in entries(po.read_text(encoding="utf-8")):
        if re.search(r"^#,.*\bfuzzy\b", entry, re.M):
            continue
        msgid_block = re.search(r'^msgid ((?:".*"\n?)+)', entry, re.M)
        msgid = _unquote(msgid_block.group(1)) if msgid_block else ""
        if not msgid:
            continue
        context = re.search(r'^msgctxt ((?:".*"\n?)+)', entry, re.M)
        if context:  # gettext keys an entry with a context as "context\x04msgid"
            msgid = _unquote(context.group(1)) + "\x04" + msgid
        plural = re.search(r'^msgstr\[0\] ((?:".*"\n?)+)', entry, re.M)
        single = re.search(r'^msgstr ((?:".*"\n?)+)', entry, re.M)
        expected = _unquote((plural or single).group(1)) if (plural or single) else ""
        compiled = catalog.get((msgid, 0) if plural else msgid)
        if expected and compiled != expected:
            stale.append(f"stale .mo for {msgid!r}: run make messages")
    return stale


def main() -> int:
    failed = False
    for lang in CATALOGUES:
        po = ROOT / "locale" / lang / "LC_MESSAGES" / "django.po"
        found = problems_in(po) if po.exists() else [f"{po} is missing"]
        for problem in found:
            print(f"{lang}: {problem}", file=sys.stderr)
        failed |= bool(found)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
