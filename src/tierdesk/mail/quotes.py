# ruff: noqa: RUF001 - patterns match Japanese and Russian mail on purpose.
"""Separating what a customer wrote from the history their mail client quoted under it.

Both plain text and HTML go through one splitter. HTML is first read into lines, each knowing
where it starts in the HTML; lines inside a <blockquote> count as quoted, like "> " lines, and
the containers mail clients put their quote in (Gmail's gmail_quote, Thunderbird's
moz-cite-prefix, Outlook's divRplyFwdMsg, Hotmail's stopSpelling rule) are hard markers. The
splitter then finds where the quoted history starts:

- an attribution line: "On <date>, <name> wrote:", "<date> пользователь <name> написал:",
  "<date>、<name> のメッセージ:", "2014年6月26日 14:41 <name> <address>:", Yandex's and Mail.ru's
  "<date>, <name> <address>:" (these last two only when quoted lines follow);
- a divider: "-----Original Message-----", "----- Исходное сообщение -----", "元のメッセージ";
- an Outlook header block: "From:" / "От:" / "差出人:" followed by Sent / Date / To / Subject
  lines in any of the three languages;
- a run of quoted lines ("> ...", or a blockquote).

A quote at the top with the answer under it (bottom posting) keeps the answer. Quoted lines
with answers both above and below them are an inline reply: nothing is split off, because the
answers only make sense next to the lines they answer. A forwarded message is never taken for
history. Nothing is lost either way: the reply and the quoted part together are the message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

from tierdesk.core.text import html_to_text, sanitize_html

# --- what starts the history -------------------------------------------------------------------

_DATE = re.compile(
    r"\d{1,4}[./\-年]\d{1,2}[./\-月]\d{1,4}|\d{1,2}:\d{2}|\b(19|20)\d{2}\b|"
    r"\b(mon|tue|wed|thu|fri|sat|sun|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b|"
    r"\b(пн|вт|ср|чт|пт|сб|вс|янв|фев|мар|апр|мая|июн|июл|авг|сен|окт|ноя|дек)[а-я]*\b|"
    r"[月火水木金土日]曜",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"[\w.+\-]+@[\w\-]+(\.[\w\-]+)+")
# "On Mon, Apr 2, 2012 at 6:26 PM, Megan <x@y> wrote:" (also after "--- ", Yahoo's prefix).
_ON_WROTE = re.compile(r"^[\s\->]*On\b.{4,400}\bwr(ote|ites)\s*:?\s*$", re.IGNORECASE)
# Other verbs of attribution, English, Russian, Japanese and the neighbours customers write in.
_VERB_END = re.compile(
    r"(\bwr(ote|ites)|\bsent|написал\(?а?\)?|написала|пишет|писал|"
    r"書きました|のメッセージ|より|\bschrieb|a écrit|escribió|ha scritto|schreef)\s*[:：]?\s*$",
    re.IGNORECASE,
)
# "<date>, <name> <address>:" — Yandex, Mail.ru ("... от Name <a@b>:") and Gmail in Japanese.
_ADDRESS_COLON = re.compile(r"[>\w\)]\s*[:：]\s*$")
_DIVIDER = re.compile(
    r"^\s*[-=_*]{2,}\s*(original message|original e-?mail|исходное сообщение|"
    r"元のメッセージ|オリジナル\s*メッセージ|ursprüngliche nachricht|message d'origine|"
    r"mensaje original|reply message|replied message)\s*[-=_*]{2,}\s*$",
    re.IGNORECASE,
)
_FORWARD = re.compile(
    r"^\s*[-=_*>\s]*(forwarded message|begin forwarded message|пересылаемое сообщение|"
    r"перенаправленное сообщение|転送されたメッセージ|転送メッセージ|weitergeleitete nachricht|"
    r"message transféré|mensaje reenviado)",
    re.IGNORECASE,
)
_HEADER_NAMES = {
    "from": "from",
    "от": "from",
    "差出人": "from",
    "送信者": "from",
    "von": "from",
    "de": "from",
    "sent": "date",
    "date": "date",
    "отправлено": "date",
    "дата": "date",
    "送信日時": "date",
    "日付": "date",
    "送信日": "date",
    "gesendet": "date",
    "envoyé": "date",
    "to": "to",
    "кому": "to",
    "宛先": "to",
    "an": "to",
    "à": "to",
    "cc": "cc",
    "копия": "cc",
    "subject": "subject",
    "тема": "subject",
    "件名": "subject",
    "betreff": "subject",
    "objet": "subject",
}
_HEADER_LINE = re.compile(r"^[\s>*]*([^\W\d_][\w ]{0,14}?)\s*\*?\s*[:：]", re.UNICODE)
_QUOTE_PREFIX = re.compile(r"^\s*>")


def _header_kind(text: str) -> str | None:
    match = _HEADER_LINE.match(text)
    return _HEADER_NAMES.get(match.group(1).strip().lower()) if match else None


@dataclass
class Line:
    """One line of the message: its text, whether it is quoted ("> " or inside a blockquote),
    whether it is a hard marker of a quote container, and where it starts in the HTML."""

    text: str
    quoted: bool = False
    marker: bool = False
    offset: int = 0

    @property
    def blank(self) -> bool:
        return not self.text.strip()


@dataclass(frozen=True)
class Split:
    """A message cut in two: `reply` is what the sender wrote now, `quoted` the history. `quoted`
    is "" when the message quotes nothing (or answers inline)."""

    reply: str
    quoted: str

    @property
    def found(self) -> bool:
        return bool(self.quoted.strip())


def _is_header_block(lines: list[Line], index: int) -> bool:
    """An Outlook-style block: a From line (or Date/Sent first, as Hotmail writes it) followed
    within six lines by at least two more of Date/Sent, To, Cc and Subject."""
    first = _header_kind(lines[index].text)
    if first is None:
        return False
    kinds = {first}
    for line in lines[index + 1 : index + 7]:
        if line.blank:
            continue
        kind = _header_kind(line.text)
        if kind is not None:
            kinds.add(kind)
    return ("from" in kinds and len(kinds) >= 3) or (first in {"date", "from"} and len(kinds) >= 4)


def _next_text(lines: list[Line], index: int) -> Line | None:
    return next((line for line in lines[index:] if not line.blank), None)


def _attribution(lines: list[Line], end: int) -> int | None:
    """The first line of an attribution ending at line `end`, or None. Attributions wrap over
    up to three lines; the shortest reading wins, and its first line must name a date."""
    last = lines[end].text.strip()
    if not last or lines[end].quoted:
        return None
    following = _next_text(lines, end + 1)
    quote_follows = following is not None and (following.quoted or following.marker)
    for start in range(end, max(-1, end - 3), -1):
        if start < end and (lines[start].blank or lines[start].quoted or lines[start].marker):
            break
        text = " ".join(line.text.strip() for line in lines[start : end + 1])
        if len(text) > 500:
            break
        if _ON_WROTE.match(text):
            return start
        if not _DATE.search(lines[start].text):
            continue
        if _VERB_END.search(text) and (quote_follows or _EMAIL.search(text) or "wrote" in text):
            return start
        if quote_follows and _ADDRESS_COLON.search(text) and _EMAIL.search(text):
            return start
    return None


def _history_start(lines: list[Line]) -> tuple[int, bool] | None:
    """(index of the first line of the history, whether everything after it is history) or None.
    A run of quoted lines is history only up to where unquoted text resumes."""
    for index, line in enumerate(lines):
        if line.marker:
            following = _next_text(lines, index + 1)
            if following is not None and _FORWARD.match(following.text):
                continue
            return index, True
        if line.blank:
            continue
        if line.quoted:
            if _FORWARD.match(line.text.lstrip("> ")):
                continue
            return index, False
        if _FORWARD.match(line.text):
            return None
        if _DIVIDER.match(line.text):
            return index, True
        start = _attribution(lines, index)
        if start is not None:
            following = _next_text(lines, index + 1)
            return start, not (following is not None and following.quoted)
        if _is_header_block(lines, index):
            # Outlook's rule of underscores just above belongs to the block.
            previous = index - 1
            while previous >= 0 and lines[previous].blank:
                previous -= 1
            if previous >= 0 and re.fullmatch(r"\s*[_\-=]{8,}\s*", lines[previous].text):
                return previous, True
            return index, True
    return None


def split_lines(lines: list[Line]) -> tuple[int, int] | None:
    """The history's span of line indexes [start, end), or None when the lines quote nothing or
    answer inline. The reply is everything outside the span."""
    found = _history_start(lines)
    if found is None:
        return None
    start, to_end = found
    end = len(lines)
    if not to_end:
        # The attribution's lines (if any), then the quoted run with the blank lines in it.
        end = start
        while end < len(lines) and not lines[end].quoted:
            end += 1
        while end < len(lines) and (lines[end].quoted or lines[end].blank):
            end += 1
    before = any(not line.blank for line in lines[:start])
    after = any(not line.blank for line in lines[end:])
    if before and after:
        return None  # an inline answer: keep it whole
    if not before and not after:
        return None  # nothing but a quote (a forward without a note, say): it is the message
    return start, end


# --- plain text --------------------------------------------------------------------------------


def split_text(text: str) -> Split:
    """The reply and the quoted history of a plain-text message."""
    raw_lines = (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    lines = [Line(text=line, quoted=bool(_QUOTE_PREFIX.match(line))) for line in raw_lines]
    span = split_lines(lines)
    if span is None:
        return Split(reply=(text or "").strip(), quoted="")
    start, end = span
    reply = "\n".join(raw_lines[:start] + raw_lines[end:]).strip()
    quoted = "\n".join(raw_lines[start:end]).strip()
    return Split(reply=reply, quoted=quoted)


# --- HTML --------------------------------------------------------------------------------------

_BLOCKS = {
    "p",
    "div",
    "br",
    "li",
    "tr",
    "table",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "pre",
    "blockquote",
    "hr",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "center",
    "section",
    "article",
    "header",
    "footer",
}
_SKIP = {"script", "style", "head", "title", "xml"}
_VOID = {"br", "hr", "img", "meta", "link", "input", "base", "col", "area", "wbr"}


def _is_container(tag: str, attributes: dict[str, str]) -> bool:
    """Elements whose content is the quoted history: blockquotes, and the quote containers of
    Gmail, Thunderbird and Yahoo."""
    classes = set((attributes.get("class") or "").split())
    if tag == "blockquote":
        return True
    return tag == "div" and bool(classes & {"gmail_quote", "moz-cite-prefix", "yahoo_quoted"})


def _is_rule(tag: str, attributes: dict[str, str]) -> bool:
    """Elements after which everything is history: Outlook's reply header, Hotmail's and
    Zimbra's rules."""
    element_id = attributes.get("id") or ""
    if element_id in {"divRplyFwdMsg", "x_divRplyFwdMsg", "appendonsend", "stopSpelling"}:
        return True
    return tag == "hr" and element_id == "zwchr"


