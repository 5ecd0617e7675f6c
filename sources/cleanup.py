"""Remove the boilerplate that survives trafilatura: menus, share bars, copyright lines...

Line-based and linear: each line is looked at once, and only short lines (where boilerplate
lives) reach the regular expressions; a line longer than ``MAX_BOILERPLATE_LINE`` is always
kept. A rule matches a *whole line* made of boilerplate words ("twitter youtube", "A+"),
or a line that starts with a boilerplate formula ("Follow us on", "Read more:",
"Copyright ©"); the few phrases looked for anywhere ("© 2026", "all rights reserved",
"follow our profile") only remove lines of fewer than 24 words. So a sentence that merely
mentions Twitter or copyright stays. Headlines go when they match a known title (case and
punctuation aside), or when a short line at the top comes back later in the text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

MAX_BOILERPLATE_LINE = 300  # longer lines are paragraphs, never boilerplate
SHORT_LINE = 200  # lines made only of boilerplate words are at most this long
DATE_LINE = 80
PARAGRAPH_MIN = 40  # a line this long ending like a sentence ends the "top of the text"
HEADLINE_MAX = 150  # a headline found by repetition is at most this long...
HEADLINE_CANDIDATES = 5  # ...and among the first lines above the first paragraph
SEPARATORS = r"[\s|•·,/]*"

_SOCIAL = (
    "twitter", "x", "facebook", "youtube", "instagram", "telegram", "whatsapp", "linkedin",
    "tiktok", "pinterest", "reddit", "vk", "vkontakte", "odnoklassniki", "ok", "viber",
    "threads", "bluesky", "mastodon", "flipboard", "weibo", "wechat", "snapchat", "tumblr",
    "messenger", "rss", "email", "e-mail", "mail", "google news", "yandex zen", "dzen",
)  # fmt: skip
_APPS = (
    "apple store", "app store", "google play", "play market", "play store", "appgallery",
    "app gallery",
)  # fmt: skip
_UI = (
    "search", "menu", "home", "login", "log in", "sign in", "sign up", "register", "logout",
    "log out", "subscribe", "close", "print", "share", "copy link", "link copied", "copy",
    "tweet", "pin", "back", "back to top", "to top", "top", "next", "previous", "prev", "more",
    "load more", "show more", "loading", "loading...", "skip to content",
    "skip to main content", "toggle navigation", "open menu", "close menu", "night_theme",
    "night mode", "dark mode", "light mode", "day mode", "a+", "a-", "aa", "font size",
    "text size", "advertisement", "watch video", "listen", "comments", "ссылка скопирована",
    "поделиться", "подписаться", "поиск", "меню", "главная", "首页", "分享", "搜索", "返回顶部",
    "ホーム", "シェア", "検索",
)  # fmt: skip
_LANGUAGES = (
    "en", "ru", "fr", "de", "es", "it", "pt", "zh", "ja", "ko", "ar", "tr", "az", "uk", "ua",
    "pl", "nl", "fa", "hi", "he", "cn", "kz", "uz", "ka", "hy", "ro", "bg", "sr", "hr", "cs",
    "sk", "hu", "el", "sv", "fi", "da", "no", "et", "lv", "lt", "vi", "th", "id", "ms", "cy",
    "eng", "rus", "english", "русский", "français", "deutsch", "español", "中文", "日本語",
    "العربية", "türkçe", "azərbaycanca",
)  # fmt: skip
_SECTIONS = (
    "news", "latest", "latest news", "world", "politics", "business", "economy", "markets",
    "finance", "sport", "sports", "culture", "opinion", "analytics", "analysis", "society",
    "science", "tech", "technology", "health", "video", "videos", "photo", "photos",
    "multimedia", "lifestyle", "travel", "local", "region", "regions", "weather", "interview",
    "entertainment", "about", "about us", "contact", "contacts", "contact us", "privacy",
    "privacy policy", "terms", "terms of use", "advertising", "careers", "archive",
)  # fmt: skip


def _words(*groups: Sequence[str]) -> str:
    """An alternation of literal words, longest first so "a+" wins over a shorter prefix."""
    words = sorted({w for group in groups for w in group}, key=len, reverse=True)
    return "(?:" + "|".join(re.escape(w) for w in words) + r")(?![\w+])"


_NAV = _words(_SOCIAL, _APPS, _UI, _LANGUAGES)
_MENU_WORD = _words(_SOCIAL, _APPS, _UI, _LANGUAGES, _SECTIONS)
# Atomic groups and possessive repeats (here and below): a line that fails is given up at
# once instead of being re-split in every possible way.
_NAV_LINE = re.compile(rf"\W*+(?:(?>{_NAV}){SEPARATORS}+)++")
_MENU_LINE = re.compile(rf"\W*+(?:(?>{_MENU_WORD}){SEPARATORS}+){{2,}}+")
_SECTION_LABEL = re.compile(rf"{_words(_SECTIONS)}\W*")

_COUNTER_WORD = r"(?:views?|reads?|comments?|likes?|shares?|просмотр\w*|浏览|阅读)"
_NUMBER = r"\d[\d\s,.]*+[km]?"
_RULES = [
    rf"{_COUNTER_WORD}\s*[:：]?\s*\(?{_NUMBER}\)?",  # Views: 1,204
    rf"{_NUMBER}\s*{_COUNTER_WORD}",  # 12 comments
    r"(?:#[^\s#,;]+[\s,;]*)+",  # hashtags only
    r"\W*+(?:editors?|edited by|sources?|photos?|photograph|images?|picture|video|credits?|"
    r"photo credit|image credit|illustration|cover photo|author|written by|reporting by|"
    r"reported by|text|translated by|translation|writer|reporter|correspondent|caption|"
    r"责任编辑|编辑|来源|记者|摄影|图片来源|写真|出典)\s*[:：|].{0,100}",
    r"\W*+(?:read more|read also|also read|read next|see also|more on this(?: story)?|"
    r"related(?: articles?| stories| news| posts| coverage| content| links)?|"
    r"recommended(?: for you)?|you (?:may|might) also like|most read|most popular|"
    r"trending now|editor'?s picks|top stories|相关阅读|延伸阅读|相关新闻|関連記事)"
    r"(?:\s*[:»›>|\-–—].{0,150}|\W*)",
    r"(?:dear|hello|hi)\s+(?:[\w'’.-]+\s+){0,3}(?:readers?|subscribers?|friends?|members?|"
    r"followers?|colleagues)\s*[,!:]?",  # Dear Focus Reader,
    r"(?:what are you (?:looking|searching) for|type (?:here )?to search|press enter to "
    r"search|enter (?:your )?(?:search terms?|keywords?))\W*",
    r"\W*+(?:share\s*(?:this|it|on|via|to|with|the\s+(?:story|article|news|post)|[:!]|$)|"
    r"(?:follow|find|like)\s+us\s+(?:on|at)\b|join\s+us\s+on\b|"
    r"join\s+our\s+(?:[\w-]+\s+)?(?:channel|community|group)\b|subscribe\b|sign\s*up\b|"
    r"(?:download|get|install)\s+(?:our|the)\s+(?:[\w.-]+\s+){0,3}app\b|(?:click|tap)\s+here\b)"
    r".{0,150}",
    r"[^\w©(]*+(?:©|\(c\)|copyright\s*(?:©|\(c\)|:|\d{4})).{0,200}",
    r"(?:any use of (?:the )?materials?|(?:reproduction|republication|copying|reprinting)\s+"
    r"(?:in whole or in part|of (?:this|these|our|the) (?:material|materials|content|"
    r"articles?|site)))\b.{0,200}",
]
_SHORT_RULES = re.compile("|".join(f"(?:{rule})" for rule in _RULES))

# Phrases looked for anywhere in a line, only when a cheap substring test says they may be there.
_ANYWHERE_KEYS = ("©", "(c)", "copyright", "reserved", "réservés", "vorbehalten",
                  "版权所有", "著作権", "защищены", "follow", "liked", "hyperlink",
                  "subscribe", "sign up")  # fmt: skip
_ANYWHERE = re.compile(
    r"(?:©|\(c\)|copyright)\s*(?:©|\(c\))?\s*(?:19|20)\d\d\b|all rights reserved\W*$|"
    r"tous droits réservés|todos los derechos reservados|alle rechte vorbehalten|版权所有|"
    r"著作権|все права защищены|follow (?:us|our (?:profile|page|channel|account|updates|"
    r"coverage|blog))\b|liked (?:the|this) (?:story|article|post|material|news)\b|"
    r"subscribe to (?:our|my) \w+|sign up (?:for|to) (?:our|my) |"
    r"only (?:with|if there is) (?:an? )?(?:active )?hyperlink|(?:hyperlink|active link) to\b"
)
_ANYWHERE_MAX_WORDS = 24  # a longer line carries a real sentence besides the notice

_WEEKDAY = r"(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|sday|nesday|rsday|urday)?"
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_ZONE = r"(?:utc|gmt|bst|cet|cest|eet|eest|msk|est|edt|cst|cdt|pst|pdt|mst|mdt|jst|kst|hkt|ist)"
_DATE_TOKEN = (
    rf"(?:(?:{_WEEKDAY}|{_MONTH}|{_ZONE}|at|on|published|updated|posted|last updated|date|"
    r"\d{4}-\d\d-\d\d(?:t\d\d:\d\d(?::\d\d)?(?:\.\d+)?(?:z|[+-]\d\d:?\d\d)?)?|"
    r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}|\d{1,2}[:h.]\d\d(?::\d\d)?|\d{1,4}(?:st|nd|rd|th)?|"
    r"[ap]\.?m\.?|[+-]\d\d:?\d\d)(?!\w)|\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)"
)
_DATE_LINE = re.compile(rf"\W*+(?:(?>{_DATE_TOKEN})[\s,.|/·•()\-–—:：]*+)++")
_DATE_CORE = re.compile(rf"\d.*{_MONTH}|{_MONTH}.*\d|\d[-/.:]\d|年", re.DOTALL)
_SENTENCE_END = tuple(".!?。！？…\"'”’」』)")
_NON_ALNUM = re.compile(r"[\W_]+")
_TITLE_SPLIT = re.compile(r"\s+[|–—·»:-]+\s+|\s*::\s*")
_LEADING = " \t\"'“”‘’«»„‹›()[]{}<>•·*+-–—_.,:;!?|/#~"


def clean_text(text: str, *, title: str = "") -> str:
    """Drop boilerplate lines from extracted text; ``title`` is the article's headline."""
    return clean_text_with_titles(text, (title,))


