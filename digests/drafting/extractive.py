"""The default drafter: extractive, offline and deterministic.

Articles are grouped into stories by their ``story`` id (near-duplicates), and stories
about the same event in different words (often one per side) are then linked into one
event by the cosine of their headlines and lead sentences; "story" below means such an
event. Each perspective gets one bullet per top story it covered, citing all of its
articles on the story; the highlights favour stories every perspective covered and cite
every side. A bullet is one whole sentence taken verbatim (dateline aside) from the story's
articles: the sentence most central to the story (TF-IDF cosine with the story's sentences
and headlines), nudged towards lead sentences, readable lengths and the topic's terms, and
kept apart from bullets already chosen (MMR). A headline stands in only when no sentence
will do. Citation numbers are assumed unique.

Cost is linear in the edition: at most ``CANDIDATES_PER_ARTICLE`` sentences per article are
tokenised once, IDF is computed once, linking compares only stories sharing rare heavy
terms, and scoring is done per story, only for the stories a section or the highlights
actually reach. Ties break on citation numbers, never on hashing.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from .base import Bullet, Draft, Evidence, PerspectiveInfo, SourceArticle
from .text import (
    MAX_WORDS,
    MIN_WORDS,
    Sentence,
    article_sentences,
    headline,
    strip_outlet,
    style_factor,
    target_language,
    terms,
)

NAME = "extractive"
VERSION = "1"

LINK = 0.25  # cosine of two stories' lead vectors at which they are one event
LINK_TERMS = 8  # a story's heaviest terms, used to find stories that may be linked
LINK_POSTING = 64  # a term among more stories' heaviest than this is too common to link on
LINK_MAX_STORIES = 12  # stories per event at most
LEAD_SENTENCES = 3  # sentences per article (besides the headline) in a story's lead vector
LEAD_ARTICLES = 8  # articles per story in its lead vector
STORY_SAMPLE = 40  # articles of a story whose sentences are weighed for its bullet
SECTION_MIN, SECTION_MAX = 3, 5
HIGHLIGHT_MIN, HIGHLIGHT_TARGET, HIGHLIGHT_MAX = 4, 5, 6  # a 6th only for a shared story
REDUNDANT = 0.5  # term Jaccard at which a sentence repeats a bullet already chosen
DIVERSITY = 0.3  # MMR: weight of the overlap penalty against (normalised) centrality
TITLE_WEIGHT = 2.0  # a headline's terms count this much in a story's centroid
OFF_TOPIC = 4 / 8  # digests.selection.relevance_threshold(); the drafter stays Django-free
_KICKER = re.compile(r"[^:|]{1,24}(?::|\s\|)\s")  # "Exclusive | ", "GT editorial: "
_LANGUAGE_NAMES = {"en": "English", "zh": "Chinese", "ja": "Japanese", "ko": "Korean"}


@dataclass(frozen=True)
class Story:
    key: int
    articles: tuple[SourceArticle, ...]  # sorted by citation number

    @property
    def first(self) -> int:
        return self.articles[0].number

    def of(self, slug: str) -> list[SourceArticle]:
        return [a for a in self.articles if a.perspective == slug]


class ExtractiveDrafter:
    """Bullets made of the stories' most representative sentences, with citations."""

    name = NAME
    version = VERSION

    def draft(
        self, *, topic_name: str, perspectives: list[PerspectiveInfo], articles: list[SourceArticle]
    ) -> Draft:
        edition = Edition(topic_name, perspectives, articles)
        sections: dict[str, list[Bullet]] = {}
        notes: dict[str, str] = {}
        for info in edition.perspectives:
            sections[info.slug], note = edition.section(info)
            if note:
                notes[info.slug] = note
        return Draft(
            highlights=edition.highlights(sections),
            sections=sections,
            notes=notes,
            drafter=self.name,
            version=self.version,
        )


