"""Rendering Markdown safely (THREATS.md 12), citations as links, bullets with their sources."""

import re
from types import SimpleNamespace

import pytest

from digests.rendering import (
    bullets_with_sources,
    dangling_citations,
    diff_rows,
    markdownify,
    render_markdown,
    web_url,
)

# Each payload, and what must not survive of it in the HTML.
PAYLOADS = {
    "script": ("<script>alert(1)</script>", ["<script", "alert(1)"]),
    "javascript link": ("[click](javascript:alert(1))", ["javascript:", "alert(1)"]),
    "img onerror": ('<img src="x" onerror="alert(1)">', ["<img", "onerror", "alert(1)"]),
    "iframe": ('<iframe src="https://evil.example/"></iframe>', ["<iframe", "evil.example"]),
    "svg onload": ('<svg onload="alert(1)"><circle r="1"/></svg>', ["<svg", "onload"]),
    "data link": ("[d](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)", ["data:"]),
    "raw data link": ('<a href="data:text/html,<script>alert(1)</script>">d</a>', ["data:"]),
    "entity-encoded scheme": ('<a href="jav&#x61;script:alert(1)">x</a>', ["script:", "alert"]),
    "tab in scheme": ('<a href="jav&#x09;ascript:alert(1)">x</a>', ["ascript:", "alert"]),
    "markdown entity scheme": ("[y](&#106;avascript:alert(1))", ["avascript:", "alert"]),
    "vbscript": ("[v](vbscript:msgbox(1))", ["vbscript:"]),
    "event on allowed tag": ('<p onclick="alert(1)">hi</p>', ["onclick"]),
    "style": ('<p style="background:url(javascript:alert(1))">x</p>', ["style=", "javascript:"]),
    "object": ('<object data="x.swf"></object><embed src="x.swf">', ["<object", "<embed"]),
    "form": ('<form action="https://evil.example"><input name="q"></form>', ["<form", "<input"]),
    "meta refresh": ('<meta http-equiv="refresh" content="0;url=https://evil.example">', ["<meta"]),
    "link in title": ('[t](https://ok.example "x\\" onmouseover=\\"alert(1))', ["onmouseover="]),
}


def executable_traces(html: str) -> list[str]:
    """Anything a browser could run: script tags, event handlers, non-web URL schemes."""
    traces = re.findall(r"<\s*(?:script|iframe|svg|img|object|embed|form|meta|style)\b", html, re.I)
    traces += re.findall(r"\son[a-z]+\s*=", html, re.I)
    traces += re.findall(r"""(?:href|src)\s*=\s*["']?\s*(?!https?:|mailto:|#)[a-z]+:""", html, re.I)
    return traces


@pytest.mark.parametrize("name", PAYLOADS)
def test_no_payload_survives_rendering(name):
    payload, forbidden = PAYLOADS[name]
    html = render_markdown(f"Before.\n\n{payload}\n\n- A bullet {payload} [1]")
    assert not executable_traces(html), html
    for fragment in forbidden:
        assert fragment.lower() not in html.lower(), (fragment, html)


def test_markdownx_preview_function_is_the_cleaned_rendering():
    payload = "<script>alert(1)</script>\n\n- Fine [2]"
    assert markdownify(payload) == render_markdown(payload)
    assert "<script" not in markdownify(payload)


def test_only_allow_listed_tags_and_attributes_remain():
    html = render_markdown(
        "# Big heading\n\n### Small heading\n\n> quoted\n\n`code`\n\n"
        '<div class="x" id="y"><span>text</span></div>\n\n'
        "1. one\n2. two\n\n**bold** _em_  \nbreak\n\n    pre\n"
    )
    tags = set(re.findall(r"<([a-z0-9]+)", html))
    assert tags <= {"p", "ul", "ol", "li", "em", "strong", "a", "code", "pre", "blockquote"} | {
        "br",
        "h3",
        "h4",
    }
    assert "<h1" not in html and "Big heading" in html
    assert "<h3>Small heading</h3>" in html
    assert 'class="x"' not in html and 'id="y"' not in html


