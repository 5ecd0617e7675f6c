"""The extraction loop that requests the next page while extracting this one."""

import io
import threading
import time

import pytest
from django.core.management import call_command
from django.db import OperationalError
from werkzeug import Response

from sources import fetching, ingest, services
from sources.fetching import BlockedURL, FetchTimeout, start_fetch
from sources.models import Article
from tests.factories import make_article, page
from tests.servers import drip, raw_server

pytestmark = pytest.mark.django_db

PATHS = ["/a", "/b", "/c", "/d", "/e"]


@pytest.fixture
def web(httpserver, settings):
    settings.DIGESTCMS_FETCH_ROUTE = f"127.0.0.1:{httpserver.port}"
    return httpserver


def articles(paths=PATHS, **fields) -> list[Article]:
    for path in paths:
        make_article(f"http://news.example.com{path}", title=f"Story {path[1:]}", **fields)
    return list(Article.objects.order_by("id"))


def serve_pages(web, paths=PATHS):
    for path in paths:
        web.expect_request(path).respond_with_data(
            page(f"Story {path[1:]}"), content_type="text/html; charset=utf-8"
        )


def requested(web) -> list[str]:
    return [request.path for request, _ in web.log]


def jobs_threads() -> list[threading.Thread]:
    """The extraction loop's job threads still alive (none once a loop has ended)."""
    return [t for t in threading.enumerate() if t.name.startswith("extraction-jobs")]


def test_every_article_gets_the_outcome_it_gets_one_at_a_time(web):
    serve_pages(web, ["/a", "/d", "/e"])
    web.expect_request("/b").respond_with_data("gone", status=404)
    web.expect_request("/c").respond_with_data(b"%PDF-1.4", content_type="application/pdf")
    rows = articles()
    Article.objects.filter(pk=rows[3].pk).update(text="Corrected.", text_locked=True)

    results = list(ingest.articles_extract(rows))

    assert [(r.article_id, r.outcome) for r in results] == [
        (rows[0].pk, "ok"),
        (rows[1].pk, "failed"),
        (rows[2].pk, "skipped"),
        (rows[3].pk, "ok"),
        (rows[4].pk, "ok"),
    ]
    stored = {a.pk: a for a in Article.objects.all()}
    assert [stored[r.pk].extraction_status for r in rows] == [
        "ok",
        "failed",
        "skipped",
        "ok",
        "ok",
    ]
    assert all(a.extracting_since is None and a.extraction_attempts == 1 for a in stored.values())
    assert "404" in stored[rows[1].pk].extraction_error
    assert "application/pdf" in stored[rows[2].pk].extraction_error
    assert stored[rows[3].pk].text == "Corrected."  # an editor's locked text stays
    assert "export licences" in stored[rows[4].pk].text
    assert sorted(requested(web)) == PATHS  # each page fetched once


def test_the_next_page_is_requested_before_this_one_is_extracted(web, monkeypatch):
    serve_pages(web)
    rows = articles()
    events = []
    real_start, real_extract = ingest.start_fetch, ingest.extract_article

    def start(url, **kwargs):
        events.append(f"request {url[-1]}")
        return real_start(url, **kwargs)

    def extract(body, *, url, **kwargs):
        events.append(f"extract {url[-1]}")
        return real_extract(body, url=url, **kwargs)

    monkeypatch.setattr(ingest, "start_fetch", start)
    monkeypatch.setattr(ingest, "extract_article", extract)
    assert [r.outcome for r in ingest.articles_extract(rows)] == ["ok"] * 5
    assert events == [
        "request a",
        "request b",
        "extract a",
        "request c",
        "extract b",
        "request d",
        "extract c",
        "request e",
        "extract d",
        "extract e",
    ]
    assert requested(web) == PATHS


