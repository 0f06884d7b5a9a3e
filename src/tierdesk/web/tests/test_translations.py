"""The Japanese and Russian catalogs: complete, compiled from the current .po, and used by the pages."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from conftest import make_person
from tierdesk.accounts.choices import Role, Tier

LOCALE_DIR = Path(settings.LOCALE_PATHS[0])
TRANSLATED = ["ja", "ru"]
PLURAL_FORMS = {
    "ja": "nplurals=1; plural=0;",
    "ru": "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && "
    "(n%100<10 || n%100>=20) ? 1 : 2);",
}
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


@dataclass
class Entry:
    """One message of a .po file, with the strings already unquoted."""

    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0


def read_po(path: Path) -> tuple[dict[str, str], list[Entry]]:
    """The header fields and the live entries of a .po file (obsolete `#~` entries are skipped).

    polib is not a dependency, and the subset of the format makemessages writes is small:
    flags, msgctxt, msgid, msgid_plural, msgstr / msgstr[n], and quoted continuation lines.
    """
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int] | None = None
    pending_flags: set[str] = set()

    def append(kind: str, index: int, text: str) -> None:
        assert current is not None
        if kind == "msgstr":
            current.msgstr[index] = current.msgstr.get(index, "") + text
        else:
            setattr(current, kind, (getattr(current, kind) or "") + text)

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#~"):
            continue
        if line.startswith("#,"):
            pending_flags |= {flag.strip() for flag in line[2:].split(",")}
            continue
        if line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        if line.startswith('"'):
            assert target is not None, f"{path}:{number}: continuation outside an entry"
            append(*target, ast.literal_eval(line))
            continue
        text = ast.literal_eval(rest)
        if keyword in ("msgctxt", "msgid") and (current is None or current.msgstr):
            current = Entry(flags=pending_flags, line=number)
            entries.append(current)
            pending_flags = set()
        assert current is not None, f"{path}:{number}: {keyword} before msgid"
        if keyword.startswith("msgstr["):
            target = ("msgstr", int(keyword[7:-1]))
            current.msgstr[target[1]] = ""
        elif keyword in ("msgctxt", "msgid", "msgid_plural", "msgstr"):
            target = (keyword, 0)
            if keyword == "msgstr":
                current.msgstr[0] = ""
            else:
                setattr(current, keyword, "")
        else:
            raise AssertionError(f"{path}:{number}: unexpected {keyword!r}")
        append(*target, text)

    header, *messages = entries
    assert header.msgid == "", f"{path} does not start with its header"
    fields = dict(item.split(": ", 1) for item in header.msgstr[0].splitlines() if ": " in item)
    return fields, messages


def catalog(language: str) -> tuple[dict[str, str], list[Entry]]:
    return read_po(LOCALE_DIR / language / "LC_MESSAGES" / "django.po")


def translated(language: str, msgid: str) -> str:
    """What the committed .po says `msgid` is in `language`."""
    for entry in catalog(language)[1]:
        if entry.msgid == msgid and entry.msgctxt is None and entry.msgid_plural is None:
            return entry.msgstr[0]
    raise LookupError(msgid)


def test_the_catalogs_hold_the_interface_strings():
    # A parser that silently read nothing would make every other check here pass.
    for language in TRANSLATED:
        _, entries = catalog(language)
        assert len(entries) > 300
        assert any(entry.msgid == "Internal note" for entry in entries)


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_is_translated_and_none_is_fuzzy(language):
    # Given the committed catalog
    header, entries = catalog(language)
    nplurals = 1 if language == "ja" else 3
    # Then the header declares the language's plural rule
    assert header["Plural-Forms"] == PLURAL_FORMS[language]
    assert header["Language"] == language
    # And every message has every form filled, with no fuzzy guess left from msgmerge
    untranslated = [
        f"line {e.line}: {e.msgid!r}"
        for e in entries
        if not all(e.msgstr.values())
        or len(e.msgstr) != (nplurals if e.msgid_plural is not None else 1)
    ]
    fuzzy = [f"line {e.line}: {e.msgid!r}" for e in entries if "fuzzy" in e.flags]
    assert not untranslated, f"{language}: untranslated {untranslated}"
    assert not fuzzy, f"{language}: fuzzy {fuzzy}"


@pytest.mark.parametrize("language", TRANSLATED)
def test_translations_keep_every_placeholder(language):
    # A dropped or renamed %(name)s raises KeyError at runtime, in that language only.
    _, entries = catalog(language)
    broken = []
    for entry in entries:
        if "python-format" not in entry.flags:
            continue
        wanted = sorted(set(PLACEHOLDER.findall(entry.msgid_plural or entry.msgid)))
        for text in entry.msgstr.values():
            if sorted(set(PLACEHOLDER.findall(text))) != wanted:
                broken.append(f"line {entry.line}: {entry.msgid!r} -> {text!r}")
    assert not broken, f"{language}: {broken}"


@pytest.mark.parametrize("language", TRANSLATED)
def test_compiled_catalog_matches_the_po_file(language):
    # Given every message of the .po
    _, entries = catalog(language)
    # When Django translates it through the compiled .mo
    stale = []
    with translation.override(language):
        for entry in entries:
            if entry.msgid_plural is not None:
                counts = [1] if language == "ja" else [1, 2, 5]
                got = [
                    translation.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, n)
                    if entry.msgctxt
                    else translation.ngettext(entry.msgid, entry.msgid_plural, n)
                    for n in counts
                ]
                want = [entry.msgstr[i] for i in range(len(counts))]
            else:
                got = [
                    translation.pgettext(entry.msgctxt, entry.msgid)
                    if entry.msgctxt
                    else translation.gettext(entry.msgid)
                ]
                want = [entry.msgstr[0]]
            if got != want:
                stale.append(entry.msgid)
    # Then it gives the .po's text: the .mo was compiled after the last edit
    assert not stale, f"{language}: run compilemessages; stale or missing in the .mo: {stale}"


@pytest.mark.parametrize("language", TRANSLATED)
def test_sign_in_page_follows_the_language_cookie(client, db, language):
    # Given an anonymous visitor who chose a language before signing in
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    # When they open the sign-in page
    response = client.get(reverse("web:login"))
    # Then the page is in that language, not in English
    page = response.content.decode()
    assert response["Content-Language"] == language
    assert translated(language, "Sign in to tierdesk") in page
    assert "Sign in to tierdesk" not in page


def test_agent_console_is_in_the_agents_russian(client, db):
    # Given an agent who reads the interface in Russian
    agent = make_person("dmitri", role=Role.AGENT, tier=Tier.FRONT_LINE, language="ru")
    client.force_login(agent)
    # When they open the ticket list
    page = client.get(reverse("tickets:list")).content.decode()
    # Then the console's navigation is in Russian
    assert "Мои заявки" in page
    assert translated("ru", "All unsolved") in page
    assert "My tickets" not in page


def test_customer_portal_is_in_the_customers_japanese(client, oscar):
    # Given a customer contact whose interface language is Japanese
    assert oscar.language == "ja"
    client.force_login(oscar)
    # When they open the portal
    page = client.get(reverse("portal:home"), follow=True).content.decode()
    # Then the portal speaks Japanese
    assert "新しいリクエストを送信" in page
    assert "Open a new request" not in page
