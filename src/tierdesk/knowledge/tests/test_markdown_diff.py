"""Markdown rendered safely, and version diffs that escape what they show."""

from __future__ import annotations

from tierdesk.knowledge.markdown import code_blocks, render_markdown
from tierdesk.knowledge.selectors import field_diff


def test_scripts_handlers_and_javascript_links_are_stripped():
    html = render_markdown(
        "Hi <script>alert(1)</script><img src=x onerror=alert(2)>\n\n"
        "[click](javascript:alert(3)) <a href='data:text/html,x'>d</a> <b style='color:red'>b</b>"
    )
    assert "<script" not in html and "alert(1)" not in html
    assert "onerror" not in html and 'href="javascript' not in html and "data:" not in html
    assert "style=" not in html and "<b>b</b>" in html


def test_code_blocks_keep_their_language_and_text():
    text = "Run:\n\n```sql\nSELECT * FROM t WHERE a < 2;\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"
    html = render_markdown(text)
    assert '<pre><code class="language-sql">SELECT * FROM t WHERE a &lt; 2;' in html
    assert "<table>" in html and "<td>1</td>" in html
    assert code_blocks(text) == [("sql", "SELECT * FROM t WHERE a < 2;\n")]


def test_a_forged_class_is_dropped():
    html = render_markdown('<code class="x onclick">a</code><p class="language-sql">b</p>')
    assert 'class="x' not in html and "<p class" not in html


def test_field_diff_marks_changed_words_and_escapes_text():
    diff = field_diff(
        "resolution", "Set <b>timeout</b> to 60\nkeep", "Set <b>timeout</b> to 120\nkeep\nnew line"
    )
    assert diff.changed
    tags = [row[0] for row in diff.rows]
    assert tags == ["replace", "equal", "insert"]
    old, new = diff.rows[0][1], diff.rows[0][2]
    assert (
        "&lt;b&gt;timeout&lt;/b&gt;" in old and "<del>60</del>" in old and "<ins>120</ins>" in new
    )
    assert "-Set <b>timeout</b> to 60" in diff.unified and "+new line" in diff.unified
    assert not field_diff("tags", ["a"], ["a"]).changed


def test_images_from_another_site_without_a_scheme_are_dropped():
    html = render_markdown(
        "![a](//evil.example/a.png) <img src='/\\evil.example/b.png'> "
        "<img src=' //evil.example/c.png'> <img src='&#47;&#47;evil.example/d.png'> "
        "![ok](/static/ok.png) ![ok2](https://cdn.example/ok.png)"
    )
    assert "evil.example" not in html
    assert 'src="/static/ok.png"' in html and 'src="https://cdn.example/ok.png"' in html
