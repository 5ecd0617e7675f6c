"""Issue 6's public site in a real browser, at desktop and phone widths.

The reader's walk: home → digest → citation → the publisher's page → other editions →
the topic archive, month by month → search → an outlet → a 404. Every step is screenshotted;
the home and digest pages also under stable names for the README. Then: no sideways scrolling
on a phone, nothing from feeds or editors runs as script, and the accessibility basics.
"""

from __future__ import annotations

import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from digests.models import DigestArticle
from sources.models import Source
from tests.browser.conftest import ARTIFACTS
from tests.factories import make_published_digest, make_topic

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
    },
}
PAPER = "rgb(255, 253, 248)"  # --paper in digest.css: the stylesheet was applied

TODAY, YESTERDAY, LAST_MONTH, OTHER_TOPIC_DAY = (
    "2026-11-20",
    "2026-11-19",
    "2026-10-30",
    "2026-11-18",
)
TITLES = {
    TODAY: "Geneva talks set as chip curbs widen",
    YESTERDAY: "Tariff truce holds for another week",
    LAST_MONTH: "Shipping lanes reopen after inspections",
}


# --- A publisher's site on the loopback, so following a source link really loads a page ---


class PublisherPage(BaseHTTPRequestHandler):
    def do_GET(self):
        body = (
            '<!doctype html><html lang="en"><head><meta charset="utf-8">'
            "<title>Publisher</title></head><body><h1>Publisher page</h1>"
            f'<p id="path">{quote(self.path)}</p></body></html>'
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def publisher_site():
    server = ThreadingHTTPServer(("127.0.0.1", 0), PublisherPage)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


# --- Browsers at both widths --------------------------------------------------------------


def new_page(browser, width: str, **options):
    context = browser.new_context(**WIDTHS[width], **options)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


@pytest.fixture(params=list(WIDTHS))
def screen(request, chromium_browser):
    page = new_page(chromium_browser, request.param)
    yield request.param, page
    page.context.close()


def snap(page, name: str, *, full_page: bool = True) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)


# --- The editions -----------------------------------------------------------------------


@pytest.fixture
def editions(roles, publisher_site):
    """Two topics; US vs China has three editions over two months, today's citing the loopback."""
    cache.clear()
    us_china = make_topic()
    trade = make_topic("trade", "Trade & Tariffs")
    digests = {
        TODAY: make_published_digest(
            us_china,
            TODAY,
            articles=5,
            title=TITLES[TODAY],
            highlights="- Negotiators will meet in Geneva next month [1, 3]\n"
            "- Washington added chip makers to its export list [2]",
            us_body="- Washington announced new export rules on chips [1]\n"
            "- The Commerce Department said the curbs are narrow [2]",
            china_body="- Beijing answered the rules and agreed to talks in Geneva [3]\n"
            "- State media called the curbs economic bullying [4, 5]",
            article_title="Report {n} on the chip curbs",
        ),
        YESTERDAY: make_published_digest(
            us_china,
            YESTERDAY,
            title=TITLES[YESTERDAY],
            highlights="- The tariff truce holds for another week [1, 3]",
        ),
        LAST_MONTH: make_published_digest(
            us_china,
            LAST_MONTH,
            title=TITLES[LAST_MONTH],
            highlights="- Shipping lanes reopened after new inspections [1, 3]",
        ),
    }
    trade_digest = make_published_digest(
        trade,
        OTHER_TOPIC_DAY,
        title="Steel quotas under review",
        highlights="- Steel quotas come up for review [1]",
    )
    # The publishers' pages, here on the loopback: set after publishing, so clear the
    # rendered pages as a correction would.
    for entry in DigestArticle.objects.filter(digest=digests[TODAY]):
        entry.cited_url = f"{publisher_site}/{TODAY}/story-{entry.position}"
        entry.save(update_fields=["cited_url"])
    cache.clear()
    return {"topic": us_china, "digests": digests, "trade": trade_digest, "site": publisher_site}


def url(live_server, path: str) -> str:
    return f"{live_server.url}{path}"


