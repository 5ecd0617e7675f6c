"""Cut author-like elements short before feedparser sees them (THREATS.md 5).

feedparser's author regex is quadratic on long runs of name characters; a plain regex
on the raw text is easy to get around (comments, CDATA, child tags), so this is one
linear scan that budgets everything inside an author-like element.
"""

from __future__ import annotations

import re

AUTHOR_TEXT_BUDGET = 200
AUTHOR_MARKUP_BUDGET = 2000

_ZONE_NAMES = "author|creator|managingeditor|webmaster|publisher|name"
_ZONE_SCAN = re.compile(
    rf"<!--|<!\[CDATA\[|<\?|<(?:[^\W\d][\w.-]{{0,60}}:)?(?:{_ZONE_NAMES})(?=[\s/>])", re.I
)
_START_TAG = re.compile(r"<([^\W\d][\w.:-]{0,100})(?=[\s/>])")
_END_TAG = re.compile(r"</([^\W\d][\w.:-]{0,100})\s*>")
_TAG_BODY = re.compile(r"""[^<>"']*""")
_CDATA_CLOSE = re.compile(r"\]\s*\]\s*>")
_MAX_TAG = 300
_MAX_DEPTH = 50


def cut_authors(text: str) -> str:
    """Bound the text inside author, creator, managingEditor, webMaster, publisher and name."""
    return _AuthorCutter(text).run()


def _tag_end(text: str, pos: int) -> int:
    """Index just past the '>' of the tag starting at pos (quotes may hold '>'), or -1."""
    pos += 1
    while True:
        pos = _TAG_BODY.match(text, pos).end()
        if pos >= len(text) or text[pos] == "<":
            return -1
        if text[pos] == ">":
            return pos + 1
        pos = text.find(text[pos], pos + 1)
        if pos < 0:
            return -1
        pos += 1


def _comment_end(text: str, pos: int) -> int:
    """End of a comment the loosest way (feedparser's fallback ends one at '--...>'), or -1."""
    dashes = text.find("--", pos + 4)
    close = text.find(">", dashes) if dashes >= 0 else -1
    return close + 1 if close >= 0 else -1


def _cdata_end(text: str, pos: int) -> tuple[int, int]:
    close = _CDATA_CLOSE.search(text, pos + 9)
    return (close.start(), close.end()) if close else (-1, -1)


class _AuthorCutter:
    """One linear pass; inside a zone everything but complete tags counts against a budget."""

    def __init__(self, text: str) -> None:
        self.text, self.pos, self.out = text, 0, []
        self.stack: list[str] = []
        self.text_left = self.markup_left = 0

    def run(self) -> str:
        while self.pos < len(self.text):
            if self.stack:
                self._zone_step()
            else:
                self._outside_step()
        return "".join(self.out)

    def _outside_step(self) -> None:
        text, pos = self.text, self.pos
        match = _ZONE_SCAN.search(text, pos)
        if not match:
            self.out.append(text[pos:])
            self.pos = len(text)
            return
        start, token = match.start(), match.group()
        self.out.append(text[pos:start])
        if token == "<!--":
            end = _comment_end(text, start)
        elif token == "<![CDATA[":
            end = _cdata_end(text, start)[1]
        elif token == "<?":
            end = text.find(">", start) + 1 or -1
        else:
            self._open_zone(start)
            return
        end = end if end > 0 else start + 1
        self.out.append(text[start:end])
        self.pos = end

    def _open_zone(self, start: int) -> None:
        end = _tag_end(self.text, start)
        if end < 0:
            self.out.append("<")
            self.pos = start + 1
            return
        tag = self.text[start:end]
        self.out.append(tag if len(tag) <= _MAX_TAG else " ")
        self.pos = end
        if not tag.endswith("/>"):
            self.stack.append(_START_TAG.match(tag).group(1).lower())
            self.text_left, self.markup_left = AUTHOR_TEXT_BUDGET, AUTHOR_MARKUP_BUDGET

    def _zone_step(self) -> None:
        text = self.text
        if not self.text_left:
            self._skip_to_close()
            return
        lt = text.find("<", self.pos)
        lt = len(text) if lt < 0 else lt
        self._emit_text(text[self.pos : lt])
        self.pos = lt
        if lt == len(text):
            return
        if text.startswith("<!--", lt):
            self._drop(_comment_end(text, lt))
        elif text.startswith("<![CDATA[", lt):
            self._cdata(lt)
        elif text.startswith("<?", lt):
            self._drop(text.find(">", lt) + 1 or -1)
        elif match := _END_TAG.match(text, lt):
            self._end_tag(match)
        elif _START_TAG.match(text, lt):
            self._start_tag(lt)
        else:
            self._emit_text("<")
            self.pos = lt + 1

    def _skip_to_close(self) -> None:
        """Budget spent: drop everything up to the end tag of the innermost open element."""
        closer = re.compile(rf"</{re.escape(self.stack[-1])}\s*>", re.I)
        close = closer.search(self.text, self.pos)
        if not close:
            self.pos = len(self.text)
            return
        self.out.append(close.group())
        self.stack.pop()
        self.pos = close.end()

    def _emit_text(self, piece: str) -> None:
        if len(piece) > self.text_left:
            piece = piece[: self.text_left]
            amp = piece.rfind("&", -12)
            piece = piece[:amp] if amp >= 0 and ";" not in piece[amp:] else piece
        if piece:
            self.out.append(piece)
        self.text_left -= len(piece)

    def _drop(self, end: int) -> None:
        """Leave out a token, keeping a space so its neighbours never join into new markup."""
        if end < 0:
            self._emit_text("<")
            self.pos += 1
            return
        self._emit_text(" ")
        self.pos = end

    def _cdata(self, start: int) -> None:
        inner_end, end = _cdata_end(self.text, start)
        if end < 0:
            self._drop(-1)
            return
        inner = self.text[start + 9 : inner_end][: self.text_left]
        self.text_left -= len(inner)
        if inner:
            self.out.append(f"<![CDATA[{inner}]]>")
        else:
            self._emit_text(" ")
        self.pos = end

    def _end_tag(self, match: re.Match[str]) -> None:
        self.pos = match.end()
        if match.group(1).lower() == self.stack[-1]:
            self.stack.pop()
            self.out.append(match.group())
        elif len(match.group()) <= self.markup_left:
            self.markup_left -= len(match.group())
            self.out.append(match.group())
        else:
            self._emit_text(" ")

    def _start_tag(self, start: int) -> None:
        end = _tag_end(self.text, start)
        if end < 0:
            self._drop(-1)
            return
        tag = self.text[start:end]
        if len(tag) > min(_MAX_TAG, self.markup_left) or len(self.stack) >= _MAX_DEPTH:
            self._drop(end)
            return
        self.markup_left -= len(tag)
        self.out.append(tag)
        self.pos = end
        if not tag.endswith("/>"):
            self.stack.append(_START_TAG.match(tag).group(1).lower())
