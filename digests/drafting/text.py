"""Plain-text helpers for drafting: sentences, datelines, terms, languages, boilerplate.

Everything here is pure and deterministic; term tuples come back sorted so that sums over
them never depend on the hash seed.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from .base import SourceArticle

MIN_WORDS, MAX_WORDS = 8, 40  # a bullet's length in words, both inclusive
CANDIDATES_PER_ARTICLE = 12  # usable sentences kept per article, from the top
SCAN_CHARS = 8000  # only the start of a long text is split into sentences

CLOSERS = "\"'”’»)]」』）"
_TERMINATOR = re.compile(r"[.!?…]+[\"'”’»)\]]*|[。！？]+[”’」』）)]*")
_CJK_STOPS = "。！？"
_NEXT_WORD = re.compile(r" (\S+)")
_LEADING_PUNCT = "\"'“‘«([{"

# "Mr. Smith", "Sen. Jones": never the end of a sentence.
_TITLES = frozenset(
    "mr mrs ms dr prof sen rep gov gen lt col capt cmdr sgt adm maj st rev hon pres supt "
    "messrs mme mlle sr jr".split()
)
# "No. 3", "Vol. 2": an abbreviation only before a number.
_NUMBERED = frozenset("no nos vol vols art fig figs pp p ch sec".split())
_MONTHS = frozenset("jan feb mar apr jun jul aug sep sept oct nov dec".split())
# "Apple Inc.", "U.S.", "a.m.", initials: a sentence ends there only before a typical opener.
_ABBREVIATIONS = frozenset("inc corp co ltd plc llc bros vs etc approx est dept govt".split())
_STARTERS = frozenset(
    "the a an it its he she they we i you this that these those there their his her our "
    "but and or so yet in on at as for if when while after before since although though "
    "however meanwhile still then some many most both officials analysts one two no not".split()
)

_DATELINE = re.compile(
    r"^(?P<place>[A-Z][A-Z.'’\-]+(?:[ /][A-Z][A-Z.'’\-]+)*"
    r"(?:,\s*[A-Z][a-z]{2,8}\.?\s+\d{1,2}(?:,\s*\d{4})?)?\s*)?"
    r"(?P<agency>\([A-Za-z][\w .&/-]{0,30}\)\s*)?"
    r"(?:--|—|–|-|:)\s+(?=\S)"
)

_STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each
    few for from further had has have having he her here hers herself him himself his how
    i if in into is it its itself just me more most my myself no nor not now of off on
    once only or other our ours out over own same she should so some such than that the
    their theirs them themselves then there these they this those through to too under
    until up very was we were what when where which while who whom why will with would
    you your yours said says say saying told according mr mrs ms dr per via yet may might
    must shall one two vs versus""".split()
)
_ALIASES = ("united states of america", "united states", "u.s.a.", "u.s.", "u. s.")
_ALNUM = bytes(c if 48 <= c <= 57 or 97 <= c <= 122 else 32 for c in range(256))  # a-z0-9
_CJK_RUN = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]+")
_WORDISH = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]{1,2}|[^\s\u3040-\u30ff\u3400-\u9fff]+")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
_KANA = re.compile(r"[\u3040-\u30ff]")
_HANGUL = re.compile(r"[\uac00-\ud7af]")
_BACKREF = frozenset(
    "it its he his him she her they their them this that these those but however still "
    "also and so yet instead such meanwhile".split()
)
# "The spokesperson said...", "One of the people said...": fine as a lead, not later on.
_ANAPHORA = re.compile(
    r"(?:(?:one|some|many|most|all|none|two|both) of (?:the|them|those)|the (?:spokes\w+|"
    r"officials?|people|sources?|ministry|department|agency|compan(?:y|ies)|firms?|move|"
    r"decision|measures?|proposal|report|statement|two|latter|former|pair|ship|vessel|"
    r"group|experts?|analysts?))\b",
    re.IGNORECASE,
)
_LATIN_WORD = re.compile(r"[A-Za-z]+")
_LATIN_LETTER = re.compile(r"[A-Za-z\u00c0-\u024f]")
_OTHER_LETTER = re.compile(r"[^\W\d_\u0000-\u024f]")  # letters of any non-Latin script
_ENGLISH_MARKERS = frozenset("the and of to in is that for on with said was are by".split())

