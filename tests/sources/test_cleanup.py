"""clean_text: boilerplate that survives trafilatura goes, every real sentence stays."""

import time

import pytest

from sources.cleanup import clean_text, clean_text_with_titles

TITLE = "Town library reopens with a seed bank and a repair cafe"
PARAGRAPHS = [
    "The Old Mill Lane library reopened on Saturday after a two-year refit that added a seed "
    "bank, a repair cafe and a reading room facing the canal.",
    "Librarian Maud Ferreira said more than 900 people came through the doors on the first "
    "day, many of them borrowing sewing machines and drills rather than books.",
    "The refit cost 2.3 million, most of it from a heritage grant, and kept the original cast "
    "iron columns that had been hidden behind plasterboard since the 1970s.",
    "Volunteers will run the repair cafe every second Thursday, and the seed bank will lend "
    "tomato, bean and squash seeds to anyone with a library card.",
]
BODY = "\n".join(PARAGRAPHS)


def lines_of(text: str) -> list[str]:
    return [line for line in text.splitlines() if line]


def test_clean_article_is_unchanged():
    assert clean_text(BODY, title=TITLE) == BODY


@pytest.mark.parametrize(
    "junk",
    [
        # navigation and social words alone
        "twitter",
        "Facebook",
        "twitter youtube instagram",
        "telegram | whatsapp | linkedin",
        "apple store",
        "play market",
        "night_theme",
        "ru",
        "EN",
        "search",
        "Menu",
        "Home | World | Business | Sport",
        "A+",
        "A-",
        "WHAT ARE YOU LOOKING FOR ?",
        "copy link",
        "print",
        "Ссылка скопирована",
        "loading",
        "ANALYTICS",
        # share, follow, subscribe, apps
        "Liked the story? Share it on social media!",
        "Share this article",
        "Follow us on Telegram",
        "Find us on Facebook",
        "Subscribe to our YouTube channel",
        "Sign up for our newsletter",
        "Download our app",
        "Get the Old Mill Courier app",
        "#Library Stay ahead of the news – follow our profile for daily updates!",
        # copyright and reuse notices
        "© 2026 Old Mill Courier",
        "Old Mill Courier © 2026. .",
        "Copyright © 2026 Old Mill Media Ltd. All rights reserved.",
        "All rights reserved.",
        "Any use of materials is allowed only with a hyperlink to oldmill.example",
        "Reproduction in whole or in part without written permission is prohibited.",
        # counters, hashtags, credits, related links
        "Views: 1,204",
        "2 318 views",
        "Comments (12)",
        "#library #canal #OldMill",
        "#Library ,",
        "Editor: Ana Kovac",
        "Source: Old Mill Courier",
        "Photo: Jan Pryce / Old Mill Courier",
        "Read more: Canal towpath to close for repairs",
        "Related: Market hall gets a new roof",
        "Most read",
        "Dear Courier Reader,",
    ],
)
def test_each_boilerplate_class_is_removed(junk):
    text = "\n".join([PARAGRAPHS[0], PARAGRAPHS[1], junk, PARAGRAPHS[2], PARAGRAPHS[3]])
    cleaned = clean_text(text, title=TITLE)
    assert junk not in lines_of(cleaned)
    assert lines_of(cleaned) == PARAGRAPHS


@pytest.mark.parametrize(
    "sentence",
    [
        "The council announced the vote on Twitter before the meeting had even ended.",
        "Twitter, Facebook and YouTube all removed the video within an hour.",
        "Copyright law in the EU was revised in 2024 after long talks.",
        "The firm kept copyright over the noise study, so residents never saw it.",
        "Share prices of the water company fell 4% after the announcement.",
        "Follow-up inspections are planned for June.",
        "Related to the dispute, two councillors resigned on Monday.",
        "Like us, the Dutch team struggled in the heat.",
        "Home owners along the canal will get flood barriers by autumn.",
        "She said the archive holds 12,000 photos and 300 hours of video.",
        "Why it matters",
        "World",
        "Subscribers to the seed bank get a newsletter about sowing dates.",
    ],
)
def test_sentences_that_mention_boilerplate_words_stay(sentence):
    text = "\n".join([PARAGRAPHS[0], sentence, PARAGRAPHS[1]])
    assert sentence in lines_of(clean_text(text, title=TITLE))