def test_at_most_two_leases_are_held_and_each_is_released(web, monkeypatch):
    serve_pages(web)
    rows = articles()
    leased_counts = []
    real = ingest.extract_article

    def extract(body, **kwargs):
        leased_counts.append(Article.objects.filter(extracting_since__isnull=False).count())
        return real(body, **kwargs)

    monkeypatch.setattr(ingest, "extract_article", extract)
    list(ingest.articles_extract(rows))
    assert leased_counts == [2, 2, 2, 2, 1]
    assert not Article.objects.filter(extracting_since__isnull=False).exists()


def stop_early_and_check(web):
    serve_pages(web)
    rows = articles()
    results = ingest.articles_extract(rows)
    first = next(results)
    results.close()
    stored = {a.pk: a for a in Article.objects.all()}
    assert first.outcome == "ok" and stored[rows[0].pk].extraction_status == "ok"
    assert stored[rows[1].pk].extraction_status == "ok"  # extracted before the caller stopped
    third = stored[rows[2].pk]  # claimed and requested, never extracted
    assert (third.extraction_status, third.extracting_since, third.extraction_attempts) == (
        "pending",
        None,
        0,
    )
    assert all(stored[r.pk].extracting_since is None for r in rows)
    assert [stored[r.pk].extraction_status for r in rows[3:]] == ["pending", "pending"]
    assert ingest.article_extract(third).outcome == "ok"


def test_stopping_early_keeps_what_was_extracted_and_frees_the_page_on_its_way(web):
    stop_early_and_check(web)


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("jobs_thread")
def test_stopping_early_with_the_jobs_thread(web):
    stop_early_and_check(web)
    assert not jobs_threads()


def test_a_page_another_worker_holds_is_skipped_unrequested(web):
    serve_pages(web)
    rows = articles()
    assert services.article_claim(Article.objects.get(pk=rows[2].pk))
    outcomes = [r.outcome for r in ingest.articles_extract(rows)]
    assert outcomes == ["ok", "ok", "busy", "ok", "ok"]
    assert "/c" not in requested(web)
    assert Article.objects.get(pk=rows[2].pk).extracting_since is not None  # still theirs


def test_a_page_finished_elsewhere_meanwhile_is_done_not_redone(web):
    serve_pages(web)
    rows = articles()
    services.article_record_extraction(article=rows[1], text="Extracted by another worker.")
    outcomes = [r.outcome for r in ingest.articles_extract(rows)]
    assert outcomes == ["ok", "done", "ok", "ok", "ok"]
    assert Article.objects.get(pk=rows[1].pk).text == "Extracted by another worker."


def test_an_unreachable_page_is_recorded_as_failed(web, settings):
    serve_pages(web, ["/a"])
    rows = articles(["/a", "/b"])
    Article.objects.filter(pk=rows[1].pk).update(url="http://[fec0::1]/b")
    settings.DIGESTCMS_ALLOW_PRIVATE_FETCH = False
    settings.DIGESTCMS_FETCH_ROUTE = ""
    rows = list(Article.objects.order_by("id"))
    results = list(ingest.articles_extract(rows))
    assert [r.outcome for r in results] == ["failed", "failed"]
    assert "site-local" in Article.objects.get(pk=rows[1].pk).extraction_error


def test_the_command_prefetches_unless_told_not_to(web):
    serve_pages(web)
    articles()
    out = io.StringIO()
    call_command("extract_articles", stdout=out, stderr=io.StringIO())
    assert "5 articles: 5 extracted, 0 failed, 0 skipped, 0 handled elsewhere" in out.getvalue()
    services.article_request_reextraction(articles=Article.objects.all())
    out = io.StringIO()
    call_command("extract_articles", "--no-prefetch", stdout=out, stderr=io.StringIO())
    assert "5 articles: 5 extracted" in out.getvalue()
    assert Article.objects.filter(extraction_status="ok", extraction_attempts=2).count() == 5


