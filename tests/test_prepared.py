"""PreparedQuery: compiled once, the same rows as the ORM for every value; loaded()."""

from datetime import UTC, date, datetime

import pytest
from django.db.models import F, Model, Q

from digestcms.prepared import PreparedQuery, loaded
from digests.models import Digest, Topic
from sources.models import Article
from tests.factories import make_article, make_published_digest, make_topic

pytestmark = pytest.mark.django_db

# An annotation before the fields: the SQL keeps this order, which the names must follow.
EDITION_FIELDS = ("topic_name", "id", "title", "edition_date", "topic__slug", "corrected_at")


def editions(topic: str, day: date):
    return (
        Digest.objects.published()
        .filter(topic__slug=topic, edition_date=day)
        .annotate(topic_name=F("topic__name"))
        .values_list(*EDITION_FIELDS)
    )


def test_rows_are_the_orms_rows_for_each_value():
    us_china = make_topic()
    eu = make_topic("eu-china", "EU vs China")
    make_published_digest(us_china, "2026-11-20", title="First")
    make_published_digest(us_china, "2026-11-21", title="Second")
    make_published_digest(eu, "2026-11-20", title="Third")
    prepared = PreparedQuery(editions, topic=str, day=date)
    asked = [
        ("us-china", date(2026, 11, 20)),
        ("us-china", date(2026, 11, 21)),
        ("eu-china", date(2026, 11, 20)),
        ("eu-china", date(2026, 11, 21)),  # none
    ]
    for topic, day in asked:
        rows = prepared.rows(topic=topic, day=day)
        assert [tuple(row) for row in rows] == list(editions(topic, day))
    titles = [
        (row.topic_name, row.title)
        for topic, day in asked
        for row in prepared.rows(topic=topic, day=day)
    ]
    assert titles == [("US vs China", "First"), ("US vs China", "Second"), ("EU vs China", "Third")]
    assert isinstance(prepared.rows(topic="us-china", day=date(2026, 11, 20))[0].edition_date, date)


def test_the_sql_is_compiled_once(django_assert_num_queries, monkeypatch):
    make_published_digest(make_topic(), "2026-11-20")
    prepared = PreparedQuery(editions, topic=str, day=date)
    prepared.rows(topic="us-china", day=date(2026, 11, 20))
    built = []
    monkeypatch.setattr(prepared, "build", lambda **values: built.append(values))
    with django_assert_num_queries(1):
        assert len(prepared.rows(topic="us-china", day=date(2026, 11, 20))) == 1
    assert built == []


def test_values_come_through_the_fields_converters():
    published = datetime(2026, 11, 20, 8, 30, tzinfo=UTC)
    make_article("http://example.com/a", published_at=published, text_locked=True)
    make_article("http://example.com/b", text_locked=False)
    prepared = PreparedQuery(
        lambda url: Article.objects.filter(url=url).values_list("published_at", "text_locked"),
        url=str,
    )
    assert prepared.rows(url="http://example.com/a")[0] == (published, True)
    row = prepared.rows(url="http://example.com/b")[0]
    assert row.published_at is None and row.text_locked is False


def test_small_integer_fields_and_or_branches_keep_their_parameter():
    make_article("http://example.com/a", extraction_attempts=2, title="Tariffs")
    make_article("http://example.com/b", extraction_attempts=0, title="Chips")
    prepared = PreparedQuery(
        lambda attempts, title: (
            Article.objects.filter(Q(extraction_attempts=attempts) | Q(title=title))
            .order_by("url")
            .values_list("url", flat=False)
        ),
        attempts=int,
        title=str,
    )
    assert prepared.rows(attempts=2, title="none") == [("http://example.com/a",)]
    assert prepared.rows(attempts=9, title="Chips") == [("http://example.com/b",)]
    assert len(prepared.rows(attempts=0, title="Tariffs")) == 2


def test_a_value_the_lookup_rewrites_or_ignores_is_refused():
    contains = PreparedQuery(
        lambda word: Article.objects.filter(title__contains=word).values_list("id"), word=str
    )
    with pytest.raises(ValueError, match="reaches the SQL rewritten"):
        contains.rows(word="trade")
    unused = PreparedQuery(lambda word: Article.objects.values_list("id"), word=str)
    with pytest.raises(ValueError, match="did not reach the SQL"):
        unused.rows(word="trade")


def test_only_values_list_querysets_and_known_kinds():
    with pytest.raises(TypeError, match="values_list"):
        PreparedQuery(lambda pk: Article.objects.filter(pk=pk), pk=int).rows(pk=1)
    with pytest.raises(TypeError, match="int, str and date"):
        PreparedQuery(lambda when: Article.objects.none(), when=datetime)
    flat = PreparedQuery(
        lambda pk: Article.objects.filter(pk=pk).values_list("id", flat=True), pk=int
    )
    with pytest.raises(TypeError, match="values_list"):
        flat.rows(pk=1)
    prepared = PreparedQuery(lambda pk: Article.objects.filter(pk=pk).values_list("id"), pk=int)
    with pytest.raises(TypeError, match="takes"):
        prepared.rows(id=1)
    with pytest.raises(TypeError, match="declared kinds"):
        prepared.rows(pk="1")


def test_loaded_defers_what_it_was_not_given(django_assert_num_queries):
    topic = make_topic()
    instance: Model = loaded(Topic, "default", id=topic.pk, name="Shown name")
    assert instance.name == "Shown name" and instance.pk == topic.pk
    assert "slug" in instance.get_deferred_fields()
    assert instance._state.adding is False and instance._state.db == "default"
    with django_assert_num_queries(1):  # a deferred field loads, as with only()
        assert instance.slug == "us-china"
    with pytest.raises(TypeError, match="not fields of Topic"):
        loaded(Topic, "default", id=topic.pk, colour="red")
