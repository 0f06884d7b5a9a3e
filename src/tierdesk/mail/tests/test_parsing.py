"""Reading mail as customers' clients write it: charsets that lie or are missing, encoded words
split mid-character, 8-bit headers, broken MIME, forwarded messages and inline images."""

# ruff: noqa: RUF001, RUF003 - Japanese and Russian texts on purpose.

from __future__ import annotations

import base64
import quopri
from email.header import Header

from hypothesis import given, settings
from hypothesis import strategies as st

from tierdesk.mail.parsing import (
    codec_name,
    decode_bytes,
    decode_header_value,
    header_message_id,
    parse,
    safe_filename,
)


def _mail(headers: str, body: bytes) -> bytes:
    return headers.replace("\n", "\r\n").encode("ascii") + b"\r\n\r\n" + body


def test_iso_2022_jp_subject_split_across_encoded_words_and_body_decode():
    # Mailers cut ISO-2022-JP between words; each word alone is not valid text.
    encoded = "テストの件名です".encode("iso2022_jp")
    half = len(encoded) // 2
    words = " ".join(
        f"=?ISO-2022-JP?B?{base64.b64encode(part).decode()}?="
        for part in (encoded[:half], encoded[half:])
    )
    raw = _mail(
        f"From: taro@globex.test\nSubject: {words}\nContent-Type: text/plain; charset=ISO-2022-JP",
        "ダッシュボードが表示されません。".encode("iso2022_jp"),
    )

    parsed = parse(raw)

    assert parsed.subject == "テストの件名です"
    assert parsed.text == "ダッシュボードが表示されません。"


def test_shift_jis_body_with_windows_characters_decodes_as_cp932():
    # ① and ～ are Windows extensions that strict Shift_JIS does not have.
    raw = _mail(
        "From: taro@globex.test\nSubject: test\nContent-Type: text/plain; charset=Shift_JIS",
        "手順①：ログイン～確認".encode("cp932"),
    )

    assert parse(raw).text == "手順①：ログイン～確認"


def test_euc_jp_koi8_r_and_windows_1251_bodies_decode():
    for charset, codec, text in (
        ("EUC-JP", "euc_jp", "問い合わせです"),
        ("KOI8-R", "koi8_r", "Отчёт не строится"),
        ("windows-1251", "cp1251", "Отчёт не строится"),
    ):
        raw = _mail(
            f"From: a@b.test\nSubject: x\nContent-Type: text/plain; charset={charset}\n"
            "Content-Transfer-Encoding: base64",
            base64.encodebytes(text.encode(codec)),
        )
        assert parse(raw).text.strip() == text, charset


def test_quoted_printable_utf8_body_and_subject():
    subject = Header("Ошибка при выгрузке", "utf-8").encode()
    raw = _mail(
        f"From: ivan@rossiya.test\nSubject: {subject}\nContent-Type: text/plain; charset=utf-8\n"
        "Content-Transfer-Encoding: quoted-printable",
        quopri.encodestring("Выгрузка падает на 10%.".encode()),
    )

    parsed = parse(raw)

    assert parsed.subject == "Ошибка при выгрузке"
    assert parsed.text == "Выгрузка падает на 10%."


def test_unknown_and_missing_charsets_fall_back_to_the_likeliest_reading():
    russian = "Добрый день, отчёт не формируется".encode("cp1251")
    for declared in ("x-unknown", "foo-bar", ""):
        header = f"; charset={declared}" if declared else ""
        raw = _mail(f"From: a@b.test\nSubject: x\nContent-Type: text/plain{header}", russian)
        assert parse(raw).text == "Добрый день, отчёт не формируется", declared
    koi8 = "Добрый день, отчёт не формируется".encode("koi8_r")
    assert decode_bytes(koi8, None) == "Добрый день, отчёт не формируется"
    assert decode_bytes("お世話になっております".encode("cp932"), None) == "お世話になっております"