# Lower-case phrases that mark credits, calls to action and "no comment" lines.
_BOILERPLATE = (
    "read more", "click here", "sign up for", "sign up to our", "subscribe to", "subscribe now",
    "our newsletter", "follow us", "all rights reserved", "copyright ©", "© 2", "reporting by",
    "editing by", "writing by", "contributed to this report", "with inputs from", "source(s)",
    "not necessarily reflect", "the author is", "this article has been", "this story has been",
    "this article was", "this story was", "request for comment", "requests for comment",
    "declined to comment", "reached for comment",
)  # fmt: skip
_BOILERPLATE_START = ("photo:", "image:", "video:", "file:", "watch:", "listen:", "also read")
_ATTRIBUTION = re.compile(
    r"^[\"'”’]?\s*(?:he|she|they|it|we|i|officials?|the \w+(?: \w+)?) "
    r"(?:said|says|added|noted|told \w+|wrote|explained)\b[^.!?]{0,30}[.!?][\"'”’]?$",
    re.IGNORECASE,
)


def split_sentences(text: str) -> list[str]:
    """Split text into sentences, paragraph by paragraph (a sentence never spans a newline)."""
    return list(iter_sentences(text))


def iter_sentences(text: str) -> Iterator[str]:
    """``split_sentences``, lazily."""
    for line in text.splitlines():
        paragraph = " ".join(line.split())
        start = 0
        for match in _TERMINATOR.finditer(paragraph):
            if _is_boundary(paragraph, match):
                if paragraph[start : match.end()].strip():
                    yield paragraph[start : match.end()].strip()
                start = match.end()
        if paragraph[start:].strip():
            yield paragraph[start:].strip()


def _is_boundary(paragraph: str, match: re.Match[str]) -> bool:
    """Whether the terminator ``match`` ends a sentence (``paragraph`` is single-spaced)."""
    mark, end = match.group(), match.end()
    if mark[0] in _CJK_STOPS or end >= len(paragraph):
        return True
    following = _NEXT_WORD.match(paragraph, end)
    if not following:  # "3.5", "U.S.-China", "e.g.,"
        return False
    opener = following.group(1).lstrip(_LEADING_PUNCT)
    if opener[:1].islower() or not opener:  # "U.S. officials", '"Why?" she asked.'
        return False
    if mark.rstrip(CLOSERS) != ".":
        return True  # "!", "?", "..." before a capital
    start = paragraph.rfind(" ", 0, match.start()) + 1
    return not _is_abbreviation(paragraph[start : match.start()].lstrip(_LEADING_PUNCT), opener)


def _is_abbreviation(word: str, following: str) -> bool:
    """Whether ``word.`` is an abbreviation that does not end the sentence before ``following``."""
    low = word.lower()
    next_word = following.rstrip(",;:.").lower()
    if low in _TITLES:
        return True
    if low in _NUMBERED:
        return following[:1].isdigit()
    if low in _MONTHS:
        return following[:1].isdigit() or next_word not in _STARTERS
    initial = len(word) == 1 and word.isalpha()
    if initial or "." in word or low in _ABBREVIATIONS:
        return next_word not in _STARTERS
    return False


def strip_dateline(sentence: str) -> str:
    """Drop a leading dateline: "BEIJING, Nov. 22 (Xinhua) -- ", "WASHINGTON (AP) — "."""
    match = _DATELINE.match(sentence)
    if not match or not (match.group("place") or match.group("agency")):
        return sentence
    return sentence[match.end() :]


def ends_sentence(text: str) -> bool:
    """Whether ``text`` ends with a full stop, "!" or "?" (possibly inside quotes), not "...""."""
    core = text.rstrip().rstrip(CLOSERS)
    if not core or core.endswith(("...", "…")):
        return False
    return core[-1] in ".!?。！？"