class Edition:
    """One draft's precomputed state: candidate sentences, IDF, stories and their ranking."""

    def __init__(
        self, topic_name: str, perspectives: list[PerspectiveInfo], articles: list[SourceArticle]
    ) -> None:
        self.perspectives = unique_perspectives(perspectives)
        slugs = {p.slug for p in self.perspectives}
        self.articles = sorted(
            (a for a in articles if a.perspective in slugs),
            key=lambda a: (a.number, a.perspective, a.outlet, a.title),
        )
        self.language = target_language(self.articles)
        self.sentences = {a.number: article_sentences(a, self.language) for a in self.articles}
        self.headlines = {a.number: headline(a, self.language) for a in self.articles}
        self.title_terms = {a.number: terms(strip_outlet(a.title, a.outlet)) for a in self.articles}
        self.idf = self._idf()
        self.topic = frozenset(terms(topic_name))
        self.scored = any(a.relevance > 0 for a in self.articles)
        self.stories = self.link(group_stories(self.articles))
        self.order = [p.slug for p in self.perspectives]
        self.ranked = {slug: self._rank(slug) for slug in self.order}

    # --- ranking --------------------------------------------------------------------

    def _idf(self) -> dict[str, float]:
        """Smoothed inverse document frequency, documents being articles."""
        df: Counter[str] = Counter()
        for article in self.articles:
            found = set(self.title_terms[article.number])
            for sentence in self.sentences[article.number]:
                found.update(sentence.terms)
            df.update(found)
        n = len(self.articles)
        return {term: math.log((1 + n) / (1 + count)) + 1.0 for term, count in df.items()}

    def lead_vector(self, story: Story) -> tuple[dict[str, float], float]:
        """TF-IDF weights of the story's headlines and lead sentences, and their norm."""
        counts: dict[str, float] = {}
        for article in story.articles[:LEAD_ARTICLES]:
            for term in self.title_terms[article.number]:
                counts[term] = counts.get(term, 0.0) + TITLE_WEIGHT
            for sentence in self.sentences[article.number][:LEAD_SENTENCES]:
                for term in sentence.terms:
                    counts[term] = counts.get(term, 0.0) + 1.0
        weights = {term: count * self.idf.get(term, 1.0) for term, count in counts.items()}
        return weights, math.sqrt(sum(w * w for w in weights.values()))

    def link(self, stories: list[Story]) -> list[Story]:
        """Join stories about the same event (different wording, often different sides).

        Candidate pairs share at least two of their heaviest terms (terms heavy in too many
        stories are skipped), so the work stays near-linear. Pairs whose lead vectors'
        cosine reaches ``LINK`` are joined, closest first, into events of at most
        ``LINK_MAX_STORIES`` stories, so that chains of weak likeness cannot snowball.
        """
        vectors = [self.lead_vector(story) for story in stories]
        index: dict[str, list[int]] = {}
        for i, (weights, _) in enumerate(vectors):
            for term in sorted(weights, key=lambda t: (-weights[t], t))[:LINK_TERMS]:
                index.setdefault(term, []).append(i)
        shared: Counter[tuple[int, int]] = Counter()
        for members in index.values():
            if len(members) <= LINK_POSTING:
                shared.update((a, b) for k, a in enumerate(members) for b in members[k + 1 :])
        close = [(cosine(vectors[a], vectors[b]), a, b) for (a, b), n in shared.items() if n >= 2]
        parent, size = list(range(len(stories))), [1] * len(stories)
        for similarity, a, b in sorted(close, key=lambda c: (-c[0], c[1], c[2])):
            ra, rb = find(parent, a), find(parent, b)
            if similarity >= LINK and ra != rb and size[ra] + size[rb] <= LINK_MAX_STORIES:
                parent[rb], size[ra] = ra, size[ra] + size[rb]
        events: dict[int, list[SourceArticle]] = {}
        for i, story in enumerate(stories):
            events.setdefault(find(parent, i), []).extend(story.articles)
        return [
            Story(stories[root].key, tuple(sorted(members, key=lambda a: a.number)))
            for root, members in events.items()
        ]

    def on_topic(self, articles: Sequence[SourceArticle]) -> bool:
        return not self.scored or max(a.relevance for a in articles) >= OFF_TOPIC

    def coverage(self, story: Story) -> list[str]:
        """The perspectives (in their given order) that have articles in ``story``."""
        present = {a.perspective for a in story.articles}
        return [slug for slug in self.order if slug in present]

    def _rank(self, slug: str) -> list[Story]:
        """``slug``'s stories, best first: on-topic, then weight, then first citation number.

        The weight is that of the perspective's own articles, plus half that of the other
        perspectives' articles: a story both sides report matters more.
        """

        def key(story: Story) -> tuple[bool, float, int]:
            own = story.of(slug)
            others = [a for a in story.articles if a.perspective != slug]
            total = weight(own) + (0.5 * weight(others) if others else 0.0)
            return (not self.on_topic(own), -total, story.first)

        return sorted((s for s in self.stories if s.of(slug)), key=key)

    def highlight_order(self) -> list[Story]:
        """Stories covered by the most perspectives first, then each side's best in turn."""
        shared = [s for s in self.stories if len(self.coverage(s)) > 1]
        shared.sort(
            key=lambda s: (
                -len(self.coverage(s)),
                not self.on_topic(s.articles),
                -weight(s.articles),
                s.first,
            )
        )
        singles = [
            [s for s in self.ranked[slug] if len(self.coverage(s)) == 1] for slug in self.order
        ]
        order = shared + interleave(singles)
        return sorted(order, key=lambda s: not self.on_topic(s.articles))  # stable

    # --- bullets --------------------------------------------------------------------

    def section(self, info: PerspectiveInfo) -> tuple[list[Bullet], str]:
        """A perspective's bullets, one per top story, and a note when there are none."""
        if not self.ranked[info.slug]:
            return [], f"No articles from {info.name} outlets in this edition."
        bullets: list[Bullet] = []
        chosen: list[frozenset[str]] = []
        for story in self.ranked[info.slug]:
            own = story.of(info.slug)
            if len(bullets) >= SECTION_MAX or (
                len(bullets) >= SECTION_MIN and not self.on_topic(own)
            ):
                break
            pick = self.choose(own, chosen, frozenset())
            if pick:
                bullets.append(make_bullet(pick, own))
                chosen.append(pick.termset)
        if bullets:
            return bullets, ""
        language = _LANGUAGE_NAMES.get(self.language, self.language or "usable")
        return (
            [],
            f"No {language}-language text usable for bullets from {info.name} outlets in this edition.",
        )

    def highlights(self, sections: dict[str, list[Bullet]]) -> list[Bullet]:
        """4–6 bullets: shared stories first, citing every perspective's articles of the story."""
        avoid = frozenset(b.text for bullets in sections.values() for b in bullets)
        bullets: list[Bullet] = []
        chosen: list[frozenset[str]] = []
        for story in self.highlight_order():
            shared = len(self.coverage(story)) > 1
            if len(bullets) >= HIGHLIGHT_MAX or (len(bullets) >= HIGHLIGHT_TARGET and not shared):
                break
            if len(bullets) >= HIGHLIGHT_MIN and not self.on_topic(story.articles):
                break
            pick = self.choose(story.articles, chosen, avoid, headlines=True) or self.choose(
                story.articles, chosen, frozenset(), headlines=True
            )
            if pick:
                bullets.append(make_bullet(pick, story.articles))
                chosen.append(pick.termset)
        return bullets

    def choose(
        self,
        articles: Sequence[SourceArticle],
        chosen: list[frozenset[str]],
        avoid: frozenset[str],
        *,
        headlines: bool = False,
    ) -> Sentence | None:
        """The most central sentence of ``articles`` that repeats no chosen bullet.

        Headlines compete with sentences when ``headlines`` is set or when an article's lead
        sentence was unusable (too long, say); otherwise they are the last resort.
        """
        if len(articles) > STORY_SAMPLE:  # a huge story: its most relevant articles speak for it
            articles = sorted(articles, key=lambda a: (-a.relevance, a.number))[:STORY_SAMPLE]
        centroid, norm = self.centroid(articles)
        first = [s for a in articles for s in self.sentences[a.number]]
        last: list[Sentence] = []
        for article in articles:
            found = self.sentences[article.number]
            lead_lost = not found or found[0].position > 0
            (first if headlines or lead_lost else last).extend(self.headlines[article.number])
        for tier in (first, last):
            scored = [(self.score(s, centroid, norm), s) for s in tier]
            scored.sort(
                key=lambda pair: (-pair[0], pair[1].number, pair[1].headline, pair[1].position)
            )
            pick = mmr(scored, chosen, avoid)
            if pick:
                return pick
        return None

    def centroid(self, articles: Sequence[SourceArticle]) -> tuple[dict[str, float], float]:
        """The story's TF-IDF term weights (sentences once, headlines ``TITLE_WEIGHT``) and norm."""
        counts: dict[str, float] = {}
        for article in articles:
            for sentence in self.sentences[article.number]:
                for term in sentence.terms:
                    counts[term] = counts.get(term, 0.0) + 1.0
            for term in self.title_terms[article.number]:
                counts[term] = counts.get(term, 0.0) + TITLE_WEIGHT
        weights = {term: count * self.idf.get(term, 1.0) for term, count in counts.items()}
        return weights, math.sqrt(sum(w * w for w in weights.values()))

    def score(self, sentence: Sentence, centroid: dict[str, float], norm: float) -> float:
        """Centrality (cosine with the centroid) times position, length, style and topic factors."""
        idf = self.idf
        dot = sum(idf.get(t, 1.0) * centroid.get(t, 0.0) for t in sentence.terms)
        size = math.sqrt(sum(idf.get(t, 1.0) ** 2 for t in sentence.terms))
        cosine = dot / (size * norm) if size and norm else 0.0
        topical = 1.0 + 0.1 * min(2, len(self.topic & sentence.termset))
        return (
            (cosine + 0.05)
            * position_factor(sentence)
            * length_factor(sentence.words)
            * style_factor(sentence)
            * topical
        )


