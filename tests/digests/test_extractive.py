"""The extractive drafter: sentence splitting, bullets, citations, determinism (no database)."""

from __future__ import annotations

import dataclasses
import random
import subprocess
import sys
from pathlib import Path

import pytest

from digests.drafting.base import Draft, PerspectiveInfo, SourceArticle
from digests.drafting.extractive import ExtractiveDrafter, jaccard, mmr
from digests.drafting.text import (
    Sentence,
    ends_sentence,
    is_boilerplate,
    split_sentences,
    strip_dateline,
    strip_outlet,
    terms,
    word_count,
)

ROOT = Path(__file__).resolve().parents[2]
US = PerspectiveInfo("us", "United States")
CN = PerspectiveInfo("china", "China")
EU = PerspectiveInfo("eu", "European Union")
TOPIC = "US vs China"


def art(number: int, side: str, story: int, outlet: str, title: str, text: str = "", **kw):
    fields = {"summary": "", "language": "en", "published": None, "relevance": 0.8} | kw
    return SourceArticle(number, side, outlet, title, text=text, story=story, **fields)


TARIFF = """WASHINGTON/BEIJING (Reuters) - The United States and China agreed to hold off for 90 days on a scheduled increase in tariffs and to open a fresh round of working-level negotiations, officials from both countries said.
Negotiators will meet in Geneva within three weeks to discuss market access for American farm goods and Chinese purchases of U.S. energy.
"This gives both sides room to work on the hard issues," a senior U.S. trade official told reporters.
What does this mean for shoppers?
Markets in Asia reacted calmly.
The yuan firmed slightly against the dollar in onshore trade, and shares of Chinese appliance makers rose between 2% and 4% in Shanghai.
Reporting by Daniel Ashford in Washington; Editing by Paul Whitcombe"""