def test_recording_then_claiming_writes_the_result_even_when_the_claim_is_lost():
    done, taken, free = articles(["/a", "/b", "/c"])
    assert services.article_claim(done)
    assert services.article_claim(Article.objects.get(pk=taken.pk))  # another worker's
    assert not services.article_record_then_claim(
        article=done, result={"text": "The text of a.", "language": "en"}, next_article=taken
    )
    row = Article.objects.get(pk=done.pk)
    assert (row.extraction_status, row.text, row.language, row.extracting_since) == (
        "ok",
        "The text of a.",
        "en",
        None,
    )
    assert services.article_record_then_claim(
        article=taken, result={"error": "Timed out."}, next_article=free
    )
    taken_row, free_row = Article.objects.get(pk=taken.pk), Article.objects.get(pk=free.pk)
    assert (taken_row.extraction_status, taken_row.extraction_error) == ("failed", "Timed out.")
    assert taken_row.extracting_since is None
    assert free_row.extracting_since is not None
    assert not services.article_claim(Article.objects.get(pk=free.pk))  # held: no second claim


def test_recording_then_claiming_never_overwrites_a_locked_text():
    done, following = articles(["/a", "/b"], text="Corrected.", language="zh", text_locked=True)
    assert services.article_claim(done)
    assert services.article_record_then_claim(
        article=done, result={"text": "Machine text.", "language": "en"}, next_article=following
    )
    assert (Article.objects.get(pk=done.pk).text, Article.objects.get(pk=done.pk).language) == (
        "Corrected.",
        "zh",
    )
    assert Article.objects.get(pk=following.pk).language != "en"  # only the result's row
    assert Article.objects.get(pk=done.pk).extraction_status == "ok"


@pytest.mark.django_db(transaction=True)
def test_recording_then_claiming_outside_a_transaction():
    done, following = articles(["/a", "/b"])
    assert services.article_claim(done)
    assert services.article_record_then_claim(
        article=done, result={"error": "Boom", "skipped": True}, next_article=following
    )
    assert Article.objects.get(pk=done.pk).extraction_status == "skipped"
    assert Article.objects.get(pk=following.pk).extracting_since is not None


# --- start_fetch: the request now, the answer later -------------------------------------


def test_start_fetch_sends_the_request_at_once_and_result_reads_the_answer(web):
    web.expect_request("/early").respond_with_data("hello", content_type="text/plain")
    pending = start_fetch("http://news.example.com/early")
    deadline = time.monotonic() + 5
    while not web.log and time.monotonic() < deadline:
        time.sleep(0.01)
    assert requested(web) == ["/early"]  # before anyone asked for the answer
    response = pending.result()
    assert (response.status, response.body) == (200, b"hello")


@pytest.mark.usefixtures("settings")
def test_what_goes_wrong_before_sending_is_raised_by_result(settings):
    settings.DIGESTCMS_ALLOW_PRIVATE_FETCH = False
    pending = start_fetch("http://[fec0::1]/")  # never raises itself
    with pytest.raises(BlockedURL, match="site-local"):
        pending.result()


def test_the_server_gets_its_whole_deadline_from_when_the_answer_is_read(web):
    web.expect_request("/slow-reader").respond_with_data("fine", content_type="text/plain")
    pending = start_fetch("http://news.example.com/slow-reader", deadline=0.5)
    time.sleep(0.8)  # the caller is busy longer than the deadline: not the server's fault
    assert pending.result().body == b"fine"


def test_a_dripping_server_is_still_cut_at_the_deadline_after_a_late_read():
    with raw_server(lambda conn: drip(conn, interval=0.1, limit=6)) as server:
        pending = start_fetch(server.url(), deadline=1.0)
        time.sleep(0.3)
        started = time.monotonic()
        with pytest.raises(FetchTimeout):
            pending.result()
        assert time.monotonic() - started < 2.5


def test_closing_a_pending_fetch_hangs_up_without_reading(web):
    web.expect_request("/unwanted").respond_with_data("x" * 1000)
    pending = start_fetch("http://news.example.com/unwanted")
    pending.close()
    with pytest.raises(fetching.FetchError):
        pending.result()