def box(locator) -> dict:
    bounds = locator.bounding_box()
    assert bounds is not None, f"{locator} is not rendered"
    return bounds


def no_sideways_scroll(page) -> tuple[int, int]:
    return page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )


# --- 1. The reader's walk ------------------------------------------------------------------


def test_a_readers_walk(screen, live_server, editions):
    width, page = screen
    n = iter(range(1, 100))

    def shot(step: str, **kwargs) -> None:
        snap(page, f"public-{width}-{next(n):02d}-{step}", **kwargs)

    # Home: the latest edition of each topic, and the recent editions below.
    page.goto(url(live_server, "/"))
    cards = page.locator(".latest .card")
    expect(cards).to_have_count(2)
    expect(cards.nth(0)).to_contain_text("Trade & Tariffs")  # topics by name
    expect(cards.nth(0)).to_contain_text("Steel quotas under review")
    expect(cards.nth(1)).to_contain_text("US vs China")
    expect(cards.nth(1)).to_contain_text(TITLES[TODAY])
    expect(cards.nth(1).locator(".highlights")).to_contain_text("Geneva next month")
    recent = page.locator(".recent li")
    expect(recent).to_have_count(2)
    expect(recent.nth(0)).to_contain_text(TITLES[YESTERDAY])
    expect(recent.nth(1)).to_contain_text(TITLES[LAST_MONTH])
    shot("home")
    snap(page, f"public-home-{width}")

    # Into today's digest.
    cards.nth(1).locator("h2 a").click()
    expect(page).to_have_url(url(live_server, f"/us-china/{TODAY}/"))
    expect(page.locator("h1")).to_have_text(TITLES[TODAY])
    first, second = page.locator(".perspective-0"), page.locator(".perspective-1")
    expect(first.locator("h2")).to_have_text("United States perspective")
    expect(second.locator("h2")).to_have_text("China perspective")
    left, right = box(first), box(second)
    if width == "desktop":  # side by side
        assert abs(left["y"] - right["y"]) < 1, (left, right)
        assert right["x"] >= left["x"] + left["width"], (left, right)
    else:  # stacked
        assert abs(left["x"] - right["x"]) < 1, (left, right)
        assert right["y"] >= left["y"] + left["height"], (left, right)
    expect(page.locator(".balance-bar")).to_be_visible()
    assert box(page.locator(".balance-bar"))["height"] > 5
    legend = page.locator(".balance-legend li")
    expect(legend).to_have_text(["United States: 2 articles (40%)", "China: 3 articles (60%)"])
    shot("digest")
    snap(page, f"public-digest-{width}")

    # A citation in a bullet leads to its numbered source.
    page.locator(".perspective-1 li").filter(has_text="talks in Geneva").locator(
        "a.citation", has_text="3"
    ).click()
    expect(page).to_have_url(re.compile(r"#source-3$"))
    source = page.locator("li#source-3")
    expect(source).to_be_in_viewport()
    expect(source).to_contain_text("Report 3 on the chip curbs")
    expect(source).to_contain_text("Outlet 3")
    shot("citation", full_page=False)  # what the reader sees: the source, highlighted

    # The source's link is the publisher's page, and it loads.
    publisher_url = f"{editions['site']}/{TODAY}/story-3"
    link = source.locator("> a")
    expect(link).to_have_attribute("href", publisher_url)
    link.click()
    expect(page).to_have_url(publisher_url)
    expect(page.locator("h1")).to_have_text("Publisher page")
    expect(page.locator("#path")).to_have_text(f"/{TODAY}/story-3")
    shot("publisher")
    page.go_back()
    expect(page).to_have_url(url(live_server, f"/us-china/{TODAY}/#source-3"))

    # Previous and next editions, across the month.
    editions_nav = page.locator("nav.editions")
    expect(editions_nav.locator("a[rel=next]")).to_have_count(0)  # today's is the newest
    editions_nav.locator("a[rel=prev]").click()
    expect(page).to_have_url(url(live_server, f"/us-china/{YESTERDAY}/"))
    expect(page.locator("h1")).to_have_text(TITLES[YESTERDAY])
    expect(editions_nav.locator("a[rel=prev]")).to_have_text("← 30 October 2026")
    expect(editions_nav.locator("a[rel=next]")).to_have_text("20 November 2026 →")
    shot("previous-edition")
    editions_nav.locator("a[rel=prev]").click()
    expect(page).to_have_url(url(live_server, f"/us-china/{LAST_MONTH}/"))
    expect(page.locator("h1")).to_have_text(TITLES[LAST_MONTH])
    expect(editions_nav.locator("a[rel=prev]")).to_have_count(0)  # the first edition
    editions_nav.locator("a[rel=next]").click()
    expect(page).to_have_url(url(live_server, f"/us-china/{YESTERDAY}/"))
    editions_nav.locator("a[rel=next]").click()
    expect(page).to_have_url(url(live_server, f"/us-china/{TODAY}/"))

    # The topic archive, a month a page.
    editions_nav.get_by_role("link", name="All editions").click()
    expect(page).to_have_url(url(live_server, "/us-china/"))
    expect(page.locator("h1")).to_have_text("US vs China")
    expect(page.locator("main header .meta")).to_have_text("Editions of November 2026")
    expect(page.locator(".archive > li h2")).to_have_text([TITLES[TODAY], TITLES[YESTERDAY]])
    shot("archive")
    months = page.locator("nav.pagination")
    expect(months.locator("a[rel=prev]")).to_have_count(0)
    months.locator("a[rel=next]", has_text="October 2026").click()
    expect(page).to_have_url(url(live_server, "/us-china/2026/10/"))
    expect(page.locator("main header .meta")).to_have_text("Editions of October 2026")
    expect(page.locator(".archive > li h2")).to_have_text([TITLES[LAST_MONTH]])
    expect(months.locator("a[rel=next]")).to_have_count(0)
    shot("archive-october")
    months.locator("a[rel=prev]", has_text="November 2026").click()
    expect(page).to_have_url(url(live_server, "/us-china/2026/11/"))
    expect(page.locator(".archive > li")).to_have_count(2)

    # Search: a word from one digest, then a word in none.
    page.get_by_label("Search the digests").fill("Geneva")
    page.get_by_label("Search the digests").press("Enter")
    expect(page).to_have_url(url(live_server, "/search/?q=Geneva"))
    expect(page.get_by_role("status")).to_have_text("1 digest matches “Geneva”.")
    results = page.locator(".results > li")
    expect(results).to_have_count(1)
    expect(results.locator("h2")).to_have_text(TITLES[TODAY])
    expect(results.locator(".snippet mark").first).to_have_text("Geneva")
    expect(page.get_by_label("Search the digests")).to_have_value("Geneva")
    shot("search")
    page.get_by_label("Search the digests").fill("xylophone")
    page.get_by_label("Search the digests").press("Enter")
    expect(page).to_have_url(url(live_server, "/search/?q=xylophone"))
    expect(page.get_by_role("status")).to_have_text("0 digests match “xylophone”.")
    expect(page.locator(".results > li")).to_have_count(0)
    shot("search-none")

    # An outlet, from the source list.
    page.goto(url(live_server, f"/us-china/{TODAY}/"))
    page.locator("li#source-3 .source-meta a", has_text="Outlet 3").click()
    expect(page).to_have_url(url(live_server, "/outlets/outlet3.example/"))
    expect(page.locator("h1")).to_have_text("Outlet 3")
    citations = page.locator(".citations > li")
    expect(citations).to_have_count(4)  # three US vs China editions and one Trade & Tariffs
    expect(citations.nth(0)).to_contain_text("Report 3 on the chip curbs")
    expect(citations.nth(0).locator(".meta a")).to_have_attribute(
        "href", f"/us-china/{TODAY}/#source-3"
    )
    expect(citations.nth(0).locator("> a")).to_have_attribute("href", publisher_url)
    shot("outlet")

    # A missing edition: a 404, in the site's own clothes.
    response = page.goto(url(live_server, "/us-china/2030-01-01/"))
    assert response.status == 404
    expect(page.locator("header.site .brand")).to_be_visible()
    expect(page.get_by_label("Search the digests")).to_be_visible()
    expect(page.locator("h1")).to_have_text("Not found")
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == PAPER
    shot("404")