ARTICLES = [
    art(1, "us", 1, "Reuters", "US and China agree to delay tariff increase - Reuters", TARIFF),
    art(2, "us", 1, "Inquirer", "US, China pause planned tariff increase, set fresh talks", TARIFF),
    art(3, "us", 2, "AP", "US warship sails through Taiwan Strait in first transit this year",
        "TAIPEI (AP) — A U.S. Navy destroyer sailed through the Taiwan Strait on Tuesday, the first publicly announced transit of the sensitive waterway this year, the Navy's Seventh Fleet said.\n"
        "Taiwan's defence ministry said it watched the passage with its own forces and detected nothing unusual.\n"
        "U.S. warships sail through the 180-km strait roughly once every month or two in what Washington calls routine operations.\n"
        "Read more: Our full coverage of the Taiwan Strait."),
    art(4, "us", 3, "Bloomberg", "US widens chip export curbs to dozens more Chinese AI firms",
        "The U.S. Commerce Department added 27 Chinese companies involved in artificial intelligence to its trade blacklist and tightened rules on shipments of high-bandwidth memory chips.\n"
        "Firms on the so-called Entity List cannot receive U.S.-origin items without a licence, which officials said would be presumptively denied.\n"
        "Shares of U.S. memory makers fell 3.5% in after-hours trading on the news."),
    art(5, "us", 4, "BBC", "US tightens visa screening for Chinese graduate students",
        "The US State Department has introduced additional screening for Chinese nationals applying to study for advanced degrees in some science and engineering fields.\n"
        "Mr. Hale, a university administrator in Ohio, said the extra review could add several weeks to processing times for thousands of applicants.\n"
        "About 270,000 Chinese students were enrolled at US institutions last year, down from a peak of more than 370,000."),
    art(6, "us", 5, "AP", "Two giant pandas arrive in San Francisco under new loan from China",
        "SAN FRANCISCO (AP) — Two giant pandas from China arrived in San Francisco aboard a chartered cargo jet on Nov. 12, the first of the bears to live at the city's zoo in decades.\n"
        "The 4-year-old pair will spend about a month in quarantine before the public can see them, zoo officials said.\n"
        "he said."),
    art(7, "us", 6, "Reuters", "US, Chinese officials meet on fentanyl controls",
        "U.S. and Chinese counternarcotics officials met in Beijing for a new round of talks on curbing the flow of chemicals used to make fentanyl, the White House said.\n"
        "U.S. officials credited China with placing additional precursor chemicals under control last year, but said traffickers were switching to unregulated alternatives."),
    art(8, "us", 7, "Politico", "Senators press Commerce Department on Chinese connected cars",
        "A bipartisan group of senators urged the Commerce Department to speed up rules barring Chinese software from internet-connected cars sold in the United States.\n"
        "The senators said Chinese automakers were expanding rapidly in Mexico and could try to enter the U.S. market through factories in third countries."),
    art(9, "china", 1, "Xinhua", "China, US agree to postpone tariff increase for 90 days",
        "BEIJING, Nov. 22 (Xinhua) -- China and the United States have agreed to postpone a scheduled tariff increase for 90 days and to restart working-level consultations, the Ministry of Commerce said on Saturday.\n"
        "The ministry said the decision reflected the spirit of equal consultation and urged Washington to remove discriminatory restrictions on Chinese technology companies."),
    art(10, "china", 2, "Global Times", "PLA tracks US destroyer during Taiwan Strait transit",
        "The PLA Eastern Theater Command tracked and monitored a US destroyer that sailed through the Taiwan Strait, a spokesperson said on Tuesday.\n"
        "Chinese experts called the transit a deliberate provocation aimed at stirring up tension at a time when the two countries are working to stabilize ties."),
    art(11, "china", 3, "China Daily", "Beijing vows to protect firms after new US chip curbs",
        "China's Ministry of Commerce said it firmly opposes the US overstretching the concept of national security and abusing export control measures against Chinese firms.\n"
        "Analysts said domestic memory makers have made rapid progress and that demand from Chinese AI developers would give them a large market."),
    art(12, "china", 8, "China Daily", "Soybean shipments from US pick up as buyers secure spring cargoes",
        "Chinese importers have stepped up purchases of US soybeans for spring delivery, reflecting improved trade conditions following recent consultations, industry insiders said.\n"
        "Soybeans are mainly used in China to produce animal feed and cooking oil, and the country imports more than 100 million metric tons a year."),
    art(13, "china", 9, "CGTN", "Shenzhou crew completes spacewalk as station work advances",
        "The Shenzhou crew aboard China's Tiangong space station completed their second spacewalk on Friday, installing debris protection devices, the China Manned Space Agency said.\n"
        "NASA is barred by a US law passed in 2011 from bilateral cooperation with China without approval from Congress."),
    art(14, "china", 6, "新华网", "中美禁毒合作工作组举行会议",
        "中美禁毒合作工作组会议日前在北京举行。双方就芬太尼类物质管控、易制毒化学品监管等议题进行了深入沟通。",
        language="zh-CN"),
    art(15, "china", 10, "CGTN", "China, US agree on methane roadmap at climate meeting",
        summary="Climate officials from China and the United States have agreed on a two-year roadmap for cooperation on controlling methane emissions after a meeting in Beijing."),
    art(16, "china", 11, "China Daily", "Rare earth export licensing to remain orderly, MOFCOM says - China Daily"),
    art(17, "china", 12, "人民网", "外交部发言人就中美关系答记者问", "外交部发言人表示，中方始终按照相互尊重的原则看待和发展中美关系。", language="zh"),
]  # fmt: skip


def draft(articles=ARTICLES, perspectives=(US, CN)) -> Draft:
    return ExtractiveDrafter().draft(
        topic_name=TOPIC, perspectives=list(perspectives), articles=list(articles)
    )


def by_number(articles=ARTICLES) -> dict[int, SourceArticle]:
    return {a.number: a for a in articles}


def all_bullets(result: Draft):
    yield from result.highlights
    for bullets in result.sections.values():
        yield from bullets


@pytest.fixture(scope="module")
def result() -> Draft:
    return draft()


