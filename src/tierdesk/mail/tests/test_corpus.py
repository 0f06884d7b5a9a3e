"""The real-world corpus in ../shared/data/email_samples (beside the checkout) through the real
intake path.

Every .eml is stored and processed as the SMTP listener hands it over (inbound_store, then the
worker's task on commit). Each must end as a ticket message, or ignored, held or quarantined
with a reason; none may raise or vanish. Subjects, text bodies and attachment names are compared
with the upstream projects' expected parses (imap_tools, Thunderbird), and the replies with
talon's expected text once the quoted history is removed. The counts reached are asserted as
floors and printed, so a change that reads less of the corpus fails.

How bodies are compared: line ends and trailing spaces are normalised, runs of blank lines count
as one, and characters an upstream parser could not decode (lone surrogates, U+FFFD) are left
out on both sides. imap_tools' text also holds the text of forwarded messages (message/rfc822
parts); here those stay attached whole, so a body matches when it equals the expected text, or
equals it once the texts of the message's forwarded attachments are appended.
"""

# ruff: noqa: RUF001 - the expected texts are Japanese and Russian on purpose.

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from pathlib import Path

import pytest
from django.db import transaction

from tierdesk.mail.choices import InboundStatus
from tierdesk.mail.intake import message_fingerprint
from tierdesk.mail.models import InboundMail
from tierdesk.mail.parsing import parse
from tierdesk.tickets.models import Attachment

# The shared data sets sit beside the checkout: <checkout>/../shared/data.
CORPUS = Path(__file__).resolve().parents[4].parent / "shared" / "data" / "email_samples"
if not CORPUS.is_dir():
    CORPUS = Path("/work/shared/data/email_samples")
pytestmark = pytest.mark.skipif(
    not CORPUS.is_dir(),
    reason=f"The email corpus is not at {CORPUS} (../shared/data beside the checkout).",
)

# The floors: what the intake reaches today (see the module's description for the rules).
IMAP_TOOLS_MESSAGES = 81
SUBJECTS_MATCHED = 80
TEXTS_EXPECTED = 65
TEXTS_MATCHED = 61
ATTACHMENT_SETS_MATCHED = 80
THUNDERBIRD_MATCHED = 5
TALON_PLAIN_MATCHED = 12
TALON_HTML_MATCHED = 9


def _eml_files() -> list[Path]:
    return sorted(
        path
        for folder in ("imap_tools", "thunderbird", "talon_replies")
        for path in (CORPUS / folder).glob("*.eml")
    )


