"""Which articles an edition lists: window, placement, relevance, stories, caps, numbering."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import F
from django.db.models.functions import Coalesce

from sources.models import Article

from .models import Placement, Topic

PER_OUTLET_CAP = 3
LEAD_WORDS = 80
SHINGLE = 4
MIN_SHARED_SHINGLES = 4
MIN_SHARED_SHARE = 0.15  # of the smaller article's lead shingles
COMMON_SHINGLE = 40  # shingles in more articles than this are boilerplate, not evidence
WORD = re.compile(r"[\w'’.-]+", re.UNICODE)


@dataclass
class Candidate:
    article: Article
    perspective_id: int
    relevance: float = 0.0
    off_topic: bool = False
    story: int = 0
    included: bool = False
    position: int | None = None


@dataclass
class Selection:
    window: tuple[datetime, datetime]
    candidates: list[Candidate] = field(default_factory=list)

    @property
    def included(self) -> list[Candidate]:
        return sorted((c for c in self.candidates if c.included), key=lambda c: c.position)


def edition_window(topic: Topic, day: date) -> tuple[datetime, datetime]:
    """The 24 hours before the topic's edition time on ``day``, in the topic's time zone."""
    end = datetime.combine(day, topic.edition_time, tzinfo=ZoneInfo(topic.time_zone))
    return end - timedelta(hours=24), end


def candidates_for(topic: Topic, day: date) -> Selection:
    start, end = edition_window(topic, day)
    placed = dict(
        Placement.objects.placed().filter(topic=topic).values_list("source_id", "perspective_id")
    )
    articles = (
        Article.objects.filter(feeds__topics=topic, source_id__in=placed)
        .annotate(seen=Coalesce(F("published_at"), F("created_at")))
        .filter(seen__gte=start, seen__lt=end)
        .select_related("source")
        .distinct()
        .order_by("-seen", "id")
    )
    return Selection(
        (start, end), [Candidate(article, placed[article.source_id]) for article in articles]
    )


# --- Relevance ----------------------------------------------------------------------


class Relevance:
    """Scores an article against the topic's keywords; all-caps keywords (US) match case."""

    def __init__(self, keywords: list[str]):
        self.patterns = [self._pattern(k) for k in keywords]

    @staticmethod
    def _pattern(keyword: str) -> re.Pattern:
        flags = 0 if keyword.isupper() else re.IGNORECASE
        return re.compile(rf"(?<![\w]){re.escape(keyword)}(?![\w])", flags)

    def score(self, article: Article) -> float:
        """0..1: distinct keywords in the title count double, in the text once."""
        if not self.patterns:
            return 1.0
        body = f"{article.summary}\n{article.text[:20000]}"
        in_title = sum(1 for p in self.patterns if p.search(article.title))
        in_body = sum(1 for p in self.patterns if p.search(body))
        return min(1.0, (2 * in_title + in_body) / 8)


def relevance_threshold() -> float:
    """Below this an article is off-topic: fewer than two title hits (or four in the text).

    digests.drafting.extractive.OFF_TOPIC repeats this number (drafters import no Django).
    """
    return 4 / 8


# --- Near-duplicate stories ---------------------------------------------------------


def _shingles(article: Article) -> set[int]:
    words = WORD.findall(f"{article.title} {article.best_text}".lower())[:LEAD_WORDS]
    return {hash(" ".join(words[i : i + SHINGLE])) for i in range(max(0, len(words) - SHINGLE + 1))}


def group_stories(candidates: list[Candidate]) -> None:
    """Give near-duplicates (the same wire story in several outlets) one story id.

    Two articles of *different* outlets sharing enough lead shingles are one story (an
    outlet's own boilerplate would otherwise join all its articles); union-find over an
    inverted index keeps this near-linear in the number of articles.
    """
    parent = list(range(len(candidates)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    shingles = [_shingles(c.article) for c in candidates]
    index: dict[int, list[int]] = defaultdict(list)
    for i, own in enumerate(shingles):
        for shingle in own:
            index[shingle].append(i)
    outlet = [c.article.source_id for c in candidates]
    shared: Counter = Counter()
    for members in index.values():
        if 1 < len(members) <= COMMON_SHINGLE:
            for i, j in _cross_outlet_links(members, outlet):
                shared[(i, j)] += 1
    for (i, j), count in shared.items():
        needed = max(
            MIN_SHARED_SHINGLES, MIN_SHARED_SHARE * min(len(shingles[i]), len(shingles[j]))
        )
        if count >= needed:
            parent[find(j)] = find(i)
    roots: dict[int, int] = {}
    for i, candidate in enumerate(candidates):
        candidate.story = roots.setdefault(find(i), len(roots) + 1)


def _cross_outlet_links(members: list[int], outlet: list[int]) -> list[tuple[int, int]]:
    """Link each article to the bucket's first article of another outlet (linear, not all pairs)."""
    first = members[0]
    other = next((m for m in members if outlet[m] != outlet[first]), None)
    links = []
    for j in members[1:]:
        partner = first if outlet[j] != outlet[first] else other
        if partner is not None and partner != j:
            links.append((min(partner, j), max(partner, j)))
    return links


# --- Choosing and numbering ---------------------------------------------------------


def select(topic: Topic, day: date) -> Selection:
    """Score, group, cap and number the edition's candidates, perspective by perspective."""
    selection = candidates_for(topic, day)
    scorer, threshold = Relevance(topic.keyword_list), relevance_threshold()
    for candidate in selection.candidates:
        candidate.relevance = round(scorer.score(candidate.article), 3)
        candidate.off_topic = bool(topic.keyword_list) and candidate.relevance < threshold
    group_stories(selection.candidates)
    number = 1
    for perspective in topic.perspectives.all():
        chosen = _choose(
            [
                c
                for c in selection.candidates
                if c.perspective_id == perspective.pk and not c.off_topic
            ],
            topic.articles_per_perspective,
        )
        for candidate in chosen:
            candidate.included, candidate.position = True, number
            number += 1
    return selection


def _choose(pool: list[Candidate], limit: int) -> list[Candidate]:
    """One article per story first, then more of the same stories; ≤ 3 per outlet.

    The pool is newest first, and so is the result.
    """
    per_outlet: Counter = Counter()
    stories_taken: set[int] = set()
    chosen: dict[int, int] = {}  # pool index → candidate's order of choosing
    for second_round in (False, True):
        for i, candidate in enumerate(pool):
            if len(chosen) >= limit:
                break
            if i in chosen or per_outlet[candidate.article.source_id] >= PER_OUTLET_CAP:
                continue
            if candidate.story in stories_taken and not second_round:
                continue
            chosen[i] = len(chosen)
            stories_taken.add(candidate.story)
            per_outlet[candidate.article.source_id] += 1
    return [pool[i] for i in sorted(chosen)]