def test_links_keep_http_https_mailto_and_get_rel():
    html = render_markdown(
        "[a](https://a.example/) [b](http://b.example/) [c](mailto:c@example.com)"
    )
    assert html.count('rel="noopener noreferrer"') == 3
    assert 'href="https://a.example/"' in html
    assert 'href="mailto:c@example.com"' in html


def test_citation_markers_become_links_to_the_numbered_sources():
    html = render_markdown("- Chip curbs widen [3, 7]\n- Talks resume [2]")
    assert '<a class="citation" href="#source-3" rel="noopener noreferrer">3</a>' in html
    assert '<a class="citation" href="#source-7" rel="noopener noreferrer">7</a>' in html
    assert 'href="#source-2"' in html
    assert "[<a" in html and "</a>]" in html


def test_citation_base_can_point_elsewhere():
    html = render_markdown("- A [4]", citation_base="/digests/us-china/2026-11-22/#source-")
    assert 'href="/digests/us-china/2026-11-22/#source-4"' in html


def test_link_text_and_code_are_not_citations():
    html = render_markdown("[3](https://three.example/) and `[4]`")
    assert 'href="https://three.example/"' in html
    assert "<code>[4]</code>" in html
    assert "source-" not in html


def test_an_editor_cannot_forge_other_classes():
    html = render_markdown('<a href="https://x.example" class="citation evil" onclick="x()">l</a>')
    assert 'class="citation"' in html and "evil" not in html and "onclick" not in html


def test_rendering_does_not_change_the_text_it_was_given():
    text = "<script>alert(1)</script> [1]"
    render_markdown(text)
    assert text == "<script>alert(1)</script> [1]"


def test_web_url_keeps_only_http_links():
    assert web_url("https://a.example/x") == "https://a.example/x"
    assert web_url("javascript:alert(1)") == ""
    assert web_url("data:text/html,hi") == ""


def entry(number: int, outlet: str) -> SimpleNamespace:
    return SimpleNamespace(
        position=number,
        cited_outlet=outlet,
        cited_title=f"Story {number}",
        cited_url=f"https://{outlet}/{number}",
        cited_language="en",
        cited_date=None,
    )


def test_each_bullet_lists_its_sources_and_the_sentences_it_came_from():
    entries = {1: entry(1, "apnews.com"), 2: entry(2, "news.cn")}
    drafted = [
        {
            "text": "Both sides spoke",
            "citations": [3, 4],  # numbered 3 and 4 when drafted; renumbered since
            "evidence": [
                {"number": 3, "sentence": "Officials met."},
                {"number": 4, "sentence": "Beijing agreed."},
            ],
        }
    ]
    [bullet, edited] = bullets_with_sources(
        "- Both sides spoke [1, 2]\n- A new line [2, 9]\nNot a bullet [1]", entries, drafted
    )
    assert [s.outlet for s in bullet.sources] == ["apnews.com", "news.cn"]
    assert bullet.evidence == [
        ("[1] apnews.com", "Officials met."),
        ("[2] news.cn", "Beijing agreed."),
    ]
    assert bullet.drafted and not bullet.missing
    assert edited.missing == [9] and not edited.drafted and not edited.evidence


def test_dangling_citations_name_the_bullet_and_the_number():
    problems = dangling_citations("- Fine [1]\n- Broken claim [1, 5]\n", {1, 2})
    assert problems == ["The bullet “Broken claim” cites [5], which the source list does not have."]


def test_diff_rows_pair_old_and_new_lines_and_keep_text_raw_for_escaping():
    rows = diff_rows("- a [1]\n- b [2]\n", "- a [1]\n- <script>b</script> [2]\n- c [3]\n")
    assert [r.kind for r in rows] == ["equal", "replace", "insert"]
    assert rows[1].new == "- <script>b</script> [2]"  # the template escapes it
    assert rows[2].old == "" and rows[2].new == "- c [3]"


def test_every_page_carries_a_content_security_policy_without_inline_scripts(admin_client):
    response = admin_client.get("/admin/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