def test_one_watchdog_thread_serves_every_fetch(web):
    import threading

    web.expect_request("/w").respond_with_data("ok")
    for _ in range(5):
        fetching.fetch("http://news.example.com/w")
    watchdogs = [t for t in threading.enumerate() if t.name == "fetch-watchdog"]
    assert len(watchdogs) == 1
    assert not fetching._watchdog._live  # every fetch cancelled its watch


def test_a_google_news_link_in_the_list_is_resolved_with_nothing_in_flight(web, settings):
    from tests.sources.test_ingest import google_item, serve_feed, serve_google

    settings.DIGESTCMS_GOOGLE_NEWS_BASE = "http://news.google.com"
    publisher = "http://english.news.cn/20261122/abc/c.html"
    serve_google(web, publisher)
    web.expect_request("/20261122/abc/c.html").respond_with_data(page("Trade envoy visits"))
    serve_pages(web, ["/a", "/e"])
    serve_feed(web, "/rss/search.xml", google_item(publisher, "Trade envoy visits"))
    make_article("http://news.example.com/a", title="Story a")
    ingest.feed_fetch(services.feed_create(url="http://news.google.com/rss/search.xml"))
    make_article("http://news.example.com/e", title="Story e")
    rows = list(Article.objects.order_by("id"))
    assert [r.outcome for r in ingest.articles_extract(rows)] == ["ok", "ok", "ok"]
    assert Article.objects.get(pk=rows[1].pk).url == publisher
    assert not Article.objects.filter(extracting_since__isnull=False).exists()


def test_an_error_escaping_the_loop_frees_the_leases(web, monkeypatch):
    serve_pages(web)
    rows = articles()
    calls = []
    real = services.article_record_then_claim

    def flaky(**kwargs):
        calls.append(kwargs["next_article"].pk)
        if len(calls) == 2:
            raise KeyboardInterrupt  # an operator's Ctrl-C in the middle of the run
        return real(**kwargs)

    monkeypatch.setattr(services, "article_record_then_claim", flaky)
    with pytest.raises(KeyboardInterrupt):
        list(ingest.articles_extract(rows))
    assert not Article.objects.filter(extracting_since__isnull=False).exists()
    assert Article.objects.filter(extraction_status="ok").count() == 2  # a, and b (extracted)


# --- The jobs beside each extraction: on a thread of their own on PostgreSQL ------------


def calls_by_thread(monkeypatch) -> list[tuple[str, int, str, object]]:
    """(what, article id, thread name, that thread's connection) of each claim, write and
    request the loop makes."""
    from django.db import connections

    calls = []

    def spy(owner, name, what, article_of):
        real = getattr(owner, name)

        def wrapper(*args, **kwargs):
            thread = threading.current_thread().name
            calls.append((what, article_of(*args, **kwargs), thread, connections["default"]))
            return real(*args, **kwargs)

        monkeypatch.setattr(owner, name, wrapper)

    spy(services, "article_claim", "claim", lambda article: article.pk)
    spy(services, "article_record_then_claim", "write+claim", lambda **kw: kw["article"].pk)
    spy(services, "article_record_extraction", "write", lambda **kw: kw["article"].pk)
    spy(ingest, "start_fetch", "request", lambda url, **kw: url.rsplit("/", 1)[1])
    return calls


