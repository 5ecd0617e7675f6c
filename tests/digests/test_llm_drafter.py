"""LLMDrafter end to end against a fake OpenAI-compatible endpoint on loopback."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest
from werkzeug import Request, Response

from digests.drafting.base import Draft, PerspectiveInfo, SourceArticle
from digests.drafting.llm import MAX_PROMPT_CHARS, LLMDrafter, build_messages

PATH = "/v1/chat/completions"
KEY = "sk-test-secret-4242"
PERSPECTIVES = [
    PerspectiveInfo("left", "Left-leaning"),
    PerspectiveInfo("right", "Right-leaning"),
    PerspectiveInfo("centre", "Centrist"),
]


def article(number: int, perspective: str, title: str, text: str = "") -> SourceArticle:
    return SourceArticle(
        number=number,
        perspective=perspective,
        outlet=f"Outlet {number}",
        title=title,
        summary=f"Summary of article {number}.",
        text=text,
        language="en",
        published=None,
        story=number,
        relevance=1.0,
    )


ARTICLES = [
    article(1, "left", "Council approves bike lanes", "The council voted 7-2 for new lanes. " * 5),
    article(2, "left", "Cyclists welcome the plan"),
    article(3, "right", "Shop owners fear lost parking", "Traders say parking spaces vanish."),
    article(4, "right", "Cost of lanes questioned"),
]

VALID = {
    "highlights": [
        {"text": "The council approved new bike lanes by 7 votes to 2.", "citations": [1, 3]},
        {"text": "- Critics question the cost.\u0007  ", "citations": [4]},
    ],
    "sections": {
        "left": [{"text": "Cyclists   welcome the plan.", "citations": [2, 1]}],
        "right": [{"text": "Shop owners fear losing parking.", "citations": [3]}],
        "centre": [{"text": "Should be dropped.", "citations": [1]}],
    },
}


class StandIn:
    """A tiny fallback drafter that records how it was called."""

    name = "extractive"
    version = "1"

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def draft(self, **kwargs: Any) -> Draft:
        self.calls.append(kwargs)
        return Draft(highlights=[], sections={}, drafter=self.name, version=self.version)


@pytest.fixture
def llm_settings(settings, httpserver):
    settings.DIGESTCMS_LLM_URL = httpserver.url_for(PATH)
    settings.DIGESTCMS_LLM_MODEL = "tiny-model-q4"
    settings.DIGESTCMS_LLM_API_KEY = KEY
    settings.DIGESTCMS_LLM_TIMEOUT = 5
    return settings


def chat(content: str) -> dict[str, Any]:
    return {"choices": [{"index": 0, "message": {"role": "assistant", "content": content}}]}


def run(fallback: StandIn | None = None) -> Draft:
    drafter = LLMDrafter(fallback or StandIn())
    return drafter.draft(topic_name="Bike lanes", perspectives=PERSPECTIVES, articles=ARTICLES)


def with_section(slug: str, bullets: list[dict[str, Any]]) -> dict[str, Any]:
    return {**VALID, "sections": {**VALID["sections"], slug: bullets}}


def test_valid_answer_becomes_the_draft(llm_settings, httpserver):
    httpserver.expect_request(PATH, method="POST").respond_with_json(chat(json.dumps(VALID)))
    fallback = StandIn()
    draft = run(fallback)
    assert fallback.calls == []
    assert (draft.drafter, draft.version, draft.fallback_reason) == ("llm", "tiny-model-q4", "")
    assert [b.markdown() for b in draft.highlights] == [
        "- The council approved new bike lanes by 7 votes to 2. [1, 3]",
        "- Critics question the cost. [4]",
    ]
    assert draft.sections["left"][0].markdown() == "- Cyclists welcome the plan. [2, 1]"
    assert draft.sections["right"][0].citations == (3,)
    assert [(e.number, e.sentence) for e in draft.highlights[0].evidence] == [
        (1, "Council approves bike lanes"),
        (3, "Shop owners fear lost parking"),
    ]
    assert draft.sections["centre"] == []
    assert draft.notes == {"centre": "No articles from Centrist outlets in this edition."}


def test_request_carries_model_messages_and_key(llm_settings, httpserver):
    httpserver.expect_request(PATH, method="POST").respond_with_json(chat(json.dumps(VALID)))
    run()
    request = httpserver.log[0][0]
    assert request.headers["Authorization"] == f"Bearer {KEY}"
    assert request.headers["Content-Type"] == "application/json"
    body = request.get_json()
    assert body["model"] == "tiny-model-q4"
    assert body["temperature"] == 0
    assert body["response_format"] == {"type": "json_object"}
    system, user = body["messages"]
    assert (system["role"], user["role"]) == ("system", "user")
    assert "JSON" in system["content"] and "citations" in system["content"]
    for number, title in [(1, "Council approves bike lanes"), (4, "Cost of lanes questioned")]:
        assert f"[{number}]" in user["content"] and title in user["content"]
    assert "left: Left-leaning" in user["content"]
    assert "Summary of article 2." in user["content"]


def test_fenced_json_is_accepted_and_extras_are_capped(llm_settings, httpserver):
    many = [{"text": f"Point {n}.", "citations": [1]} for n in range(9)]
    answer = {**with_section("left", many), "highlights": many}
    content = f"```json\n{json.dumps(answer)}\n```"
    httpserver.expect_request(PATH).respond_with_json(chat(content))
    draft = run()
    assert draft.drafter == "llm"
    assert len(draft.highlights) == 6 and len(draft.sections["left"]) == 5


def cross() -> dict[str, Any]:
    return with_section("left", [{"text": "Traders object.", "citations": [3]}])


INVALID = [
    pytest.param(b"<html>oops</html>", "did not answer with JSON", id="body-not-json"),
    pytest.param({"id": "x", "object": "chat.completion"}, "no choices[0]", id="missing-choices"),
    pytest.param(chat("Here are your bullets: ..."), "answer is not JSON", id="content-not-json"),
    pytest.param(
        chat(json.dumps(with_section("martian", [{"text": "Hi.", "citations": [1]}]))),
        "unknown perspective “martian”",
        id="unknown-perspective",
    ),
    pytest.param(
        chat(json.dumps(with_section("left", [{"text": "No source.", "citations": []}]))),
        "Left-leaning section, bullet 1 cites no article",
        id="missing-citations",
    ),
    pytest.param(
        chat(json.dumps(with_section("left", [{"text": "Far.", "citations": [31]}]))),
        "the LLM cited article 31, which does not exist",
        id="citation-out-of-range",
    ),
    pytest.param(chat(json.dumps(cross())), "cites article 3, which is from another", id="cross"),
    pytest.param(
        chat(json.dumps(with_section("left", [{"text": " \u0000 - ", "citations": [1]}]))),
        "bullet 1 has no text",
        id="empty-text",
    ),
    pytest.param(
        chat(json.dumps({**VALID, "sections": {"left": VALID["sections"]["left"]}})),
        "no bullets for the Right-leaning perspective",
        id="missing-section",
    ),
    pytest.param(
        chat(json.dumps(with_section("right", [{"text": "word " * 61, "citations": [3]}]))),
        "61 words long",
        id="bullet-too-long",
    ),
    pytest.param(chat(json.dumps({"highlights": "none"})), "no “highlights” list", id="shape"),
]


@pytest.mark.parametrize(("answer", "reason"), INVALID)
def test_invalid_answers_fall_back_with_a_reason(llm_settings, httpserver, answer, reason):
    handler = httpserver.expect_request(PATH, method="POST")
    if isinstance(answer, bytes):
        handler.respond_with_data(answer, content_type="text/html")
    else:
        handler.respond_with_json(answer)
    fallback = StandIn()
    draft = run(fallback)
    assert reason in draft.fallback_reason
    assert (draft.drafter, draft.version) == ("extractive", "1")
    assert fallback.calls == [
        {"topic_name": "Bike lanes", "perspectives": PERSPECTIVES, "articles": ARTICLES}
    ]


def test_slow_endpoint_times_out(llm_settings, httpserver):
    llm_settings.DIGESTCMS_LLM_TIMEOUT = 1
    release = threading.Event()

    def slow(request: Request) -> Response:
        release.wait(10)
        return Response(json.dumps(chat(json.dumps(VALID))), content_type="application/json")

    httpserver.expect_request(PATH).respond_with_handler(slow)
    started = time.monotonic()
    try:
        draft = run()
    finally:
        release.set()
    assert time.monotonic() - started < 2.5
    assert draft.fallback_reason == "the LLM endpoint timed out after 1 s"
    assert draft.drafter == "extractive"


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        (500, "answered HTTP 500 Internal Server Error"),
        (429, "answered HTTP 429 Too Many Requests (rate limited; retry after 30 s)"),
    ],
)
def test_http_errors_fall_back(llm_settings, httpserver, status, reason):
    httpserver.expect_request(PATH).respond_with_data(
        f"error for {KEY}", status=status, headers={"Retry-After": "30"}
    )
    draft = run()
    assert draft.drafter == "extractive"
    assert reason in draft.fallback_reason


def test_no_url_configured_falls_back_without_a_request(settings, monkeypatch):
    settings.DIGESTCMS_LLM_URL = ""

    def no_fetch(*args: Any, **kwargs: Any) -> None:
        pytest.fail("fetch must not be called without an endpoint")

    monkeypatch.setattr("digests.drafting.llm.fetch", no_fetch)
    fallback = StandIn()
    draft = run(fallback)
    assert "no LLM endpoint configured" in draft.fallback_reason
    assert len(fallback.calls) == 1 and draft.drafter == "extractive"


def test_api_key_never_appears_in_reason_or_log(llm_settings, httpserver, caplog):
    answer = with_section(KEY, [{"text": "Leak.", "citations": [1]}])
    httpserver.expect_request(PATH).respond_with_json(chat(json.dumps(answer)))
    with caplog.at_level("DEBUG"):
        draft = run()
    assert "unknown perspective" in draft.fallback_reason
    assert KEY not in draft.fallback_reason
    assert KEY not in caplog.text


def test_prompt_stays_bounded_with_many_long_articles():
    long_text = "word " * 5000
    many = [article(n, "left", f"Title {n}", long_text) for n in range(1, 41)]
    system, user = build_messages("Topic", PERSPECTIVES, many)
    assert len(system["content"]) + len(user["content"]) <= MAX_PROMPT_CHARS
    assert "[40] perspective: left" in user["content"]
    assert user["content"].count("word") > 40 * 20  # every article keeps an excerpt