def clean_text_with_titles(text: str, titles: Iterable[str]) -> str:
    """``clean_text`` with several known headlines (feed title, og:title, <title>)."""
    headlines = _Headlines.of(titles)
    kept: list[str] = []
    top = True  # still above the first real paragraph: date lines are dropped here only
    found_headline = False
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            kept.append("")
        elif headlines.match(line):
            found_headline = True
        elif not _is_boilerplate(line, top=top):
            top = top and not _is_paragraph(line)
            kept.append(line)
    return _join(kept if found_headline else _drop_repeated_headline(kept))


def _is_boilerplate(line: str, *, top: bool) -> bool:
    """True when the whole line is navigation, promotion, a credit, a counter or a notice."""
    size = len(line)
    if size > MAX_BOILERPLATE_LINE:
        return False
    low = line.casefold()
    if size <= SHORT_LINE:
        if _SHORT_RULES.fullmatch(low) or _NAV_LINE.fullmatch(low) or _MENU_LINE.fullmatch(low):
            return True
        if line.isupper() and _SECTION_LABEL.fullmatch(low):  # "ANALYTICS" kicker
            return True
    if top and size <= DATE_LINE and _DATE_LINE.fullmatch(low) and _DATE_CORE.search(low):
        return True
    if low.count(" ") >= _ANYWHERE_MAX_WORDS:  # a sentence besides any notice: keep
        return False
    return any(key in low for key in _ANYWHERE_KEYS) and bool(_ANYWHERE.search(low))


