"""The safe HTTP client (THREATS.md 1 and 3) against real servers on loopback."""

import gzip
import socket
import time
import tracemalloc

import pytest
from werkzeug import Response

from sources import fetching
from sources.fetching import (
    BlockedURL,
    FetchError,
    FetchTimeout,
    HTTPStatusError,
    IncompleteBody,
    ResponseTooLarge,
    TooManyRedirects,
    fetch,
)
from tests.servers import drip, raw_server

LOOPBACK_SPELLINGS = [
    "http://127.1:{port}/",
    "http://2130706433:{port}/",
    "http://0x7f000001:{port}/",
    "http://0177.0.0.1:{port}/",
    "http://[::1]:{port}/",
    "http://[::ffff:127.0.0.1]:{port}/",
    "http://localhost:{port}/",
]


@pytest.fixture
def public_only(settings):
    settings.DIGESTCMS_ALLOW_PRIVATE_FETCH = False


@pytest.fixture
def no_sockets(monkeypatch):
    """Fail the test if anything tries to open a connection."""

    def refuse(*args, **kwargs):
        raise AssertionError("a socket was opened")

    monkeypatch.setattr(fetching.socket, "socket", refuse)


@pytest.fixture
def loopback_is_public(monkeypatch):
    """Model the internet with 127.0.0.1 only: it passes the address check, all else is real.

    Tests cannot reach a public host, so a redirect *from* a public server *to* a
    private one is played by 127.0.0.1 (treated as public) redirecting to 127.0.0.2.
    """
    real = fetching.address_problem
    monkeypatch.setattr(
        fetching, "address_problem", lambda addr: None if addr == "127.0.0.1" else real(addr)
    )


@pytest.mark.usefixtures("public_only")
@pytest.mark.parametrize("template", LOOPBACK_SPELLINGS)
def test_every_spelling_of_loopback_is_refused_before_connecting(template):
    with raw_server(lambda conn: conn.sendall(b"HTTP/1.1 200 OK\r\n\r\nsecret")) as server:
        with pytest.raises(BlockedURL, match="loopback"):
            fetch(template.format(port=server.port))
        assert server.connections == 0


@pytest.mark.usefixtures("public_only", "no_sockets")
@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://[fe80::1]/", "link-local"),
        ("http://100.64.0.1/", "non-public"),
        ("http://10.1.2.3/", "private"),
        ("http://192.168.0.1/", "private"),
        ("http://[64:ff9b::7f00:1]/", "NAT64"),
        ("http://224.0.0.1/", "multicast"),
        ("http://0.0.0.0/", "reserved"),
        ("file:///etc/passwd", "Only http and https"),
        ("ftp://example.com/feed.xml", "Only http and https"),
        ("gopher://example.com/", "Only http and https"),
        ("http://user:secret@example.com/", "user name or password"),
        ("http:///nohost", "no host"),
    ],
)
def test_hostile_urls_are_refused_before_any_connection(url, reason):
    with pytest.raises(BlockedURL, match=reason):
        fetch(url)


@pytest.mark.usefixtures("public_only")
def test_metadata_address_is_refused_even_when_private_fetching_is_allowed(settings, no_sockets):
    settings.DIGESTCMS_ALLOW_PRIVATE_FETCH = True
    with pytest.raises(BlockedURL, match="link-local"):
        fetch("http://169.254.169.254/latest/meta-data/")


@pytest.mark.usefixtures("public_only", "loopback_is_public")
def test_a_redirect_to_a_private_address_is_refused(httpserver):
    httpserver.expect_request("/start").respond_with_data(
        "", status=302, headers={"Location": f"http://127.0.0.2:{httpserver.port}/secret"}
    )
    httpserver.expect_request("/secret").respond_with_data("secret")
    with pytest.raises(BlockedURL, match="127.0.0.2"):
        fetch(httpserver.url_for("/start"))
    assert [req.path for req, _ in httpserver.log] == ["/start"]


@pytest.mark.usefixtures("public_only", "loopback_is_public")
def test_a_resolver_answering_public_then_private_is_refused(monkeypatch):
    with raw_server(lambda conn: conn.sendall(b"HTTP/1.1 200 OK\r\n\r\n")) as server:

        def hostile(host, port, **kwargs):
            return [
                (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port)),
                (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.7", port)),
            ]

        monkeypatch.setattr(fetching, "resolve", hostile)
        with pytest.raises(BlockedURL, match="10.0.0.7"):
            fetch(f"http://feeds.example.com:{server.port}/rss")
        assert server.connections == 0