class _Lines(HTMLParser):
    """HTML read into Lines, each with the offset in the source where it (or the run of
    blocks that opened it) starts."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.source = source
        self.line_starts = [0]
        for index, char in enumerate(source):
            if char == "\n":
                self.line_starts.append(index + 1)
        self.lines: list[Line] = []
        self.current: list[str] = []
        self.current_offset: int | None = None
        self.pending: int | None = None
        self.skipping = 0
        self.quote_depth = 0
        self.stack: list[tuple[str, bool]] = []

    def _offset(self) -> int:
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def _break(self) -> None:
        text = "".join(self.current)
        if text.strip():
            self.lines.append(
                Line(
                    text=" ".join(text.split()),
                    quoted=self.quote_depth > 0 or text.lstrip().startswith(">"),
                    offset=self.current_offset or 0,
                )
            )
        self.current = []
        self.current_offset = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skipping += 1
            return
        attributes = {k: v or "" for k, v in attrs}
        container = _is_container(tag, attributes)
        rule = _is_rule(tag, attributes)
        if tag in _BLOCKS or container or rule:
            self._break()
            if self.pending is None:
                self.pending = self._offset()
        if rule:
            self.lines.append(Line(text="", marker=True, offset=self.pending or self._offset()))
        if container:
            self.quote_depth += 1
        if tag not in _VOID:
            self.stack.append((tag, container))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skipping = max(0, self.skipping - 1)
            return
        if tag in _BLOCKS or any(container for _tag, container in self.stack):
            self._break()
            if self.pending is None:
                self.pending = self._offset()
        if any(open_tag == tag for open_tag, _container in self.stack):
            while self.stack:
                open_tag, container = self.stack.pop()
                if container:
                    self.quote_depth = max(0, self.quote_depth - 1)
                if open_tag == tag:
                    break

    def handle_data(self, data: str) -> None:
        if self.skipping:
            return
        if data.strip() and self.current_offset is None and not "".join(self.current).strip():
            self.current_offset = self.pending if self.pending is not None else self._offset()
            self.pending = None
        self.current.append(data)

    def close(self) -> None:
        super().close()
        self._break()


@dataclass(frozen=True)
class HtmlSplit:
    """An HTML message cut in two: the reply as sanitised HTML and as text, and the history as
    text ("" when nothing was split off)."""

    reply_html: str
    reply_text: str
    quoted: str

    @property
    def found(self) -> bool:
        return bool(self.quoted.strip())


def html_lines(source: str) -> list[Line]:
    reader = _Lines(source)
    try:
        reader.feed(source)
        reader.close()
    except Exception:  # html.parser copes with nearly anything; a failure means "no split"
        return []
    # Markers carry no text; a marker directly followed by a line shares its start.
    return reader.lines


def split_html(source: str) -> HtmlSplit:
    """The reply and the quoted history of an HTML message."""
    lines = html_lines(source or "")
    span = split_lines(lines) if lines else None
    if span is None:
        clean = sanitize_html(source or "")
        return HtmlSplit(reply_html=clean, reply_text=html_to_text(clean), quoted="")
    start, end = span
    begin = lines[start].offset
    finish = lines[end].offset if end < len(lines) else len(source)
    if start == 0:
        # Bottom posting: the answer follows the quote.
        reply_source = source[finish:]
        quoted_source = source[:finish]
    else:
        reply_source = source[:begin] + source[finish:]
        quoted_source = source[begin:finish]
    reply_html = sanitize_html(reply_source)
    return HtmlSplit(
        reply_html=reply_html,
        reply_text=html_to_text(reply_html),
        quoted=html_to_text(sanitize_html(quoted_source)),
    )