def _body(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(c for c in text if not 0xD800 <= ord(c) <= 0xDFFF and c != "\ufffd")
    lines = [line.rstrip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _subject(text: str) -> str:
    return " ".join(_body(text).split())


def _text_matches(raw: bytes, expected: str) -> bool:
    parsed = parse(raw)
    ours = _body(parsed.text)
    if ours == _body(expected):
        return True
    forwarded = [
        parse(a.content).text for a in parsed.attachments if a.content_type == "message/rfc822"
    ]
    joined = "\n".join([parsed.text, *forwarded])
    return bool(forwarded) and " ".join(_body(joined).split()) == " ".join(_body(expected).split())


@pytest.fixture
def corpus_desk(support_address, settings):
    settings.TIERDESK_MAIL_UNKNOWN_SENDERS = "create"
    # The corpus has dozens of messages from a handful of senders, delivered in one go.
    settings.TIERDESK_MAIL_SENDER_LIMIT_PER_HOUR = 1000
    return support_address


def test_every_message_becomes_a_ticket_or_an_entry_with_a_reason(deliver, corpus_desk):
    files = _eml_files()
    assert len(files) == 81 + 5 + 13
    outcomes: Counter[str] = Counter()
    for path in files:
        row = deliver(path.read_bytes())
        assert row.pk is not None, path.name
        if row.status == InboundStatus.PROCESSED:
            assert row.ticket_id is not None and row.message_id is not None, path.name
            outcomes["ticket"] += 1
        else:
            assert row.status in {
                InboundStatus.IGNORED,
                InboundStatus.HELD,
                InboundStatus.QUARANTINED,
            }, (path.name, row.status)
            assert row.reason_code and row.reason, (path.name, row.status)
            outcomes[f"{row.status}:{row.reason_code}"] += 1
    # Files of one message are one row (the later files get the first one's row); files reusing
    # a Message-ID for another message (other sender, subject or text) are rows of their own.
    rows = Counter(
        f"{status}:{code}" if code else status
        for status, code in InboundMail.objects.values_list("status", "reason_code")
    )
    print("\ncorpus outcomes per file:", dict(sorted(outcomes.items())))
    print("corpus outcomes per stored message:", dict(sorted(rows.items())))
    messages = {
        (message_id, message_fingerprint(raw)) if message_id else p.name
        for p in files
        for raw in [p.read_bytes()]
        for message_id in [parse(raw).message_id]
    }
    assert sum(rows.values()) == len(messages)
    assert outcomes["ticket"] >= 92 and rows["processed"] >= 75
    assert not any(key.startswith("quarantined:error") for key in outcomes)


def test_subjects_bodies_and_attachments_match_imap_tools(deliver, corpus_desk):
    expectations = sorted((CORPUS / "imap_tools_expected").glob("*.json"))
    assert len(expectations) == IMAP_TOOLS_MESSAGES
    subjects = texts = texts_expected = attachment_sets = 0
    misses: list[str] = []
    for path in expectations:
        expected = json.loads(path.read_text(encoding="utf-8"))
        raw = (CORPUS / "imap_tools" / f"{path.stem}.eml").read_bytes()
        # Each message on a desk of its own: several share a Message-ID, which the intake
        # (rightly) stores once.
        with transaction.atomic():
            row = deliver(raw)
            assert row.sha256 == hashlib.sha256(raw).hexdigest()
            if _subject(row.subject) == _subject(expected["subject"]):
                subjects += 1
            else:
                misses.append(f"subject {path.stem}: {row.subject!r} != {expected['subject']!r}")
            if expected["text"]:
                texts_expected += 1
                if _text_matches(bytes(row.raw), expected["text"]):
                    texts += 1
                else:
                    misses.append(f"text {path.stem}")
            if _attachments_match(row, raw, expected["attachments"]):
                attachment_sets += 1
            else:
                misses.append(f"attachments {path.stem}")
            transaction.set_rollback(True)
    print(
        f"\nimap_tools: subjects {subjects}/{IMAP_TOOLS_MESSAGES}, texts {texts}/{texts_expected},"
        f" attachment sets {attachment_sets}/{IMAP_TOOLS_MESSAGES}"
    )
    print("\n".join(misses))
    assert texts_expected == TEXTS_EXPECTED
    assert subjects >= SUBJECTS_MATCHED
    assert texts >= TEXTS_MATCHED
    assert attachment_sets >= ATTACHMENT_SETS_MATCHED


def _attachments_match(row: InboundMail, raw: bytes, expected: list[dict]) -> bool:
    """Every named file of the expected parse is a file of ours with the same content (a
    forwarded message by name alone: it is re-serialised), and there are as many files. For a
    message that became a ticket, "ours" are the files stored on its message, plus those the
    message's text says were not kept. imap_tools also lists the files inside forwarded
    messages; here those stay inside the forwarded message, which counts as keeping them."""
    parsed = parse(raw)
    if row.status == InboundStatus.PROCESSED and row.message_id:
        ours = [(a.filename, _sha(a)) for a in Attachment.objects.filter(message_id=row.message_id)]
        for item in parsed.attachments:
            if item.filename not in {name for name, _ in ours} and item.filename in (
                row.message.body_text
            ):
                ours.append((item.filename, hashlib.sha256(item.content).hexdigest()))
    else:
        ours = [(a.filename, hashlib.sha256(a.content).hexdigest()) for a in parsed.attachments]
    for item in parsed.attachments:
        if item.content_type == "message/rfc822":
            ours += [
                (inner.filename, hashlib.sha256(inner.content).hexdigest())
                for inner in parse(item.content).attachments
            ]
    wanted = Counter(e["filename"] for e in expected if e["filename"])
    have = Counter(name for name, _sha in ours)
    if any(have[name] < count for name, count in wanted.items()) or len(ours) < len(expected):
        return False
    hashes = {(name, digest) for name, digest in ours}
    return all(
        item["content_type"] == "message/rfc822"
        or not item["filename"]
        or (item["filename"], item["payload_sha256"]) in hashes
        for item in expected
    )


def _sha(attachment: Attachment) -> str:
    with attachment.file.open("rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def test_thunderbird_samples_decode_as_thunderbird_expects(deliver, corpus_desk):
    expected = json.loads((CORPUS / "thunderbird" / "expected_decoded.json").read_text("utf-8"))
    matched = 0
    for name, want in expected.items():
        row = deliver((CORPUS / "thunderbird" / name).read_bytes())
        assert row.status == InboundStatus.PROCESSED, (name, row.reason)
        body = row.message.body_text
        if _subject(row.subject) == _subject(want["subject"]) and _body(body) == _body(
            want["body_text"]
        ):
            matched += 1
        else:
            print(name, repr(row.subject), repr(body))
    print(f"\nthunderbird: {matched}/{len(expected)}")
    assert matched >= THUNDERBIRD_MATCHED


def test_japanese_and_russian_mail_decodes(deliver, corpus_desk):
    cases = {
        "imap_tools/multi_charset__japanese_iso_2022.eml": ("まみむめも", "すみません。"),
        "imap_tools/rfc2822__example14.eml": ("テストテスト", ""),
        "imap_tools/multi_charset__japanese.eml": ("まみむめも", ""),
        "thunderbird/sample04_koi8r_base64.eml": ("Алфавит", "Вопрос"),
        "thunderbird/sample05_windows1251_base64.eml": ("Алфавит", "Вопрос"),
        "imap_tools/plain_emails__raw_email_with_partially_quoted_content_id.eml": (
            "Пример email с вложением",
            "",
        ),
    }
    for name, (subject, body) in cases.items():
        row = deliver((CORPUS / name).read_bytes())
        assert subject in row.subject, name
        assert row.status == InboundStatus.PROCESSED, (name, row.reason)
        assert row.ticket.subject == " ".join(row.subject.split())[:250]
        assert body in row.message.body_text, name
    shift_jis = deliver((CORPUS / "imap_tools/multi_charset__japanese_shift_jis.eml").read_bytes())
    assert re.search(r"[\u3040-\u30ff]", shift_jis.message.body_text)
    japanese = deliver((CORPUS / "imap_tools/multi_charset__japanese_iso_2022.eml").read_bytes())
    assert japanese.ticket.language == "ja"


def test_talon_replies_keep_only_the_new_text(deliver, corpus_desk):
    expected = json.loads((CORPUS / "talon_replies" / "expected_replies.json").read_text("utf-8"))
    matched = 0
    for name, want in expected["standard_replies_plain"].items():
        row = deliver((CORPUS / "talon_replies" / name).read_bytes())
        assert row.status == InboundStatus.PROCESSED, (name, row.reason)
        if row.message.body_text.strip() == want.strip():
            matched += 1
            assert row.quoted_text, name
        else:
            print(name, repr(row.message.body_text))
    print(f"\ntalon plain replies: {matched}/{len(expected['standard_replies_plain'])}")
    assert matched >= TALON_PLAIN_MATCHED

    shared = deliver((CORPUS / "talon_replies" / "reply-quotations-share-block.eml").read_bytes())
    assert shared.message.body_text and "From" not in shared.message.body_text


def test_talon_html_replies_keep_only_the_new_text(deliver, corpus_desk, make_mail):
    expected = json.loads((CORPUS / "talon_replies" / "expected_replies.json").read_text("utf-8"))
    matched = 0
    for name, want in expected["html_replies"].items():
        fragment = (CORPUS / "talon_replies" / "html_replies" / name).read_text("utf-8")
        raw = make_mail(
            sender="alex@client.example", subject="Re: Test message", text=None, html=fragment
        )
        row = deliver(raw)
        assert row.status == InboundStatus.PROCESSED, (name, row.reason)
        reply = "".join(row.message.body_text.split())
        if reply == "".join(want.split()):
            matched += 1
            assert "Howareyou" in "".join(row.quoted_text.split()), name
            assert "How are you" not in row.message.body_html, name
        else:
            print(name, repr(row.message.body_text))
    print(f"\ntalon HTML replies: {matched}/{len(expected['html_replies'])}")
    assert matched >= TALON_HTML_MATCHED
