"""extract_article: limits first (size, elements, time), browser-like decoding, clean text."""

import contextlib
import importlib
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import trafilatura
from lxml import html as lxml_html

from sources import extraction
from sources.extraction import (
    Extracted,
    ExtractionError,
    decode_html,
    extract_article,
    time_limit,
    trafilatura_config,
)

PAGES = Path(__file__).parent / "pages"
URL = "https://news.example/2026/03/story"
MOJIBAKE = ("\ufffd", "Ã", "Â", "â€", "ï»¿")


def page(name: str) -> bytes:
    return (PAGES / name).read_bytes()


def assert_clean_unicode(text: str) -> None:
    for marker in MOJIBAKE:
        assert marker not in text, f"mojibake {marker!r} in {text[:200]!r}"
    assert not any("\x80" <= char <= "\x9f" for char in text), "C1 control characters"


@pytest.fixture
def no_trafilatura(monkeypatch):
    """Fails the test if trafilatura is asked to parse anything."""

    def refuse(*args, **kwargs):
        raise AssertionError("trafilatura.extract was called")

    monkeypatch.setattr(trafilatura, "extract", refuse)


def test_trafilatura_and_lxml_html_clean_import():
    """lxml 6 no longer bundles lxml.html.clean; trafilatura fails to import without it."""
    assert importlib.import_module("lxml_html_clean").Cleaner
    assert importlib.import_module("lxml.html.clean").Cleaner
    fresh = "import trafilatura, lxml_html_clean; print(trafilatura.extract.__name__)"
    done = subprocess.run([sys.executable, "-c", fresh], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "extract"


# --- character sets -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "http_charset", "words", "language"),
    [
        # bytes are cp1252 (œ and € live in 0x80-0x9F) but the header says Latin-1, as browsers see
        ("latin1_header_only.html", "ISO-8859-1", ["coopérative", "œuvre", "4 200 000 €"], "fr"),
        ("cp1252_meta.html", None, ["“Nuestros abuelos", "Ordóñez", "tradicional – pero"], "es-ES"),
        # 喆 is not in GB2312: only its superset GB18030/GBK decodes it
        ("gb2312_meta.html", None, ["新能源公交车", "王喆", "充电站"], "zh-CN"),
        # 髙 is a Windows-31J (CP932) extension to Shift_JIS
        ("shift_jis_meta.html", None, ["朝市", "髙橋由紀子", "すり身汁"], "ja"),
    ],
)
def test_declared_charsets_extract_the_right_text(name, http_charset, words, language):
    result = extract_article(page(name), url=URL, http_charset=http_charset)
    for word in words:
        assert word in result.text
    assert_clean_unicode(result.text)
    assert result.language == language


@pytest.mark.parametrize("name", ["gb2312_meta.html", "shift_jis_meta.html"])
def test_cjk_pages_have_no_latin1_noise(name):
    text = extract_article(page(name), url=URL).text
    assert not any("\xa0" <= char <= "\xff" for char in text)


def test_http_charset_beats_meta():
    body = '<meta charset="utf-8"><p>caf\xe9 cr\xe8me</p>'.encode("cp1252")
    assert "café crème" in decode_html(body, http_charset="windows-1252")


def test_bom_beats_a_wrong_http_charset():
    body = "\ufeff<p>Zürich</p>".encode()
    assert decode_html(body, http_charset="iso-8859-1") == "<p>Zürich</p>"


def test_utf16_bom():
    body = "\ufeff<p>Ελλάδα</p>".encode("utf-16-le")
    assert decode_html(body, http_charset=None) == "<p>Ελλάδα</p>"


@pytest.mark.parametrize("label", ["no-such-charset", "base64", "rot13", "utf-7", "x" * 80, ""])
def test_unknown_or_unsafe_http_charset_falls_through_to_meta(label):
    body = '<meta http-equiv="Content-Type" content="text/html; charset=gb2312"><p>王喆</p>'
    assert "王喆" in decode_html(body.encode("gbk"), http_charset=label)


