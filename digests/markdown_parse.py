"""Reading a digest's Markdown file (the published site's format) into plain data, strictly.

The format is described in :mod:`digests.markdown`, which writes it. Parsing needs no
database: :func:`parse_markdown` returns a :class:`ParsedDigest` or raises
:class:`MarkdownImportError` whose message names the line and what was expected there.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sources.links import normalise_url

HIGHLIGHTS = "## Overall Highlights"
MORE = "<!--more-->"
SOURCES = "## Sources"
SUMMARY = "This summary is based on {n} articles from the following sources:"
ENTRY_FORMAT = "N. [lang] [title](url) - outlet (M/D/YYYY)"
LEADING_KEYS = ["title", "date", "topic", "topicName", "sources", "articleCount", "perspectives"]

_SUMMARY_RE = re.compile(
    r"This summary is based on (0|[1-9]\d*) articles from the following sources:"
)
_KEY_RE = re.compile(r"([A-Za-z][A-Za-z0-9_-]*):(?: (.*)|)")
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")
_INT_RE = re.compile(r"0|[1-9]\d*")
_SLUG_RE = re.compile(r"[-a-zA-Z0-9_]{1,50}")
_TITLE_DATE_RE = re.compile(r"(?<!\d)(\d{4}-\d{2}-\d{2})(?!\d)")
_ENTRY_RE = re.compile(
    r"(?P<number>[1-9]\d*)\. \[(?P<language>(?:[^\\\]]|\\.)*)\] "
    r"\[(?P<title>(?:[^\\\]]|\\.)*)\]\((?P<url>(?:[^\\)]|\\.)+)\) - "
    r"(?P<outlet>.+) \((?P<month>[1-9]\d?)/(?P<day>[1-9]\d?)/(?P<year>\d{4})\)"
)
_STRINGS = {"title": 300, "topicName": 200, "id": 50, "name": 100}  # quoted: longest allowed
_CHECKS = {  # bare values: what they must match, and what that means
    "date": (_DATE_RE, "look like 2026-02-06T04:01:02.535Z"),
    "topic": (_SLUG_RE, "be a slug (at most 50 letters, digits, '-' or '_')"),
    "articleCount": (_INT_RE, "be a whole number"),
    "count": (_INT_RE, "be a whole number"),
    "draft": (re.compile("true|false"), "be true or false"),
    "perspectives": (re.compile(""), "be followed by a list, not a value"),
}


class MarkdownImportError(ValueError):
    """A file that is not a digest in the expected format; the message names the line."""

    def __init__(self, message: str, line: int | None = None, filename: str = "") -> None:
        super().__init__(message)
        self.message, self.line, self.filename = message, line, filename

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line else ""
        return f"{self.filename}: {where}{self.message}" if self.filename else where + self.message


@dataclass
class ParsedPerspective:
    slug: str
    name: str
    count: int
    body: str = ""
    line: int = field(default=0, compare=False)


@dataclass
class ParsedEntry:
    position: int
    perspective: str  # slug
    language: str
    title: str
    url: str
    outlet: str
    date: date
    line: int = field(default=0, compare=False)


@dataclass
class ParsedDigest:
    title: str
    generated_at: datetime
    topic_slug: str
    topic_name: str
    draft: bool
    highlights: str
    perspectives: list[ParsedPerspective]
    entries: list[ParsedEntry]

    @property
    def outlets(self) -> list[str]:
        """Distinct outlets in the order they are first cited (the front matter's ``sources``)."""
        return list(dict.fromkeys(e.outlet for e in self.entries))

    @property
    def edition_date(self) -> date:
        """The date in the title (``… - 2026-02-06``), else the UTC date of ``generated_at``."""
        match = _TITLE_DATE_RE.search(self.title)
        return date.fromisoformat(match[1]) if match else self.generated_at.date()


# --- small shared pieces of the format -------------------------------------------------


def sources_key(slug: str) -> str:
    """The front matter's per-perspective count key: ``us`` → ``usSources``, ``south-korea``
    → ``southKoreaSources``."""
    first, *rest = slug.split("-")
    return first + "".join(part[:1].upper() + part[1:] for part in rest) + "Sources"


def section_heading(name: str) -> str:
    return f"## {name} Perspective ({name} Sources)"


def clean_text(text: str) -> str:
    """Highlights or a section as written to the file: no leading blank lines or trailing space."""
    return re.sub(r"\A(?:[ \t]*\n)+", "", text.rstrip())


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


# --- reading lines ---------------------------------------------------------------------


class _Lines:
    """A cursor over the file's lines; ``number`` is the 1-based number of the next line."""

    def __init__(self, lines: list[str], start: int = 0, end: int | None = None) -> None:
        self.lines, self.i = lines, start
        self.end = len(lines) if end is None else end

    @property
    def number(self) -> int:
        return self.i + 1

    def peek(self) -> str | None:
        return self.lines[self.i] if self.i < self.end else None

    def take(self, what: str) -> str:
        if self.i >= self.end:
            raise MarkdownImportError(f"expected {what}, found the end of the file", self.number)
        self.i += 1
        return self.lines[self.i - 1]

    def expect(self, exact: str) -> None:
        if self.take(f"'{exact}'") != exact:
            raise MarkdownImportError(f"expected '{exact}'", self.i)

    def text_until(self, marker: str, heading_line: int) -> str:
        """The text up to the next ``marker`` line (left unread); blank before it if any."""
        try:
            stop = self.lines.index(marker, self.i, self.end)
        except ValueError:
            raise MarkdownImportError(
                f"no '{marker}' follows the heading on this line", heading_line
            ) from None
        text = clean_text("\n".join(self.lines[self.i : stop]))
        if text and self.lines[stop - 1].strip():
            raise MarkdownImportError(f"expected a blank line before '{marker}'", stop)
        self.i = stop
        return text


def parse_markdown(text: str) -> ParsedDigest:
    """Read a digest file; raise :class:`MarkdownImportError` naming the line if malformed."""
    lines = text.removeprefix("\ufeff").replace("\r\n", "\n").split("\n")
    if lines[-1] == "":
        lines.pop()
    reader = _Lines(lines)
    head = _front_matter(reader)
    reader.expect("")
    reader.expect(HIGHLIGHTS)
    reader.expect("")
    highlights = reader.text_until(MORE, reader.number - 2)
    reader.expect(MORE)
    reader.expect("")
    _sections(reader, head["perspectives"])
    entries = _source_list(reader, head["perspectives"])
    _cross_check(head, entries)
    return ParsedDigest(
        title=head["title"],
        generated_at=head["date"],
        topic_slug=head["topic"],
        topic_name=head["topicName"],
        draft=head["draft"],
        highlights=highlights,
        perspectives=head["perspectives"],
        entries=entries,
    )


# --- the front matter ------------------------------------------------------------------


def _front_matter(reader: _Lines) -> dict:
    if reader.peek() != "---":
        raise MarkdownImportError("expected '---' (the start of the front matter)", 1)
    try:
        close = reader.lines.index("---", 1)
    except ValueError:
        raise MarkdownImportError("the front matter is not closed with '---'", 1) from None
    fm = _Lines(reader.lines, 1, close)
    present = {m[1] for line in fm.lines[1:close] if (m := _KEY_RE.fullmatch(line))}
    head: dict = {}
    for key in LEADING_KEYS:
        head[key] = _value(key, _key(fm, key, present), fm.i)
    head["perspectives"] = _perspective_list(fm)
    _count_keys(fm, head["perspectives"], present)
    head["draft"] = _value("draft", _key(fm, "draft", present), fm.i)
    head["lines"] = _key_lines(reader.lines, close)
    if (line := fm.peek()) is not None:
        match = _KEY_RE.fullmatch(line)
        what = f"unknown key '{match[1]}'" if match else f"unexpected line {line!r}"
        raise MarkdownImportError(
            f"{what}; expected '---' (the end of the front matter)", fm.number
        )
    reader.i = close + 1
    return head


def _count_keys(fm: _Lines, perspectives: list[ParsedPerspective], present: set[str]) -> None:
    """``usSources: 10``: one line per perspective, repeating its count."""
    for p in perspectives:
        key = sources_key(p.slug)
        if (count := _value("count", _key(fm, key, present), fm.i)) != p.count:
            raise MarkdownImportError(
                f"'{key}' is {count} but perspective '{p.slug}' has count {p.count}", fm.i
            )


def _key_lines(lines: list[str], close: int) -> dict[str, int]:
    return {m[1]: n + 1 for n in range(1, close) if (m := _KEY_RE.fullmatch(lines[n]))}


def _key(fm: _Lines, key: str, present: set[str]) -> str:
    """The raw value of ``key``, which must be the next line (the keys' order is fixed)."""
    line = fm.peek()
    match = _KEY_RE.fullmatch(line) if line is not None else None
    if match and match[1] == key:
        fm.take(key)
        return match[2] or ""
    if match and match[1] not in LEADING_KEYS + ["draft"] and not match[1].endswith("Sources"):
        raise MarkdownImportError(f"unknown key '{match[1]}' in the front matter", fm.number)
    if key not in present:
        raise MarkdownImportError(f"the front matter has no '{key}' key", fm.number)
    raise MarkdownImportError(
        f"expected the '{key}' key here (the keys' order is fixed)", fm.number
    )


def _value(key: str, raw: str, line: int):
    """Check and convert one front matter value (or a perspective's id, name or count)."""
    if key in _STRINGS:
        return _string(raw, key, line)
    if key == "sources":
        return _outlets(raw, line)
    pattern, what = _CHECKS[key]
    if not pattern.fullmatch(raw):
        raise MarkdownImportError(f"'{key}' must {what}", line)
    if key == "date":
        return _datetime(raw, line)
    if key == "draft":
        return raw == "true"
    return int(raw) if pattern is _INT_RE else raw


def _string(raw: str, key: str, line: int) -> str:
    value = _json(raw, str, key, "a double-quoted string", line)
    if len(value) > _STRINGS[key]:
        raise MarkdownImportError(f"'{key}' is longer than {_STRINGS[key]} characters", line)
    if key == "id" and not _SLUG_RE.fullmatch(value):
        raise MarkdownImportError(f"'{key}' must {_CHECKS['topic'][1]}", line)
    if key == "title" and (match := _TITLE_DATE_RE.search(value)):
        try:
            date.fromisoformat(match[1])
        except ValueError:
            raise MarkdownImportError(f"the title's date {match[1]} is not a date", line) from None
    return value


def _datetime(raw: str, line: int) -> datetime:
    try:
        return datetime.strptime(raw, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    except ValueError:
        raise MarkdownImportError(f"'date' {raw} is not a valid date and time", line) from None


def _outlets(raw: str, line: int) -> list[str]:
    what = 'a list of strings such as ["Reuters", "BBC"]'
    value = _json(raw, list, "sources", what, line)
    if not all(isinstance(item, str) for item in value):
        raise MarkdownImportError(f"'sources' must be {what}", line)
    return value


def _json(raw: str, kind: type, key: str, what: str, line: int):
    try:
        value = json.loads(raw) if raw[:1] in ('"', "[") else None
    except ValueError:
        value = None
    if not isinstance(value, kind):
        raise MarkdownImportError(f"'{key}' must be {what}", line)
    return value


def _perspective_list(fm: _Lines) -> list[ParsedPerspective]:
    perspectives: list[ParsedPerspective] = []
    while (fm.peek() or "").startswith("  - "):
        line = fm.number
        slug = _value("id", _item(fm, "  - id: "), line)
        name = _value("name", _item(fm, "    name: "), line + 1)
        count = _value("count", _item(fm, "    count: "), line + 2)
        for other in perspectives:
            if slug == other.slug or name == other.name:
                raise MarkdownImportError(f"perspective '{slug}' ({name}) is listed twice", line)
        perspectives.append(ParsedPerspective(slug, name, count, line=line))
    return perspectives


def _item(fm: _Lines, prefix: str) -> str:
    line = fm.take(f"'{prefix.strip()} …'")
    if not line.startswith(prefix):
        raise MarkdownImportError(f"expected '{prefix} …' (a perspective of the list)", fm.i)
    return line.removeprefix(prefix)


# --- the body --------------------------------------------------------------------------


def _sections(reader: _Lines, perspectives: list[ParsedPerspective]) -> None:
    headings = [section_heading(p.name) for p in perspectives] + [SOURCES]
    for perspective, heading, following in zip(perspectives, headings, headings[1:], strict=False):
        reader.expect(heading)
        reader.expect("")
        perspective.body = reader.text_until(following, reader.number - 2)


def _source_list(reader: _Lines, perspectives: list[ParsedPerspective]) -> list[ParsedEntry]:
    reader.expect(SOURCES)
    reader.expect("")
    summary_line = reader.number
    match = _SUMMARY_RE.fullmatch(reader.take("the summary sentence"))
    if not match:
        raise MarkdownImportError(f"expected '{SUMMARY.format(n='N')}'", summary_line)
    if reader.peek() is not None:
        reader.expect("")
    slugs = [p.slug for p in perspectives for _ in range(p.count)]
    entries: list[ParsedEntry] = []
    while reader.peek():
        slug = slugs[len(entries)] if len(entries) < len(slugs) else ""
        entries.append(_entry(reader, len(entries) + 1, slug))
    _check_trailing(reader)
    _check_duplicates(entries)
    if int(match[1]) != len(entries):
        raise MarkdownImportError(
            f"the summary says {match[1]} articles but {len(entries)} are listed", summary_line
        )
    return entries


def _entry(reader: _Lines, expected: int, perspective: str) -> ParsedEntry:
    line = reader.number
    match = _ENTRY_RE.fullmatch(reader.take("a source entry"))
    if not match:
        raise MarkdownImportError(f"source entry does not match '{ENTRY_FORMAT}'", line)
    if int(match["number"]) != expected:
        raise MarkdownImportError(
            f"expected source number {expected}, found {match['number']}", line
        )
    try:
        cited = date(int(match["year"]), int(match["month"]), int(match["day"]))
    except ValueError:
        raise MarkdownImportError(
            "the source's date (M/D/YYYY) is not a valid date", line
        ) from None
    entry = ParsedEntry(
        position=expected,
        perspective=perspective,
        language=_unescape(match["language"]),
        title=_unescape(match["title"]),
        url=_unescape(match["url"]),
        outlet=match["outlet"],
        date=cited,
        line=line,
    )
    if len(entry.outlet) > 200 or len(entry.language) > 20 or len(entry.url) > 2000:
        raise MarkdownImportError("the source's outlet, language or URL is too long", line)
    return entry


def _check_trailing(reader: _Lines) -> None:
    while reader.peek() is not None:
        if reader.take("").strip():
            raise MarkdownImportError(
                "expected nothing after the source list's blank line", reader.i
            )


def _check_duplicates(entries: list[ParsedEntry]) -> None:
    seen: dict[str, int] = {}
    for entry in entries:
        key = normalise_url(entry.url)
        if key in seen:
            raise MarkdownImportError(f"the same article as line {seen[key]}", entry.line)
        seen[key] = entry.line


def _cross_check(head: dict, entries: list[ParsedEntry]) -> None:
    """The front matter's counts and outlets must agree with the source list."""
    lines, n = head["lines"], len(entries)
    total = sum(p.count for p in head["perspectives"])
    if total != n:
        raise MarkdownImportError(
            f"perspective counts in the front matter ({total}) do not match the listed "
            f"sources ({n})",
            lines["perspectives"],
        )
    if head["articleCount"] != n:
        raise MarkdownImportError(
            f"'articleCount' is {head['articleCount']} but {n} sources are listed",
            lines["articleCount"],
        )
    outlets = list(dict.fromkeys(e.outlet for e in entries))
    if head["sources"] != outlets:
        raise MarkdownImportError(
            "'sources' must list the source list's outlets in order of first citation: "
            + json.dumps(outlets, ensure_ascii=False),
            lines["sources"],
        )
