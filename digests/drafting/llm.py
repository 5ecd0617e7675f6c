"""LLMDrafter: bullets from any OpenAI-compatible chat-completions endpoint, checked strictly.

The model's answer is never trusted: every bullet must cite existing article numbers (a
perspective's bullets only that perspective's articles), be short, and be non-empty. Any
failure at all — network, HTTP status, JSON, shape, citations — returns the fallback
drafter's draft with ``fallback_reason`` saying why, in a sentence fit for an editor.

Extra bullets (over 6 highlights or 5 per perspective) are dropped silently; bullets for a
perspective without articles are dropped and the section gets a note instead.

Settings, read at call time: DIGESTCMS_LLM_URL (full chat-completions URL), DIGESTCMS_LLM_MODEL,
DIGESTCMS_LLM_API_KEY (sent as a bearer token, never logged), DIGESTCMS_LLM_TIMEOUT (s, 60).
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from http import HTTPStatus
from typing import Any

from django.conf import settings

from digests.drafting.base import Bullet, Draft, Drafter, Evidence, PerspectiveInfo, SourceArticle
from sources.fetching import FetchError, FetchTimeout, HTTPStatusError, fetch

logger = logging.getLogger(__name__)

MAX_PROMPT_CHARS = 12_000
EXCERPT_WORDS = 120
MAX_TITLE_CHARS = 200
MAX_HIGHLIGHTS = 6
MAX_SECTION_BULLETS = 5
MAX_BULLET_WORDS = 60

SYSTEM_PROMPT = """You write a neutral, multi-perspective news digest from numbered source articles.
Write 4-6 overall highlights, and 3-5 bullets for each perspective listed.
Each bullet is one or two sentences, under 40 words, neutral in tone, based only on the articles,
and cites the numbers of the articles it is based on. A perspective's bullets cite only that
perspective's articles; highlights may cite any article.
Answer ONLY with JSON of this shape, with the perspective slugs as the keys of "sections":
{"highlights": [{"text": "...", "citations": [1, 4]}], "sections": {"<slug>": [{"text": "...", "citations": [2]}]}}"""

_FENCE = re.compile(r"^```(?:json)?\s*(.*?)\s*```$", re.DOTALL | re.IGNORECASE)
_BULLET_MARK = re.compile(r"^(?:[-*\u2022\u2013\u2014](?:\s+|$))+")
_TRAILING_CITE = re.compile(r"\s*\[\d+(?:\s*,\s*\d+)*\]$")


class LLMRefused(Exception):
    """The LLM call or its answer cannot be used; str() says why, for an editor."""


class LLMDrafter:
    """Drafts through an LLM endpoint; falls back to ``fallback`` on any failure."""

    name = "llm"

    def __init__(self, fallback: Drafter) -> None:
        self.fallback = fallback

    @property
    def version(self) -> str:
        return str(getattr(settings, "DIGESTCMS_LLM_MODEL", ""))

    def draft(
        self, *, topic_name: str, perspectives: list[PerspectiveInfo], articles: list[SourceArticle]
    ) -> Draft:
        try:
            if not getattr(settings, "DIGESTCMS_LLM_URL", ""):
                raise LLMRefused("no LLM endpoint configured (DIGESTCMS_LLM_URL)")
            if not articles:
                raise LLMRefused("there are no articles for the LLM to draft from")
            content = self._ask(build_messages(topic_name, perspectives, articles))
            return self._to_draft(parse_answer(content), perspectives, articles)
        except LLMRefused as exc:
            return self._fall_back(str(exc), topic_name, perspectives, articles)

    def _ask(self, messages: list[dict[str, str]]) -> str:
        """POST the chat request; the answer's message content, or LLMRefused."""
        timeout = _timeout()
        body = {
            "model": self.version,
            "messages": messages,
            "temperature": 0,
            "response_format": {"type": "json_object"},
        }
        headers = {"Content-Type": "application/json"}
        key = getattr(settings, "DIGESTCMS_LLM_API_KEY", "")
        if key:
            headers["Authorization"] = f"Bearer {key}"
        try:
            response = fetch(
                settings.DIGESTCMS_LLM_URL,
                method="POST",
                data=json.dumps(body).encode(),
                headers=headers,
                accept="application/json",
                deadline=timeout,
            )
        except FetchError as exc:
            raise LLMRefused(_fetch_reason(exc, timeout)) from None
        return message_content(response.body)

    def _to_draft(
        self,
        answer: dict[str, Any],
        perspectives: list[PerspectiveInfo],
        articles: list[SourceArticle],
    ) -> Draft:
        by_number = {a.number: a for a in articles}
        highlights = check_bullets(answer["highlights"], "highlights", by_number, None)
        if not highlights:
            raise LLMRefused("the LLM wrote no highlights")
        unknown = sorted(set(answer["sections"]) - {p.slug for p in perspectives})
        if unknown:
            slug = _short(unknown[0])
            raise LLMRefused(f"the LLM wrote a section for an unknown perspective “{slug}”")
        draft = Draft(highlights=highlights[:MAX_HIGHLIGHTS], sections={}, drafter=self.name)
        draft.version = self.version
        for info in perspectives:
            fill_section(draft, info, answer["sections"].get(info.slug), by_number)
        return draft

    def _fall_back(
        self,
        reason: str,
        topic_name: str,
        perspectives: list[PerspectiveInfo],
        articles: list[SourceArticle],
    ) -> Draft:
        key = str(getattr(settings, "DIGESTCMS_LLM_API_KEY", ""))
        if key:
            reason = reason.replace(key, "[API key]")
        logger.warning("LLM drafter fell back to %s: %s", self.fallback.name, reason)
        draft = self.fallback.draft(
            topic_name=topic_name, perspectives=perspectives, articles=articles
        )
        draft.drafter = draft.drafter or self.fallback.name
        draft.version = draft.version or self.fallback.version
        draft.fallback_reason = reason
        return draft