# --- 2. No sideways scrolling on a phone -----------------------------------------------------


def test_no_sideways_scrolling_on_a_phone(chromium_browser, live_server, editions):
    page = new_page(chromium_browser, "phone")
    try:
        for path in (
            "/",
            f"/us-china/{TODAY}/",
            "/us-china/",
            "/us-china/2026/10/",
            "/outlets/outlet3.example/",
            "/search/?q=Geneva",
            "/us-china/2030-01-01/",
        ):
            page.goto(url(live_server, path))
            expect(page.locator("h1")).to_have_count(1)
            scroll, client = no_sideways_scroll(page)
            assert scroll <= client + 1, f"{path} scrolls sideways: {scroll} > {client}"
    finally:
        page.context.close()


# --- 3. Nothing from feeds or editors runs ---------------------------------------------------

PAYLOADS = [
    "<script>window.__xss=1</script>",
    '<img src=x onerror="window.__xss=1">',
    '<svg onload="window.__xss=1">',
    "[click](javascript:window.__xss=1)",
    '<iframe src="javascript:window.__xss=1"></iframe>',
    '"><script>window.__xss=1</script>',
]
ALL = " ".join(PAYLOADS)
OUTLET = "Outlet " + "".join(PAYLOADS[i] for i in (5, 1, 2))  # a Source.name fits 200
ATTACKS = "\n".join(f"- Watch this {payload} [1]" for payload in PAYLOADS)

