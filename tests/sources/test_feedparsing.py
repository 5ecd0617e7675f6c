"""sources.feedparsing: formats, charsets, entries, and the THREATS.md 2, 4, 5 and 6 defences."""

import dataclasses
import io
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import feedparser
import pytest

from sources.feedparsing import FeedRejected, ParsedEntry, cut_authors, parse_feed

FEEDS = Path(__file__).parent / "feeds"
DC = "http://purl.org/dc/elements/1.1/"


def fixture(name: str) -> bytes:
    return (FEEDS / name).read_bytes()


def rss(items: str, *, channel: str = "", declaration: str = '<?xml version="1.0"?>') -> str:
    return (
        f'{declaration}<rss version="2.0" xmlns:dc="{DC}"><channel><title>T</title>'
        f"<link>https://x.example/</link>{channel}{items}</channel></rss>"
    )


def item(extra: str = "", *, title: str = "Headline", link: str = "https://x.example/1") -> str:
    return f"<item><title>{title}</title><link>{link}</link>{extra}</item>"


def timed(body: bytes) -> tuple[object, float, float]:
    """(parse_feed result or the FeedRejected raised, seconds, peak MB)."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        outcome: object = parse_feed(body)
    except FeedRejected as error:
        outcome = error
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    return outcome, seconds, peak


def all_strings(parsed) -> list[str]:
    strings = [parsed.title, parsed.site_url, parsed.language, *parsed.skipped]
    for entry in parsed.entries:
        strings += [v for v in dataclasses.asdict(entry).values() if isinstance(v, str)]
    return strings


# --- THREATS.md 2: feedparser must never fetch or open anything ------------------------------


def test_a_string_is_refused():
    with pytest.raises(TypeError):
        parse_feed(fixture("rss20.xml").decode())


def test_a_file_url_body_yields_nothing_from_that_file():
    with pytest.raises(FeedRejected) as caught:
        parse_feed(b"file:///etc/hostname")
    assert str(caught.value) == (
        "The response is not an RSS or Atom feed; give the feed's own address instead."
    )


def test_a_body_that_names_a_local_file_is_not_opened(tmp_path):
    # feedparser 6.0.14 opens *bytes* too when they name an existing file; this name
    # passes our prolog checks, so only handing feedparser a stream keeps the file shut.
    secret = tmp_path / '<rss version="2.0">'
    secret.write_text(rss(item(title="SECRET")))
    assert feedparser.parse(str(secret).encode()).entries  # the hazard is real
    parsed = parse_feed(str(secret).encode())
    assert parsed.entries == []
    assert "SECRET" not in repr(parsed)


def test_feedparser_only_ever_gets_a_normalised_stream(monkeypatch):
    seen = []
    real_parse = feedparser.parse

    def spy(source, **kwargs):
        seen.append((source, kwargs))
        return real_parse(source, **kwargs)

    monkeypatch.setattr(feedparser, "parse", spy)
    body = rss(item(title="A\x0bB"), declaration='<?xml version="1.0" encoding="ISO-8859-1"?>')
    parse_feed(body.encode("latin-1"), url="https://x.example/feed", content_type="text/xml")
    [(source, kwargs)] = seen
    assert isinstance(source, io.BytesIO)  # never bytes or str: those may name a file or URL
    data = source.getvalue().decode("utf-8")
    assert data.startswith('<?xml version="1.0" encoding="utf-8"?>\n<rss')
    assert "\x0b" not in data  # stripped before parsing, so expat need not give up on the feed
    assert kwargs["response_headers"] == {
        "content-location": "https://x.example/feed",
        "content-type": "application/xml; charset=utf-8",
    }
    assert kwargs["sanitize_html"] is True


# --- THREATS.md 4: entity declarations -------------------------------------------------------

BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY l0 "lol">'
    + "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    + ']><rss version="2.0"><channel><title>&l9;</title></channel></rss>'
)
QUADRATIC = (
    f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "{"A" * 50_000}">]>'
    f'<rss version="2.0"><channel><title>{"&a;" * 20_000}</title></channel></rss>'
)
EXTERNAL = (
    '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    '<rss version="2.0"><channel><title>&x;</title></channel></rss>'
)
LOWER_CASE = '<!DOCTYPE rss [<!  entity a "b">]><rss version="2.0"><channel/></rss>'
# A "<a" inside a comment ends feedparser's own idea of the prolog early, and a "]>" inside a
# comment in the DTD would end a naive DOCTYPE scan early; the declaration must still be seen.
HIDDEN = '<!-- <a> --><!DOCTYPE rss [<!-- ]> --><!ENTITY a "x">]><rss version="2.0"/>'


@pytest.mark.parametrize(
    "body",
    [
        BILLION_LAUGHS.encode(),
        QUADRATIC.encode(),
        EXTERNAL.encode(),
        LOWER_CASE.encode(),
        HIDDEN.encode(),
        EXTERNAL.replace('"1.0"', '"1.0" encoding="utf-16"').encode("utf-16"),
    ],
    ids=["billion-laughs", "quadratic", "external", "lower-case", "hidden", "utf-16"],
)
def test_entity_declarations_are_refused_quickly_and_cheaply(body):
    outcome, seconds, peak_mb = timed(body)
    assert isinstance(outcome, FeedRejected)
    assert "declares XML entities" in str(outcome)
    assert seconds < 1
    assert peak_mb < 50


def test_a_prolog_longer_than_the_window_is_refused():
    body = f'<!DOCTYPE rss [<!--{" " * 70_000}--><!ENTITY a "x">]><rss version="2.0"/>'
    with pytest.raises(FeedRejected, match="preamble"):
        parse_feed(body.encode())


def test_a_doctype_without_entities_is_fine():
    assert parse_feed(fixture("rss091.xml")).entries[0].title == "Ninety-one & counting"


@pytest.mark.parametrize(
    "body",
    [
        # feedparser's encoding sniff (RE_XML_PI_ENCODING) is cubic in a long first line
        # without "?>" (7 s for these 13 KB)...
        "<?xml " + 'encoding="x" ' * 1000 + "\n?>" + rss(item(), declaration=""),
        # ...and its DOCTYPE/ENTITY strip is quadratic in blank lines before the root.
        '<?xml version="1.0"?>' + " \n" * 30_000 + rss(item(), declaration=""),
    ],
    ids=["long-declaration", "blank-prolog"],
)
def test_prologs_that_make_feedparser_crawl_parse_quickly(body):
    outcome, seconds, _ = timed(body.encode())
    assert [e.title for e in outcome.entries] == ["Headline"]
    assert seconds < 1


# --- THREATS.md 5: long author text ----------------------------------------------------------

PART = "a." * 200
PARTS = 80  # 80 * 400 = 32,000 characters of author text


@pytest.mark.parametrize(
    "extra",
    [
        "<author>" + "a." * 16_000 + "</author>",
        "<dc:creator>" + "a-b." * 8_000 + "</dc:creator>",
        f"<foo:creator xmlns:foo='{DC}'>" + "a." * 16_000 + "</foo:creator>",
        "<author>" + "<!---->".join([PART] * PARTS) + "</author>",
        "<author>" + "".join(f"<![CDATA[{PART}]]>" for _ in range(PARTS)) + "</author>",
        "<author>" + "".join(f'<x a="1"/>{PART}' for _ in range(PARTS)) + "</author>",
        "<author><x></author></x>" + PART * PARTS + "</author>",
        "<author>" + "a&#46;" * 16_000 + "</author>",
        "<author>x < " + PART * PARTS + "</author>&bogus;",
    ],
    ids=[
        "plain",
        "dc-creator",
        "renamed-prefix",
        "split-by-comments",
        "split-by-cdata",
        "split-by-child-tags",
        "mismatched-close",
        "character-references",
        "loose-parser",
    ],
)
def test_long_item_authors_parse_quickly(extra):
    outcome, seconds, _ = timed(rss(item(extra) + item(title="After")).encode())
    assert [e.title for e in outcome.entries] == ["Headline", "After"]
    assert seconds < 1


@pytest.mark.parametrize(
    "channel",
    [
        "<managingEditor>" + "a." * 16_000 + "</managingEditor>",
        "<webMaster>" + "a." * 16_000 + "</webMaster>",
        "<dc:publisher>" + "a." * 16_000 + "</dc:publisher>",
        "<itunes:author xmlns:itunes='http://www.itunes.com/dtds/podcast-1.0.dtd'>"
        + "a." * 16_000
        + "</itunes:author>",
    ],
    ids=["managingEditor", "webMaster", "dc-publisher", "itunes-author"],
)
def test_long_channel_authors_parse_quickly(channel):
    outcome, seconds, _ = timed(rss(item(), channel=channel).encode())
    assert len(outcome.entries) == 1
    assert seconds < 1


def test_a_long_atom_author_name_is_cut_in_the_raw_text():
    body = (
        '<feed xmlns="http://www.w3.org/2005/Atom"><title>A</title><entry><title>E</title>'
        '<link href="https://a.example/e"/><author><name>'
        + "n." * 16_000
        + "</name><email>a@a.example</email></author></entry></feed>"
    )
    cut = cut_authors(body)
    assert len(cut) < 600
    assert cut.endswith("n.</name></author></entry></feed>")  # the rest of the author goes
    assert parse_feed(body.encode()).entries[0].title == "E"


def test_an_unclosed_author_costs_little_even_in_megabytes():
    body = rss(item("<author>" + "<a>" * 1_500_000)).encode()
    started = time.perf_counter()
    assert len(parse_feed(body).entries) == 1
    assert time.perf_counter() - started < 1


@pytest.mark.parametrize("name", ["rss091.xml", "rss10.rdf", "rss20.xml", "atom03.xml"])
def test_cutting_authors_leaves_ordinary_feeds_untouched(name):
    text = fixture(name).decode("latin-1")
    assert cut_authors(text) == text


# --- THREATS.md 6: control characters --------------------------------------------------------


def test_control_characters_never_come_out():
    extra = "<description>one\x0ctwo &#1; three</description><dc:creator>A\x0bB</dc:creator>"
    body = rss(item(extra, title="Bad\x0bchar &#11; and &#xFFFE; done"), channel="<x>\x00</x>")
    parsed = parse_feed(body.encode())
    assert parsed.entries[0].title == "Badchar and done"
    assert parsed.entries[0].summary == "onetwo three"
    for value in all_strings(parsed):
        assert not any(ord(c) < 32 and c not in "\t\n\r" for c in value), repr(value)
        assert "\ufffe" not in value
        assert "\uffff" not in value


# --- what is not a feed ----------------------------------------------------------------------


@pytest.mark.parametrize("body", [b"", b" \r\n\t ", "\ufeff  ".encode()])
def test_an_empty_body_is_refused(body):
    with pytest.raises(FeedRejected, match="empty response"):
        parse_feed(body)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"<!DOCTYPE html>\n<html lang='en'><head><title>Home</title></head></html>", ""),
        (b"<body><p>Welcome</p></body>", "text/html; charset=utf-8"),
    ],
)
def test_an_html_page_is_refused_as_html(body, content_type):
    with pytest.raises(FeedRejected, match=r"not an RSS or Atom feed \(it looks like HTML\)"):
        parse_feed(body, url="https://x.example/", content_type=content_type)


def test_plain_text_is_refused():
    with pytest.raises(FeedRejected, match="not an RSS or Atom feed"):
        parse_feed(b"Service temporarily unavailable")


def test_a_truncated_feed_keeps_what_was_complete():
    whole = rss(item(link="https://x.example/1") + item(link="https://x.example/2"))
    body = whole.replace("</channel></rss>", "<item><title>Third</title><link>https://x.exa")
    parsed = parse_feed(body.encode())
    assert [e.link for e in parsed.entries] == ["https://x.example/1", "https://x.example/2"]
    assert parsed.skipped == ["entry 3 is cut off where the feed ends"]


def test_a_feed_cut_before_its_first_item_is_refused_but_an_empty_one_is_fine():
    with pytest.raises(FeedRejected, match="cut off before its first item"):
        parse_feed(rss("").replace("</channel></rss>", "<descrip").encode())
    assert parse_feed(rss("").encode()).entries == []


# --- entries ---------------------------------------------------------------------------------


def test_rss20_entries_skips_and_fallback_titles():
    parsed = parse_feed(fixture("rss20.xml"), url="https://feeds.example/rss")
    assert parsed.title == "Example <News>"
    assert parsed.site_url == "https://news.example/"
    assert parsed.language == "en-US"
    first, untitled, slug = parsed.entries
    assert first == ParsedEntry(
        link="https://news.example/first",
        guid="tag:news.example,2024:1",
        title="First story & more",
        summary="One paragraph.\n\nTwo link.",
        published=datetime(2024, 3, 1, 10, 0, tzinfo=UTC),
        language="en-US",
        source_name="",
        source_url="",
    )
    assert untitled.title == "A story without a title but with quite a long summary that…"
    assert slug.title == "bare-slug"
    assert parsed.skipped[0] == "entry 2 has no link"
    assert parsed.skipped[1].startswith("entry 5 has a link that is not an absolute http(s)")
    assert "javascript:" in parsed.skipped[1]
    assert parsed.skipped[2].startswith("entry 6 has a link that is not an absolute http(s)")
    assert "mailto:" in parsed.skipped[2]


def test_relative_links_resolve_against_the_feed_url_or_are_skipped():
    body = rss(item(link="/story/1")).encode()
    assert parse_feed(body, url="https://x.example/feed").entries[0].link == (
        "https://x.example/story/1"
    )
    assert "not an absolute http(s) address" in parse_feed(body).skipped[0]


def test_publication_dates():
    soon = format_datetime(datetime.now(UTC) + timedelta(hours=2))
    later = format_datetime(datetime.now(UTC) + timedelta(days=3))
    body = rss(
        item(f"<pubDate>{soon}</pubDate>")
        + item(f"<pubDate>{later}</pubDate>")
        + item("<dc:date>2024-03-01T08:30:00+01:00</dc:date>")
        + item("<pubDate>not a date</pubDate>")
    )
    dates = [e.published for e in parse_feed(body.encode()).entries]
    assert dates[0].tzinfo == UTC
    assert dates[1:] == [None, datetime(2024, 3, 1, 7, 30, tzinfo=UTC), None]


def test_languages_from_entry_else_feed():
    body = rss(
        item("<dc:language>zh_cn</dc:language>") + item(), channel="<language>en-us</language>"
    )
    assert [e.language for e in parse_feed(body.encode()).entries] == ["zh-CN", "en-US"]
    assert parse_feed(rss(item()).encode()).entries[0].language == ""


def test_google_news_source_and_title_suffix():
    first, second = parse_feed(fixture("googlenews.xml")).entries
    assert (first.title, first.source_name, first.source_url) == (
        "新闻标题",
        "新华网",
        "https://english.news.cn",
    )
    assert first.summary == "新闻标题 新华网"
    assert second.title == "Markets rally - Some Other Outlet"  # suffix is not the source
    assert second.source_name == "Reuters"


def test_a_title_holding_scripts_keeps_only_its_text():
    titles = [
        "<![CDATA[<style>p {}</style>Ports <b>reopen</b><script>never closed]]>",
        "5 &lt;b&gt; 7",  # no closing tag: the '<' is literal
    ]
    body = rss("".join(item(title=t, link=f"https://x.example/{n}") for n, t in enumerate(titles)))
    assert [e.title for e in parse_feed(body.encode()).entries] == ["Ports reopen", "5 <b> 7"]


def test_summaries_are_bounded_plain_text():
    html = "<p>" + "word " * 3000 + "</p><script>alert(1)</script>"
    body = rss(item(f"<description><![CDATA[{html}]]></description>"))
    summary = parse_feed(body.encode()).entries[0].summary
    assert len(summary) <= 5000
    assert summary.endswith("word…")
    assert "<" not in summary
    assert "alert" not in summary


# --- charsets --------------------------------------------------------------------------------

WESTERN = "Café “quoted” – 5 €"
CHINESE = "新华社北京电 朱镕基"  # 镕 is GBK, not GB2312: feeds labelled GB2312 often hold GBK


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        (
            rss(
                item(title=WESTERN), declaration='<?xml version="1.0" encoding="windows-1252"?>'
            ).encode("cp1252"),
            "application/rss+xml",
            WESTERN,
        ),
        (
            rss(item(title=CHINESE), declaration='<?xml version="1.0" encoding="GB2312"?>').encode(
                "gbk"
            ),
            "text/xml",
            CHINESE,
        ),
        (
            rss(item(title=WESTERN), declaration='<?xml version="1.0" encoding="UTF-16"?>').encode(
                "utf-16"
            ),
            "",
            WESTERN,
        ),
        (rss(item(title=CHINESE), declaration="").encode("utf-8"), "", CHINESE),
        (
            rss(item(title="Новости дня"), declaration="").encode("cp1251"),
            'text/xml; charset="windows-1251"',
            "Новости дня",
        ),
        (
            rss(
                item(title="똠방각하"), declaration='<?xml version="1.0" encoding="EUC-KR"?>'
            ).encode("cp949"),
            "",
            "똠방각하",  # 똠 is in Windows' cp949 (UHC), not in strict EUC-KR
        ),
        (
            rss(item(title=CHINESE) + item(title="Café", link="https://x.example/2"))
            .encode()
            .replace("Café".encode(), "Café".encode("cp1252")),
            "",
            CHINESE,
        ),
    ],
    ids=[
        "windows-1252",
        "gb2312",
        "utf-16-bom",
        "undeclared-utf-8",
        "http-charset",
        "euc-kr-as-cp949",
        "utf-8-with-a-stray-byte",
    ],
)
def test_charsets(body, content_type, expected):
    assert parse_feed(body, content_type=content_type).entries[0].title == expected


# --- formats ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "title", "link", "language"),
    [
        ("rss091.xml", "Ninety-one & counting", "https://oldwire.example/91", "en-US"),
        ("rss10.rdf", "Erste Meldung", "https://rdf.example/eins", "de-DE"),
        ("rss20.xml", "First story & more", "https://news.example/first", "en-US"),
        ("atom03.xml", "Bonjour l'Atom", "https://trois.example/bonjour", "fr"),
        ("atom10.xml", "Relative link", "https://atom.example/blog/posts/hello.html", "en-GB"),
    ],
)
def test_formats(name, title, link, language):
    entry = parse_feed(fixture(name), url=f"https://feeds.example/{name}").entries[0]
    assert (entry.title, entry.link, entry.language) == (title, link, language)


def test_atom10_details():
    parsed = parse_feed(fixture("atom10.xml"), url="https://feeds.example/atom")
    assert (parsed.title, parsed.site_url) == ("Atom One", "https://atom.example/")
    hello, absolute = parsed.entries
    assert hello.summary == "Para one.\n\nPara two."
    assert hello.published == datetime(2024, 3, 3, 10, 0, tzinfo=UTC)
    assert (absolute.language, absolute.published) == (
        "de",
        datetime(2024, 3, 4, 3, 6, 7, tzinfo=UTC),
    )