def _timeout() -> float:
    try:
        timeout = float(getattr(settings, "DIGESTCMS_LLM_TIMEOUT", 60))
    except (TypeError, ValueError):
        return 60.0
    return timeout if timeout > 0 else 60.0


def _fetch_reason(exc: FetchError, timeout: float) -> str:
    if isinstance(exc, FetchTimeout):
        return f"the LLM endpoint timed out after {timeout:g} s"
    if isinstance(exc, HTTPStatusError) and exc.status:
        reason = f"the LLM endpoint answered HTTP {exc.status} {_phrase(exc.status)}".rstrip()
        if exc.status == 429:
            reason += " (rate limited"
            reason += f"; retry after {exc.retry_after:g} s)" if exc.retry_after else ")"
        return reason
    return f"the LLM endpoint could not be reached: {exc}"


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def build_messages(
    topic_name: str, perspectives: list[PerspectiveInfo], articles: list[SourceArticle]
) -> list[dict[str, str]]:
    """The system and user messages; the user message stays within MAX_PROMPT_CHARS."""
    names = {p.slug: p.name for p in perspectives}
    covered = [p for p in perspectives if any(a.perspective == p.slug for a in articles)]
    head = [f"Topic: {topic_name}", "", "Perspectives (slug: name):"]
    head += [f"- {p.slug}: {p.name}" for p in covered]
    head += ["", "Articles:"]
    headers = [
        f"[{a.number}] perspective: {a.perspective} ({names.get(a.perspective, '?')}) | "
        f"outlet: {a.outlet} | title: {_clip(a.title, MAX_TITLE_CHARS)}"
        for a in articles
    ]
    fixed = len(SYSTEM_PROMPT) + sum(len(line) + 1 for line in head + headers)
    room = max(0, (MAX_PROMPT_CHARS - fixed) // len(articles) - 2)
    lines = list(head)
    for header, article in zip(headers, articles, strict=True):
        lines.append(header)
        excerpt = _clip(_words(article.text or article.summary, EXCERPT_WORDS), room)
        if excerpt:
            lines.append(excerpt)
    return [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": "\n".join(lines)},
    ]


def _words(text: str, limit: int) -> str:
    return " ".join(text.split()[:limit])


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[: max(0, limit - 1)].rsplit(" ", 1)[0] + "…" if limit > 1 else ""


def message_content(body: bytes) -> str:
    """``choices[0].message.content`` of a chat-completions response body."""
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise LLMRefused("the LLM endpoint did not answer with JSON") from None
    try:
        content = payload["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError):
        raise LLMRefused("the LLM endpoint's answer has no choices[0].message.content") from None
    if not isinstance(content, str) or not content.strip():
        raise LLMRefused("the LLM endpoint's answer has an empty message")
    return content


def parse_answer(content: str) -> dict[str, Any]:
    """The model's JSON (bare or in a ```json fence), checked for its outer shape."""
    text = content.strip()
    fenced = _FENCE.match(text)
    try:
        answer = json.loads(fenced.group(1) if fenced else text)
    except ValueError:
        raise LLMRefused("the LLM's answer is not JSON") from None
    if not isinstance(answer, dict):
        raise LLMRefused("the LLM's answer is not a JSON object")
    if not isinstance(answer.get("highlights"), list):
        raise LLMRefused("the LLM's answer has no “highlights” list")
    if not isinstance(answer.get("sections"), dict):
        raise LLMRefused("the LLM's answer has no “sections” object")
    return answer


def fill_section(
    draft: Draft, info: PerspectiveInfo, raw: Any, by_number: dict[int, SourceArticle]
) -> None:
    """One perspective's checked bullets, or its note when it has no articles."""
    if not any(a.perspective == info.slug for a in by_number.values()):
        draft.sections[info.slug] = []  # the LLM's bullets for it, if any, are dropped
        draft.notes[info.slug] = f"No articles from {info.name} outlets in this edition."
        return
    bullets = check_bullets(raw or [], f"the {info.name} section", by_number, info.slug)
    if not bullets:
        raise LLMRefused(f"the LLM wrote no bullets for the {info.name} perspective")
    draft.sections[info.slug] = bullets[:MAX_SECTION_BULLETS]


def check_bullets(
    raw: Any, where: str, by_number: dict[int, SourceArticle], perspective: str | None
) -> list[Bullet]:
    """Bullets from the model's list for one place; LLMRefused on the first bad one."""
    if not isinstance(raw, list):
        raise LLMRefused(f"the LLM's {where} is not a list of bullets")
    bullets = []
    for index, item in enumerate(raw, start=1):
        label = f"{where}, bullet {index}"
        if not isinstance(item, dict):
            raise LLMRefused(f"the LLM's {label} is not an object with text and citations")
        text = clean_text(item.get("text"))
        if not text:
            raise LLMRefused(f"the LLM's {label} has no text")
        if len(text.split()) > MAX_BULLET_WORDS:
            words = len(text.split())
            raise LLMRefused(f"the LLM's {label} is {words} words long (limit {MAX_BULLET_WORDS})")
        citations = check_citations(item.get("citations"), label, by_number, perspective)
        evidence = tuple(Evidence(n, by_number[n].title or by_number[n].outlet) for n in citations)
        bullets.append(Bullet(text=text, citations=citations, evidence=evidence))
    return bullets


def check_citations(
    raw: Any, label: str, by_number: dict[int, SourceArticle], perspective: str | None
) -> tuple[int, ...]:
    if not isinstance(raw, list) or not raw:
        raise LLMRefused(f"the LLM's {label} cites no article")
    numbers: list[int] = []
    for value in raw:
        if isinstance(value, bool) or not isinstance(value, int):
            raise LLMRefused(f"the LLM's {label} has a citation that is not an article number")
        if value not in by_number:
            raise LLMRefused(f"the LLM cited article {value}, which does not exist")
        if perspective and by_number[value].perspective != perspective:
            raise LLMRefused(
                f"the LLM's {label} cites article {value}, which is from another perspective"
            )
        if value not in numbers:
            numbers.append(value)
    return tuple(numbers)


def clean_text(value: Any) -> str:
    """Bullet text without control characters, list markers, trailing [n] or extra spaces."""
    if not isinstance(value, str):
        return ""
    chars = (" " if unicodedata.category(c) == "Cc" else c for c in value)
    text = "".join(c for c in chars if not unicodedata.category(c).startswith("C"))
    text = " ".join(text.split())
    text = _BULLET_MARK.sub("", text)
    return _TRAILING_CITE.sub("", text).strip()


def _short(value: str) -> str:
    return _clip(clean_text(value), 40)
