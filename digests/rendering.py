"""Showing digests: Markdown to safe HTML, each bullet with its sources, and diffs.

Python-Markdown passes raw HTML, ``javascript:`` links and event handlers through, so every
rendering is cleaned by nh3 against an explicit allow-list (THREATS.md 12). The database
keeps the Markdown as typed; only the HTML is cleaned.
"""

from __future__ import annotations

import difflib
import re
import xml.etree.ElementTree as etree
from dataclasses import dataclass
from functools import lru_cache

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from markdown.inlinepatterns import InlineProcessor

from .models import DigestArticle
from .services.digests import CITATION

ALLOWED_TAGS = {
    "p",
    "ul",
    "ol",
    "li",
    "em",
    "strong",
    "a",
    "code",
    "pre",
    "blockquote",
    "br",
    "h3",
    "h4",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
ALLOWED_CLASSES = {"a": {"citation"}}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "noopener noreferrer"
BULLET = re.compile(r"^\s*[-*+]\s+(?P<text>.*\S)\s*$")

# A citation marker: ``[3]`` or ``[3, 7]``, but not a link's text (``[3](…)``, ``[3][…]``).
CITATION_PATTERN = r"\[(\d+(?:\s*,\s*\d+)*)\](?![(\[:])"


class CitationProcessor(InlineProcessor):
    """Turn ``[3, 7]`` into ``[<a class="citation" href="#source-3">3</a>, …]``."""

    def __init__(self, pattern: str, md: markdown.Markdown, base: str) -> None:
        super().__init__(pattern, md)
        self.base = base

    def handleMatch(self, m: re.Match, data: str):
        wrapper = etree.Element("span")  # not on the allow-list: nh3 keeps only its content
        wrapper.text = "["
        numbers = [n.strip() for n in m.group(1).split(",")]
        for i, number in enumerate(numbers):
            link = etree.SubElement(wrapper, "a", {"class": "citation", "href": self.base + number})
            link.text = number
            link.tail = ", " if i < len(numbers) - 1 else "]"
        return wrapper, m.start(0), m.end(0)


class CitationExtension(markdown.Extension):
    def __init__(self, base: str) -> None:
        super().__init__()
        self.base = base

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        # Above "reference" (170), which would otherwise leave ``[3]`` as plain text.
        md.inlinePatterns.register(CitationProcessor(CITATION_PATTERN, md, self.base), "cite", 175)


def clean_html(html: str) -> str:
    """Keep only the allow-listed tags, attributes and URL schemes."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    )


def render_markdown(text: str, *, citation_base: str = "#source-") -> SafeString:
    """Markdown to cleaned HTML, with citation markers linked to the numbered sources."""
    return mark_safe(_rendered(text or "", citation_base))


@lru_cache(maxsize=4096)
def _rendered(text: str, citation_base: str) -> str:
    """Remembered per process: the same bullets render on the page, the archive and feeds."""
    html = markdown.markdown(text, extensions=[CitationExtension(citation_base)])
    return clean_html(html)


def markdownify(content: str) -> str:
    """markdownx's live preview (``MARKDOWNX_MARKDOWNIFY_FUNCTION``): the same cleaned rendering."""
    return render_markdown(content)


# --- Bullets and the sources they cite ------------------------------------------------


def cited_numbers(text: str) -> list[int]:
    """The citation numbers in ``text``, in order of first appearance."""
    numbers = (int(n) for match in CITATION.finditer(text) for n in match.group(1).split(","))
    return list(dict.fromkeys(numbers))


def _plain(text: str) -> str:
    return " ".join(CITATION.sub(" ", text).split()).casefold()


def web_url(url: str) -> str:
    """``url`` if it is an http(s) link, else "" (a link from a feed is not trusted)."""
    return url if url.lower().startswith(("http://", "https://")) else ""


@dataclass(frozen=True)
class CitedSource:
    """A source a bullet cites, as the desk lists it (pages use ``pages.ListedSource``)."""

    number: int
    outlet: str
    title: str
    url: str  # "" unless http(s)

    @classmethod
    def of(cls, entry: DigestArticle) -> CitedSource:
        return cls(entry.position, entry.cited_outlet, entry.cited_title, web_url(entry.cited_url))


@dataclass
class BulletSources:
    text: str
    sources: list[CitedSource]
    missing: list[int]  # cited numbers the source list does not have
    evidence: list[tuple[str, str]]  # (which source, sentence) the drafter took it from
    drafted: bool  # the bullet is still as the drafter wrote it


def bullets_with_sources(
    text: str, entries: dict[int, DigestArticle], drafted: list[dict]
) -> list[BulletSources]:
    """Each bullet of ``text`` with the sources it cites and, if drafted, its sentences."""
    records = {_plain(record.get("text", "")): record for record in drafted}
    result = []
    for line in text.splitlines():
        if match := BULLET.match(line):
            numbers = cited_numbers(match["text"])
            record = records.get(_plain(match["text"]))
            result.append(
                BulletSources(
                    text=match["text"],
                    sources=[CitedSource.of(entries[n]) for n in numbers if n in entries],
                    missing=[n for n in numbers if n not in entries],
                    evidence=_evidence(record, numbers, entries) if record else [],
                    drafted=record is not None,
                )
            )
    return result


def _evidence(
    record: dict, numbers: list[int], entries: dict[int, DigestArticle]
) -> list[tuple[str, str]]:
    """The drafted sentences, named by today's source when the citations still line up."""
    drafted = list(record.get("citations", []))
    now = dict(zip(drafted, numbers, strict=True)) if len(drafted) == len(numbers) else {}
    evidence = []
    for item in record.get("evidence", []):
        number = now.get(item.get("number"))
        entry = entries.get(number) if number else None
        label = (
            f"[{number}] {entry.cited_outlet}"
            if entry
            else f"source {item.get('number')} when drafted"
        )
        evidence.append((label, item.get("sentence", "")))
    return evidence


def dangling_citations(text: str, numbers: set[int]) -> list[str]:
    """One message per line that cites a number the source list does not have."""
    problems = []
    for line in text.splitlines():
        missing = [n for n in cited_numbers(line) if n not in numbers]
        if missing:
            bullet = Truncator(CITATION.sub("", BULLET.sub(r"\g<text>", line)).strip()).chars(80)
            cited = ", ".join(f"[{n}]" for n in missing)
            problems.append(
                f"The bullet “{bullet}” cites {cited}, which the source list does not have."
            )
    return problems


# --- Diffs ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DiffRow:
    kind: str  # SequenceMatcher's tag: "equal", "replace", "delete" or "insert"
    old: str
    new: str


def diff_rows(old: str, new: str) -> list[DiffRow]:
    """Line-by-line, side-by-side rows; templates escape the text, so any input is safe."""
    a, b = (old or "").splitlines(), (new or "").splitlines()
    rows = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        left, right = a[i1:i2], b[j1:j2]
        for k in range(max(len(left), len(right))):
            old_line = left[k] if k < len(left) else None
            new_line = right[k] if k < len(right) else None
            kind = (
                tag
                if None not in (old_line, new_line)
                else "insert"
                if old_line is None
                else "delete"
            )
            rows.append(DiffRow(kind, old_line or "", new_line or ""))
    return rows
