"""Markdown to Slack mrkdwn, and splitting long text within Slack's limits. No I/O.

Slack's mrkdwn differs from Markdown: *bold*, _italic_, ~strike~, <url|text> links, no
headings, and &, < and > must be escaped as entities. Code spans and blocks are kept as they
are (escaped, not reformatted).
"""

from __future__ import annotations

import re

__all__ = ["escape", "split_text", "to_mrkdwn"]

_FENCE = re.compile(r"(```.*?```|`[^`\n]+`)", re.DOTALL)
_LINK = re.compile(r"\[([^\]\n]+)\]\((https?://[^)\s]+|mailto:[^)\s]+)\)")
_BOLD = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_ITALIC = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_STRIKE = re.compile(r"~~(?=\S)(.+?)(?<=\S)~~")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)
_BULLET = re.compile(r"^(\s*)[-*+]\s+", re.MULTILINE)
_QUOTE = re.compile(r"^&gt;\s?", re.MULTILINE)
_BOLD_MARK = "\x00"


def escape(text: str) -> str:
    """Slack's three control characters as entities."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_mrkdwn(markdown: str) -> str:
    """Markdown (as an LLM or a memo writes it) as Slack mrkdwn."""
    parts = _FENCE.split(markdown)
    return "".join(_code(part) if index % 2 else _prose(part) for index, part in enumerate(parts))


def _code(part: str) -> str:
    if part.startswith("```"):
        body = part[3:-3]
        first, _, rest = body.partition("\n")
        if rest and re.fullmatch(r"[\w+-]*", first.strip()):  # ```python: drop the language
            body = rest
        return f"```{escape(body)}```"
    return escape(part)


def _prose(text: str) -> str:
    links: list[str] = []

    def keep_link(match: re.Match[str]) -> str:
        links.append(f"<{match.group(2)}|{escape(match.group(1)).replace('|', '-')}>")
        return f"\x01{len(links) - 1}\x01"

    text = _LINK.sub(keep_link, text)
    text = escape(text)
    text = _QUOTE.sub("> ", text)
    text = _HEADING.sub(lambda m: f"{_BOLD_MARK}{m.group(1).strip('*_ ')}{_BOLD_MARK}", text)
    text = _BOLD.sub(lambda m: f"{_BOLD_MARK}{m.group(2)}{_BOLD_MARK}", text)
    text = _ITALIC.sub(r"_\1_", text)
    text = _STRIKE.sub(r"~\1~", text)
    text = _BULLET.sub(r"\1• ", text)
    text = text.replace(_BOLD_MARK, "*")
    return re.sub("\x01(\\d+)\x01", lambda m: links[int(m.group(1))], text)


def split_text(text: str, limit: int) -> list[str]:
    """`text` in parts of at most `limit` characters, cut at a paragraph, line, sentence or word
    boundary (in that order of preference), never inside a `<link|label>` or an `&amp;` entity;
    a code block cut in two is closed and reopened. Nothing is lost: the parts hold every
    character of `text` but the whitespace at the cuts."""
    if limit < 20:
        raise ValueError("limit must be at least 20 characters")
    parts: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        budget = limit - 4  # room to close a code block
        cut = _cut_point(rest, budget)
        head, rest = rest[:cut].rstrip(), rest[cut:].lstrip()
        if head.count("```") % 2:
            head, rest = head + "\n```", "```\n" + rest
        parts.append(head)
    if rest:
        parts.append(rest)
    return parts


_ATOM = re.compile(r"<[^<>\n]*>|&[a-z]+;")


def _cut_point(text: str, budget: int) -> int:
    window = text[: budget + 1]
    atoms = [m.span() for m in _ATOM.finditer(text[: budget + 200])]

    def inside(cut: int) -> int | None:
        """The start of the link or entity `cut` falls inside, if any."""
        return next((start for start, end in atoms if start < cut < end), None)

    for pattern in (r"\n\s*\n", r"\n", r"[.!?][\"')\]]*\s", r"\s"):
        ends = [
            m.end()
            for m in re.finditer(pattern, window)
            if m.end() <= budget and inside(m.end()) is None
        ]
        if ends and ends[-1] > budget // 3:
            return ends[-1]
    start = inside(budget)
    return start if start else budget
