"""Articles' Markdown as safe HTML: CommonMark with tables, then sanitised, code blocks kept with
their language so a template's SQL or workflow can be copied as written."""

from __future__ import annotations

import re
from functools import lru_cache

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "u", "s",
    "del", "code", "pre", "kbd", "blockquote", "ul", "ol", "li", "a", "img", "table", "thead",
    "tbody", "tr", "th", "td", "details", "summary", "sup", "sub",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "code": {"class"},
    "th": {"align"},
    "td": {"align"},
    "ol": {"start"},
}
_LANGUAGE_CLASS = re.compile(r"^language-[A-Za-z0-9_+#.-]{1,30}$")
_URL_IGNORED = re.compile(r"[\x00-\x20]")


def _keep_attribute(tag: str, attribute: str, value: str) -> str | None:
    # Only a fenced block's language class survives: it marks what the copy button copies.
    if attribute == "class":
        return value if tag == "code" and _LANGUAGE_CLASS.match(value) else None
    if attribute in {"href", "src"}:
        scheme = _URL_IGNORED.sub("", value).lower()
        if scheme.startswith("data:"):
            return None
        # Images only from our own pages or https: no mixed content, no tracking over http.
        # "//host/x.png" (and "/\\host", which browsers read the same) is another site's.
        if tag == "img" and (
            not scheme.startswith(("https:", "/")) or scheme.startswith(("//", "/\\"))
        ):
            return None
    return value


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    # Raw HTML is let through the parser and then sanitised, so <kbd> or <details> work while
    # scripts, styles and event handlers never reach the page.
    return MarkdownIt("commonmark", {"html": True}).enable("table").enable("strikethrough")


def render_markdown(text: str) -> SafeString:
    """`text` as HTML safe to put in a page as is; empty for empty text."""
    if not text or not text.strip():
        return mark_safe("")
    raw = _parser().render(text)
    clean = nh3.clean(
        raw,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        attribute_filter=_keep_attribute,
    )
    return mark_safe(clean)  # sanitised just above


def code_blocks(text: str) -> list[tuple[str, str]]:
    """The fenced code blocks of `text` as (language, code): what a template's reader copies."""
    blocks = []
    for token in _parser().parse(text or ""):
        if token.type in {"fence", "code_block"}:
            blocks.append(((token.info or "").split(" ")[0], token.content))
    return blocks