def test_meta_with_content_before_http_equiv():
    body = "<meta content='text/html; charset=Shift_JIS' http-equiv='Content-Type'><p>髙橋</p>"
    assert "髙橋" in decode_html(body.encode("cp932"), http_charset=None)


def test_meta_beyond_4kb_is_not_trusted_but_utf8_is_detected():
    body = ("<!--" + "x" * 5000 + '--><meta charset="koi8-r"><p>Δελφοί</p>').encode()
    assert "Δελφοί" in decode_html(body, http_charset=None)


def test_undeclared_legacy_page_is_sniffed():
    body = page("latin1_header_only.html")  # no meta: charset-normalizer decides
    text = decode_html(body, http_charset=None)
    assert "coopérative laitière" in text
    assert "\ufffd" not in text


def test_undecodable_bytes_do_not_raise():
    text = decode_html(b"<p>\xff\xfe\xfa\x00\x81 ok</p>" * 3, http_charset="utf-8")
    assert "ok" in text


# --- limits ---------------------------------------------------------------------------------


def test_page_just_over_the_limit_is_refused_before_parsing(settings, no_trafilatura):
    limit = settings.DIGESTCMS_FETCH_MAX_BYTES
    body = b"<html><body><p>" + b"a" * limit + b"</p></body></html>"
    body = body[: limit + 1]
    with pytest.raises(ExtractionError) as caught:
        extract_article(body, url=URL)
    assert str(caught.value) == f"page is {limit + 1:,} bytes, above the {limit:,}-byte limit"


def test_oversize_reason_in_megabytes(settings, no_trafilatura):
    settings.DIGESTCMS_FETCH_MAX_BYTES = 5 * 1024 * 1024
    body = b" " * int(7.2 * 1024 * 1024)
    with pytest.raises(ExtractionError, match=r"^page is 7\.2 MB, above the 5 MB limit$"):
        extract_article(body, url=URL)


def test_limit_follows_the_setting(settings, no_trafilatura):
    settings.DIGESTCMS_FETCH_MAX_BYTES = 1000
    with pytest.raises(ExtractionError, match="above the 1,000-byte limit"):
        extract_article(page("harbour_wind.html"), url=URL)


def test_huge_tree_is_refused_before_parsing(no_trafilatura):
    rows = "".join(f"<p>Row {i}</p>" for i in range(extraction.MAX_TREE_SIZE + 10))
    body = f"<html><body><article>{rows}</article></body></html>".encode()
    with pytest.raises(ExtractionError, match=r"page has 50,01\d HTML elements, above the 50,000"):
        extract_article(body, url=URL)


def test_many_angle_brackets_in_text_are_not_counted_as_elements():
    prose = "<p>" + "a < b, " * 100 + "</p>"
    body = page("harbour_wind.html").replace(b"</article>", (prose * 600).encode() + b"</article>")
    assert "seagrass meadows" in extract_article(body, url=URL).text


@pytest.mark.parametrize("depth", [200, 5000])
def test_deep_nesting_is_handled(depth):
    paragraph = "<p>" + "The tide gauge at the old pier recorded a new high. " * 6 + "</p>"
    body = f"<html><body>{'<div>' * depth}{paragraph * 3}{'</div>' * depth}</body></html>"
    try:
        text = extract_article(body.encode(), url=URL).text
    except ExtractionError as exc:  # libxml2 stops at its depth limit: refused with a reason
        text = str(exc)
    assert "tide gauge" in text or text.startswith("no article text found")


def test_trafilatura_is_called_once_with_our_config(settings, monkeypatch):
    calls = []
    real = trafilatura.extract

    def spy(*args, **kwargs):
        calls.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(trafilatura, "extract", spy)
    extract_article(page("harbour_wind.html"), url=URL)
    assert len(calls) == 1
    config = calls[0]["config"]
    assert config.getboolean("DEFAULT", "INSECURE_SSL_FALLBACK") is False
    assert config.getint("DEFAULT", "MAX_FILE_SIZE") == settings.DIGESTCMS_FETCH_MAX_BYTES
    assert config.getint("DEFAULT", "MAX_TREE_SIZE") == extraction.MAX_TREE_SIZE
    assert config.getint("DEFAULT", "EXTRACTION_TIMEOUT") == 0
    assert not calls[0].get("with_metadata")
    assert not calls[0]["include_comments"]


