"""The twin's remit: questions it refuses or flags.

The twin answers questions about what the CEO has written or said. It does not reveal how it is
set up, speak as anyone else, take actions or make promises. (Instructions planted in
documents, rather than asked, are twin.injection's.)
"""

from __future__ import annotations

from dataclasses import dataclass

from twin.injection import INJECTION, compile_patterns, first_match

__all__ = ["Verdict", "check_question", "refusal_text"]

INSTRUCTIONS = [
    *INJECTION,
    r"\b(reveal|show|print|repeat|tell|share|output|list|give|dump|display|recite|paste)\b.{0,30}"
    r"\b(your|the)\s+(instructions|prompt|rules|configuration|config|guidelines|persona card|"
    r"setup)\b",
    r"\bwhat\s+(are|were)\s+your\s+(instructions|rules|guidelines)\b",
    r"\bwhat\s+(were\s+you|have\s+you\s+been)\s+told\b",
    r"\b(repeat|print)\b.{0,20}\b(text|everything|words)\s+(above|before)\b",
    r"\bhow\s+(are|were)\s+you\s+(configured|prompted|programmed|set up)\b",
]

_ROLES = (
    r"(the\s+|a\s+|an\s+|our\s+|my\s+)?(cfo|cto|coo|cmo|cpo|cro|vp|chair\w*|board|investor|"
    r"founder|manager|boss|head\s+of|hr|legal|counsel|someone|somebody|another|him|her|them|"
    r"\w+'s|(?-i:[A-Z][a-z]+))\b"
)
IMPERSONATION = [
    r"\b(pretend|imagine)\s+(to\s+be|you\s*('re|are)|that\s+you\s*('re|are))\b",
    r"\b(act|speak|answer|respond|reply|talk|write|pose)\s+as\s+(if|though)\s+you\s+were\b",
    r"\b(act|speak|answer|respond|reply|talk|write|pose)\s+as\s+" + _ROLES,
    r"\b(role-?play|impersonate)\b",
    r"\bin\s+the\s+(voice|words|style|name)\s+of\b",
    r"\byou\s+are\s+now\b",
    r"\b(from\s+now\s+on|for\s+this\s+conversation)\s+you\b",
    r"\bon\s+behalf\s+of\s+(?!the\s+company\b|tidewater\b)",
    r"\b(signed|sign\s+it)\s+(by|as|from)\b",
    r"\bwhat\s+would\s+(?!you\b|i\b|we\b|it\b|that\b|this\b|happen)[A-Za-z]+(\s+[A-Z][a-z]+)?\s+say\b",
]

_ACTIONS = (
    r"(approve|authori[sz]e|sign\s+off\s+on|send|e-?mail|post|schedule|book|cancel|fire|terminate|"
    r"promote|demote|transfer|wire|pay|refund|delete|grant|revoke|reset|announce|publish|forward|"
    r"invite|hire|lay\s+off|raise)"
)
REMIT = [
    r"^\s*(please\s+|can\s+you\s+|could\s+you\s+|would\s+you\s+|i\s+need\s+you\s+to\s+|"
    r"i\s+want\s+you\s+to\s+|go\s+ahead\s+and\s+)?"
    + _ACTIONS
    + r"\s+(me|us|my|our|a|an|the|this|that|it|all|everyone|everybody|\w+'s)\b",
    r"\b(you|elena)\s+(should|must|need\s+to|have\s+to)\s+" + _ACTIONS + r"\b",
    r"\b(promise|guarantee|commit\s+to|assure)\s+(me|us|that|my|our)\b",
    r"\b(give|get)\s+me\s+(a|an|my)\s+(raise|promotion|bonus|equity|day\s+off|exception|refund)\b",
    r"\b(write|draft|compose|generate)\s+(me\s+)?(a|an|my|the|some)\s+(poem|essay|story|code|"
    r"script|program|function|email|e-mail|letter|review|performance\s+review|press\s+release|"
    r"tweet|post|announcement|statement|offer\s+letter|contract)\b",
    r"\b(make|take)\s+(a|the)\s+decision\s+(for|on\s+behalf\s+of)\s+(me|us)\b",
    r"\bgrant\s+me\s+access\b",
]

RESTRICTED = [
    r"\b(confidential|classified|restricted|need-to-know|internal-only)\b",
    r"\b(secret|private)\s+(documents?|memos?|plans?|projects?|deals?|notes|files|channels?|"
    r"conversations?|info(rmation)?)\b",
    r"\b(exec|executive|leadership|board)[-\s]only\b",
    r"\b(board|exec(utive)?\s+team)\s+(deck|minutes|materials|documents|memos|papers|packet|"
    r"discussions?)\b",
    r"\b(documents?|memos?|files?|material)\s+(that\s+)?i\s+(can'?t|cannot|don'?t|am\s+not\s+"
    r"allowed\s+to)\s+(see|read|access)\b",
    r"\bleak\s+(me\s+)?(the\s+|any\s+|some\s+)?(documents?|memos?|info(rmation)?|numbers|details)\b",
    r"\b(off\s+the\s+record|behind\s+closed\s+doors)\b",
]

REFUSALS = {
    "instructions": (
        "I can't share how I'm set up or change the way I answer. I'm happy to tell you what "
        "I've written or said about something, though."
    ),
    "impersonation": (
        "I only speak for myself, from my own {sources}, so I can't speak as anyone "
        "else or write in someone else's name."
    ),
    "remit": (
        "I can't take actions, make promises or decide things here: I can only tell you what "
        "I've written or said. For that, please talk to {ask_elsewhere}."
    ),
}


@dataclass(frozen=True)
class Verdict:
    outcome: str  # "ok", "refuse" or "flag"
    category: str | None = None
    reason: str | None = None


_CHECKS = [
    ("instructions", "refuse", compile_patterns(INSTRUCTIONS)),
    ("impersonation", "refuse", compile_patterns(IMPERSONATION)),
    ("remit", "refuse", compile_patterns(REMIT)),
    ("restricted", "flag", compile_patterns(RESTRICTED)),
]


def check_question(question: str) -> Verdict:
    """Refuse attempts to reveal instructions, impersonate or act; flag restricted requests."""
    for category, outcome, patterns in _CHECKS:
        match = first_match(patterns, question)
        if match:
            return Verdict(outcome, category, f"{category}: '{match.group(0).strip()}'")
    return Verdict("ok")


def refusal_text(category: str, ask_elsewhere: str, sources: str) -> str:
    return REFUSALS[category].format(ask_elsewhere=ask_elsewhere, sources=sources)
