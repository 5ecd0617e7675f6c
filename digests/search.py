"""Search over published digests: PostgreSQL full-text search, a plain fallback on SQLite.

Each digest keeps one plain-text ``search_text`` (title, highlights, bullets, cited titles),
written when it is published or corrected, so the query reads one column.
"""

from __future__ import annotations

import re

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import F, QuerySet
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .models import Digest, DigestArticle
from .rendering import CITATION

MAX_TERMS = 8
START, STOP = "\ue000", "\ue001"  # private-use marks, never in text, turned into <mark>
SNIPPET_CHARS = 220
MARKUP = re.compile(r"[*_`#>\[\]()!]+|^\s*[-+]\s+", re.MULTILINE)


def search_document(digest: Digest) -> str:
    """The digest as plain words: what search matches and what snippets quote."""
    parts = [digest.title, digest.highlights]
    parts += [section.body for section in digest.sections.all()]
    parts += DigestArticle.objects.filter(
        digest_id=digest.pk, included=True, position__isnull=False
    ).values_list("cited_title", flat=True)
    text = "\n".join(CITATION.sub(" ", part or "") for part in parts)
    return "\n".join(" ".join(MARKUP.sub(" ", line).split()) for line in text.splitlines()).strip()


def search_terms(query: str) -> list[str]:
    return [term for term in query.split() if term.strip('"')][:MAX_TERMS]


def digests_search(query: str) -> QuerySet[Digest]:
    """Published digests matching ``query``, best first, each with a ``snippet`` attribute."""
    found = Digest.objects.published().select_related("topic")
    if not search_terms(query):
        return found.none()
    if connection.vendor == "postgresql":
        wanted = SearchQuery(query, search_type="websearch", config="english")
        vector = SearchVector("title", weight="A", config="english") + SearchVector(
            "search_text", weight="B", config="english"
        )
        return (
            found.annotate(document=vector, rank=SearchRank(vector, wanted))
            .filter(document=wanted)
            .annotate(
                headline=SearchHeadline(
                    "search_text",
                    wanted,
                    config="english",
                    start_sel=START,
                    stop_sel=STOP,
                    max_words=35,
                    min_words=15,
                )
            )
            .order_by("-rank", "-edition_date")
        )
    for term in search_terms(query):
        found = found.filter(search_text__icontains=term.strip('"'))
    return found.annotate(headline=F("search_text")).order_by("-edition_date")


def snippet(digest: Digest, query: str) -> SafeString:
    """The words around the first match, escaped, the matches wrapped in <mark>."""
    text = getattr(digest, "headline", "") or ""
    if START not in text:
        text = _window(text, search_terms(query))
    text = " · ".join(line.strip() for line in text.splitlines() if line.strip())
    html = escape(text).replace(START, "<mark>").replace(STOP, "</mark>")
    return mark_safe(html)


def _window(text: str, terms: list[str]) -> str:
    words = [re.escape(term.strip('"')) for term in terms if term.strip('"')]
    if not words:
        return text[:SNIPPET_CHARS]
    pattern = re.compile("|".join(words), re.IGNORECASE)
    first = pattern.search(text)
    start = max(0, first.start() - SNIPPET_CHARS // 3) if first else 0
    end = start + SNIPPET_CHARS
    if start:  # whole words only: begin after a space, end before one
        space = text.find(" ", start, first.start())
        start = space + 1 if space != -1 else first.start()
    if end < len(text):
        end = max(text.rfind(" ", start, end), start + SNIPPET_CHARS // 2)
    marked = pattern.sub(lambda m: f"{START}{m.group(0)}{STOP}", text[start:end])
    return ("… " if start else "") + marked + (" …" if end < len(text) else "")