def test_latin1_declared_utf8_text_is_read_as_utf8():
    assert decode_bytes("Grüße aus Köln".encode(), "iso-8859-1") == "Grüße aus Köln"
    assert decode_bytes("Grüße".encode("latin-1"), "iso-8859-1") == "Grüße"


def test_raw_8bit_headers_decode_as_utf8_or_the_body_charset():
    raw = (
        "From: Ирина <irina@rossiya.test>\r\nSubject: Счёт за март\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\nТекст"
    ).encode()
    parsed = parse(raw)
    assert (parsed.subject, parsed.from_name, parsed.from_address) == (
        "Счёт за март",
        "Ирина",
        "irina@rossiya.test",
    )
    koi8 = (
        b"From: a@b.test\r\nSubject: " + "Счёт".encode("koi8_r") + b"\r\n"
        b"Content-Type: text/plain; charset=koi8-r\r\n\r\n" + "Текст".encode("koi8_r")
    )
    assert parse(koi8).subject == "Счёт"


def test_codec_names_of_mailers_aliases():
    assert codec_name("ks_c_5601-1987") == "euc_kr"
    assert codec_name('"Windows-31J"') == "cp932"
    assert codec_name("utf-8*ja") == "utf-8"
    assert codec_name("x-unknown") == ""


def test_encoded_words_keep_the_space_before_plain_text_and_drop_it_between_words():
    assert decode_header_value("Re: =?UTF-8?B?0J/RgNC40LLQtdGC?= =?UTF-8?B?INC80LjRgA==?=") == (
        "Re: Привет мир"
    )
    # A broken encoded word stays readable instead of raising.
    assert decode_header_value("=?NONE?B?VEVTVA=?=") == "TEST"
    assert decode_header_value("=?utf-8?Q?bad=ZZ?=") == "bad=ZZ"


def test_multipart_alternative_prefers_plain_text_and_keeps_the_html():
    raw = _mail(
        'From: a@b.test\nSubject: x\nMIME-Version: 1.0\nContent-Type: multipart/alternative; boundary="b"',
        b"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nPlain words\r\n"
        b"--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Rich <b>words</b></p>\r\n--b--\r\n",
    )
    parsed = parse(raw)
    assert parsed.text == "Plain words"
    assert "<b>words</b>" in parsed.html
    assert not parsed.text_from_html


def test_html_only_mail_gets_its_text_from_the_sanitised_html():
    raw = _mail(
        "From: a@b.test\nSubject: x\nContent-Type: text/html; charset=utf-8",
        b"<html><head><style>p{}</style><script>alert(1)</script></head>"
        b"<body><p>First</p><p>Second<br>line</p></body></html>",
    )
    parsed = parse(raw)
    assert parsed.text == "First\n\nSecond\nline"
    assert parsed.text_from_html
    assert "alert" not in parsed.text


def test_attachments_inline_images_and_forwarded_messages():
    forwarded = _mail(
        "From: x@y.test\nSubject: The original\nMessage-ID: <orig@y.test>", b"Inner text"
    )
    raw = _mail(
        'From: a@b.test\nSubject: x\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="m"',
        b'--m\r\nContent-Type: multipart/related; boundary="r"\r\n\r\n'
        b'--r\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>See <img src="cid:logo@x"></p>\r\n'
        b"--r\r\nContent-Type: image/png\r\nContent-ID: <logo@x>\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + base64.b64encode(b"\x89PNG fake")
        + b"\r\n--r--\r\n"
        b'--m\r\nContent-Type: application/pdf; name="report.pdf"\r\nContent-Disposition: attachment; '
        b"filename*=UTF-8''%E5%A0%B1%E5%91%8A.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + base64.b64encode(b"%PDF-1.4 data")
        + b"\r\n--m\r\nContent-Type: message/rfc822\r\n\r\n"
        + forwarded
        + b"\r\n--m--\r\n",
    )
    parsed = parse(raw)
    names = [(a.filename, a.content_type, a.inline) for a in parsed.attachments]
    assert names == [
        ("image-1.png", "image/png", True),
        ("報告.pdf", "application/pdf", False),
        ("The original.eml", "message/rfc822", False),
    ]
    assert parsed.attachments[0].content_id == "logo@x"
    assert parsed.attachments[1].content == b"%PDF-1.4 data"
    assert parse(parsed.attachments[2].content).text == "Inner text"
    assert parsed.text == "See"