# --- sentences ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The U.S. Navy said so. Officials agreed.", ["The U.S. Navy said so.", "Officials agreed."]),
        ("Talks with the U.S. The meeting ended.", ["Talks with the U.S.", "The meeting ended."]),
        ("Mr. Smith met Dr. Wu. They spoke.", ["Mr. Smith met Dr. Wu.", "They spoke."]),
        ("It began on Nov. 22 in Beijing. It ended.", ["It began on Nov. 22 in Beijing.", "It ended."]),
        ("Shares rose 3.5% to $1.2 billion. Bonds fell.", ["Shares rose 3.5% to $1.2 billion.", "Bonds fell."]),
        ('"We will continue," he said. "It is over."', ['"We will continue," he said.', '"It is over."']),
        ('He said: "It is over." Then he left.', ['He said: "It is over."', "Then he left."]),
        ('"Why now?" she asked. It was late.', ['"Why now?" she asked.', "It was late."]),
        ("John F. Kennedy spoke at 3 p.m. Friday. Nobody left.", ["John F. Kennedy spoke at 3 p.m. Friday.", "Nobody left."]),
        ("会议在北京举行。双方进行了沟通！", ["会议在北京举行。", "双方进行了沟通！"]),
        ("First line without stop\nSecond line. Third.", ["First line without stop", "Second line.", "Third."]),
        ("Is it over? Yes. Wow!", ["Is it over?", "Yes.", "Wow!"]),
    ],
)  # fmt: skip
def test_split_sentences(text, expected):
    assert split_sentences(text) == expected


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("BEIJING, Nov. 22 (Xinhua) -- Chinese officials met.", "Chinese officials met."),
        ("WASHINGTON (AP) — The U.S. and China stepped back.", "The U.S. and China stepped back."),
        ("WASHINGTON/BEIJING (Reuters) - The two sides agreed.", "The two sides agreed."),
        ("UNITED NATIONS -- The UN chief condemned it.", "The UN chief condemned it."),
        ("NEW DELHI: India said it would respond.", "India said it would respond."),
        ("A U.S. Navy destroyer sailed - unusually - at night.", "A U.S. Navy destroyer sailed - unusually - at night."),
        ("China's ministry - the regulator - said so.", "China's ministry - the regulator - said so."),
    ],
)  # fmt: skip
def test_strip_dateline(sentence, expected):
    assert strip_dateline(sentence) == expected


def test_text_helpers():
    assert terms("The U.S. and the United States imposed duties in talks") == (
        "duty",
        "imposed",
        "talk",
        "usa",
    )
    assert (
        strip_outlet("Taiwan teams with Kratos - Reuters", "Reuters") == "Taiwan teams with Kratos"
    )
    assert strip_outlet("US vs China - CGTN", "news.cgtn.com") == "US vs China"
    assert strip_outlet("Trade war - China", "China Daily") == "Trade war - China"
    assert ends_sentence('He said: "It is over."') and not ends_sentence("And then...")
    assert is_boilerplate("he said.") and is_boilerplate("Read more: full coverage.")
    assert not is_boilerplate('"It is over," the spokesperson said, adding that talks would go on.')
    assert not is_boilerplate("Funds subscribed to the bond sale, citing copyright law reforms.")
    assert word_count("会议在北京举行") == 4


# --- the draft ----------------------------------------------------------------------


def test_bullet_counts(result):
    assert result.drafter == "extractive" and result.version == "1"
    assert 4 <= len(result.highlights) <= 6
    for slug in ("us", "china"):
        assert 3 <= len(result.sections[slug]) <= 5
    assert result.notes == {}


def test_citations_exist_and_belong_to_their_perspective(result):
    numbers = by_number()
    for slug, bullets in result.sections.items():
        for bullet in bullets:
            assert bullet.citations and list(bullet.citations) == sorted(set(bullet.citations))
            assert all(numbers[n].perspective == slug for n in bullet.citations)
            assert bullet.markdown().endswith(f"[{', '.join(map(str, bullet.citations))}]")
    for bullet in result.highlights:
        assert bullet.citations and all(n in numbers for n in bullet.citations)


def test_bullets_cite_every_article_of_their_story_in_the_section(result):
    numbers = by_number()
    for slug, bullets in result.sections.items():
        for bullet in bullets:
            stories = {numbers[n].story for n in bullet.citations}
            expected = {a.number for a in ARTICLES if a.story in stories and a.perspective == slug}
            assert set(bullet.citations) == expected


def test_shared_stories_lead_the_highlights_and_cite_both_sides(result):
    numbers = by_number()
    sides = [{numbers[n].perspective for n in b.citations} for b in result.highlights]
    assert sides[:3] == [{"us", "china"}] * 3  # tariffs, Taiwan Strait, chips
    tariff = result.highlights[0]
    assert set(tariff.citations) == {1, 2, 9}