@pytest.fixture
def jobs_thread(monkeypatch):
    """The jobs' thread, whatever the database (by default PostgreSQL only)."""
    monkeypatch.setattr(ingest._Runner, "wanted", staticmethod(lambda: True))


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("jobs_thread")
def test_claims_writes_and_requests_run_on_a_thread_with_its_own_connection(web, monkeypatch):
    from django.db import connections

    serve_pages(web)
    rows = articles()
    calls = calls_by_thread(monkeypatch)
    results = list(ingest.articles_extract(rows))

    assert [r.outcome for r in results] == ["ok"] * 5
    a, b, c, d, e = (r.pk for r in rows)
    jobs = calls[0][2]
    assert jobs.startswith("extraction-jobs")
    here = threading.current_thread().name
    assert [(what, pk, thread) for what, pk, thread, _ in calls] == [
        ("claim", a, jobs),
        ("request", "a", jobs),
        ("claim", b, jobs),
        ("request", "b", jobs),
        ("write+claim", a, jobs),  # while b is extracted
        ("request", "c", jobs),
        ("write+claim", b, jobs),
        ("request", "d", jobs),
        ("write+claim", c, jobs),
        ("request", "e", jobs),
        ("write", d, here),  # the last two once the list is done
        ("write", e, here),
    ]
    jobs_connection = calls[0][3]
    assert jobs_connection is not connections["default"]  # not the caller's connection
    assert jobs_connection.connection is None  # closed when the loop ended
    assert not jobs_threads()
    assert set(Article.objects.values_list("extraction_status", "extraction_attempts")) == {
        ("ok", 1)
    }
    assert not Article.objects.filter(extracting_since__isnull=False).exists()


@pytest.mark.django_db(transaction=True)
def test_the_jobs_thread_is_used_for_a_database_server_outside_a_transaction():
    from django.db import connection, transaction

    assert ingest._Runner.wanted() is (connection.vendor != "sqlite")
    with transaction.atomic():
        assert not ingest._Runner.wanted()


def test_inside_a_transaction_everything_runs_on_the_callers_thread(web, monkeypatch):
    serve_pages(web)
    rows = articles()
    calls = calls_by_thread(monkeypatch)
    assert [r.outcome for r in ingest.articles_extract(rows)] == ["ok"] * 5
    assert {thread for _, _, thread, _ in calls} == {threading.current_thread().name}
    assert [what for what, *_ in calls].count("write+claim") == 3
    assert not jobs_threads()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("jobs_thread")
def test_a_result_the_jobs_thread_could_not_write_is_tried_again_and_the_error_raised(
    web, monkeypatch
):
    serve_pages(web)
    rows = articles()
    calls, writes = [], []
    real_then_claim, real_record = (
        services.article_record_then_claim,
        services.article_record_extraction,
    )

    def flaky(**kwargs):
        calls.append((kwargs["article"].pk, threading.current_thread().name))
        if len(calls) == 2:
            raise OperationalError("database is locked")
        return real_then_claim(**kwargs)

    def record(**kwargs):
        writes.append(kwargs["article"].pk)
        return real_record(**kwargs)

    monkeypatch.setattr(services, "article_record_then_claim", flaky)
    monkeypatch.setattr(services, "article_record_extraction", record)
    with pytest.raises(OperationalError, match="locked"):
        list(ingest.articles_extract(rows))
    assert calls[1][0] == rows[1].pk and calls[1][1].startswith("extraction-jobs")
    # b's result (whose write failed) and c's (extracted meanwhile) are written as it stops
    assert writes == [rows[1].pk, rows[2].pk]
    stored = {a.pk: a for a in Article.objects.all()}
    assert [stored[r.pk].extraction_status for r in rows] == [
        "ok",
        "ok",
        "ok",
        "pending",
        "pending",
    ]
    assert [stored[r.pk].extraction_attempts for r in rows] == [1, 1, 1, 0, 0]
    assert not Article.objects.filter(extracting_since__isnull=False).exists()
    assert not jobs_threads()


def test_recording_then_claiming_when_the_recorded_article_is_gone():
    gone, following = articles(["/a", "/b"])
    assert services.article_claim(gone)
    Article.objects.filter(pk=gone.pk).delete()  # merged away by an editor meanwhile
    assert services.article_record_then_claim(
        article=gone, result={"text": "Text."}, next_article=following
    )
    assert Article.objects.get(pk=following.pk).extracting_since is not None


