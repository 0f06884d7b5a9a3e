"""Snippets of search hits: the window of the original text with the most query terms, escaped,
with each word the analyzer turns into a query term wrapped in <mark>."""

from __future__ import annotations

from collections.abc import Collection

from django.utils.html import escape

from tierdesk.search import analysis

SNIPPET_CHARS = 240
# Context kept before the first match of the window.
LEAD_CHARS = 60
# Matches considered when choosing the window: a log dump full of the term needs no more.
MATCHES_MAX = 400


def _matches(text: str, terms: Collection[str]) -> list[tuple[int, int, str]]:
    found: list[tuple[int, int, str]] = []
    for term, start, end in analysis.spans(text):
        if term in terms:
            if found and start < found[-1][1]:
                # Overlapping spans (CJK bigrams, an identifier and its parts) read as one mark.
                prev = found.pop()
                found.append((prev[0], max(prev[1], end), prev[2]))
            else:
                found.append((start, end, term))
            if len(found) >= MATCHES_MAX:
                break
    return found


def _window(matches: list[tuple[int, int, str]]) -> int:
    """Start of the window of SNIPPET_CHARS holding the most distinct terms (the earliest of
    equals)."""
    best_start, best_count = matches[0][0], 0
    for i, (start, _end, _term) in enumerate(matches):
        distinct = {term for s, _e, term in matches[i:] if s < start + SNIPPET_CHARS - LEAD_CHARS}
        if len(distinct) > best_count:
            best_start, best_count = start, len(distinct)
    return best_start


def snippet(text: str, terms: Collection[str], *, chars: int = SNIPPET_CHARS) -> str:
    """HTML-safe: the text escaped, matches in <mark>. The start of the text when nothing in it
    matches."""
    text = " ".join(text.split())  # line breaks and runs of spaces read as one space here
    matches = _matches(text, terms) if terms else []
    if matches:
        start = max(0, _window(matches) - LEAD_CHARS)
        if start:
            space = text.rfind(" ", 0, start + 1)
            start = space + 1 if space >= 0 and start - space < 20 else start
    else:
        start = 0
    end = min(len(text), start + chars)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start + chars // 2 else end
    parts: list[str] = ["…"] if start else []
    cursor = start
    for m_start, m_end, _term in matches:
        if m_end <= start or m_start >= end:
            continue
        m_start, m_end = max(m_start, start), min(m_end, end)
        parts.append(escape(text[cursor:m_start]))
        parts.append(f"<mark>{escape(text[m_start:m_end])}</mark>")
        cursor = m_end
    parts.append(escape(text[cursor:end]))
    if end < len(text):
        parts.append("…")
    return "".join(parts)
