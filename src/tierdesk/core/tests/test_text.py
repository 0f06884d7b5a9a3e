"""Message bodies: sanitising, and text and HTML from one another."""

import pytest

from tierdesk.core.text import html_to_text, sanitize_html, text_to_html


def test_scripts_handlers_and_styles_are_removed():
    clean = sanitize_html('<p onclick="x()" style="color:red">Hi<script>alert(1)</script></p>')
    assert clean == "<p>Hi</p>"


def test_remote_images_are_dropped_but_embedded_ones_kept():
    clean = sanitize_html(
        '<img src="https://tracker.example/p.gif" alt="pixel">'
        '<img src="cid:logo@mail" alt="logo"><img src="data:image/png;base64,iVBO" alt="inline">'
    )
    assert "tracker.example" not in clean
    assert 'src="cid:logo@mail"' in clean
    assert 'src="data:image/png;base64,iVBO"' in clean


def test_links_keep_web_addresses_and_lose_data_urls():
    clean = sanitize_html(
        '<a href="https://docs.example/x">docs</a><a href="data:text/html,<h1>">trap</a>'
    )
    assert 'href="https://docs.example/x"' in clean
    assert "data:text/html" not in clean
    assert 'rel="noopener noreferrer nofollow"' in clean


def test_plain_text_becomes_escaped_paragraphs_with_links():
    html = text_to_html("Error <b>\nsee https://status.example/1\n\nThanks")
    assert html == (
        '<p>Error &lt;b&gt;<br>see <a href="https://status.example/1" rel="noopener noreferrer nofollow">'
        "https://status.example/1</a></p>\n<p>Thanks</p>"
    )


def test_html_to_text_keeps_blocks_apart():
    assert (
        html_to_text("<div>One</div><p>Two <b>three</b></p><style>x{}</style>")
        == "One\n\nTwo three"
    )


@pytest.mark.parametrize(
    "href", [" data:text/html,<b>x</b>", "\tdata:text/html,x", "da\tta:text/html,x", "DATA:x"]
)
def test_data_links_hidden_behind_spaces_and_tabs_are_dropped(href):
    cleaned = sanitize_html(f'<a href="{href}">open</a>')
    assert "data:" not in cleaned.lower().replace("\t", "")
    assert ">open</a>" in cleaned
