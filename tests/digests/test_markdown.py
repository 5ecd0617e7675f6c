"""Digests as Markdown files in the published site's format: export, import, round trips."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from digests import markdown
from digests.markdown import (
    MarkdownExportError,
    MarkdownImportError,
    digest_document,
    digest_to_markdown,
    markdown_import,
    outlet_domain,
    parse_markdown,
)
from digests.markdown_parse import sources_key
from digests.models import Digest, DigestArticle, DigestSection, Perspective, Topic
from sources.models import Article, Source

pytestmark = pytest.mark.django_db

HERE = Path(__file__).parent / "markdown"
US_CHINA = HERE / "us-china-2026-02-06.md"
KOREA_JAPAN = HERE / "korea-japan-2026-03-01.md"
SEED_NAME = "000_e6dffd93f85dcc66.txt"
SEED_PATHS = [
    Path("/work/shared/seeds") / SEED_NAME,
    Path(__file__).resolve().parents[2].parent / "shared" / "seeds" / SEED_NAME,
]
# The seed's front matter keys, in order (its perspectives are "us" and "china").
SEED_KEYS = [
    "title",
    "date",
    "topic",
    "topicName",
    "sources",
    "articleCount",
    "perspectives",
    "usSources",
    "chinaSources",
    "draft",
]


def read(path: Path) -> str:
    return path.read_bytes().decode("utf-8")


def seed_text() -> str:
    for path in SEED_PATHS:
        if path.exists():
            return read(path)
    pytest.skip(f"the seed digest {SEED_NAME} is not in /work/shared/seeds or ../shared/seeds")


def counts() -> dict[str, int]:
    models = [Topic, Perspective, Digest, DigestSection, DigestArticle, Article, Source]
    return {model.__name__: model.objects.count() for model in models}


def front_matter_keys(text: str) -> list[str]:
    lines = text.split("\n")
    block = lines[1 : lines.index("---", 1)]
    return [line.split(":")[0] for line in block if line[:1].isalpha()]


# --- round trips -----------------------------------------------------------------------


@pytest.mark.parametrize("path", [US_CHINA, KOREA_JAPAN], ids=lambda p: p.stem)
def test_importing_then_exporting_reproduces_the_file_byte_for_byte(path):
    digest = markdown_import(read(path))
    assert digest_to_markdown(Digest.objects.get(pk=digest.pk)) == read(path)


def test_the_real_seed_round_trips_byte_for_byte():
    text = seed_text()
    parsed = parse_markdown(text)
    assert [p.count for p in parsed.perspectives] == [10, 10]
    assert markdown.render_markdown(parsed) == text
    digest = markdown_import(text)
    assert digest_to_markdown(digest) == text
    assert Source.objects.get(name="news.cgtn.com").domain == "news.cgtn.com"
    assert Source.objects.get(name="Firstpost").domain == "firstpost.imported"


def test_the_seed_front_matter_keys_are_the_ones_the_tests_expect():
    assert front_matter_keys(seed_text()) == SEED_KEYS


def test_reimporting_updates_in_place_without_duplicates():
    markdown_import(read(US_CHINA))
    before = counts()
    markdown_import(read(US_CHINA))
    assert counts() == before
    assert before["Digest"] == 1 and before["DigestArticle"] == 10 and before["Article"] == 10


def test_import_creates_the_topic_outlets_articles_and_digest():
    digest = markdown_import(read(US_CHINA))
    assert digest.topic.slug == "us-china" and digest.topic.name == "US vs China"
    assert list(digest.topic.perspectives.values_list("slug", "name", "order")) == [
        ("us", "United States", 0),
        ("china", "China", 1),
    ]
    assert (digest.slug, digest.edition_date, digest.status) == (
        "us-china-2026-02-06",
        date(2026, 2, 6),
        Digest.Status.PUBLISHED,
    )
    assert digest.generated_at == datetime(2026, 2, 6, 5, 12, 44, 81000, tzinfo=UTC)
    assert digest.highlights == digest.machine_highlights
    assert digest.highlights.startswith("- Export controls") and digest.provenance == {}
    domains = dict(Source.objects.values_list("name", "domain"))
    assert domains == {
        "Harbor Ledger": "harbor-ledger.imported",  # Google News wrapper: named after the outlet
        "news.midlandcourier.example": "news.midlandcourier.example",  # the name is a domain
        "Midwest Farm Report": "midwestfarmreport.example",  # a direct link
        "人民网": "xn--gmq282eogn.imported",
        "Eastern Gazette": "eastgazette.example",
        "english.shanghaidaily.example": "english.shanghaidaily.example",
    }


def test_import_keeps_cited_fields_and_numbers_perspective_by_perspective():
    digest = markdown_import(read(US_CHINA))
    entries = list(digest.entries.order_by("position"))
    assert [e.perspective.slug for e in entries] == ["us"] * 5 + ["china"] * 5
    fourth = entries[3]
    assert fourth.cited_title == "Analysis: what the summit (really) means for Taiwan"
    assert fourth.cited_url == (
        "https://www.harborledger.example/analysis/summit-(really)-means?utm_source=rss&id=42"
    )
    assert (fourth.cited_language, fourth.cited_outlet, fourth.cited_date) == (
        "en-GB",
        "Harbor Ledger",
        date(2026, 2, 4),
    )
    assert entries[1].cited_title == "Treasury's [draft] outbound-investment rules, explained"
    article = fourth.article
    assert article.url == "https://www.harborledger.example/analysis/summit-(really)-means?id=42"
    assert article.link == fourth.cited_url
    assert article.published_at == datetime(2026, 2, 4, tzinfo=UTC)
    assert article.source.name == "Harbor Ledger"
    sections = {s.perspective.slug: s for s in digest.sections.all()}
    assert sections["china"].body == sections["china"].machine_body
    assert sections["china"].body.endswith("despite the tariff threat. [10]")


def test_draft_files_use_the_title_date_and_keep_empty_sections():
    digest = markdown_import(read(KOREA_JAPAN))
    assert digest.status == Digest.Status.DRAFT and digest.published_at is None
    assert digest.edition_date == date(2026, 3, 1)  # the title's date, not the UTC date (2/28)
    assert digest.sections.get(perspective__slug="japan").body == ""
    assert "\n\n  The foreign ministry" in digest.sections.get(perspective__slug="south-korea").body


def test_import_never_renames_outlets_or_overwrites_articles():
    Source.objects.create(name="The Eastern Gazette", domain="eastgazette.example")
    ledger = Source.objects.create(name="Harbor Ledger", domain="harborledger.example")
    old = Article.objects.create(
        url="https://eastgazette.example/world/strait-patrols",
        link="https://eastgazette.example/world/strait-patrols",
        title="Old headline",
        source=ledger,
    )
    digest = markdown_import(read(US_CHINA))
    assert Source.objects.get(domain="eastgazette.example").name == "The Eastern Gazette"
    assert not Source.objects.filter(domain="harbor-ledger.imported").exists()
    old.refresh_from_db()
    assert (old.title, old.source) == ("Old headline", ledger)
    assert (
        digest.entries.get(article=old).cited_title
        == "Beijing urges ‘restraint’ over strait patrols"
    )
    assert digest_to_markdown(digest) == read(US_CHINA)


def test_reimporting_a_changed_file_leaves_dropped_sources_out():
    digest = markdown_import(read(KOREA_JAPAN))
    changed = (
        read(KOREA_JAPAN)
        .replace('"Seoul Morning Herald", ', "")
        .replace("articleCount: 3", "articleCount: 1")
        .replace("count: 2", "count: 0")
        .replace("southKoreaSources: 2", "southKoreaSources: 0")
        .replace("based on 3 articles", "based on 1 articles")
    )
    changed = changed[: changed.index("1. [ko-KR]")] + "1." + changed.split("\n3.")[1]
    assert markdown_import(changed).pk == digest.pk
    assert digest_to_markdown(digest) == changed
    assert digest.entries.filter(included=False, position=None).count() == 2


def test_a_failure_half_way_through_imports_nothing(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(markdown, "_import_entries", broken)
    with pytest.raises(RuntimeError):
        markdown_import(read(US_CHINA))
    assert set(counts().values()) == {0}


# --- digests made in the database ------------------------------------------------------


def make_digest(status: str = Digest.Status.IN_REVIEW) -> Digest:
    topic = Topic.objects.create(slug="us-korea", name="US vs South Korea")
    us = Perspective.objects.create(topic=topic, slug="us", name="United States", order=0)
    korea = Perspective.objects.create(topic=topic, slug="south-korea", name="South Korea", order=1)
    wire = Source.objects.create(name="Wire [Asia]", domain="wire.example")
    digest = Digest.objects.create(
        topic=topic,
        edition_date=date(2026, 4, 2),
        title='US vs South Korea News - 2026-04-02: "tariffs"',
        slug="us-korea-2026-04-02",
        status=status,
        highlights="\n\n- Tariff talks stall. [1]\n\n",
        generated_at=datetime(2026, 4, 2, 6, 0, 1, 234567, tzinfo=UTC),
    )
    DigestSection.objects.create(digest=digest, perspective=us, body="- Washington waits. [1]")
    DigestSection.objects.create(digest=digest, perspective=korea, body="")
    rows = [(1, us, "A (1) story", True), (2, korea, "연합 story", True), (None, us, "Cut", False)]
    for position, perspective, title, included in rows:
        article = Article.objects.create(
            url=f"https://wire.example/{title}",
            link=f"https://wire.example/{title}",
            source=wire,
            published_at=datetime(2026, 4, 1, 23, tzinfo=UTC),
        )
        DigestArticle.objects.create(
            digest=digest,
            article=article,
            position=position,
            perspective=perspective,
            included=included,
            cited_title=title,
            cited_url=article.url,
            cited_outlet=wire.name,
            cited_language="en",
            cited_date=date(2026, 4, 2) if position == 1 else None,
        )
    return digest


def test_a_database_digest_has_the_seed_front_matter_with_its_own_perspectives():
    text = digest_to_markdown(make_digest())
    expected = [
        {"usSources": "usSources", "chinaSources": "southKoreaSources"}.get(k, k) for k in SEED_KEYS
    ]
    assert front_matter_keys(text) == expected
    assert sources_key("south-korea") == "southKoreaSources" and sources_key("eu") == "euSources"
    assert text.startswith(
        '---\ntitle: "US vs South Korea News - 2026-04-02: \\"tariffs\\""\n'
        "date: 2026-04-02T06:00:01.234Z\ntopic: us-korea\n"
        'topicName: "US vs South Korea"\nsources: ["Wire [Asia]"]\narticleCount: 2\n'
        'perspectives:\n  - id: "us"\n    name: "United States"\n    count: 1\n'
        '  - id: "south-korea"\n    name: "South Korea"\n    count: 1\n'
        "usSources: 1\nsouthKoreaSources: 1\ndraft: true\n---\n\n"
        "## Overall Highlights\n\n- Tariff talks stall. [1]\n\n<!--more-->\n\n"
    )
    assert "## South Korea Perspective (South Korea Sources)\n\n## Sources\n" in text
    assert text.endswith(
        "1. [en] [A (1) story](https://wire.example/A \\(1\\) story) - Wire [Asia] (4/2/2026)\n"
        "2. [en] [연합 story](https://wire.example/연합 story) - Wire [Asia] (4/1/2026)\n"
    )


def test_a_database_digest_reads_back_as_it_was_written():
    digest = make_digest(status=Digest.Status.PUBLISHED)
    text = digest_to_markdown(digest)
    assert "\ndraft: false\n" in text
    assert parse_markdown(text) == digest_document(digest)


def test_a_digest_numbered_with_gaps_cannot_be_exported():
    digest = make_digest()
    digest.entries.filter(position=2).update(position=3)
    with pytest.raises(MarkdownExportError, match="numbered 1 to N"):
        digest_to_markdown(digest)


def test_a_digest_whose_title_names_another_day_cannot_be_exported():
    digest = make_digest()
    digest.title = "US vs South Korea News - 2026-04-03"
    digest.save()
    with pytest.raises(MarkdownExportError, match="must be the edition date 2026-04-02"):
        digest_to_markdown(digest)


def test_outlet_domains_for_outlets_known_only_by_name():
    assert outlet_domain("Inquirer.net") == "inquirer.net"
    assert outlet_domain("StratNews Global") == "stratnews-global.imported"
    assert outlet_domain("新华网") == "xn--xkrr14bows.imported"
    assert outlet_domain("!!!").startswith("outlet-")


# --- malformed files -------------------------------------------------------------------


def remove_front_matter(text: str) -> str:
    return text[text.index("## Overall") :]


MALFORMED = {
    "no front matter": (remove_front_matter, "line 1: expected '---'"),
    "bad date": (
        lambda t: t.replace("date: 2026-02-06T05:12:44.081Z", "date: 6 February 2026"),
        "line 3: 'date' must look like 2026-02-06T04:01:02.535Z",
    ),
    "impossible date": (
        lambda t: t.replace("2026-02-06T05:12", "2026-02-30T05:12"),
        "line 3: 'date' 2026-02-30T05:12:44.081Z is not a valid date",
    ),
    "missing key": (
        lambda t: t.replace("topic: us-china\n", ""),
        "line 4: the front matter has no 'topic' key",
    ),
    "unknown key": (
        lambda t: t.replace("draft: false", "author: me\ndraft: false"),
        "line 17: unknown key 'author'",
    ),
    "unquoted title": (
        lambda t: t.replace('"US vs China News - 2026-02-06"', "US vs China"),
        "line 2: 'title' must be a double-quoted string",
    ),
    "missing heading": (
        lambda t: t.replace("## Overall Highlights", "## Highlights"),
        "line 20: expected '## Overall Highlights'",
    ),
    "renamed section": (
        lambda t: t.replace("## China Perspective", "## Chinese Perspective"),
        "line 28: no '## China Perspective (China Sources)' follows",
    ),
    "bad source line": (
        lambda t: t.replace(" - Eastern Gazette (2/6/2026)", " — Eastern Gazette (2/6/2026)"),
        "line 50: source entry does not match 'N. [lang] [title](url) - outlet (M/D/YYYY)'",
    ),
    "zero-padded date": (
        lambda t: t.replace("Midwest Farm Report (2/4/2026)", "Midwest Farm Report (02/04/2026)"),
        "line 48: source entry does not match",
    ),
    "count mismatch": (
        lambda t: t.replace(
            "count: 5\nusSources: 5\nchinaSources: 5", "count: 4\nusSources: 5\nchinaSources: 4"
        ),
        "line 8: perspective counts in the front matter (9) do not match the listed sources (10)",
    ),
    "sources key mismatch": (
        lambda t: t.replace("chinaSources: 5", "chinaSources: 6"),
        "line 16: 'chinaSources' is 6 but perspective 'china' has count 5",
    ),
    "numbering gap": (
        lambda t: t.replace("\n7. [en-US]", "\n8. [en-US]"),
        "line 50: expected source number 7, found 8",
    ),
    "article count": (
        lambda t: t.replace("articleCount: 10", "articleCount: 11"),
        "line 7: 'articleCount' is 11 but 10 sources are listed",
    ),
    "outlets out of order": (
        lambda t: t.replace(
            '"Harbor Ledger", "news.midlandcourier.example"',
            '"news.midlandcourier.example", "Harbor Ledger"',
        ),
        "line 6: 'sources' must list the source list's outlets",
    ),
    "same article twice": (
        lambda t: t.replace(
            "eastgazette.example/opinion/entity-list", "eastgazette.example/world/strait-patrols#x"
        ),
        "line 52: the same article as line 50",
    ),
    "text after the list": (
        lambda t: t + "\nThanks for reading!\n",
        "line 55: expected nothing after",
    ),
}


@pytest.mark.parametrize(("mangle", "message"), MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_files_name_the_line_and_import_nothing(mangle, message):
    text = mangle(read(US_CHINA))
    assert text != read(US_CHINA)
    with pytest.raises(MarkdownImportError) as caught:
        markdown_import(text, filename="broken.md")
    assert str(caught.value).startswith("broken.md: line ")
    assert message in str(caught.value)
    assert Digest.objects.count() == 0 and Article.objects.count() == 0
    assert set(counts().values()) == {0}


# --- the commands ----------------------------------------------------------------------


def test_export_writes_one_file_per_digest(tmp_path, capsys):
    call_command("import_markdown", str(US_CHINA), str(KOREA_JAPAN))
    out = tmp_path / "site" / "digests"
    call_command("export_markdown", str(out))
    assert sorted(p.name for p in out.iterdir()) == [KOREA_JAPAN.name, US_CHINA.name]
    assert read(out / US_CHINA.name) == read(US_CHINA)
    assert read(out / KOREA_JAPAN.name) == read(KOREA_JAPAN)
    assert f"Wrote 2 digests to {out}." in capsys.readouterr().out


@pytest.mark.parametrize(
    ("options", "names"),
    [
        (["--topic", "us-china"], [US_CHINA.name]),
        (["--topic", "korea-japan"], [KOREA_JAPAN.name]),
        (["--status", "published"], [US_CHINA.name]),
        (["--status", "all"], [KOREA_JAPAN.name, US_CHINA.name]),
    ],
)
def test_export_filters_by_topic_and_status(tmp_path, options, names):
    call_command("import_markdown", str(US_CHINA), str(KOREA_JAPAN))
    call_command("export_markdown", str(tmp_path), *options)
    assert sorted(p.name for p in tmp_path.iterdir()) == names


def test_export_of_an_unknown_topic_fails(tmp_path):
    with pytest.raises(CommandError, match="no topic 'nope'"):
        call_command("export_markdown", str(tmp_path), "--topic", "nope")


def test_export_reports_digests_it_cannot_write_and_writes_the_rest(tmp_path):
    make_digest().entries.filter(position=2).update(position=5)
    call_command("import_markdown", str(US_CHINA))
    with pytest.raises(CommandError, match="us-korea-2026-04-02.md"):
        call_command("export_markdown", str(tmp_path))
    assert [p.name for p in tmp_path.iterdir()] == [US_CHINA.name]


def test_import_goes_on_after_a_broken_file_and_fails_naming_it(tmp_path, capsys):
    broken = tmp_path / "broken.md"
    broken.write_text(read(KOREA_JAPAN).replace("\n2. [en-US]", "\n4. [en-US]"), encoding="utf-8")
    with pytest.raises(CommandError) as caught:
        call_command("import_markdown", str(broken), str(US_CHINA))
    assert f"{broken}: line 39: expected source number 2, found 4" in str(caught.value)
    assert "1 of 2 files failed" in str(caught.value)
    assert (
        f"{US_CHINA}: imported US vs China News - 2026-02-06 (10 articles)"
        in capsys.readouterr().out
    )
    assert list(Digest.objects.values_list("topic__slug", flat=True)) == ["us-china"]
    assert not Topic.objects.filter(slug="korea-japan").exists()


def test_import_of_a_missing_file_fails(tmp_path):
    with pytest.raises(CommandError, match="cannot read it"):
        call_command("import_markdown", str(tmp_path / "nope.md"))