def test_a_forward_without_a_note_reads_as_the_forwarded_message():
    inner = _mail("From: x@y.test\nSubject: Error report", b"Stack trace: NullPointerException")
    raw = _mail(
        'From: a@b.test\nSubject: Fwd: Error report\nContent-Type: multipart/mixed; boundary="m"',
        b"--m\r\nContent-Type: text/plain\r\n\r\n\r\n--m\r\nContent-Type: message/rfc822\r\n\r\n"
        + inner
        + b"\r\n--m--\r\n",
    )
    parsed = parse(raw)
    assert parsed.text == "Stack trace: NullPointerException"
    assert [a.filename for a in parsed.attachments] == ["Error report.eml"]


def test_an_unquoted_boundary_with_equals_signs_is_read_with_compat32():
    raw = _mail(
        "From: a@b.test\nSubject: x\nMIME-Version: 1.0\n"
        "Content-Type: multipart/alternative; boundary=----=_NextPart_000_0093",
        b"------=_NextPart_000_0093\r\nContent-Type: text/plain\r\n\r\nHello there\r\n"
        b"------=_NextPart_000_0093--\r\n",
    )
    parsed = parse(raw)
    assert parsed.text == "Hello there"
    assert any("compat32" in defect for defect in parsed.defects)


def test_unquoted_encoded_filenames_and_unsafe_names():
    raw = _mail(
        'From: a@b.test\nSubject: x\nContent-Type: multipart/mixed; boundary="m"',
        b"--m\r\nContent-Type: text/plain\r\n\r\nhi\r\n--m\r\nContent-Type: application/pdf\r\n"
        b"Content-Disposition: attachment; filename==?utf-8?B?VGhpcyBpcyBhIHRlc3QucGRm?=\r\n\r\n"
        b"%PDF\r\n--m--\r\n",
    )
    assert [a.filename for a in parse(raw).attachments] == ["This is a test.pdf"]
    assert safe_filename("../../etc/passwd") == "passwd"
    assert safe_filename("C:\\Users\\me\\report.xlsx") == "report.xlsx"
    assert len(safe_filename("a" * 300 + ".pdf")) == 200
    assert len(safe_filename("報" * 100 + ".pdf").encode()) <= 200
    assert safe_filename("a" * 300 + ".pdf").endswith(".pdf")


def test_header_message_id_reads_only_the_header_block():
    raw = b"Subject: x\r\nMessage-ID:\r\n <abc@host.test>\r\n\r\nMessage-ID: <body@host.test>\r\n"
    assert header_message_id(raw) == "abc@host.test"
    assert header_message_id(b"Subject: x\r\n\r\nMessage-ID: <body@host.test>") == ""
    assert header_message_id(b"message-id: bare-id@host\n\nbody") == "bare-id@host"


def test_references_and_addresses_are_collected():
    raw = _mail(
        'From: "Doe, Jane" <Jane.Doe@Acme.test>\nTo: support@tierdesk.test, Other <o@x.test>\n'
        "Cc: c@x.test\nSubject: x\nIn-Reply-To: <a@x>\nReferences: <r1@x>\n <a@x> <r2@x>",
        b"hi",
    )
    parsed = parse(raw)
    assert (parsed.from_name, parsed.from_address) == ("Doe, Jane", "jane.doe@acme.test")
    assert parsed.to == ["support@tierdesk.test", "o@x.test"]
    assert parsed.cc == ["c@x.test"]
    assert parsed.in_reply_to == ["a@x"]
    assert parsed.references == ["r1@x", "a@x", "r2@x"]


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=3000))
def test_parsing_never_raises_on_any_bytes(data):
    parse(data)
    parse(b"Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n" + data)
    decode_bytes(data, "iso-2022-jp")
    decode_header_value(data.decode("latin-1"))