def test_bullets_are_short_whole_sentences_found_in_their_articles(result):
    numbers = by_number()
    for bullet in all_bullets(result):
        assert word_count(bullet.text) <= 40
        assert ends_sentence(bullet.text), bullet.text
        assert bullet.text[0].isupper()
        (evidence,) = bullet.evidence
        article = numbers[evidence.number]
        assert evidence.number in bullet.citations
        sources = [" ".join(article.text.split()), article.summary, article.title]
        assert any(evidence.sentence in source for source in sources)
        stripped = strip_dateline(evidence.sentence)
        assert bullet.text == stripped or bullet.text[:-1] in strip_outlet(stripped, article.outlet)


def test_datelines_are_stripped(result):
    texts = [b.text for b in all_bullets(result)]
    assert not any(
        t.startswith(("WASHINGTON", "BEIJING", "TAIPEI", "SAN FRANCISCO")) for t in texts
    )
    assert any(t.startswith("The United States and China agreed to hold off") for t in texts)


def test_boilerplate_and_questions_are_never_bullets(result):
    for bullet in all_bullets(result):
        assert "Read more" not in bullet.text and "Reporting by" not in bullet.text
        assert not bullet.text.endswith("?") and bullet.text != "he said."
        assert word_count(bullet.text) >= 4


def test_deterministic_across_runs_and_input_order(result):
    assert draft() == result
    shuffled = list(ARTICLES)
    random.Random(7).shuffle(shuffled)
    assert draft(shuffled) == result