def _is_paragraph(line: str) -> bool:
    return len(line) >= 120 or (len(line) >= PARAGRAPH_MIN and line.endswith(_SENTENCE_END))


def _key(line: str) -> str:
    """Case- and punctuation-insensitive form used to compare a line with a headline."""
    return _NON_ALNUM.sub("", line.casefold())


def _first_char(line: str) -> str:
    """First character of ``_key(line)`` when cheap to tell, else "" (meaning: unknown)."""
    first = line.lstrip(_LEADING)[:1].casefold()[:1]
    return first if first.isalnum() else ""


class _Headlines:
    """Keys of known headlines; a line matches one, or one repeated ("HeadlineHeadline").

    Computing a line's key costs far more than the rest of the cleanup, so lines whose
    first letter starts no headline are ruled out first.
    """

    def __init__(self, keys: Iterable[str]):
        self.keys = tuple(sorted(set(keys), key=len, reverse=True))
        self.firsts = frozenset(key[0] for key in self.keys)
        self.max_line = 4 * len(self.keys[0]) + 20 if self.keys else 0

    @classmethod
    def of(cls, titles: Iterable[str]) -> _Headlines:
        """Each title and its parts: "Headline | Outlet" gives both."""
        parts = {part for title in titles if title for part in _title_parts(title)}
        return cls(key for key in map(_key, parts) if len(key) >= 4)

    def match(self, line: str) -> bool:
        if len(line) > self.max_line:
            return False
        first = _first_char(line)
        if first and first not in self.firsts:
            return False
        key = _key(line)
        return any(key == k or _repeats(key, k) for k in self.keys)


def _title_parts(title: str) -> list[str]:
    parts = _TITLE_SPLIT.split(title)
    return [title, *parts] if len(parts) > 1 else parts


def _repeats(key: str, unit: str) -> bool:
    times, rest = divmod(len(key), len(unit))
    return times >= 2 and rest == 0 and key == unit * times


def _drop_repeated_headline(lines: list[str]) -> list[str]:
    """A short line near the top that comes back later is the headline: drop every copy.

    Candidates are the first few lines above the first paragraph, and only those much
    shorter than the longest line, so the scan stays linear and body text is never a candidate.
    """
    longest = max((len(line) for line in lines), default=0)
    for index in _top_lines(lines):
        head = lines[index]
        if len(head) > HEADLINE_MAX or 2 * len(head) > longest:
            continue
        unit = _key(head)
        headline = _Headlines([unit] if unit else [])
        if any(headline.match(line) for line in lines[index + 1 :] if line):
            return [line for line in lines if not (line and headline.match(line))]
    return lines


def _top_lines(lines: list[str]) -> list[int]:
    """Indexes of the first non-empty lines above the first paragraph (at most a few)."""
    found: list[int] = []
    for index, line in enumerate(lines):
        if not line:
            continue
        if _is_paragraph(line) or len(found) == HEADLINE_CANDIDATES:
            break
        found.append(index)
    return found


def _join(lines: list[str]) -> str:
    """Join lines, keeping at most one blank line between blocks, none at either end."""
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out)
