"""Message bodies: sanitise HTML, turn plain text into safe HTML and HTML back into text."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import nh3

ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "del",
    "div",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "li",
    "ol",
    "p",
    "pre",
    "s",
    "span",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "u",
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
    "code": {"class"},
    "pre": {"class"},
}


# Browsers drop leading spaces and control characters from a URL and tabs and newlines inside
# it, so " data:" and "da\tta:" are data: URLs to them.
_URL_IGNORED = re.compile(r"[\x00-\x20]")


def _keep_attribute(tag: str, attribute: str, value: str) -> str | None:
    scheme_text = _URL_IGNORED.sub("", value).lower() if attribute in {"src", "href"} else ""
    # A remote image in a customer's mail is a tracking pixel that fires when an engineer opens
    # the ticket; images are kept only when they travel inside the message (cid:, data:image).
    if tag == "img" and attribute == "src":
        return value if scheme_text.startswith(("cid:", "data:image/")) else None
    # data: links open attacker-written pages from our origin's context menu; links stay web links.
    if tag == "a" and attribute == "href" and scheme_text.startswith("data:"):
        return None
    return value


def sanitize_html(raw: str) -> str:
    """HTML safe to show inside a page: no scripts, styles, event handlers, foreign schemes or
    remote images."""
    return nh3.clean(
        raw,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "cid", "data"},
        link_rel="noopener noreferrer nofollow",
        attribute_filter=_keep_attribute,
    )


_URL = re.compile(r"(https?://[^\s<>\"']+)")


def text_to_html(text: str) -> str:
    """Plain text as HTML paragraphs, with line breaks kept and web addresses made links."""
    paragraphs = re.split(r"\n\s*\n", text.strip())
    rendered = []
    for paragraph in paragraphs:
        escaped = html.escape(paragraph)
        linked = _URL.sub(r'<a href="\1" rel="noopener noreferrer nofollow">\1</a>', escaped)
        rendered.append("<p>" + linked.replace("\n", "<br>") + "</p>")
    return "\n".join(rendered)


class _TextExtractor(HTMLParser):
    BLOCKS = {
        "p",
        "div",
        "br",
        "li",
        "tr",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "pre",
        "blockquote",
        "hr",
    }
    SKIP = {"script", "style", "head", "title"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def html_to_text(raw: str) -> str:
    """The readable text of an HTML body, with block elements as line breaks."""
    parser = _TextExtractor()
    parser.feed(raw)
    parser.close()
    text = "".join(parser.parts)
    text = re.sub(r"[ \t\r\f\v]+", " ", text)
    text = re.sub(r" *\n *", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()
