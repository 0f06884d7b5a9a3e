"""The search analyzer: turns English, Russian and Japanese text, and error codes pasted verbatim,
into index terms. Documents and queries go through the same rules, so what a query asks matches
what a document said."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from itertools import chain

import snowballstemmer

# A chunk is a run of letters and digits, with single connectors inside it: one word, or one
# identifier such as ERR_QUERY_TIMEOUT, java.lang.OutOfMemoryError, 0x80070005 or ORA-00942.
_CONNECTORS = "_.\\-:/\\\\@'\u2019\uff3f\uff0e\uff0d\uff1a\uff0f\uff20"  # and full-width forms
_CHUNK = re.compile(rf"[^\W_]+(?:[{_CONNECTORS}]+[^\W_]+)*")
_SPLIT = re.compile(rf"[{_CONNECTORS}]+")
# Japanese has no spaces: a code written straight before or after it (ERR_QUERY_TIMEOUTが出る)
# shares its chunk. A chunk is cut where CJK or kana meets anything else, so the code keeps its
# whole-identifier token in documents and queries alike.
_CJK_CHARS = (
    "\u3041-\u309f\u30a1-\u30fa\u30fc-\u30ff\u31f0-\u31ff\uff66-\uff9f"
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3005\u3007"
    "\uac00-\ud7af\u1100-\u11ff\u3130-\u318f"
)
_CJK_BOUNDARY = re.compile(
    rf"(?<=[{_CJK_CHARS}])(?=[^{_CJK_CHARS}])|(?<=[^{_CJK_CHARS}])(?=[{_CJK_CHARS}])"
)
# Script runs inside one chunk (full- and half-width forms included: NFKC folds them later).
_RUN = re.compile(
    r"(?P<num>[0-9\uff10-\uff19]+)"
    r"|(?P<lat>[A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff\uff21-\uff3a\uff41-\uff5a]+)"
    r"|(?P<cyr>[\u0400-\u04ff]+)"
    r"|(?P<kan>[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3005\u3007]+)"
    r"|(?P<kat>[\u30a1-\u30fa\u30fc-\u30ff\u31f0-\u31ff\uff66-\uff9f]+)"
    r"|(?P<hir>[\u3041-\u309f]+)"
    r"|(?P<han>[\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]+)"
    r"|(?P<oth>[^\W_]+?)"
)
# camelCase and HTTPServer parts of an ASCII word.
_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+")
_LOWER_UPPER = re.compile(r"[a-z][A-Z]")
# Bigram scripts: no spaces between words, so pairs of characters stand in for words.
_BIGRAM_SCRIPTS = frozenset({"kan", "kat", "han"})

# Small on purpose: measured on the FAQ set, dropping these helps ranking; longer lists start
# dropping words people search for ("not", "no", "off").
_ENGLISH_STOP_WORDS = (
    "a an and are as at be by do does for from how i in is it me my of on or our so "
    "that the this to was we what when where which why will with you your"
)
_RUSSIAN_STOP_WORDS = (
    "а без бы в во вы да для до его её ее же за и из или их к как ли мне мы на над не ни но "  # noqa: RUF001
    "о об он она они от по при с со то у что это я"  # noqa: RUF001
)
ENGLISH_STOP = frozenset(_ENGLISH_STOP_WORDS.split())
RUSSIAN_STOP = frozenset(_RUSSIAN_STOP_WORDS.split())
# Longest token kept: a pasted blob of base64 is not something people search for by its parts.
TOKEN_MAX = 64
# Text analyzed per field: beyond this, a log dump adds nothing but index size. A longer field
# keeps its start and its end (see clip): a long thread's resolution is in its last messages.
FIELD_CHARS_MAX = 60_000
_CLIP_HALF = FIELD_CHARS_MAX // 2

_english = snowballstemmer.stemmer("english")
_russian = snowballstemmer.stemmer("russian")
# Stemming costs ~30 µs a word in pure Python; a desk's vocabulary is small, so remember stems.
_stems: dict[str, str] = {}
_STEMS_MAX = 500_000


def _clean(word: str) -> str:
    """Lowercase, only letters and digits of the basic plane (so the token is one token for
    SQLite FTS5's unicode61 tokenizer and a plain lexeme for PostgreSQL)."""
    word = word.lower()
    if word.isascii():
        return word if word.isalnum() else "".join(c for c in word if c.isalnum())
    return "".join(c for c in word if c.isalnum() and ord(c) < 0x10000)


def _stem(word: str, script: str) -> str:
    if len(word) < 3:
        return word  # nothing to take off; and the parts of identifiers are often this short
    key = script[0] + word
    stem = _stems.get(key)
    if stem is None:
        if len(_stems) > _STEMS_MAX:
            _stems.clear()
        if script == "lat":
            stem = _english.stemWord(word)
        else:
            stem = _russian.stemWord(word.replace("\u0451", "\u0435"))  # yo reads as ye
        stem = _clean(stem) or word
        _stems[key] = stem
    return stem


@dataclass(frozen=True)
class _Part:
    """One piece of a chunk: a word, a number or a script run, with its span in the chunk."""

    script: str
    text: str  # NFKC-folded, case kept
    start: int
    end: int


def _parts(chunk: str) -> list[_Part]:
    parts: list[_Part] = []
    offset = 0
    for segment in _SPLIT.split(chunk):
        seg_start = chunk.index(segment, offset)
        offset = seg_start + len(segment)
        for match in _RUN.finditer(segment):
            script = match.lastgroup or "oth"
            start, end = seg_start + match.start(), seg_start + match.end()
            if script == "oth" and parts and parts[-1].script == "oth" and parts[-1].end == start:
                prev = parts.pop()
                parts.append(_Part("oth", prev.text + match.group(), prev.start, end))
                continue
            text = unicodedata.normalize("NFKC", match.group())
            if script == "lat" and text.isascii() and not text.islower() and not text.isupper():
                for camel in _CAMEL.finditer(text):
                    parts.append(
                        _Part("lat", camel.group(), start + camel.start(), start + camel.end())
                    )
                continue
            parts.append(_Part(script, text, start, end))
    return parts


def _part_tokens(part: _Part) -> Iterator[tuple[str, int, int]]:
    """The index terms of one part, each with its span (relative to the chunk)."""
    script = part.script
    if script == "hir":
        return  # particles and inflection: the kanji and katakana around them carry the meaning
    if script in _BIGRAM_SCRIPTS:
        text = part.text
        if len(text) == 1:
            token = _clean(text)
            if token:
                yield token, part.start, part.end
            return
        exact = len(text) == part.end - part.start
        for i in range(len(text) - 1):
            token = _clean(text[i : i + 2])
            if len(token) == 2:
                if exact:
                    yield token, part.start + i, part.start + i + 2
                else:
                    yield token, part.start, part.end
        return
    word = _clean(part.text)[:TOKEN_MAX]
    if not word:
        return
    if script == "lat":
        if word in ENGLISH_STOP:
            return
        word = _stem(word, "lat")
    elif script == "cyr":
        if word in RUSSIAN_STOP:
            return
        word = _stem(word, "cyr")
    yield word, part.start, part.end


def _is_code(chunk: str, parts: list[_Part]) -> bool:
    """Whether a chunk of several parts is an identifier or code people paste verbatim (and so
    must find verbatim): digits with letters, underscores, dots, camelCase. Hyphenated words
    ("real-time") are not."""
    if len(parts) > 1 and any(p.script == "num" for p in parts):
        return True
    if any(c in chunk for c in "_.:/\\@\uff3f\uff0e\uff1a\uff0f\uff20"):
        return True
    return _LOWER_UPPER.search(chunk) is not None


def _whole(parts: list[_Part]) -> str | None:
    """The identifier as one token (ERR_QUERY_TIMEOUT -> errquerytimeout), for chunks of several
    Latin or digit parts; None otherwise."""
    if len(parts) < 2 or any(p.script not in ("lat", "num") for p in parts):
        return None
    whole = _clean("".join(p.text for p in parts))
    return whole[:TOKEN_MAX] or None


def _chunk_tokens(chunk: str) -> tuple[list[tuple[str, int, int]], str | None, bool]:
    """(part tokens with spans, the whole-identifier token or None, whether it is a code)."""
    if "'" in chunk or "\u2019" in chunk:
        # Contractions and possessives are one word: don't, customer's.
        joined = chunk.replace("'", "").replace("\u2019", "")
        if joined.isalpha():
            chunk_parts = _parts(joined)
            return (
                [(t, 0, len(chunk)) for p in chunk_parts for t, _s, _e in _part_tokens(p)],
                None,
                False,
            )
    parts = _parts(chunk)
    tokens = [t for p in parts for t in _part_tokens(p)]
    whole = _whole(parts)
    tokens += _segment_wholes(chunk, whole)
    return tokens, whole, whole is not None and _is_code(chunk, parts)


def _segment_wholes(chunk: str, whole: str | None) -> list[tuple[str, int, int]]:
    """The whole of each camelCase segment of a dotted or underscored identifier, so the class
    name alone (OutOfMemoryError) finds java.lang.OutOfMemoryError as pasted."""
    segments = _SPLIT.split(chunk)
    if len(segments) < 2:
        return []
    found: list[tuple[str, int, int]] = []
    offset = 0
    for segment in segments:
        start = chunk.index(segment, offset)
        offset = start + len(segment)
        segment_whole = _whole(_parts(segment))
        if segment_whole is not None and segment_whole != whole:
            found.append((segment_whole, start, offset))
    return found


def _chunks(text: str) -> Iterator[tuple[int, str]]:
    """(start, chunk) of every chunk of `text`, cut where CJK or kana meets other letters; the
    connectors left at a cut's edges are dropped (ERR_QUERY_TIMEOUT_エラー)."""
    for match in _CHUNK.finditer(text):
        chunk = match.group()
        if chunk.isascii():
            yield match.start(), chunk
            continue
        pieces = _CJK_BOUNDARY.split(chunk)
        if len(pieces) == 1:
            yield match.start(), chunk
            continue
        offset = 0
        for piece in pieces:
            base = match.start() + offset
            offset += len(piece)
            for inner in _CHUNK.finditer(piece):
                yield base + inner.start(), inner.group()


def clip(text: str) -> str:
    """The text analyzed of a field: all of it up to FIELD_CHARS_MAX, else its first and last
    halves of that (the problem as described and how it ended)."""
    if len(text) <= FIELD_CHARS_MAX:
        return text
    return text[:_CLIP_HALF] + " " + text[-_CLIP_HALF:]


def spans(text: str) -> Iterator[tuple[str, int, int]]:
    """Every index term of `text` with the span of the original text it came from, in order:
    an identifier's parts, then the whole identifier. Only the clipped text (see clip)."""
    if len(text) <= FIELD_CHARS_MAX:
        parts = [(0, text)]
    else:
        parts = [(0, text[:_CLIP_HALF]), (len(text) - _CLIP_HALF, text[-_CLIP_HALF:])]
    for offset, part in parts:
        for start_in_part, chunk in _chunks(part):
            base = offset + start_in_part
            tokens, whole, _code = _chunk_tokens(chunk)
            for token, start, end in tokens:
                yield token, base + start, base + end
            if whole is not None:
                yield whole, base, base + len(chunk)


class _PieceTerms(dict):
    """The terms of each whitespace-separated piece of text seen (a word with its punctuation,
    or a Japanese sentence), so indexing a piece seen before costs a dictionary lookup in C
    rather than splitting, folding and stemming it again: a reindex sees the same few thousand
    words millions of times."""

    def __missing__(self, piece: str) -> tuple[str, ...]:
        terms: tuple[str, ...] = ()
        for _start, chunk in _chunks(piece):
            part_tokens, whole, _code = _chunk_tokens(chunk)
            terms += tuple(t for t, _s, _e in part_tokens)
            if whole is not None:
                terms += (whole,)
        if len(self) > _PIECES_MAX:
            self.clear()
        self[piece] = terms
        return terms


_PIECES_MAX = 300_000
_piece_terms = _PieceTerms()


def tokens(text: str) -> list[str]:
    """The index terms of `text` in order; a term's position is its index."""
    # Chunks never hold whitespace, so splitting on it first gives the same terms.
    return list(chain.from_iterable(map(_piece_terms.__getitem__, clip(text).split())))


def terms_text(text: str) -> str:
    """The index terms of `text` joined by spaces: what the FTS5 table stores."""
    return " ".join(chain.from_iterable(map(_piece_terms.__getitem__, clip(text).split())))


def analyze_document(fields: Mapping[str, str]) -> dict[str, list[tuple[str, int]]]:
    """Each field's terms with their positions (from 0 within the field)."""
    return {name: list(enumerate_terms(tokens(text or ""))) for name, text in fields.items()}


def enumerate_terms(terms: list[str]) -> Iterator[tuple[str, int]]:
    for position, term in enumerate(terms):
        yield term, position


# --- queries -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Clause:
    """One thing a query asks for: a term, or a phrase of adjacent terms. A required clause (an
    identifier, a code, a quoted phrase) must match even when the query falls back to any-term
    matching."""

    terms: tuple[str, ...]
    required: bool = False

    @property
    def is_phrase(self) -> bool:
        return len(self.terms) > 1


@dataclass(frozen=True)
class AnalyzedQuery:
    clauses: tuple[Clause, ...]

    @property
    def terms(self) -> frozenset[str]:
        """Every term the query names: what highlighting marks."""
        return frozenset(t for clause in self.clauses for t in clause.terms)

    @property
    def required(self) -> tuple[Clause, ...]:
        return tuple(c for c in self.clauses if c.required)

    @property
    def optional(self) -> tuple[Clause, ...]:
        return tuple(c for c in self.clauses if not c.required)

    def __bool__(self) -> bool:
        return bool(self.clauses)


_QUOTED = re.compile(r'"([^"]*)"|“([^”]*)”|「([^」]*)」')
_CAPS_WORD = re.compile(r"^[A-Z]{2,10}$")


def analyze_query(query: str) -> AnalyzedQuery:
    """The clauses of a search query. Quoted text is a required phrase. A pasted identifier
    (ERR_QUERY_TIMEOUT, java.lang.OutOfMemoryError, 0x80070005) is one required term, so parts
    of it elsewhere do not match; an upper-case word before a number (HTTP 503, ORA 600) is a
    required phrase. A Japanese run is a phrase of its bigrams. Everything else is a term."""
    clauses: list[Clause] = []
    query = query[:FIELD_CHARS_MAX]
    rest: list[str] = []
    last = 0
    for quoted in _QUOTED.finditer(query):
        rest.append(query[last : quoted.start()])
        last = quoted.end()
        phrase = tuple(tokens(next(g for g in quoted.groups() if g is not None)))
        if phrase:
            clauses.append(Clause(phrase, required=True))
    rest.append(query[last:])
    for text in rest:
        previous: str | None = None  # the last chunk, when it was an upper-case word
        for _start, chunk in _chunks(text):
            part_tokens, whole, code = _chunk_tokens(chunk)
            if code and whole:
                clauses.append(Clause((whole,), required=True))
            elif previous and chunk.isdigit() and part_tokens:
                prev_tokens = tokens(previous)
                if prev_tokens:
                    clauses.append(Clause((*prev_tokens, part_tokens[0][0]), required=True))
                else:
                    clauses.append(Clause((part_tokens[0][0],)))
            else:
                for run in _runs(chunk, part_tokens):
                    # A number of three digits or more is a code (an HTTP status, an error).
                    code_number = len(run) == 1 and run[0].isdigit() and len(run[0]) >= 3
                    clauses.append(Clause(run, required=code_number))
            previous = chunk if _CAPS_WORD.match(chunk) else None
    unique: list[Clause] = []
    seen: set[tuple[str, ...]] = set()
    for clause in clauses:
        if clause.terms not in seen:
            seen.add(clause.terms)
            unique.append(clause)
    # An upper-case word that became part of a phrase is not asked for again on its own.
    phrase_terms = {c.terms[0] for c in unique if c.required and c.is_phrase}
    return AnalyzedQuery(
        tuple(c for c in unique if c.required or c.is_phrase or c.terms[0] not in phrase_terms)
    )


def _runs(chunk: str, part_tokens: list[tuple[str, int, int]]) -> Iterator[tuple[str, ...]]:
    """Terms of a plain chunk as clauses: each word a term, the bigrams of one CJK run a phrase."""
    run: list[str] = []
    run_end = -1
    for token, start, end in part_tokens:
        bigram = len(token) == 2 and _is_cjk(token)
        if bigram and run and start == run_end - 1:
            run.append(token)
            run_end = end
            continue
        if run:
            yield tuple(run)
            run = []
        if bigram:
            run, run_end = [token], end
        else:
            yield (token,)
    if run:
        yield tuple(run)


def _is_cjk(token: str) -> bool:
    return all(
        "\u3040" <= c <= "\u9fff" or "\uac00" <= c <= "\ud7af" or "\uf900" <= c <= "\ufaff"
        for c in token
    )
