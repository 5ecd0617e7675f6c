"""Google News wrapper resolution against a loopback fake that speaks the real protocol."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from urllib.parse import parse_qs

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from sources import googlenews
from sources.demo.gnews_fake import (
    BATCHEXECUTE_PATH,
    DEFAULT_SIGNATURE,
    FakeGoogleNews,
    decode_request,
    make_article_id,
)
from sources.googlenews import (
    GoogleNewsError,
    article_id,
    build_batchexecute_body,
    is_wrapper,
    parse_batchexecute_answer,
    parse_wrapper_page,
    resolve,
)

PUBLISHER = "https://publisher.example/2024/05/story.html?id=7"
ARTICLE = make_article_id(PUBLISHER)
TS = 1700000000
Override = Callable[[Request], Response | None]


def _ok_answer(url: object) -> str:
    payload = json.dumps(["garturlres", url, 1])
    rows = [["wrb.fr", "Fbv4je", payload, None, None, None, "generic"], ["di", 42]]
    return ")]}'\n\n" + json.dumps(rows)


class GoogleNewsServer:
    """Serves a FakeGoogleNews over pytest-httpserver and records what was asked."""

    def __init__(self, httpserver: HTTPServer, fake: FakeGoogleNews) -> None:
        self.base = httpserver.url_for("").rstrip("/")
        self.fake = fake
        self.requests: list[tuple[str, str, str, dict[str, str], bytes]] = []
        self.override: Override | None = None
        httpserver.expect_request(re.compile(r"^/.*")).respond_with_handler(self._respond)

    def _respond(self, request: Request) -> Response:
        body = request.get_data()
        headers = {k.lower(): v for k, v in request.headers.items()}
        self.requests.append(
            (request.method, request.path, request.query_string.decode(), headers, body)
        )
        if self.override is not None and (custom := self.override(request)) is not None:
            return custom
        answer = self.fake.handle(request.method, request.path, body)
        if answer is None:
            return Response("not here", status=404)
        status, content_type, payload = answer
        return Response(payload, status=status, content_type=content_type)

    def wrapper(self, article: str = ARTICLE, *, prefix: str = "/rss/articles/") -> str:
        return f"{self.base}{prefix}{article}?oc=5"

    def posts(self) -> list[tuple[str, str, str, dict[str, str], bytes]]:
        return [r for r in self.requests if r[0] == "POST"]


@pytest.fixture
def gnews(httpserver: HTTPServer, settings) -> GoogleNewsServer:
    server = GoogleNewsServer(httpserver, FakeGoogleNews({ARTICLE: PUBLISHER}, timestamp=TS))
    settings.DIGESTCMS_GOOGLE_NEWS_BASE = server.base
    return server


# --- end to end -----------------------------------------------------------------------


def test_resolves_wrapper_to_publisher_url(gnews: GoogleNewsServer) -> None:
    assert resolve(gnews.wrapper()) == PUBLISHER
    methods_and_paths = [(r[0], r[1]) for r in gnews.requests]
    assert methods_and_paths == [("GET", f"/rss/articles/{ARTICLE}"), ("POST", BATCHEXECUTE_PATH)]


def test_web_and_read_wrappers_resolve_too(gnews: GoogleNewsServer) -> None:
    assert resolve(gnews.wrapper(prefix="/articles/")) == PUBLISHER
    assert resolve(gnews.wrapper(prefix="/read/")) == PUBLISHER


def test_query_string_stays_out_of_the_id(gnews: GoogleNewsServer) -> None:
    url = f"{gnews.base}/rss/articles/{ARTICLE}?oc=5&hl=en-US#top"
    assert article_id(url) == ARTICLE
    resolve(url)
    method, path, query, _headers, _body = gnews.requests[0]
    assert (method, path, query) == ("GET", f"/rss/articles/{ARTICLE}", "")
    assert decode_request(gnews.posts()[0][4]) == (ARTICLE, TS, DEFAULT_SIGNATURE)


def test_sent_body_is_the_protocol(gnews: GoogleNewsServer) -> None:
    resolve(gnews.wrapper())
    (_method, _path, _query, headers, body) = gnews.posts()[0]
    assert headers["content-type"] == "application/x-www-form-urlencoded;charset=UTF-8"
    form = parse_qs(body.decode("ascii"), strict_parsing=True)
    assert list(form) == ["f.req"]
    outer = json.loads(form["f.req"][0])
    assert outer[0][0][0] == "Fbv4je"
    assert outer[0][0][2:] == [None, "generic"]
    inner = json.loads(outer[0][0][1])
    assert inner[0] == "garturlreq"
    client = ["X", "X", ["X", "X"], None, None, 1, 1, "US:en", None, 1, None, None, None]
    client += [None, None, 0, 1]
    assert inner[1] == [client, "X", "X", 1, [1, 1, 1], 1, 1, None, 0, 0, None, 0]
    assert len(inner) == 5
    assert inner[2:] == [ARTICLE, TS, DEFAULT_SIGNATURE]


def test_page_without_signature_is_an_error(gnews: GoogleNewsServer) -> None:
    gnews.override = lambda r: (
        Response(
            "<html><body><c-wiz data-n-a-ts='1'></c-wiz></body></html>", content_type="text/html"
        )
        if r.method == "GET"
        else None
    )
    with pytest.raises(GoogleNewsError, match=r"no signature \(data-n-a-sg\)"):
        resolve(gnews.wrapper())
    assert gnews.posts() == []


def test_falls_back_to_web_page_when_rss_page_lacks_signature(gnews: GoogleNewsServer) -> None:
    gnews.override = lambda r: Response("<html></html>") if r.path.startswith("/rss/") else None
    assert resolve(gnews.wrapper()) == PUBLISHER
    assert [r[1] for r in gnews.requests[:2]] == [
        f"/rss/articles/{ARTICLE}",
        f"/articles/{ARTICLE}",
    ]


def test_rate_limited_page_is_not_retried(gnews: GoogleNewsServer) -> None:
    gnews.override = lambda r: Response("slow down", status=429, headers={"Retry-After": "120"})
    with pytest.raises(GoogleNewsError, match="answered 429") as caught:
        resolve(gnews.wrapper())
    assert (caught.value.status, caught.value.retry_after) == (429, 120.0)
    assert len(gnews.requests) == 1


def test_batchexecute_500_is_an_error(gnews: GoogleNewsServer) -> None:
    gnews.override = lambda r: Response("boom", status=500) if r.method == "POST" else None
    with pytest.raises(GoogleNewsError, match="batchexecute answered 500"):
        resolve(gnews.wrapper())


def test_wrong_signature_gets_googles_400(gnews: GoogleNewsServer) -> None:
    gnews.fake.signature = "AU_yqLsomethingElse"
    gnews.override = lambda r: (
        Response(gnews.fake.page(ARTICLE).replace("AU_yqLsomethingElse", "AU_yqLstale"))
        if r.method == "GET"
        else None
    )
    with pytest.raises(GoogleNewsError, match="batchexecute answered 400"):
        resolve(gnews.wrapper())


def test_unknown_id_is_an_error(gnews: GoogleNewsServer) -> None:
    unknown = make_article_id("https://elsewhere.example/")
    with pytest.raises(GoogleNewsError, match="does not know this article"):
        resolve(gnews.wrapper(unknown))
    assert decode_request(gnews.posts()[0][4])[0] == unknown


def test_garbage_answer_is_an_error(gnews: GoogleNewsServer) -> None:
    gnews.override = lambda r: Response("<html>oops</html>") if r.method == "POST" else None
    with pytest.raises(GoogleNewsError, match="not in the expected format"):
        resolve(gnews.wrapper())


@pytest.mark.parametrize(
    ("target", "reason"),
    [
        ("javascript:alert(1)", "not an http(s) URL"),
        ("/relative/story", "not an http(s) URL"),
        ("https://news.google.com/rss/articles/CBMiabc", "another Google News page"),
        ("https://publisher.example/" + "a" * 2000, "longer than 2000"),
        ("https://publisher.example/a b", "spaces or control"),
        ("https://user:pw@publisher.example/a", "user name or password"),
    ],
)
def test_unacceptable_answers_are_errors(gnews: GoogleNewsServer, target: str, reason: str) -> None:
    gnews.fake.mapping[ARTICLE] = target
    with pytest.raises(GoogleNewsError, match=re.escape(reason)):
        resolve(gnews.wrapper())


def test_answer_that_is_another_local_wrapper_is_an_error(gnews: GoogleNewsServer) -> None:
    gnews.fake.mapping[ARTICLE] = gnews.wrapper(make_article_id("https://x.example/"))
    with pytest.raises(GoogleNewsError, match="another Google News page"):
        resolve(gnews.wrapper())


def test_unreachable_server_becomes_google_news_error(settings) -> None:
    settings.DIGESTCMS_GOOGLE_NEWS_BASE = "http://127.0.0.1:9"
    with pytest.raises(GoogleNewsError, match="Google News page failed"):
        resolve(f"http://127.0.0.1:9/rss/articles/{ARTICLE}")


def test_resolve_refuses_non_wrappers(gnews: GoogleNewsServer) -> None:
    with pytest.raises(GoogleNewsError, match="not a Google News article"):
        resolve("https://publisher.example/story")
    assert gnews.requests == []


# --- is_wrapper / article_id ----------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://news.google.com/rss/articles/CBMiabc?oc=5",
        "http://news.google.com/rss/articles/CBMiabc",
        "https://NEWS.Google.com/articles/CBMi_x-1",
        "https://news.google.com:443/read/CBMiabc?hl=en",
    ],
)
def test_is_wrapper_true(settings, url: str) -> None:
    settings.DIGESTCMS_GOOGLE_NEWS_BASE = "https://news.google.com"
    assert is_wrapper(url)
    assert article_id(url).startswith("CBMi")


@pytest.mark.parametrize(
    "url",
    [
        "https://publisher.example/rss/articles/CBMiabc",
        "https://news.google.com.evil.example/rss/articles/CBMiabc",
        "https://news.google.com@evil.example/rss/articles/CBMiabc",
        "https://news.google.com:8443/rss/articles/CBMiabc",
        "ftp://news.google.com/rss/articles/CBMiabc",
        "https://news.google.com/topics/CAAqBwgKMOPd",
        "https://news.google.com/rss/search?q=x",
        "https://news.google.com/rss/articles/",
        "https://news.google.com/rss/articles/a%2Fb",
        "https://news.google.com/rss/articles/CBMiabc/amp",
        "https://news.google.com/home/rss/articles/CBMiabc",
        "not a url",
        "",
    ],
)
def test_is_wrapper_false(settings, url: str) -> None:
    settings.DIGESTCMS_GOOGLE_NEWS_BASE = "https://news.google.com"
    assert not is_wrapper(url)
    with pytest.raises(GoogleNewsError):
        article_id(url)


def test_is_wrapper_follows_the_configured_base(settings) -> None:
    settings.DIGESTCMS_GOOGLE_NEWS_BASE = "http://127.0.0.1:8765/"
    assert is_wrapper("http://127.0.0.1:8765/rss/articles/CBMiabc")
    assert not is_wrapper("http://127.0.0.1:8766/rss/articles/CBMiabc")
    assert not is_wrapper("https://news.google.com/rss/articles/CBMiabc")


# --- pure parsers ---------------------------------------------------------------------


def test_parse_wrapper_page_reads_the_signed_element() -> None:
    page = FakeGoogleNews({}, signature="AU_yq&LX", timestamp=1712345678).page(ARTICLE)
    assert parse_wrapper_page(page) == ("AU_yq&LX", 1712345678)


def test_parse_wrapper_page_div_with_single_quotes() -> None:
    page = "<div jscontroller=\"aLI87\" data-n-a-ts='42' data-n-a-sg='sig-1'></div>"
    assert parse_wrapper_page(page) == ("sig-1", 42)


@pytest.mark.parametrize(
    ("page", "reason"),
    [
        ("<html><body>consent.google.com</body></html>", "no signature"),
        ('<c-wiz data-n-a-sg="" data-n-a-ts="1"></c-wiz>', "no signature"),
        ('<c-wiz data-n-a-sg="s"></c-wiz>', "no valid timestamp"),
        ('<c-wiz data-n-a-sg="s" data-n-a-ts="soon"></c-wiz>', "no valid timestamp"),
        ('<p>data-n-a-sg="s" data-n-a-ts="1"</p>', "no signature"),
    ],
)
def test_parse_wrapper_page_errors(page: str, reason: str) -> None:
    with pytest.raises(GoogleNewsError, match=reason):
        parse_wrapper_page(page)


def test_build_body_round_trips_through_the_fake() -> None:
    body = build_batchexecute_body("CBMiXYZ", 1700000001, 'sig"with\\quotes')
    assert body.startswith(b"f.req=%5B%5B%5B%22Fbv4je%22")
    assert decode_request(body) == ("CBMiXYZ", 1700000001, 'sig"with\\quotes')


def test_parse_answer_ok() -> None:
    assert parse_batchexecute_answer(_ok_answer("https://p.example/a")) == "https://p.example/a"


def test_parse_answer_chunked_form() -> None:
    chunk = json.dumps([["wrb.fr", "Fbv4je", json.dumps(["garturlres", "https://p.example/c", 1])]])
    text = f')]}}\'\n\n{len(chunk)}\n{chunk}\n25\n[["di",42],["af.httprm",41]]\n'
    assert parse_batchexecute_answer(text) == "https://p.example/c"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('[["wrb.fr","Fbv4je","[\\"garturlres\\",\\"https://p.example\\",1]"]]', "expected format"),
        (")]}'\n\n<html>", "not valid JSON"),
        (")]}'\n\n{}", "expected format"),
        (')]}\'\n\n[["di",42]]', "no result"),
        (')]}\'\n\n[["wrb.fr","OtherRpc","[\\"x\\"]"]]', "no result"),
        (')]}\'\n\n[["er",null,null,null,null,400,null,null,3]]', "refused"),
        (')]}\'\n\n[["wrb.fr","Fbv4je",null,null,null,[3],"generic"]]', "does not know"),
        (_ok_answer(None), "does not know"),
        (_ok_answer(""), "does not know"),
        (_ok_answer(["https://p.example"]), "does not know"),
        (')]}\'\n\n[["wrb.fr","Fbv4je","not json"]]', "not valid JSON"),
        (')]}\'\n\n[["wrb.fr","Fbv4je","[\\"garturlerr\\",\\"x\\"]"]]', "not a garturlres"),
        ("", "expected format"),
    ],
)
def test_parse_answer_errors(text: str, reason: str) -> None:
    with pytest.raises(GoogleNewsError, match=reason):
        parse_batchexecute_answer(text)


def test_error_message_is_the_reason() -> None:
    assert (
        str(GoogleNewsError("batchexecute answered 429", status=429)) == "batchexecute answered 429"
    )


def test_make_article_id_is_deterministic_and_realistic() -> None:
    first = make_article_id(PUBLISHER)
    assert first == make_article_id(PUBLISHER) != make_article_id(PUBLISHER + "x")
    assert first.startswith("CBMi")
    assert re.fullmatch(r"[A-Za-z0-9_-]{60,}", first)
    assert googlenews._ID_RE.fullmatch(first)
