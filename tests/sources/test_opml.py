"""OPML import/export of feeds: round trip, idempotence, hostile files."""

import pytest
from django.core.management import CommandError, call_command

from sources.models import Feed
from sources.opml import OpmlError, read_opml
from tests.factories import make_feed

pytestmark = pytest.mark.django_db

OPML = b"""<?xml version="1.0"?>
<opml version="2.0"><head><title>Mine</title></head><body>
  <outline text="World">
    <outline type="rss" text="Reuters World" xmlUrl="http://feeds.reuters.com/world" htmlUrl="http://reuters.com"/>
    <outline type="rss" text="Xinhua" xmlUrl="http://english.news.cn/rss.xml"/>
  </outline>
  <outline text="Not a feed"/>
</body></opml>"""


def test_import_creates_then_updates_without_duplicating(tmp_path, capsys):
    path = tmp_path / "feeds.opml"
    path.write_bytes(OPML)
    call_command("import_opml", str(path))
    call_command("import_opml", str(path))
    assert Feed.objects.count() == 2
    assert Feed.objects.get(url="http://feeds.reuters.com/world").site_url == "http://reuters.com"
    assert "2 feeds, 0 created, 2 updated" in capsys.readouterr().out


def test_export_then_import_round_trips_every_field(tmp_path):
    make_feed("http://a.example/rss", title="A", site_url="http://a.example/")
    make_feed("http://b.example/rss", title="B", active=False)
    path = tmp_path / "out.opml"
    call_command("export_opml", str(path))
    before = list(Feed.objects.order_by("url").values("url", "title", "site_url", "active"))
    Feed.objects.all().delete()
    call_command("import_opml", str(path))
    assert list(Feed.objects.order_by("url").values("url", "title", "site_url", "active")) == before


def test_a_file_declaring_entities_is_refused():
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b'<opml version="2.0"><body><outline text="&b;" xmlUrl="http://x.example/&b;"/></body></opml>'
    )
    with pytest.raises(OpmlError, match="entities"):
        read_opml(bomb)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"<opml><body><outline", "line 1"),
        (b"<html><body/></html>", "root element is <html>"),
        (b'<opml><body><outline xmlUrl="file:///etc/passwd"/></body></opml>', "non-http URL"),
    ],
)
def test_broken_files_give_a_clear_error_and_import_nothing(tmp_path, content, message):
    path = tmp_path / "bad.opml"
    path.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        call_command("import_opml", str(path))
    assert Feed.objects.count() == 0
    with pytest.raises(OpmlError):
        read_opml(content)