@pytest.mark.usefixtures("public_only", "loopback_is_public")
def test_dns_is_resolved_once_per_hop_so_rebinding_cannot_swap_the_address(monkeypatch):
    calls = []
    ok = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
    with raw_server(lambda conn: conn.sendall(ok)) as server:

        def rebinding(host, port, **kwargs):
            calls.append(host)
            address = "127.0.0.1" if len(calls) == 1 else "10.0.0.7"
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

        monkeypatch.setattr(fetching, "resolve", rebinding)
        assert fetch(f"http://feeds.example.com:{server.port}/").body == b"ok"
        assert calls == ["feeds.example.com"]


def test_proxy_variables_are_ignored(httpserver, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9/")
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9/")
    httpserver.expect_request("/feed").respond_with_data("<rss/>")
    assert fetch(httpserver.url_for("/feed")).body == b"<rss/>"


def test_sends_a_clear_user_agent_and_decodes_gzip(httpserver, settings):
    body = b"<rss>" + b"news " * 1000 + b"</rss>"
    httpserver.expect_request(
        "/feed", headers={"User-Agent": settings.DIGESTCMS_USER_AGENT}
    ).respond_with_data(gzip.compress(body), headers={"Content-Encoding": "gzip"})
    assert fetch(httpserver.url_for("/feed")).body == body


def test_gzip_bomb_is_cut_at_the_decoded_size_cap(settings):
    settings.DIGESTCMS_FETCH_MAX_BYTES = 5 * 1024 * 1024
    bomb = gzip.compress(b"\0" * (200 * 1024 * 1024), compresslevel=9)
    head = f"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: {len(bomb)}\r\n\r\n"
    with raw_server(lambda conn: conn.sendall(head.encode() + bomb)) as server:
        tracemalloc.start()
        with pytest.raises(ResponseTooLarge, match="decompressed"):
            fetch(server.url())
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert len(bomb) < 300_000
    assert peak < 30 * 1024 * 1024


def test_huge_content_length_is_refused_before_reading():
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 1000000000\r\n\r\n"

    def hang(conn):
        conn.sendall(head)
        time.sleep(3)

    with raw_server(hang) as server:
        started = time.monotonic()
        with pytest.raises(ResponseTooLarge, match="declares"):
            fetch(server.url())
        assert time.monotonic() - started < 2


def test_a_body_shorter_than_its_content_length_is_incomplete():
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"
    with (
        raw_server(lambda conn: conn.sendall(head + b"x" * 40)) as server,
        pytest.raises(IncompleteBody) as caught,
    ):
        fetch(server.url())
    assert str(caught.value) == (
        "The response is incomplete: the server at 127.0.0.1 closed the connection after "
        "40 of 100 bytes."
    )
    assert caught.value.response.body == b"x" * 40


@pytest.mark.parametrize(
    "answer", [b"SSH-2.0-OpenSSH_9.6p1\r\n", b"HTTP/1.1 two hundred OK\r\n\r\n"]
)
def test_an_answer_that_is_not_http_is_named_not_repeated(answer):
    with (
        raw_server(lambda conn: conn.sendall(answer)) as server,
        pytest.raises(FetchError) as caught,
    ):
        fetch(server.url())
    assert str(caught.value) == "The server at 127.0.0.1 did not answer in HTTP."


def test_a_unicode_path_is_sent_percent_encoded_and_escapes_are_kept(httpserver):
    httpserver.expect_request("/新闻/a b c").respond_with_data("ok")
    assert fetch(httpserver.url_for("/新闻/a%20b c?q=大桥&x=1/2")).body == b"ok"
    sent = httpserver.log[0][0].environ["REQUEST_URI"]
    assert sent == "/%E6%96%B0%E9%97%BB/a%20b%20c?q=%E5%A4%A7%E6%A1%A5&x=1/2"


def test_a_dripping_server_is_cut_at_the_total_deadline():
    with raw_server(lambda conn: drip(conn, interval=0.1, limit=6)) as server:
        started = time.monotonic()
        with pytest.raises(FetchTimeout):
            fetch(server.url(), deadline=1.0)
        assert time.monotonic() - started < 2.5


def test_plain_body_over_the_cap_is_refused(httpserver, settings):
    settings.DIGESTCMS_FETCH_MAX_BYTES = 1000
    httpserver.expect_request("/big").respond_with_response(
        Response(iter([b"x" * 600, b"y" * 600]), headers={"Content-Type": "text/html"})
    )
    with pytest.raises(ResponseTooLarge):
        fetch(httpserver.url_for("/big"))


def test_conditional_get_answers_304_with_no_body(httpserver):
    httpserver.expect_request("/feed", headers={"If-None-Match": '"v1"'}).respond_with_data(
        "", status=304
    )
    response = fetch(httpserver.url_for("/feed"), etag='"v1"', last_modified="Mon, 01 Jan 2026")
    assert (response.status, response.body) == (304, b"")
    assert httpserver.log[0][0].headers["If-Modified-Since"] == "Mon, 01 Jan 2026"


@pytest.mark.parametrize("status", [404, 410, 500, 503])
def test_error_statuses_raise_with_the_status(httpserver, status):
    httpserver.expect_request("/feed").respond_with_data("nope", status=status)
    with pytest.raises(HTTPStatusError, match=str(status)) as info:
        fetch(httpserver.url_for("/feed"))
    assert info.value.status == status


def test_429_carries_retry_after_in_seconds_or_as_a_date(httpserver):
    httpserver.expect_request("/a").respond_with_data(
        "", status=429, headers={"Retry-After": "120"}
    )
    httpserver.expect_request("/b").respond_with_data(
        "", status=429, headers={"Retry-After": "Wed, 21 Oct 2099 07:28:00 GMT"}
    )
    with pytest.raises(HTTPStatusError) as first:
        fetch(httpserver.url_for("/a"))
    with pytest.raises(HTTPStatusError) as second:
        fetch(httpserver.url_for("/b"))
    assert first.value.retry_after == 120
    assert second.value.retry_after > 365 * 24 * 3600


def _redirect_chain(httpserver, hops, status=302):
    for n in range(hops):
        httpserver.expect_request(f"/r{n}").respond_with_data(
            "", status=status, headers={"Location": f"/r{n + 1}"}
        )
    httpserver.expect_request(f"/r{hops}").respond_with_data("arrived")


def test_three_redirects_are_followed(httpserver):
    _redirect_chain(httpserver, 3)
    response = fetch(httpserver.url_for("/r0"))
    assert response.body == b"arrived"
    assert response.url.endswith("/r3")
    assert response.permanent_url is None


def test_a_fourth_redirect_is_refused(httpserver):
    _redirect_chain(httpserver, 4)
    with pytest.raises(TooManyRedirects, match="more than 3"):
        fetch(httpserver.url_for("/r0"))


def test_permanent_redirects_report_the_new_url(httpserver):
    _redirect_chain(httpserver, 2, status=301)
    assert fetch(httpserver.url_for("/r0")).permanent_url.endswith("/r2")


def test_redirect_loop_is_named(httpserver):
    httpserver.expect_request("/a").respond_with_data("", status=302, headers={"Location": "/b"})
    httpserver.expect_request("/b").respond_with_data("", status=302, headers={"Location": "/a"})
    with pytest.raises(TooManyRedirects, match="loop"):
        fetch(httpserver.url_for("/a"))


def test_https_to_http_downgrade_is_refused(monkeypatch):
    def fake_request(url, method, data, headers, budget):
        return fetching.FetchResponse(
            url=url, status=301, headers={"location": "http://example.com/plain"}
        )

    monkeypatch.setattr(fetching, "_request", fake_request)
    with pytest.raises(BlockedURL, match="https to plain http"):
        fetch("https://example.com/feed")


def test_requests_to_one_host_are_spaced_by_the_politeness_delay(httpserver, settings):
    settings.DIGESTCMS_HOST_DELAY = 0.3
    httpserver.expect_request("/p").respond_with_data("ok")
    fetch(httpserver.url_for("/p"))
    started = time.monotonic()
    fetch(httpserver.url_for("/p"))
    assert time.monotonic() - started >= 0.25


def test_demo_route_sends_every_host_to_one_address(httpserver, settings):
    settings.DIGESTCMS_FETCH_ROUTE = f"127.0.0.1:{httpserver.port}"
    httpserver.expect_request(
        "/world/story", headers={"Host": "www.reuters.com"}
    ).respond_with_data("routed")
    assert fetch("http://www.reuters.com/world/story").body == b"routed"


def test_connection_refused_is_a_readable_error():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(fetching.FetchError, match="Could not connect"):
        fetch(f"http://127.0.0.1:{port}/")


def test_a_server_dripping_its_headers_is_cut_at_the_total_deadline():
    def drip_headers(conn):
        conn.sendall(b"HTTP/1.1 200 OK\r\n")
        for n in range(40):
            conn.sendall(f"X-Slow-{n}: 1\r\n".encode())
            time.sleep(0.25)

    with raw_server(drip_headers) as server:
        started = time.monotonic()
        with pytest.raises(FetchTimeout):
            fetch(server.url(), deadline=1.0)
        assert time.monotonic() - started < 2.0


@pytest.mark.usefixtures("public_only", "no_sockets")
def test_deprecated_site_local_ipv6_is_refused():
    with pytest.raises(BlockedURL, match="site-local"):
        fetch("http://[fec0::1]/")