# --- stories and scoring ------------------------------------------------------------


def unique_perspectives(perspectives: Sequence[PerspectiveInfo]) -> list[PerspectiveInfo]:
    """The perspectives in their given order, the first of any repeated slug kept."""
    unique: dict[str, PerspectiveInfo] = {}
    for info in perspectives:
        unique.setdefault(info.slug, info)
    return list(unique.values())


def group_stories(articles: Sequence[SourceArticle]) -> list[Story]:
    """Articles grouped by story id, in order of each story's first citation number."""
    grouped: dict[int, list[SourceArticle]] = {}
    for article in articles:  # already sorted by number
        grouped.setdefault(article.story, []).append(article)
    return [Story(key, tuple(members)) for key, members in grouped.items()]


def weight(articles: Sequence[SourceArticle]) -> float:
    """How big a story is: distinct outlets (extra copies count a quarter), scaled by relevance."""
    outlets = len({a.outlet.casefold() for a in articles})
    relevance = min(1.0, max(0.0, max(a.relevance for a in articles)))
    return (outlets + 0.25 * (len(articles) - outlets)) * (0.5 + relevance)


def find(parent: list[int], i: int) -> int:
    """Union-find root of ``i``, halving the path on the way."""
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


def cosine(a: tuple[dict[str, float], float], b: tuple[dict[str, float], float]) -> float:
    (wa, na), (wb, nb) = a, b
    if not na or not nb:
        return 0.0
    if len(wb) < len(wa):
        wa, wb = wb, wa
    return sum(w * wb.get(t, 0.0) for t, w in wa.items()) / (na * nb)