FOUND_LIVE = """() => {
  const bad = [];
  for (const el of document.querySelectorAll('*')) {
    for (const attr of el.attributes) {
      const value = attr.value.trim().toLowerCase();
      if (attr.name.startsWith('on')) bad.push(`${el.tagName} ${attr.name}`);
      if (value.startsWith('javascript:')) bad.push(`${el.tagName} ${attr.name}=${attr.value}`);
    }
  }
  for (const el of document.querySelectorAll('script, iframe, object, embed, img[src="x"]')) {
    bad.push(el.outerHTML.slice(0, 80));
  }
  return bad;
}"""


@pytest.fixture
def hostile_digest(roles):
    """Every field a feed or an editor fills, carrying script."""
    cache.clear()
    topic = make_topic(
        "xss", 'Topic "><script>window.__xss=1</script><svg onload="window.__xss=1">'
    )
    Source.objects.create(domain="evil.example", name=OUTLET)
    digest = make_published_digest(
        topic,
        "2026-11-20",
        title=f"Evil edition {ALL}",
        highlights=f"{ATTACKS}\n\n{ALL}",
        us_body=ATTACKS,
        china_body=f"{ALL}\n\n- Beijing [click](javascript:window.__xss=1) answered [3]",
        outlet="evil.example",
        article_title=f"Story {{n}} {ALL}",  # no braces in the payloads: format() keeps them
    )
    entries = DigestArticle.objects.filter(digest=digest).order_by("position")
    hostile_urls = ["javascript:alert(1)", "JaVaScRiPt:window.__xss=1", " javascript:alert(1)"]
    for entry, hostile in zip(entries, hostile_urls, strict=False):
        entry.cited_url = hostile
        entry.save(update_fields=["cited_url"])
    cache.clear()  # changed after publishing: drop the renderings
    return digest