def test_config_is_built_once_per_limit():
    assert trafilatura_config(1234) is trafilatura_config(1234)
    assert trafilatura_config(1234).getint("DEFAULT", "MAX_FILE_SIZE") == 1234


# --- time limit -----------------------------------------------------------------------------


def busy_loop(seconds: float) -> int:
    count, stop = 0, time.monotonic() + seconds
    while time.monotonic() < stop:
        count += 1
    return count


def test_time_limit_interrupts_pure_python_and_restores_handler():
    def previous_handler(signum, frame):
        raise AssertionError("the old handler must not fire")

    old = signal.signal(signal.SIGALRM, previous_handler)
    try:
        started = time.monotonic()
        with (
            pytest.raises(ExtractionError, match=r"^extraction took longer than 0\.05 s$"),
            time_limit(0.05),
        ):
            busy_loop(5)
        assert time.monotonic() - started < 4
        assert signal.getsignal(signal.SIGALRM) is previous_handler
        assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    finally:
        signal.signal(signal.SIGALRM, old)


def test_time_limit_gives_back_an_outer_timer():
    old = signal.signal(signal.SIGALRM, lambda signum, frame: None)
    try:
        signal.setitimer(signal.ITIMER_REAL, 30)
        with time_limit(1):
            pass  # nothing to interrupt: only the outer timer matters here
        remaining, _ = signal.getitimer(signal.ITIMER_REAL)
        assert 25 < remaining <= 30
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


class OuterTimeout(Exception):
    """Stands for django-q2's TimeoutException (its worker times tasks out with SIGALRM)."""


def test_a_shorter_outer_timer_still_fires_with_its_own_handler():
    def outer_handler(signum, frame):
        raise OuterTimeout

    old = signal.signal(signal.SIGALRM, outer_handler)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.05)
        with pytest.raises(OuterTimeout), time_limit(5):
            busy_loop(3)
        assert signal.getsignal(signal.SIGALRM) is outer_handler
        assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)  # fired once, not re-armed
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def test_time_limit_does_nothing_outside_the_main_thread():
    outcome = []

    def work():
        with time_limit(0.01):
            outcome.append(busy_loop(0.1))

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert outcome
    assert outcome[0] > 0


def test_slow_extraction_is_stopped_even_inside_except_exception(settings, monkeypatch):
    """trafilatura's fallback catches Exception; the alarm must get through it."""
    settings.DIGESTCMS_EXTRACT_TIME_LIMIT = 0.05

    def slow_extract(*args, **kwargs):
        with contextlib.suppress(Exception):  # what trafilatura's fallback does
            busy_loop(5)
        return "finished " * 20

    monkeypatch.setattr(trafilatura, "extract", slow_extract)
    started = time.monotonic()
    with pytest.raises(ExtractionError, match="took longer than 0.05 s"):
        extract_article(page("harbour_wind.html"), url=URL)
    assert time.monotonic() - started < 4


# --- content, title, language ---------------------------------------------------------------


def body_paragraphs(name: str, xpath: str) -> list[str]:
    tree = lxml_html.fromstring(page(name))
    return [" ".join(node.text_content().split()) for node in tree.xpath(xpath)]