def is_question(text: str) -> bool:
    """Whether the sentence asks something (ends with "?" outside or inside quotes)."""
    return text.rstrip().rstrip(CLOSERS).endswith(("?", "？"))


def is_boilerplate(sentence: str) -> bool:
    """Credits, calls to action, "no comment" lines and bare attributions like "he said."."""
    low = sentence.lower()
    if low.startswith(_BOILERPLATE_START):
        return True
    for phrase in _BOILERPLATE:
        if phrase in low:
            return True
    return bool(_ATTRIBUTION.match(sentence))


def has_balanced_quotes(sentence: str) -> bool:
    """False for a fragment of a multi-sentence quotation (an unclosed or unopened quote)."""
    if sentence.count('"') % 2:
        return False
    return sentence.count("“") == sentence.count("”")


def word_count(text: str) -> int:
    """Words, counting every two CJK characters as one."""
    return len(_WORDISH.findall(text)) if _CJK.search(text) else len(text.split())


def terms(text: str) -> tuple[str, ...]:
    """Sorted distinct content terms: lower-cased, stop words out, plurals folded, CJK bigrams."""
    low = text.lower()
    if "u." in low or "united states" in low:
        for alias in _ALIASES:
            low = low.replace(alias, " usa ")
    words = low.encode("ascii", "replace").translate(_ALNUM).decode("ascii").split()
    cache = _TERM_CACHE
    found = {cache.get(word) or _term(word) for word in words}
    if not low.isascii() and _CJK.search(low):
        for run in _CJK_RUN.findall(low):
            found.update(run[i : i + 2] for i in range(max(1, len(run) - 1)))
    found.discard("-")
    return tuple(sorted(found))


def _term(word: str) -> str:
    """A word's term ("-" for stop words and single characters), plurals folded; cached."""
    if len(word) < 2 or word in _STOPWORDS:
        term = "-"
    elif len(word) > 4 and word.endswith("ies"):
        term = word[:-3] + "y"
    elif len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        term = word[:-1]
    else:
        term = word
    if len(_TERM_CACHE) < 200_000:
        _TERM_CACHE[word] = term
    return term


_TERM_CACHE: dict[str, str] = {}


def primary_language(tag: str) -> str:
    """The primary language subtag: "en-US" → "en"; "", "und" → "" (unknown)."""
    primary = tag.strip().replace("_", "-").split("-")[0].lower()
    return "" if primary in ("und", "mul", "zxx") else primary


def guess_language(text: str) -> str:
    """A rough guess for untagged text: "zh", "ja", "ko", "en", or "" when unsure."""
    sample = text[:2000]
    cjk = len(_CJK.findall(sample))
    latin = sum(len(w) for w in _LATIN_WORD.findall(sample))
    if cjk and cjk >= latin / 3:
        if _KANA.search(sample):
            return "ja"
        return "ko" if _HANGUL.search(sample) else "zh"
    words = [w.lower() for w in _LATIN_WORD.findall(sample)][:300]
    if words and sum(w in _ENGLISH_MARKERS for w in words) / len(words) >= 0.08:
        return "en"
    return ""


def looks_like(text: str, language: str) -> bool:
    """Whether ``text`` is plausibly in ``language`` (checked by script for en and CJK)."""
    if language in ("zh", "ja", "ko"):
        cjk = len(_CJK.findall(text))
        return cjk > 0 and cjk >= len(_LATIN_LETTER.findall(text)) / 3
    if language == "en":
        other = len(_OTHER_LETTER.findall(text))
        if not other:
            return _LATIN_LETTER.search(text) is not None
        return not _CJK.search(text) and other <= 0.4 * len(_LATIN_LETTER.findall(text))
    return True