def test_recording_then_claiming_the_same_article_records_and_refuses_the_claim():
    (article,) = articles(["/a"])
    assert services.article_claim(article)
    assert not services.article_record_then_claim(
        article=article, result={"error": "Boom"}, next_article=article
    )
    row = Article.objects.get(pk=article.pk)
    assert (row.extraction_status, row.extracting_since, row.extraction_attempts) == (
        "failed",
        None,
        1,
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("prefetch", [True, False])
def test_two_workers_on_one_list_split_it_and_never_fetch_a_page_twice(web, prefetch):
    from django.db import connection

    from tests.sources.test_concurrency import run_together

    paths = [f"/p{n:02d}" for n in range(24)]
    serve_pages(web, paths)
    for path in paths:
        make_article(f"http://news.example.com{path}", title=f"Story {path[1:]}")

    def worker(_):
        try:
            # Each loads the pending list as extract_articles does: a worker that starts
            # late must not see an article the other already extracted as one to claim.
            rows = list(Article.objects.needing_extraction().order_by("id"))
            return [r.outcome for r in ingest.articles_extract(rows, prefetch=prefetch)]
        finally:
            connection.close()

    first, second = run_together(worker, 2)
    assert first.count("ok") + second.count("ok") == len(paths)
    lost = len(first) + len(second) - len(paths)
    # In step they would lose about one claim per page (24); opposite ways, a few at
    # the start (whoever starts late finds the first pages taken) and where they meet.
    assert lost <= 10, (first, second)
    assert sorted(requested(web)) == paths  # every page fetched exactly once
    assert set(Article.objects.values_list("extraction_status", "extraction_attempts")) == {
        ("ok", 1)
    }
    assert not Article.objects.filter(extracting_since__isnull=False).exists()


def test_the_worklist_turns_round_at_a_busy_article_and_drops_what_is_done():
    rows = articles(["/a", "/b", "/c", "/d", "/e", "/f"])
    worklist = ingest._Worklist(rows)
    walk = iter(worklist)
    assert next(walk).pk == rows[0].pk
    worklist.note(ingest.ExtractResult(rows[1].pk, "busy"))
    assert next(walk).pk == rows[5].pk  # from the other end
    services.article_record_extraction(article=rows[4], text="Done elsewhere.")
    services.article_claim(Article.objects.get(pk=rows[3].pk))  # held elsewhere
    worklist.note(ingest.ExtractResult(rows[4].pk, "done"))
    assert [a.pk for a in walk] == [rows[2].pk, rows[1].pk]  # e done, d held: dropped


def test_a_dripped_tls_handshake_is_cut_at_the_deadline():

    def drip_handshake(conn):
        conn.sendall(b"\x16\x03\x03\x00\x40")  # a handshake record of 64 bytes, then...
        for _ in range(30):
            conn.sendall(b"\x02")  # ...one byte every 0.2 s: no single receive times out
            time.sleep(0.2)

    with raw_server(drip_handshake) as server:
        started = time.monotonic()
        with pytest.raises(FetchTimeout):
            fetching.fetch(f"https://127.0.0.1:{server.port}/", deadline=1.0)
        assert time.monotonic() - started < 2.5


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("jobs_thread")
def test_ctrl_c_while_a_job_runs_waits_for_it_and_frees_its_lease(web, monkeypatch):
    serve_pages(web)
    rows = articles()
    real_extract, real_start = ingest.extract_article, ingest.start_fetch
    interrupted = threading.Event()

    def extract(body, *, url, **kwargs):
        if url.endswith("/c"):
            interrupted.set()
            raise KeyboardInterrupt  # while the job for d (write b, claim d) is on its way
        return real_extract(body, url=url, **kwargs)

    def start(url, **kwargs):
        if url.endswith("/d"):
            assert interrupted.wait(5)  # the job is still running when the loop is stopped
        return real_start(url, **kwargs)

    monkeypatch.setattr(ingest, "extract_article", extract)
    monkeypatch.setattr(ingest, "start_fetch", start)
    with pytest.raises(KeyboardInterrupt):
        list(ingest.articles_extract(rows))
    stored = {a.pk: a for a in Article.objects.all()}
    assert [stored[r.pk].extraction_status for r in rows] == ["ok", "ok"] + ["pending"] * 3
    assert [stored[r.pk].extraction_attempts for r in rows] == [1, 1, 0, 0, 0]
    assert not Article.objects.filter(extracting_since__isnull=False).exists()
    assert "/d" in requested(web)  # d's job had claimed it and sent its request
    assert not jobs_threads()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("threaded", [False, True], ids=["inline", "jobs-thread"])
def test_ctrl_c_on_the_last_page_frees_its_lease(web, monkeypatch, threaded):
    monkeypatch.setattr(ingest._Runner, "wanted", staticmethod(lambda: threaded))
    serve_pages(web)
    rows = articles()
    real = ingest.extract_article

    def extract(body, *, url, **kwargs):
        if url.endswith("/e"):
            raise KeyboardInterrupt
        return real(body, url=url, **kwargs)

    monkeypatch.setattr(ingest, "extract_article", extract)
    with pytest.raises(KeyboardInterrupt):
        list(ingest.articles_extract(rows))
    stored = {a.pk: a for a in Article.objects.all()}
    assert [stored[r.pk].extraction_status for r in rows] == ["ok"] * 4 + ["pending"]
    assert [stored[r.pk].extraction_attempts for r in rows] == [1, 1, 1, 1, 0]
    assert not Article.objects.filter(extracting_since__isnull=False).exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("held_elsewhere", [None, 3], ids=["last writes", "lost claim"])
def test_a_connection_the_server_dropped_while_idle_is_opened_again(web, caplog, held_elsewhere):
    """On PostgreSQL the caller's connection idles while the jobs' thread claims and writes;
    a server with idle_session_timeout ends it before the caller next uses it: for the last
    two results, or first for a claim lost to another worker."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL: runs when the suite does (DATABASE_URL, as in .ci/run).")

    def slow_page(request):
        time.sleep(0.2)
        return Response(page(f"Story {request.path[1:]}"), content_type="text/html")

    for path in PATHS:
        web.expect_request(path).respond_with_handler(slow_page)
    rows = articles()
    expected = ["ok"] * 5
    if held_elsewhere is not None:
        assert services.article_claim(Article.objects.get(pk=rows[held_elsewhere].pk))
        expected[held_elsewhere] = "busy"
    with connection.cursor() as cursor:
        cursor.execute("SET idle_session_timeout = '200ms'")  # this session only
    try:
        outcomes = [r.outcome for r in ingest.articles_extract(rows)]
    finally:
        connection.close()  # the next test gets a connection without the timeout
    assert outcomes == expected
    ours = Article.objects.exclude(pk=rows[held_elsewhere].pk if held_elsewhere else None)
    stored = ours.values_list("extraction_status", "extraction_attempts", "extracting_since")
    assert set(stored) == {("ok", 1, None)}
    assert len(requested(web)) == outcomes.count("ok")
    assert "connection was lost while idle" in caplog.text  # it was dropped, and reopened


@pytest.mark.django_db(transaction=True)
def test_ctrl_c_frees_the_leases_on_a_connection_the_server_dropped(web, monkeypatch):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL: runs when the suite does (DATABASE_URL, as in .ci/run).")
    serve_pages(web)
    rows = articles()
    real = ingest.extract_article

    def extract(body, *, url, **kwargs):
        if url.endswith("/c"):
            time.sleep(0.4)  # the caller's connection is dropped meanwhile
            raise KeyboardInterrupt
        return real(body, url=url, **kwargs)

    monkeypatch.setattr(ingest, "extract_article", extract)
    with connection.cursor() as cursor:
        cursor.execute("SET idle_session_timeout = '200ms'")
    try:
        with pytest.raises(KeyboardInterrupt):
            list(ingest.articles_extract(rows))
    finally:
        connection.close()
    assert not Article.objects.filter(extracting_since__isnull=False).exists()  # c's, d's freed
    statuses = dict(Article.objects.values_list("url", "extraction_status"))
    assert [statuses[r.url] for r in rows] == ["ok", "ok", "pending", "pending", "pending"]