@pytest.mark.parametrize(
    "headline",
    [
        TITLE,
        TITLE.upper(),
        "Town Library Reopens — With a Seed-Bank, and a Repair Cafe!",
        TITLE + TITLE,  # the same headline printed twice on one line
    ],
)
def test_line_repeating_the_title_is_removed(headline):
    cleaned = clean_text("\n".join([headline, *PARAGRAPHS]), title=TITLE)
    assert lines_of(cleaned) == PARAGRAPHS


def test_title_with_outlet_suffix_matches_headline_and_outlet_lines():
    text = "\n".join([TITLE, *PARAGRAPHS, "Old Mill Courier"])
    cleaned = clean_text(text, title=f"{TITLE} | Old Mill Courier")
    assert lines_of(cleaned) == PARAGRAPHS


def test_several_titles():
    text = "\n".join(["Library reopens", TITLE, *PARAGRAPHS])
    assert lines_of(clean_text_with_titles(text, ["Library reopens", TITLE])) == PARAGRAPHS


def test_short_first_line_repeated_later_is_a_headline_without_title():
    text = "\n\n".join(["Old Mill Courier", TITLE, TITLE + TITLE, *PARAGRAPHS])
    cleaned = clean_text(text)
    assert TITLE not in cleaned
    assert lines_of(cleaned) == ["Old Mill Courier", *PARAGRAPHS]


def test_headline_not_repeated_and_without_title_stays():
    text = "\n".join([TITLE, *PARAGRAPHS])
    assert lines_of(clean_text(text)) == [TITLE, *PARAGRAPHS]


@pytest.mark.parametrize(
    "date_line",
    [
        "09 February 2026 10:21",
        "• Fri. Feb 6th, 2026",
        "Updated: March 12, 2026, 9:40 a.m. GMT",
        "2026-03-12T09:40:00+01:00",
        "12.03.2026 | 09:40",
        "2026年3月12日 09:40",
    ],
)
def test_date_line_at_the_top_is_removed(date_line):
    cleaned = clean_text("\n".join([TITLE, date_line, *PARAGRAPHS]), title="")
    assert lines_of(cleaned) == [TITLE, *PARAGRAPHS]


def test_date_line_inside_the_body_stays():
    text = "\n".join([PARAGRAPHS[0], "12 March 2026", PARAGRAPHS[1]])
    assert "12 March 2026" in lines_of(clean_text(text))


def test_blank_lines_are_collapsed_and_trimmed():
    text = "\n\n\ntwitter\n\n\n\n" + "\n\n\n\n".join(PARAGRAPHS) + "\n\n\n© 2026 Old Mill\n\n"
    assert clean_text(text) == "\n\n".join(PARAGRAPHS)


def test_long_paragraph_with_a_notice_word_is_kept():
    paragraph = (
        "Readers who spotted the error on Twitter pointed out that the photo, which the "
        "agency says is © 2026 by its staff photographer, was taken in a different town, "
        "and the paper has since replaced it and apologised to the family shown in it."
    )
    assert lines_of(clean_text("\n".join([paragraph, *PARAGRAPHS]))) == [paragraph, *PARAGRAPHS]


@pytest.mark.parametrize(
    "hostile",
    [
        "close menu " * 18 + "x",
        "back to top " * 16 + "!x",
        "1." * 39 + "x",
        "12 " * 60 + "views x",
        "#a" * 90 + " x",
        "dear " + "friend " * 25,
    ],
)
def test_hostile_lines_cost_no_backtracking(hostile):
    """Guards the atomic groups: each of these is exponential or quadratic without them."""
    started = time.perf_counter()
    for _ in range(20):
        cleaned = clean_text("\n".join([hostile, *PARAGRAPHS]))
    assert time.perf_counter() - started < 1.0
    assert lines_of(cleaned)[-4:] == PARAGRAPHS