def test_deterministic_across_hash_seeds():
    code = (
        "from tests.digests.test_extractive import draft; "
        "import hashlib; print(hashlib.sha256(repr(draft()).encode()).hexdigest())"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env={"PYTHONHASHSEED": seed, "PATH": "/usr/bin:/bin"},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(outputs) == 1


def test_perspective_without_articles_gets_a_note_and_no_bullets():
    result = draft(perspectives=(US, EU, CN))
    assert result.sections["eu"] == []
    assert result.notes == {"eu": "No articles from European Union outlets in this edition."}
    assert list(result.sections) == ["us", "eu", "china"]


def test_empty_text_falls_back_to_summary_then_title():
    result = draft([ARTICLES[0], ARTICLES[14], ARTICLES[15]])
    found = {b.citations: (b.text, b.evidence[0].sentence) for b in result.sections["china"]}
    summary = ARTICLES[14].summary  # no text: the summary's sentence
    assert found[(15,)] == (summary, summary)
    title = ARTICLES[15].title  # neither text nor summary: the headline, outlet trimmed
    assert found[(16,)] == ("Rare earth export licensing to remain orderly, MOFCOM says.", title)


def test_near_duplicates_make_one_bullet_citing_all(result):
    cited = [b.citations for b in result.sections["us"]]
    assert (1, 2) in cited
    assert not any(c in ((1,), (2,)) for c in cited)


def test_non_english_sentences_are_not_used(result):
    for bullet in all_bullets(result):
        assert bullet.text.isascii()
        assert all(e.number not in (14, 17) for e in bullet.evidence)
    # A story with only Chinese-language articles and headlines is skipped...
    assert all(17 not in b.citations for b in all_bullets(result))
    assert all(14 not in b.citations for b in result.sections["china"])
    # ...but a Chinese-language article still counts as covering a story told in English.
    assert [b.citations for b in result.highlights if 7 in b.citations] == [(7, 14)]


def test_story_with_only_non_english_articles_uses_an_english_title():
    foreign = dataclasses.replace(ARTICLES[16], title="Spokesperson outlines China's view of ties")
    result = draft([foreign, ARTICLES[0]])
    assert [b.text for b in result.sections["china"]] == [
        "Spokesperson outlines China's view of ties."
    ]
    assert result.sections["china"][0].citations == (17,)


def test_too_long_sentences_fall_back_to_the_headline():
    long = (
        "The two governments said on Monday that they would extend the current arrangement "
        "covering duties on electronics, machinery, furniture, farm goods and energy for "
        "another ninety days while officials from both sides continue working-level talks "
        "in Geneva on market access, subsidies, overcapacity and export controls."
    )
    assert word_count(long) > 40
    result = draft(
        [ARTICLES[0], art(30, "china", 30, "CGTN", "China and US extend trade truce - CGTN", long)]
    )
    (bullet,) = result.sections["china"]
    assert bullet.text == "China and US extend trade truce." and bullet.citations == (30,)


def test_bullets_are_not_redundant(result):
    groups = [result.highlights, *result.sections.values()]
    for bullets in groups:
        sets = [frozenset(terms(b.text)) for b in bullets]
        for i, a in enumerate(sets):
            for b in sets[i + 1 :]:
                assert jaccard(a, b) < 0.5
    section_texts = {b.text for bullets in result.sections.values() for b in bullets}
    assert not any(b.text in section_texts for b in result.highlights)


BACKGROUND = (
    "The two countries have imposed tariffs on hundreds of billions of dollars of each "
    "other's goods since the trade war began."
)


def test_a_sentence_repeating_an_earlier_bullet_is_passed_over():
    """Two unlinked stories whose only usable sentence is the same background line."""
    first = art(1, "us", 1, "AP", "Farm groups brace for another season of uncertainty", BACKGROUND)
    second = art(2, "us", 2, "NPR", "Port operators report slower container traffic in May",
                 BACKGROUND.replace("since", "ever since"))  # fmt: skip
    result = draft([first, second])
    texts = [b.text for b in result.sections["us"]]
    assert texts == [BACKGROUND, "Port operators report slower container traffic in May."]


def test_mmr_skips_redundant_and_avoided_sentences():
    def sentence(text: str, number: int = 1) -> Sentence:
        found = terms(text)
        return Sentence(number, text, text, 0, found, frozenset(found), word_count(text))

    a, b, c = (sentence(t) for t in ("Tariff talks resume in Geneva.", "Geneva tariff talks resume again.", "Pandas arrive in San Francisco."))  # fmt: skip
    scored = [(0.9, a), (0.8, b), (0.5, c)]
    assert mmr(scored, [], frozenset()) is a
    assert mmr(scored, [a.termset], frozenset()) is c
    assert mmr(scored, [], frozenset({a.text})) is b
    assert mmr(scored, [a.termset, c.termset], frozenset()) is None


def test_off_topic_stories_only_fill_the_minimum():
    local = {
        "Home side extends winning run": "The local team won its fifth straight game on "
        "Saturday night in front of a large crowd.",
        "Rain fails to deter marathon": "A marathon through the old harbour district drew "
        "twelve thousand runners despite heavy rain.",
        "Council backs pool plan": "The city council approved funding for three new public "
        "swimming pools in the northern suburbs.",
    }
    off = [
        art(20 + i, "us", 50 + i, "Wire", title, text, relevance=0.1)
        for i, (title, text) in enumerate(local.items())
    ]
    result = draft(ARTICLES + off)
    assert all(n < 20 for b in result.sections["us"] for n in b.citations)
    few = draft([ARTICLES[0], *off])
    assert len(few.sections["us"]) == 3  # the minimum, completed with off-topic stories


PANDAS_CN = (
    "Two giant pandas from Sichuan landed in San Francisco under a new conservation loan "
    "agreement between a Chinese research center and the city's zoo.\n"
    "The pandas will stay in quarantine for about a month before meeting visitors."
)
DELEGATION = (
    "Chinese Vice Minister of Commerce Wang Lin met a delegation of U.S. business executives "
    "in Beijing on Monday, saying China welcomes American investment."
)


def test_same_event_in_different_words_is_linked_across_sides():
    """Stories with different ids about one event share a highlight citing both sides."""
    us = dataclasses.replace(ARTICLES[5], number=1, story=1)  # AP pandas
    cn = art(2, "china", 2, "CGTN", "Giant panda pair lands in San Francisco on loan", PANDAS_CN)
    other = art(3, "china", 3, "Xinhua", "Vice minister meets US business delegation", DELEGATION)
    result = draft([us, cn, other])
    assert result.highlights[0].citations == (1, 2)
    assert [b.citations for b in result.sections["china"]] == [(2,), (3,)]


def test_no_articles_at_all():
    result = draft([])
    assert result.highlights == [] and result.sections == {"us": [], "china": []}
    assert set(result.notes) == {"us", "china"}
