"""Reading a stored message: headers, the text and HTML a person wrote, and the files they sent.

Real mail breaks every rule: charsets that do not exist or lie, 8-bit bytes in headers,
encoded words split in the middle of a character, transfer encodings nobody defined, boundaries
that never close. Everything here is lenient and never raises on a message's content: a part
that cannot be decoded one way is decoded the next, and the last way (with replacement
characters) always succeeds. `parse` is what the intake processes; `header_message_id` reads
only the header block, for storing a message before anything parses it.
"""

from __future__ import annotations

import codecs
import email
import mimetypes
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from email import policy
from email.message import Message
from email.utils import getaddresses, parseaddr
from pathlib import PurePath

from tierdesk.core.text import html_to_text, sanitize_html

# The header block ends at the first empty line; a message without one is all header.
_HEADER_END = re.compile(rb"\r?\n\r?\n")
_MESSAGE_ID = re.compile(rb"^message-id[ \t]*:[ \t]*(.*(?:\r?\n[ \t].*)*)", re.IGNORECASE | re.M)
MESSAGE_ID_MAX = 998
# How deep nested multiparts and forwarded messages are followed; deeper parts are kept whole.
MAX_DEPTH = 20

# --- charsets ----------------------------------------------------------------------------------

# What a declared charset is tried as, in order: supersets first (Windows and the JIS X 0213
# variants hold the characters real mailers put under the older names), then the name itself.
_FAMILY_LIST: dict[str, tuple[str, ...]] = {
    "iso2022_jp": (
        "iso2022_jp",
        "iso2022_jp_2",
        "iso2022_jp_ext",
        "iso2022_jp_3",
        "iso2022_jp_2004",
    ),
    "iso2022_jp_2": ("iso2022_jp_2", "iso2022_jp_ext", "iso2022_jp_3"),
    "shift_jis": ("cp932", "shift_jis", "shift_jis_2004", "shift_jisx0213"),
    "cp932": ("cp932", "shift_jis_2004"),
    "euc_jp": ("euc_jp", "euc_jis_2004", "euc_jisx0213", "cp932"),
    "euc_kr": ("cp949", "euc_kr"),
    "gb2312": ("gb18030",),
    "gbk": ("gb18030",),
    "big5": ("big5hkscs", "cp950"),
    "koi8-r": ("koi8-r", "koi8-u"),
    "ascii": ("utf-8", "cp1252", "latin-1"),
    "latin-1": ("utf-8", "cp1252", "latin-1"),
    "cp1252": ("utf-8", "cp1252", "latin-1"),
    "iso8859-15": ("utf-8", "iso8859-15"),
}
# Keyed by the codec's canonical name, which is what codec_name returns.
_FAMILIES = {codecs.lookup(name).name: family for name, family in _FAMILY_LIST.items()}
# Names mailers use that Python does not know.
_ALIASES = {
    "x-sjis": "shift_jis",
    "sjis": "shift_jis",
    "x-shift-jis": "shift_jis",
    "windows-31j": "cp932",
    "ms932": "cp932",
    "cp50220": "iso2022_jp",
    "cp50221": "iso2022_jp",
    "cp50222": "iso2022_jp",
    "x-euc-jp": "euc_jp",
    "eucjp-ms": "euc_jp",
    "eucjpms": "euc_jp",
    "ks_c_5601-1987": "euc_kr",
    "ks_c_5601": "euc_kr",
    "x-mac-cyrillic": "mac_cyrillic",
    "x-user-defined": "cp1252",
    "unicode-1-1-utf-7": "utf-7",
    "utf8": "utf-8",
    "x-unknown": "",
    "unknown": "",
    "unknown-8bit": "",
    "x-binaryenc": "",
    "none": "",
    "default": "",
    "charset": "",
}
# Tried when a charset is missing, unknown or wrong, after UTF-8.
_GUESSES = ("cp932", "euc_jp", "cp1251", "koi8-r", "gb18030", "big5hkscs", "cp949", "cp1252")


def codec_name(charset: str | None) -> str:
    """The Python codec of a declared charset, or "" when there is none or it is unknown."""
    name = (charset or "").strip().strip("\"'").lower()
    # "utf-8*ja" (RFC 2231 language) and "utf-8; format=flowed" leftovers.
    name = re.split(r"[*;\s]", name, maxsplit=1)[0] if name else ""
    name = _ALIASES.get(name, name)
    if not name:
        return ""
    try:
        return codecs.lookup(name).name
    except LookupError:
        return ""


