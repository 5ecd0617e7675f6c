"""The drafter interface: plain data in, plain data out (no database, no Django models)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class SourceArticle:
    """One numbered article of the edition, as a drafter sees it."""

    number: int  # the citation number: its position in the numbered source list
    perspective: str  # slug of the perspective its outlet is placed under
    outlet: str
    title: str
    summary: str
    text: str  # cleaned extracted text; "" when extraction failed
    language: str
    published: datetime | None
    story: int  # near-duplicate stories share this id
    relevance: float


@dataclass(frozen=True)
class PerspectiveInfo:
    slug: str
    name: str


@dataclass(frozen=True)
class Evidence:
    """A sentence a bullet came from, and the article (by number) it is in."""

    number: int
    sentence: str


@dataclass(frozen=True)
class Bullet:
    text: str  # the bullet without its citation marker
    citations: tuple[int, ...]
    evidence: tuple[Evidence, ...] = ()

    def markdown(self) -> str:
        """``- text [3, 7]`` — the form bullets take in a digest's Markdown."""
        return f"- {self.text} [{', '.join(str(n) for n in self.citations)}]"


@dataclass
class Draft:
    highlights: list[Bullet]
    sections: dict[str, list[Bullet]]  # perspective slug → bullets
    notes: dict[str, str] = field(default_factory=dict)  # slug → why a section has no bullets
    drafter: str = ""
    version: str = ""
    fallback_reason: str = ""  # set when a drafter fell back to another


class Drafter(Protocol):
    name: str
    version: str

    def draft(
        self, *, topic_name: str, perspectives: list[PerspectiveInfo], articles: list[SourceArticle]
    ) -> Draft: ...