def strip_outlet(title: str, outlet: str) -> str:
    """Trim a trailing " - Outlet" (or " | Outlet", " — Outlet") from a headline."""
    title = " ".join(title.split())
    names = {_squash(outlet)} | {_squash(label) for label in outlet.split(".")[:-1]}
    names -= {"", "www", "news", "m", "en", "english"}
    for separator in (" - ", " | ", " — ", " – ", " :: "):
        head, found, tail = title.rpartition(separator)
        if found and head.strip() and _squash(tail) in names:
            return head.strip()
    return title


def _squash(text: str) -> str:
    """Lower-case letters and digits only: "South China Morning Post" → "southchinamorningpost"."""
    return re.sub(r"[\W_]+", "", text.casefold())


# --- candidate sentences ----------------------------------------------------------


@dataclass(frozen=True)
class Sentence:
    """A candidate bullet: bullet-ready text plus the sentence as it stands in its article."""

    number: int
    text: str
    source: str
    position: int
    terms: tuple[str, ...]
    termset: frozenset[str]
    words: int
    headline: bool = False


def article_language(article: SourceArticle) -> str:
    """The article's tagged language, else a guess from its title and text ("" if unsure)."""
    tagged = primary_language(article.language)
    return tagged or guess_language(f"{article.title}\n{article.text or article.summary}")


def target_language(articles: Sequence[SourceArticle]) -> str:
    """English if any article is English, else the commonest language ("" when unknown)."""
    counts = Counter(lang for lang in map(article_language, articles) if lang)
    if "en" in counts or not articles:
        return "en"
    if not counts:
        return ""
    return min(counts.items(), key=lambda item: (-item[1], item[0]))[0]


def article_sentences(article: SourceArticle, language: str) -> list[Sentence]:
    """Up to ``CANDIDATES_PER_ARTICLE`` usable sentences from the text, else from the summary."""
    own = article_language(article)
    if language and own and own != language:
        return []
    found = sentences_of(article.number, article.text, language)
    return found or sentences_of(article.number, article.summary, language)


def sentences_of(number: int, text: str, language: str) -> list[Sentence]:
    """The first usable sentences of ``text`` (position = index among all its sentences)."""
    if len(text) > SCAN_CHARS:
        cut = text.rfind("\n", 0, SCAN_CHARS)
        text = text[:cut] if cut > 0 else text
    found: list[Sentence] = []
    for position, raw in enumerate(iter_sentences(text)):
        sentence = candidate(number, raw, position, language)
        if sentence:
            found.append(sentence)
            if len(found) >= CANDIDATES_PER_ARTICLE:
                break
    return found


def candidate(number: int, raw: str, position: int, language: str) -> Sentence | None:
    """``raw`` as a candidate bullet, or None when it is too short, too long or boilerplate."""
    text = strip_dateline(raw)
    words = word_count(text)
    if not MIN_WORDS <= words <= MAX_WORDS or text[:1].islower():
        return None
    if not ends_sentence(text) or is_question(text) or is_boilerplate(text):
        return None
    if not has_balanced_quotes(text) or not looks_like(text, language):
        return None
    found = terms(text)
    return Sentence(number, text, raw, position, found, frozenset(found), words)


def headline(article: SourceArticle, language: str) -> list[Sentence]:
    """The headline (outlet suffix trimmed, full stop added) as a fallback candidate."""
    title = strip_outlet(article.title, article.outlet)
    words = word_count(title)
    if not 4 <= words <= MAX_WORDS or is_question(title) or title.endswith(("...", "…")):
        return []
    if not looks_like(title, language) or is_boilerplate(title):
        return []
    if not ends_sentence(title):
        title = title.rstrip(" :;,-–—") + ("。" if language in ("zh", "ja") else ".")
    found = terms(title)
    return [Sentence(article.number, title, article.title, 0, found, frozenset(found), words, True)]


def style_factor(sentence: Sentence) -> float:
    """Penalise sentences opening with a quotation or leaning on an earlier sentence."""
    text = sentence.text
    if text[:1] in "\"“'‘":
        return 0.6
    first = text.split(None, 1)[0].strip(",;:").lower()
    if first in _BACKREF or (sentence.position > 0 and _ANAPHORA.match(text)):
        return 0.7
    return 1.0
