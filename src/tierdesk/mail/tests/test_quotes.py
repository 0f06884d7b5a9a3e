"""Cutting the quoted history off a reply, in plain text and HTML, in English, Russian and
Japanese; keeping inline answers and forwards whole."""

# ruff: noqa: RUF001 - Japanese and Russian texts on purpose.

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tierdesk.mail.quotes import split_html, split_text


def test_gmail_attribution_and_quoted_lines_are_history():
    split = split_text(
        "Thanks, that fixed it.\n\nOn Mon, Apr 2, 2012 at 6:26 PM, Support <support@x.test>\n"
        "wrote:\n\n> Please clear the cache.\n> \n> Regards"
    )
    assert split.reply == "Thanks, that fixed it."
    assert split.quoted.startswith("On Mon, Apr 2, 2012")
    assert split.quoted.endswith("> Regards")


def test_outlook_original_message_and_header_block_are_history():
    divider = split_text(
        "Still failing.\n\n-----Original Message-----\nFrom: Support\nSent: Monday\n\nHi"
    )
    assert divider.reply == "Still failing."
    header_block = split_text(
        "Still failing.\n\n________________________________\nFrom: Support <s@x.test>\n"
        "Sent: Monday, 2 March 2026 09:00\nTo: Alice\nSubject: RE: [#12] Timeouts\n\nHi Alice"
    )
    assert header_block.reply == "Still failing."
    assert header_block.quoted.startswith("____")


def test_russian_replies():
    android = split_text(
        'Спасибо, работает.\n02.04.2012 14:20 пользователь "Поддержка" <\n'
        "support@x.test> написал:\n\n> Попробуйте ещё раз"
    )
    assert android.reply == "Спасибо, работает."
    outlook = split_text(
        "Ошибка осталась.\n\nОт: Поддержка <support@x.test>\nОтправлено: 2 марта 2026 г. 9:00\n"
        "Кому: Ирина\nТема: RE: [#12] Выгрузка\n\nДобрый день"
    )
    assert outlook.reply == "Ошибка осталась."
    yandex = split_text(
        'Всё хорошо.\n\n26.06.2014, 14:41, "Поддержка" <support@x.test>:\n> Как дела?'
    )
    assert yandex.reply == "Всё хорошо."
    thunderbird = split_text("Понял.\n\n02.03.2026 9:00, Поддержка пишет:\n> Текст")
    assert thunderbird.reply == "Понял."


def test_japanese_replies():
    gmail = split_text(
        "ありがとうございます。解決しました。\n\n2026年3月2日(月) 9:00 サポート <support@x.test>:\n\n"
        "> キャッシュを削除してください。"
    )
    assert gmail.reply == "ありがとうございます。解決しました。"
    outlook = split_text(
        "まだエラーが出ます。\n\n差出人: サポート <support@x.test>\n送信日時: 2026年3月2日 9:00\n"
        "宛先: 山田\n件名: RE: [#12] タイムアウト\n\nお世話になっております。"
    )
    assert outlook.reply == "まだエラーが出ます。"
    apple = split_text(
        "了解です。\n\n2026/03/02 9:00、サポート <support@x.test> のメッセージ:\n\n> 本文"
    )
    assert apple.reply == "了解です。"


def test_bottom_posted_answer_is_kept_and_the_quote_above_is_history():
    split = split_text(
        "On 04/02/2012 06:26 PM, Support wrote:\n> Did it work?\n\nYes, it works now."
    )
    assert split.reply == "Yes, it works now."
    assert split.quoted == "On 04/02/2012 06:26 PM, Support wrote:\n> Did it work?"


def test_inline_answers_keep_the_whole_message():
    text = "Answers below.\n\n> Which version?\n4.2.1\n\n> Which browser?\nFirefox"
    assert split_text(text).reply == text
    assert not split_text(text).found


def test_ordinary_text_that_mentions_dates_and_colons_is_not_history():
    text = (
        "On Monday the export failed twice.\nOur admin wrote the following config:\n"
        "timeout: 30\nFrom: the start of the month the job runs at 09:00"
    )
    assert split_text(text).reply == text
    # A message that is nothing but quoted lines is the message (a pasted log, say).
    assert split_text("> SELECT 1\n> ERROR 42").reply == "> SELECT 1\n> ERROR 42"


def test_forwards_are_not_history():
    text = "Please look at this.\n\n---------- Forwarded message ---------\nFrom: Bot <b@x.test>\n"
    text += "Date: Mon\nSubject: Alert\nTo: me\n\nDisk full"
    assert split_text(text).reply == text.strip()


def test_html_gmail_quote_is_cut_and_the_reply_stays_html():
    split = split_html(
        '<div dir="ltr">Fixed, <b>thanks</b>.</div><br><div class="gmail_quote">'
        '<div>On Mon, Support wrote:</div><blockquote class="gmail_quote">Clear the cache</blockquote></div>'
    )
    assert split.reply_text == "Fixed, thanks."
    assert "<b>thanks</b>" in split.reply_html
    assert "Clear the cache" in split.quoted and "Clear the cache" not in split.reply_html


def test_html_outlook_reply_header_and_blockquotes():
    outlook = split_html(
        '<p>Still failing.</p><div id="divRplyFwdMsg"><b>From:</b> Support<br><b>Sent:</b> Mon'
        "</div><div>Old text</div>"
    )
    assert outlook.reply_text == "Still failing."
    assert "Old text" in outlook.quoted
    yandex = split_html(
        '<p>Всё хорошо.<br />26.06.2014, 14:41, "Поддержка" &lt;'
        '<a href="mailto:s@x.test">s@x.test</a>&gt;:</p><blockquote>Как дела?</blockquote>'
    )
    assert yandex.reply_text == "Всё хорошо."


def test_html_with_a_quote_in_the_middle_of_the_answer_is_kept_whole():
    split = split_html(
        "<p>See the log:</p><blockquote>ERROR 42</blockquote><p>It happens daily.</p>"
    )
    assert not split.found
    assert "ERROR 42" in split.reply_text


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "Hello",
                "",
                "> quoted",
                "On Mon, 2 Mar 2026, Bob <b@x.test> wrote:",
                "-----Original Message-----",
                "From: Bob",
                "Sent: Monday",
                "To: Alice",
                "Subject: Re: x",
                "Спасибо",
                "差出人: サポート",
            ]
        ),
        max_size=14,
    )
)
def test_nothing_is_lost_between_reply_and_history(lines):
    text = "\n".join(lines)
    split = split_text(text)
    kept = sorted((split.reply + "\n" + split.quoted).split())
    assert kept == sorted(text.split())