@pytest.mark.parametrize(
    ("name", "url", "xpath", "junk"),
    [
        (
            "harbour_wind.html",
            "https://eastmerecourier.co.uk/news/harbour-wind",
            "//div[@class='story-body']/p",
            ["Editor:", "Photo:", "Read more:", "Harbour council backs offshore wind terminal"],
        ),
        (
            "divsoup_rail.html",
            "https://valleyline.example/freight/reopening",
            "//div[@class='col']/div[string-length(normalize-space()) > 150]",
            ["twitter", "youtube", "instagram", "facebook", "whatsapp", "apple store",
             "play market", "night_theme", "WHAT ARE YOU LOOKING FOR", "Any use of materials",
             "©", "A+", "A-", "14 February 2026", "Views:", "Share this article", "copy link",
             "Follow us on WhatsApp", "#rail", "Related:", "Source:", "Sign up for our",
             "Download our app", "loading", "Freight rail link to the inland port reopens"],
        ),
        (
            "tram_full_page.html",  # 110 KB: mega-menu, comments, related cards, scripts
            "https://westburypost.example/news/night-trams",
            "//div[@class='article-body']/p",
            ["Photo:", "Read also", "Share", "Sign up", "©", "Comments", "reader1", "hours ago",
             "Trending", "cookies", "Night trams return to Westbury after the depot strike"],
        ),
    ],
)  # fmt: skip
def test_boilerplate_goes_and_every_paragraph_stays(name, url, xpath, junk):
    paragraphs = body_paragraphs(name, xpath)
    assert len(paragraphs) >= 5
    text = extract_article(page(name), url=url).text
    assert text.splitlines() == paragraphs  # every paragraph, in order, and nothing else
    for piece in junk:
        assert piece not in text


def test_sentences_about_twitter_and_copyright_survive_extraction():
    text = extract_article(page("harbour_wind.html"), url=URL).text
    assert "announced the vote on Twitter" in text
    assert "had kept copyright over the report" in text


def test_outlet_name_line_is_dropped_using_the_url():
    text = extract_article(page("divsoup_rail.html"), url="https://www.valleyline.example/x").text
    assert "Valleyline" not in text.splitlines()


def test_navigation_only_page_is_refused():
    with pytest.raises(ExtractionError, match="^no article text found"):
        extract_article(page("nav_only.html"), url=URL)


def test_text_that_is_all_boilerplate_is_refused(monkeypatch):
    leftovers = "twitter\nfacebook\nHome | News | Sport\nFollow us on Telegram\n© 2026 Foo News"
    monkeypatch.setattr(trafilatura, "extract", lambda *args, **kwargs: leftovers)
    with pytest.raises(ExtractionError, match=r"\(the page looks like navigation only\)$"):
        extract_article(page("harbour_wind.html"), url=URL)


def test_title_from_og_title_then_title_then_argument():
    harbour = extract_article(page("harbour_wind.html"), url=URL, title="Feed title")
    assert harbour.title == "Harbour council backs offshore wind terminal after marathon session"
    assert harbour.language == "en-GB"
    shift_jis = extract_article(page("shift_jis_meta.html"), url=URL, title="Feed title")
    assert shift_jis.title == "北浜漁港で朝市が三年ぶりに再開"
    bare = re.sub(
        rb"<title>.*?</title>|<meta property=.og:title.[^>]*>", b"", page("harbour_wind.html")
    )
    assert extract_article(bare, url=URL, title="Feed title").title == "Feed title"


@pytest.mark.parametrize(
    ("head", "language"),
    [
        ('<html lang="en_US">', "en-US"),
        ("<html xml:lang='zh_hant_tw'>", "zh-Hant-TW"),
        ('<html><meta http-equiv="Content-Language" content="de-at, en">', "de-AT"),
        ('<html><meta content="pt_BR" property="og:locale">', "pt-BR"),
        ('<html lang="{{ lang }}">', ""),
        ("<html>", ""),
    ],
)
def test_language_from_the_head(head, language):
    body = (head + page("harbour_wind.html").split(b"<head>", 1)[1].decode()).encode()
    body = body.replace(b' lang="en_GB"', b"").replace(b'<meta property="og:locale"', b"<meta")
    assert extract_article(body, url=URL).language == language


def test_result_type():
    result = extract_article(page("cp1252_meta.html"), url=URL)
    assert isinstance(result, Extracted)
    assert result.title.startswith("El puerto de Almadrava")
    assert not result.text.startswith("El puerto de Almadrava estrena")  # headline line removed