def test_nothing_from_feeds_or_editors_runs(chromium_browser, live_server, hostile_digest):
    # With the CSP bypassed, so this tests escaping and cleaning, not only the policy.
    page = new_page(chromium_browser, "desktop", bypass_csp=True)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    query = quote('"><script>window.__xss=1</script><img src=x onerror="window.__xss=1">')
    pages = {
        "home": "/",
        "digest": "/xss/2026-11-20/",
        "archive": "/xss/",
        "outlet": "/outlets/evil.example/",
        "search": "/search/?q=Evil",
        "search-payload": f"/search/?q={query}",
        "search-script": "/search/?q=<script>window.__xss=1</script>",
    }
    try:
        for name, path in pages.items():
            response = page.goto(url(live_server, path), wait_until="networkidle")
            assert response.status == 200, name
            csp = response.headers.get("content-security-policy", "")
            assert "script-src 'self'" in csp, (name, csp)
            assert "object-src 'none'" in csp, (name, csp)
            assert page.evaluate("typeof window.__xss") == "undefined", name
            assert page.evaluate(FOUND_LIVE) == [], name
            clicks = page.locator("a", has_text=re.compile(r"^\s*click\s*$"))
            for i in range(clicks.count()):
                clicks.nth(i).click()
                assert page.url.startswith(live_server.url), (name, page.url)
                assert page.evaluate("typeof window.__xss") == "undefined", name
            if name in ("home", "digest", "archive", "outlet"):
                # The payloads are shown as the text they are.
                expect(page.locator("main")).to_contain_text("<script>window.__xss=1</script>")
            snap(page, f"public-xss-{name}")
        assert dialogs == []
        # The page we saw carried the hostile title, so the test exercised something.
        page.goto(url(live_server, "/xss/2026-11-20/"))
        expect(page.locator("h1")).to_contain_text("Evil edition <script>")
        expect(page.locator("li#source-1")).to_contain_text(
            'Outlet "><script>window.__xss=1</script>'
        )
        expect(page.locator("li#source-1 > a")).to_have_count(0)  # a javascript: URL is no link
    finally:
        page.context.close()


# --- 4. Accessibility basics --------------------------------------------------------------


def test_accessibility_basics(chromium_browser, live_server, editions):
    page = new_page(chromium_browser, "desktop")
    try:
        for path in (
            "/",
            f"/us-china/{TODAY}/",
            "/us-china/",
            "/outlets/outlet3.example/",
            "/search/",
            "/search/?q=Geneva",
            "/us-china/2030-01-01/",
        ):
            page.goto(url(live_server, path))
            expect(page.locator("h1")).to_have_count(1)
            assert page.locator("img:not([alt])").count() == 0, path
            assert page.evaluate("document.documentElement.lang") == "en", path
            search = page.get_by_label("Search the digests")
            expect(search).to_have_attribute("id", "q")
            expect(page.get_by_role("search")).to_have_count(1)
            expect(page.locator("main#content")).to_have_count(1)  # the skip link's target
    finally:
        page.context.close()


# --- Citations in cards, long words on phones ------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/us-china/"])
def test_a_citation_in_a_card_leads_to_the_digests_source(page, live_server, editions, path):
    page.goto(url(live_server, path))
    card = page.locator(".card, .archive > li").filter(has_text=TITLES[TODAY])
    card.locator("a.citation", has_text="3").click()
    expect(page).to_have_url(url(live_server, f"/us-china/{TODAY}/#source-3"), timeout=3_000)
    expect(page.locator("li#source-3")).to_be_in_viewport()


LONG = "https://www.example-publisher.com/2026/11/20/world/asia/" + "export-controls-" * 6


def test_long_words_do_not_push_a_phone_page_sideways(chromium_browser, live_server):
    """Editors paste links into titles and bullets; feeds send long titles."""
    cache.clear()
    make_published_digest(
        make_topic(),
        TODAY,
        title=f"Chip curbs {LONG[:60]}",
        highlights=f"- Read {LONG} [1]",
        us_body=f"- See {LONG} [1]",
        article_title=f"Story {{n}} {LONG}",
    )
    page = new_page(chromium_browser, "phone")
    wide = {}
    try:
        for path in (
            "/",
            f"/us-china/{TODAY}/",
            "/us-china/",
            "/outlets/outlet1.example/",
            "/search/?q=Chip",
        ):
            page.goto(url(live_server, path))
            scroll, client = no_sideways_scroll(page)
            if scroll > client + 1:
                wide[path] = (scroll, client)
    finally:
        page.context.close()
    assert wide == {}
