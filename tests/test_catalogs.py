"""The gettext catalogs are complete: every text the code marks (extracted afresh here with the
project's babel.cfg, never from a stale .pot) has a real translation in Persian, Indonesian and
English, with the same placeholders, and each catalog compiles.

When this fails after adding texts: ``make locales-update``, translate the new entries in
locales/<lang>/LC_MESSAGES/messages.po (English may repeat the msgid), ``make locales-compile``.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
from io import BytesIO
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot.i18n import LANGUAGES, LOCALES_DIR

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("core", "bot")
# The same keywords as the Makefile's locales-extract: ctx._, N_, gettext, ngettext, pgettext...
KEYWORDS = {**DEFAULT_KEYWORDS, "_": None, "N_": None, "gettext": None, "ngettext": (1, 2)}
PLURAL_FORMS = {
    "fa": "nplurals=1; plural=0;",
    "id": "nplurals=1; plural=0;",
    "en": "nplurals=2; plural=(n != 1);",
}
# %(name)s and friends; %% is a literal percent sign.
PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[sdifr]")
ANY_PERCENT = re.compile(r"%(?:%|\(\w+\)[-#0 +]*\d*(?:\.\d+)?[sdifr])|%")
SHOWN = 20  # how many problems a failure lists

Key = tuple[str | None, str]


def _key(message: Message) -> Key:
    msgid = message.id[0] if isinstance(message.id, tuple | list) else message.id
    return (message.context, msgid)


@pytest.fixture(scope="module")
def extracted() -> dict[Key, Message]:
    with (ROOT / "babel.cfg").open(encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config, "babel.cfg")
    template = Catalog()
    for source in SOURCES:
        for filename, lineno, message, _comments, context in extract_from_dir(
            ROOT / source, method_map, options_map, keywords=KEYWORDS
        ):
            template.add(message, None, [(f"{source}/{filename}", lineno)], context=context)
    messages = {_key(m): m for m in template if m.id}
    # A babel.cfg that matches no file would make every check below pass vacuously.
    assert (None, "Log in") in messages, "babel.cfg extracted nothing: check its patterns"
    return messages


def _po_path(language: str) -> Path:
    return LOCALES_DIR / language / "LC_MESSAGES" / "messages.po"


def _read(language: str) -> Catalog:
    path = _po_path(language)
    assert path.exists(), f"{path} is missing: create it with pybabel init (see the Makefile)"
    with path.open("rb") as source:
        return read_po(source, locale=language, domain="messages")


def _strings(message: Message) -> list[str]:
    return list(message.string) if isinstance(message.string, tuple | list) else [message.string]


def _ids(message: Message) -> list[str]:
    return list(message.id) if isinstance(message.id, tuple | list) else [message.id]


def _report(problems: list[str]) -> str:
    more = f"\n... and {len(problems) - SHOWN} more" if len(problems) > SHOWN else ""
    return f"{len(problems)} problem(s):\n" + "\n".join(problems[:SHOWN]) + more


def _marked_in_code() -> list[tuple[str, int, str]]:
    """Every literal msgid the code passes to a gettext function, where it stands, read from the
    syntax tree: it sees the calls inside f-strings, which Babel's extractor does not."""
    found = []
    for source in SOURCES:
        for path in sorted((ROOT / source).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not (isinstance(node, ast.Call) and node.args):
                    continue
                name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
                first = node.args[0]
                literal = isinstance(first, ast.Constant) and isinstance(first.value, str)
                if name in KEYWORDS and literal:
                    found.append((str(path.relative_to(ROOT)), node.lineno, first.value))
    return found


def test_no_text_a_person_sees_escapes_extraction(extracted):
    """A ``t.gettext("Pay")`` inside an f-string is translated at run time from a catalog that
    never received it: the page stays English in a Persian order."""
    msgids = {msgid for _context, msgid in extracted}
    missed = [
        f"{path}:{line}: {text!r}" for path, line, text in _marked_in_code() if text not in msgids
    ]
    assert not missed, _report(missed)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_catalog_header_names_its_language_plurals_and_charset(language):
    catalog = _read(language)
    assert str(catalog.locale) == language
    assert catalog.plural_forms == PLURAL_FORMS[language]
    header = dict(catalog.mime_headers)
    assert header["Language"] == language
    assert header["Plural-Forms"] == PLURAL_FORMS[language]
    assert "charset=utf-8" in header["Content-Type"].lower()


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_text_in_the_code_has_a_translation(language, extracted):
    catalog = _read(language)
    problems = []
    for (context, msgid), wanted in sorted(
        extracted.items(), key=lambda i: (i[0][0] or "", i[0][1])
    ):
        where = ", ".join(f"{path}:{line}" for path, line in wanted.locations)
        found = catalog.get(msgid, context=context)
        if found is None:
            problems.append(f"missing: {msgid!r} ({where})")
        elif found.fuzzy:
            problems.append(f"fuzzy: {msgid!r} ({where})")
        elif not all(s.strip() for s in _strings(found)):
            problems.append(f"not translated: {msgid!r} ({where})")
        elif wanted.pluralizable and len(_strings(found)) != catalog.num_plurals:
            problems.append(f"needs {catalog.num_plurals} plural form(s): {msgid!r}")
    assert not problems, f"{_po_path(language)}: " + _report(problems)


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_the_placeholders_of_their_msgid(language):
    catalog = _read(language)
    problems = []
    for message in catalog:
        if not message.id or not any(_strings(message)):
            continue
        wanted = {name for text in _ids(message) for name in PLACEHOLDER.findall(text)}
        forms = _strings(message)
        for index, text in enumerate(forms):
            if not text:
                continue
            got = set(PLACEHOLDER.findall(text))
            # Forms other than the last may leave the count out ("one day" for %(n)s days).
            may_omit = message.pluralizable and index < len(forms) - 1
            if got != wanted and not (may_omit and got < wanted):
                problems.append(
                    f"{_ids(message)[0]!r}: placeholders {sorted(got)} != {sorted(wanted)}"
                )
            stray = [p for p in ANY_PERCENT.findall(text) if p == "%"]
            if wanted and stray:
                problems.append(f"{_ids(message)[0]!r}: a lone % in {text!r} (write %%)")
    assert not problems, f"{_po_path(language)}: " + _report(problems)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_catalog_has_no_obsolete_entries(language, extracted):
    catalog = _read(language)
    problems = [f"obsolete (#~): {msgid!r}" for msgid in catalog.obsolete]
    problems += [
        f"no longer in the code: {_key(m)[1]!r}"
        for m in catalog
        if m.id and _key(m) not in extracted
    ]
    assert not problems, f"{_po_path(language)} (run make locales-update): " + _report(problems)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_catalog_compiles(language):
    catalog = _read(language)
    errors = [
        f"{_ids(message)[0]!r}: {error}"
        for message, message_errors in catalog.check()
        for error in message_errors
    ]
    assert not errors, _report(errors)
    write_mo(BytesIO(), catalog, use_fuzzy=False)
    msgfmt = shutil.which("msgfmt")
    if msgfmt:  # GNU gettext's own checks of the header and of python-format entries
        result = subprocess.run(
            [msgfmt, "--check", "-o", "/dev/null", str(_po_path(language))],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr
