"""The analyzer: stems by script, bigrams for Japanese, identifiers whole and in parts."""
# ruff: noqa: RUF001

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from tierdesk.search import analysis
from tierdesk.search.analysis import analyze_document, analyze_query, tokens

TOKEN = re.compile(r"^[0-9a-z\u0080-\uffff]+$")


def matches(query: str, text: str) -> bool:
    """Whether every clause of the query is in the text's terms (phrases adjacent): what the
    index does with the same terms."""
    terms = tokens(text)
    for clause in analyze_query(query).clauses:
        n = len(clause.terms)
        if not any(tuple(terms[i : i + n]) == clause.terms for i in range(len(terms) - n + 1)):
            return False
    return True


def test_english_inflections_share_a_stem():
    assert tokens("running") == tokens("runs") == ["run"]
    assert matches("runs", "The export keeps running")


def test_english_stop_words_are_dropped():
    assert tokens("How do I reset the password") == ["reset", "password"]


def test_russian_inflections_share_a_stem():
    forms = ["пароль", "пароля", "паролем", "паролю"]
    assert len({tuple(tokens(form)) for form in forms}) == 1
    assert matches("пароля", "Не удаётся сбросить пароль администратора")


def test_japanese_is_cut_into_bigrams_and_particles_dropped():
    assert tokens("パスワードのリセット方法") == [
        "パス", "スワ", "ワー", "ード", "リセ", "セッ", "ット", "方法",
    ]  # fmt: skip
    assert matches("パスワードをリセット", "パスワードのリセット方法")
    assert not matches("パスワードをリセット", "パスポートのリセット")


def test_a_single_kanji_is_its_own_term():
    assert tokens("本") == ["本"]


def test_identifiers_are_one_term_and_their_parts():
    assert tokens("ERR_QUERY_TIMEOUT") == ["err", "queri", "timeout", "errquerytimeout"]
    assert tokens("java.lang.OutOfMemoryError")[-1] == "javalangoutofmemoryerror"
    assert "memori" in tokens("java.lang.OutOfMemoryError")
    assert tokens("0x80070005") == ["0", "x", "80070005", "0x80070005"]


def test_a_pasted_identifier_is_required_whole():
    query = analyze_query("ERR_QUERY_TIMEOUT")
    assert [c.terms for c in query.required] == [("errquerytimeout",)]
    assert matches("ERR_QUERY_TIMEOUT", "The job failed with ERR_QUERY_TIMEOUT again")
    assert not matches("ERR_QUERY_TIMEOUT", "err: the query hit a timeout")
    assert not matches("ERR_QUERY_TIMEOUT", "ERR_QUERY_CANCELLED after a timeout")


def test_java_exception_and_hex_codes_match_verbatim_only():
    assert matches("java.lang.OutOfMemoryError", "Caused by java.lang.OutOfMemoryError: heap")
    assert not matches("java.lang.OutOfMemoryError", "java.lang.StackOverflowError, out of memory")
    assert matches("0x80070005", "Setup stopped with 0x80070005 (access denied)")
    assert not matches("0x80070005", "Setup stopped with 0x80070006")


def test_http_status_is_a_phrase():
    query = analyze_query("HTTP 503")
    assert query.clauses[0].terms == ("http", "503") and query.clauses[0].required
    assert matches("HTTP 503", "The gateway answers HTTP 503 Service Unavailable")
    assert not matches("HTTP 503", "HTTP 504 after 503 retries")


def test_quoted_text_is_a_required_phrase():
    query = analyze_query('"connection reset" proxy')
    assert query.required[0].terms == ("connect", "reset")
    assert matches('"connection reset"', "the connection reset by peer")
    assert not matches('"connection reset"', "reset the connection")


def test_a_document_has_positions_per_field():
    analyzed = analyze_document({"title": "Reset passwords", "body": "Use the reset link"})
    assert analyzed == {
        "title": [("reset", 0), ("password", 1)],
        "body": [("use", 0), ("reset", 1), ("link", 2)],
    }


def test_full_and_half_width_forms_fold():
    assert tokens("ＥＲＲ＿ＱＵＥＲＹ") == tokens("ERR_QUERY")
    assert tokens("ｴﾗｰ") == tokens("エラー")


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_text_gives_only_letter_and_digit_terms(text):
    for term in tokens(text):
        assert TOKEN.match(term), term
    for clause in analyze_query(text).clauses:
        assert clause.terms
        for term in clause.terms:
            assert TOKEN.match(term), term


def test_a_class_name_alone_finds_the_qualified_name_as_pasted():
    from tierdesk.search.analysis import analyze_query, tokens

    document = set(tokens("Coordinator crashes with java.lang.OutOfMemoryError: Java heap space"))
    for query in ("OutOfMemoryError", "java.lang.OutOfMemoryError"):
        for clause in analyze_query(query).clauses:
            assert set(clause.terms) <= document, query
    assert "hashaggregator" in tokens(
        "at com.lumora.exec.HashAggregator.grow(HashAggregator.java:212)"
    )


def test_a_long_field_keeps_its_start_and_its_end():
    # A long thread: the problem first, pages of logs, the resolution last
    text = "Exports stall " + "logline " * 20_000 + "fixed by reinstalling"
    assert len(text) > analysis.FIELD_CHARS_MAX
    terms = analysis.tokens(text)
    assert terms[:2] == ["export", "stall"]
    assert terms[-2:] == ["fix", "reinstal"]
    assert "reinstal" in analysis.terms_text(text).split()
    spans = list(analysis.spans(text))
    token, start, end = spans[-1]
    assert (token, text[start:end]) == ("reinstal", "reinstalling")


def test_a_code_written_straight_before_japanese_keeps_its_whole_token():
    # Japanese has no spaces: the code and the sentence after it came as one chunk
    assert tokens("ERR_QUERY_TIMEOUTが出る") == [
        "err", "queri", "timeout", "errquerytimeout", "出",
    ]  # fmt: skip
    assert "outofmemoryerror" in tokens("java.lang.OutOfMemoryErrorが発生")
    assert "javalangoutofmemoryerror" in tokens("java.lang.OutOfMemoryErrorが発生")
    query = analyze_query("ERR_QUERY_TIMEOUTが出る")
    assert [c.terms for c in query.required] == [("errquerytimeout",)]
    assert [c.terms for c in analyze_query("java.lang.OutOfMemoryErrorが発生").required] == [
        ("javalangoutofmemoryerror",)
    ]
    assert matches("ERR_QUERY_TIMEOUTが出る", "クエリで ERR_QUERY_TIMEOUT が出る")
    assert matches("ERR_QUERY_TIMEOUT", "クエリでERR_QUERY_TIMEOUTが出る")
    assert matches("OutOfMemoryError", "java.lang.OutOfMemoryErrorが発生しました")
    assert matches("java.lang.OutOfMemoryError 発生", "java.lang.OutOfMemoryErrorが発生")


def test_highlight_spans_of_a_code_before_japanese_cover_the_code():
    text = "ログにERR_QUERY_TIMEOUTが出る"
    found = {token: text[start:end] for token, start, end in analysis.spans(text)}
    assert found["errquerytimeout"] == "ERR_QUERY_TIMEOUT"
    assert found["出"] == "出"