def _plausibility(text: str) -> float:
    """How much `text` looks like writing: letters of real scripts count, control characters and
    the symbols a wrong single-byte decoding produces count against."""
    score = 0.0
    for char in text:
        code = ord(char)
        if char.isascii():
            score += 0.5 if char.isalnum() or char in " \n\t.,:;!?-'\"()" else 0.1
            if code < 32 and char not in "\r\n\t":
                score -= 5
        elif 0x3040 <= code <= 0x30FF:  # kana: Japanese beyond doubt
            score += 3
        elif 0x4E00 <= code <= 0x9FFF or 0xAC00 <= code <= 0xD7A3:
            score += 1.5
        elif 0x0430 <= code <= 0x044F or code == 0x0451:  # lower-case Cyrillic
            score += 2
        elif 0x0410 <= code <= 0x042F:
            score += 0.8
        elif 0xFF61 <= code <= 0xFF9F:  # half-width katakana: rare, often a wrong guess
            score -= 1
        elif unicodedata.category(char) in {"Co", "Cn", "Cc", "So", "Sk"}:
            score -= 3
        elif char.isalpha():
            score += 0.3
        else:
            score -= 0.5
    return score / max(len(text), 1)


def _strict(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _guess(data: bytes) -> str | None:
    if b"\x1b$" in data or b"\x1b(" in data:
        for codec in _FAMILIES["iso2022_jp"]:
            text = _strict(data, codec)
            if text is not None:
                return text
    candidates = [text for codec in _GUESSES if (text := _strict(data, codec)) is not None]
    if not candidates:
        return None
    return max(candidates, key=_plausibility)


def decode_bytes(data: bytes, charset: str | None = None) -> str:
    """Text of `data` in its declared charset, or the best reading when that fails; never raises.

    Order: the declared charset's family (supersets first); UTF-8; for pure 7-bit data with ISO
    2022 escapes, ISO-2022-JP; then the likeliest of the Japanese, Cyrillic, Chinese, Korean and
    Western charsets; last, the declared charset (or UTF-8) with replacement characters."""
    if not data:
        return ""
    codec = codec_name(charset)
    if codec:
        for candidate in _FAMILIES.get(codec, (codec,)):
            text = _strict(data, candidate)
            if text is not None:
                return text
    text = _strict(data, "utf-8")
    if text is not None:
        if "\x1b$" in text and codec != "utf-8":
            japanese = _guess(data)
            if japanese is not None:
                return japanese
        return text
    guessed = _guess(data)
    if guessed is not None:
        return guessed
    return data.decode(codec or "utf-8", errors="replace")


# --- headers -----------------------------------------------------------------------------------

_ENCODED_WORD = re.compile(
    r"=\?(?P<charset>[^?\s]+)\?(?P<encoding>[bBqQ])\?(?P<text>[^?]*?)\?=", re.ASCII
)


def _raw_bytes(value: str) -> bytes:
    """A header's text back to the bytes the message had (8-bit bytes arrive as surrogates)."""
    return value.encode("utf-8", errors="surrogateescape")


def _decode_word(encoding: str, text: str) -> bytes:
    if encoding.lower() == "b":
        compact = re.sub(r"[^A-Za-z0-9+/]", "", text)
        compact += "=" * (-len(compact) % 4)
        try:
            return codecs.decode(compact.encode("ascii"), "base64")
        except ValueError:
            return text.encode("ascii", errors="replace")
    data = text.replace("_", " ").encode("ascii", errors="replace")
    return codecs.decode(re.sub(rb"=(?![0-9A-Fa-f]{2})", b"=3D", data), "quopri")


def decode_header_value(value: str | None, fallback_charset: str | None = None) -> str:
    """A header as a person reads it: RFC 2047 encoded words decoded (adjacent words of one
    charset joined before decoding, since mailers split multi-byte characters across them),
    raw 8-bit text decoded as UTF-8 or `fallback_charset`, folding undone. Never raises."""
    if not value:
        return ""
    value = re.sub(r"\r?\n[ \t]*", " ", str(value))
    pieces: list[tuple[bytes, str, bool]] = []  # (bytes, charset, was encoded)
    position = 0
    for match in _ENCODED_WORD.finditer(value):
        between = value[position : match.start()]
        # Whitespace between two encoded words is folding, not text (RFC 2047 6.2).
        if between and not (between.isspace() and pieces and pieces[-1][2]):
            pieces.append((_raw_bytes(between), "", False))
        charset = match["charset"]
        data = _decode_word(match["encoding"], match["text"])
        if pieces and pieces[-1][2] and pieces[-1][1].lower() == charset.lower():
            pieces[-1] = (pieces[-1][0] + data, charset, True)
        else:
            pieces.append((data, charset, True))
        position = match.end()
    if position < len(value):
        pieces.append((_raw_bytes(value[position:]), "", False))
    text = "".join(
        decode_bytes(data, charset if encoded else fallback_charset)
        for data, charset, encoded in pieces
    )
    return _clean_line(text)


def _clean_line(text: str) -> str:
    # Control characters other than tab never belong in a header line.
    return "".join(c for c in text if c == "\t" or unicodedata.category(c) != "Cc").strip()


def _angle_ids(value: str) -> list[str]:
    """Message-IDs of In-Reply-To / References, without angle brackets, in order, once each."""
    found = re.findall(r"<([^<>\s]+)>", value or "")
    if not found and value and value.strip() and " " not in value.strip():
        found = [value.strip()]
    ids: list[str] = []
    for item in found:
        item = item.strip()[:MESSAGE_ID_MAX]
        if item and item not in ids:
            ids.append(item)
    return ids


def normalize_message_id(value: str) -> str:
    """A Message-ID as stored: the text inside the first angle brackets (or the whole value,
    stripped, when it has none); "" when empty."""
    value = (value or "").strip()
    match = re.search(r"<([^<>]*)>", value)
    if match:
        value = match.group(1)
    return "".join(value.split())[:MESSAGE_ID_MAX]


def header_message_id(raw: bytes) -> str:
    """The Message-ID of a raw message, reading the header block only; "" when it has none."""
    end = _HEADER_END.search(raw)
    block = raw[: end.start()] if end else raw
    match = _MESSAGE_ID.search(block)
    if match is None:
        return ""
    value = re.sub(rb"\r?\n[ \t]+", b" ", match.group(1)).decode("ascii", errors="replace")
    return normalize_message_id(value)


# --- the parsed message ------------------------------------------------------------------------


@dataclass
class ParsedAttachment:
    """A file of the message: as named by the sender (or named after its type when unnamed)."""

    filename: str
    content_type: str
    content: bytes
    content_id: str = ""
    inline: bool = False

    @property
    def size(self) -> int:
        return len(self.content)


@dataclass
class _Piece:
    text: str | None = None
    html: str | None = None


@dataclass
class ParsedMail:
    """What a message says, decoded. `text` is the whole plain text (from the HTML when the
    message has no plain part); `html` the HTML as sent, unsanitised, or "" when none."""

    message_id: str = ""
    subject: str = ""
    from_name: str = ""
    from_address: str = ""
    reply_to: list[str] = field(default_factory=list)
    to: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    text: str = ""
    html: str = ""
    text_from_html: bool = False
    attachments: list[ParsedAttachment] = field(default_factory=list)
    content_type: str = "text/plain"
    headers: list[tuple[str, str]] = field(default_factory=list)
    message: Message | None = None
    defects: list[str] = field(default_factory=list)

    def header(self, name: str) -> str:
        """The first header of that name, decoded; "" when absent."""
        wanted = name.lower()
        return next((value for key, value in self.headers if key.lower() == wanted), "")

    def header_all(self, name: str) -> list[str]:
        wanted = name.lower()
        return [value for key, value in self.headers if key.lower() == wanted]


# Defects that mean the MIME structure was not understood: the parts were not found.
_STRUCTURE_DEFECTS = frozenset(
    {
        "NoBoundaryInMultipartDefect",
        "StartBoundaryNotFoundDefect",
        "MultipartInvariantViolationDefect",
        "CloseBoundaryNotFoundDefect",
        "MissingHeaderBodySeparatorDefect",
    }
)


def _structure_defects(message: Message) -> int:
    return sum(
        type(defect).__name__ in _STRUCTURE_DEFECTS
        for part in message.walk()
        for defect in getattr(part, "defects", None) or []
    )


def _message_from_bytes(raw: bytes) -> tuple[Message, list[str]]:
    """The message parsed with policy.default; with compat32 when that raises, or when compat32
    finds the structure policy.default could not (an unquoted boundary with "=" in it is the
    usual case: compat32 reads the parameter the way mailers wrote it)."""
    defects: list[str] = []
    try:
        message = email.message_from_bytes(raw, policy=policy.default)
    except Exception as error:  # the parser is lenient, but a pathological message can still fail
        defects.append(f"policy.default: {type(error).__name__}: {error}")
        return email.message_from_bytes(raw, policy=policy.compat32), defects
    broken = _structure_defects(message)
    if broken:
        try:
            fallback = email.message_from_bytes(raw, policy=policy.compat32)
        except Exception:
            return message, defects
        if _structure_defects(fallback) < broken:
            defects.append("read with compat32: policy.default did not find the MIME parts")
            return fallback, defects
    return message, defects


def _content_type(part: Message) -> str:
    try:
        return part.get_content_type()
    except Exception:
        return "text/plain"


def _param(part: Message, name: str, header: str = "content-type") -> str:
    try:
        value = part.get_param(name, header=header)
    except Exception:
        value = None
    if isinstance(value, tuple):  # RFC 2231: (charset, language, text)
        try:
            return email.utils.collapse_rfc2231_value(value, errors="replace")
        except Exception:
            return str(value[2])
    return str(value or "")


def _charset(part: Message) -> str:
    return _param(part, "charset")


def _disposition(part: Message) -> str:
    try:
        return (part.get_content_disposition() or "").lower()
    except Exception:
        return ""


def _raw_header(part: Message, name: str) -> str:
    for key, value in part.raw_items() if hasattr(part, "raw_items") else part.items():
        if key.lower() == name.lower():
            return str(value)
    return ""


def _filename(part: Message, fallback_charset: str) -> str:
    try:
        name = part.get_filename() or ""
    except Exception:
        name = ""
    if not name:
        name = _param(part, "filename", "content-disposition") or _param(part, "name")
    if not name or ("=?" in name and "?=" not in name):
        # Parameters the header parser refuses: filename==?utf-8?B?...?= unquoted, and the like.
        name = _loose_param(_raw_header(part, "content-disposition"), "filename") or _loose_param(
            _raw_header(part, "content-type"), "name"
        )
    name = decode_header_value(name, fallback_charset) if name else ""
    return safe_filename(name)


def _loose_param(header: str, name: str) -> str:
    match = re.search(
        r"(?:^|;)\s*" + name + r'\s*=\s*(?:"([^"]*)"|([^;]*))', header or "", re.IGNORECASE
    )
    if match is None:
        return ""
    return (match.group(1) if match.group(1) is not None else match.group(2) or "").strip()


# File names are stored on disk as sent; most file systems allow 255 bytes, and the storage
# adds nothing to the name itself. 200 bytes leave room (about 66 Japanese characters).
FILENAME_MAX_BYTES = 200


def safe_filename(name: str) -> str:
    """A file name without folders, control characters or surrounding space, at most
    FILENAME_MAX_BYTES in UTF-8 with its extension kept; "" when nothing is left."""
    name = name.replace("\\", "/")
    name = PurePath(name).name if "/" in name else name
    name = "".join(c for c in name if unicodedata.category(c) not in {"Cc", "Cf", "Cs"}).strip(" .")
    if len(name.encode()) > FILENAME_MAX_BYTES:
        suffix = PurePath(name).suffix
        suffix = suffix if len(suffix.encode()) <= 20 else ""
        stem = name[: len(name) - len(suffix)] if suffix else name
        while stem and len((stem + suffix).encode()) > FILENAME_MAX_BYTES:
            stem = stem[:-1]
        name = stem.rstrip(" .") + suffix
    return name


def _payload_bytes(part: Message) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception:
        data = None
    if isinstance(data, bytes):
        return data
    payload = part.get_payload()
    if isinstance(payload, str):
        return _raw_bytes(payload)
    return b""


def _message_bytes(part: Message) -> bytes:
    """The bytes of a message/rfc822 part's message, headers as they came."""
    payload = part.get_payload()
    inner = payload[0] if isinstance(payload, list) and payload else None
    if isinstance(inner, Message):
        try:
            return inner.as_bytes(policy=policy.compat32.clone(max_line_length=0))
        except Exception:
            try:
                return inner.as_bytes()
            except Exception:
                pass
    return _payload_bytes(part)


class _Walker:
    """Turns a MIME tree into pieces of text and HTML in reading order, and attachments."""

    def __init__(self, fallback_charset: str) -> None:
        self.fallback_charset = fallback_charset
        self.attachments: list[ParsedAttachment] = []
        self._unnamed = 0

    def walk(self, part: Message, depth: int = 0) -> list[_Piece]:
        content_type = _content_type(part)
        if depth > MAX_DEPTH:
            self._attach(part, content_type)
            return []
        if content_type == "message/rfc822" or (
            content_type.startswith("message/") and part.is_multipart()
        ):
            self._attach(part, content_type)
            return []
        if part.is_multipart():
            children = [c for c in (part.get_payload() or []) if isinstance(c, Message)]
            subtype = content_type.partition("/")[2]
            if subtype == "alternative":
                return self._alternative(children, depth)
            if subtype == "related":
                return self._related(part, children, depth)
            pieces: list[_Piece] = []
            for child in children:
                pieces.extend(self.walk(child, depth + 1))
            return pieces
        return self._leaf(part, content_type)

    def _alternative(self, children: list[Message], depth: int) -> list[_Piece]:
        # The first plain alternative is the text; the last one with HTML (the richest) the HTML.
        text: str | None = None
        html: str | None = None
        for child in children:
            pieces = self.walk(child, depth + 1)
            if not pieces:
                continue
            if all(p.html is None for p in pieces):
                if text is None:
                    text = "\n\n".join(p.text or "" for p in pieces)
            else:
                html = "\n".join(
                    p.html if p.html is not None else _text_as_html(p.text or "") for p in pieces
                )
        if text is None and html is None:
            return []
        return [_Piece(text=text, html=html)]

    def _related(self, part: Message, children: list[Message], depth: int) -> list[_Piece]:
        if not children:
            return []
        start = _param(part, "start").strip("<>")
        root = next(
            (c for c in children if start and _raw_header(c, "content-id").strip(" <>") == start),
            children[0],
        )
        pieces = self.walk(root, depth + 1)
        for child in children:
            if child is not root:
                self._attach(child, _content_type(child), inline=True)
        return pieces

    def _leaf(self, part: Message, content_type: str) -> list[_Piece]:
        disposition = _disposition(part)
        filename = _filename(part, self.fallback_charset)
        is_body = disposition != "attachment" and not filename
        if content_type in {"text/plain", "text/", "text"} and is_body:
            return [_Piece(text=decode_bytes(_payload_bytes(part), _charset(part) or None))]
        if content_type == "text/html" and is_body:
            return [_Piece(html=decode_bytes(_payload_bytes(part), _charset(part) or None))]
        if content_type == "text/enriched" and is_body:
            text = decode_bytes(_payload_bytes(part), _charset(part) or None)
            return [_Piece(text=re.sub(r"<[^>]{1,40}>", "", text).replace("<<", "<"))]
        self._attach(part, content_type, filename=filename)
        return []

    def _attach(
        self, part: Message, content_type: str, *, inline: bool = False, filename: str = ""
    ) -> None:
        if content_type == "message/rfc822" or (
            content_type.startswith("message/") and part.is_multipart()
        ):
            content = _message_bytes(part)
        elif part.is_multipart():
            content = part.as_bytes(policy=policy.compat32.clone(max_line_length=0))
        else:
            content = _payload_bytes(part)
        filename = filename or _filename(part, self.fallback_charset)
        if not filename:
            filename = self._name_for(part, content_type)
        content_id = normalize_message_id(_raw_header(part, "content-id"))
        self.attachments.append(
            ParsedAttachment(
                filename=filename,
                content_type=content_type if "/" in content_type else "application/octet-stream",
                content=content,
                content_id=content_id,
                inline=inline or _disposition(part) == "inline",
            )
        )

    def _name_for(self, part: Message, content_type: str) -> str:
        self._unnamed += 1
        if content_type == "message/rfc822":
            inner = part.get_payload()
            subject = ""
            if isinstance(inner, list) and inner and isinstance(inner[0], Message):
                subject = decode_header_value(_raw_header(inner[0], "subject"))
            stem = safe_filename(subject)[:80] or "forwarded-message"
            return f"{stem}.eml"
        extension = {"text/plain": ".txt", "image/jpeg": ".jpg", "text/html": ".html"}.get(
            content_type
        ) or (mimetypes.guess_extension(content_type) or ".bin")
        stem = "image" if content_type.startswith("image/") else "attachment"
        return f"{stem}-{self._unnamed}{extension}"


def _addresses(values: Iterable[str]) -> list[str]:
    found: list[str] = []
    for _name, address in getaddresses([v for v in values if v]):
        address = address.strip().lower()
        if "@" in address and address not in found:
            found.append(address)
    return found


def _from(value: str) -> tuple[str, str]:
    """(display name, lower-cased address) of a From header's first mailbox."""
    name, address = parseaddr(value)
    address = address.strip().lower()
    if "@" not in address:
        # "Name <user@host" and other near misses: the first thing shaped like an address.
        match = re.search(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+", value)
        address = match.group(0).lower() if match else ""
        name = name if address else ""
    return name.strip().strip('"').strip(), address


def _first_charset(message: Message) -> str:
    for part in message.walk() if message.is_multipart() else [message]:
        charset = codec_name(_charset(part))
        if charset and charset not in {"ascii", "utf-8"}:
            return charset
    return ""


def parse(raw: bytes) -> ParsedMail:
    """The message decoded. Never raises on the message's content; what could not be read
    cleanly is listed in `defects`."""
    message, defects = _message_from_bytes(raw)
    fallback = _first_charset(message)
    items = message.raw_items() if hasattr(message, "raw_items") else message.items()
    headers = [(str(name), decode_header_value(str(value), fallback)) for name, value in items]
    parsed = ParsedMail(headers=headers, message=message, defects=defects)
    parsed.message_id = normalize_message_id(parsed.header("message-id"))
    parsed.subject = parsed.header("subject")
    parsed.from_name, parsed.from_address = _from(parsed.header("from"))
    parsed.reply_to = _addresses(parsed.header_all("reply-to"))
    parsed.to = _addresses(parsed.header_all("to"))
    parsed.cc = _addresses(parsed.header_all("cc"))
    parsed.in_reply_to = _angle_ids(parsed.header("in-reply-to"))
    parsed.references = _angle_ids(" ".join(parsed.header_all("references")))
    parsed.content_type = _content_type(message)
    walker = _Walker(fallback)
    pieces = walker.walk(message)
    parsed.attachments = walker.attachments
    texts: list[str] = []
    htmls: list[str] = []
    has_html = any(p.html is not None for p in pieces)
    for piece in pieces:
        if piece.text is not None:
            texts.append(piece.text)
        elif piece.html is not None:
            texts.append(html_to_text(sanitize_html(piece.html)))
            parsed.text_from_html = not any(p.text is not None for p in pieces)
        if has_html:
            htmls.append(piece.html if piece.html is not None else _text_as_html(piece.text or ""))
    parsed.text = _normalize_newlines("\n\n".join(t for t in texts if t.strip()))
    parsed.html = "\n".join(h for h in htmls if h.strip()).replace("\x00", "")
    if not parsed.text.strip() and not parsed.html.strip():
        _text_of_forward(parsed)
    parsed.defects.extend(_defects(message))
    return parsed


def _text_of_forward(parsed: ParsedMail) -> None:
    """A message that says nothing itself but forwards one reads as the forwarded message (which
    stays attached whole)."""
    forwarded = next(
        (a for a in parsed.attachments if a.content_type == "message/rfc822" and a.content), None
    )
    if forwarded is None:
        return
    inner = parse(forwarded.content)
    parsed.text, parsed.html = inner.text, inner.html
    parsed.text_from_html = inner.text_from_html


def _text_as_html(text: str) -> str:
    import html

    return "<pre>" + html.escape(text) + "</pre>"


def _normalize_newlines(text: str) -> str:
    # NUL never belongs in text, and PostgreSQL refuses to store it.
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")


def _defects(message: Message) -> list[str]:
    found: list[str] = []
    for part in message.walk():
        for defect in getattr(part, "defects", []) or []:
            found.append(type(defect).__name__)
    return sorted(set(found))