def interleave(lists: list[list[Story]]) -> list[Story]:
    """Round-robin over ``lists``: first of each, then second of each, and so on."""
    merged: list[Story] = []
    for i in range(max((len(items) for items in lists), default=0)):
        merged.extend(items[i] for items in lists if i < len(items))
    return merged


def position_factor(sentence: Sentence) -> float:
    """Lead sentences first; a headline ranks like a sixth sentence, a labelled one lower."""
    if sentence.headline:
        return 0.45 if _KICKER.match(sentence.text) else 0.7
    return 1.0 / (1.0 + 0.08 * sentence.position)


def length_factor(words: int) -> float:
    """1 for 14–34 words, falling towards the limits (0.6 at the shortest, 0.8 at the longest)."""
    if words < 14:
        return 0.6 + 0.4 * (words - MIN_WORDS) / (14 - MIN_WORDS)
    if words > 34:
        return 1.0 - 0.2 * (words - 34) / (MAX_WORDS - 34)
    return 1.0


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


def mmr(
    scored: list[tuple[float, Sentence]], chosen: list[frozenset[str]], avoid: frozenset[str]
) -> Sentence | None:
    """Maximal marginal relevance over ``scored`` (best first); redundant sentences are out."""
    top = scored[0][0] if scored and scored[0][0] > 0 else 1.0
    best: Sentence | None = None
    best_value = -math.inf
    for score, sentence in scored:
        if sentence.text in avoid:
            continue
        overlap = max((jaccard(sentence.termset, c) for c in chosen), default=0.0)
        if overlap >= REDUNDANT:
            continue
        value = (1.0 - DIVERSITY) * score / top - DIVERSITY * overlap
        if value > best_value:
            best, best_value = sentence, value
    return best


def make_bullet(pick: Sentence, articles: Sequence[SourceArticle]) -> Bullet:
    citations = tuple(sorted({a.number for a in articles}))
    return Bullet(pick.text, citations, (Evidence(pick.number, pick.source),))
