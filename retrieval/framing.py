"""The topic of a question, without the words that only frame the request.

"What did Priya say about the launch?", "Summarise the discussion about pricing", "What was
the opinion of sales on the discount?": saying, discussing, summarising and opining are how
the question asks, not what it is about. A passage that answers rarely uses those words, and
one that does ("we discussed it at length") is no more relevant for it.
"""

from __future__ import annotations

import re

REQUEST_TEXT = """
say says said saying tell told think thinks thought thinking feel feels felt opinion opinions
view views discuss discusses discussed discussing discussion discussions talk talks talked
talking mention mentions mentioned mentioning summarise summarize summarised summarized
summary recap
"""
REQUEST_WORDS = REQUEST_TEXT.split()
_REQUEST = re.compile(r"\b(?:" + "|".join(REQUEST_WORDS) + r")\b", re.IGNORECASE)


def topic(question: str) -> str:
    """The question without its request words (the question itself if nothing is left)."""
    left = " ".join(_REQUEST.sub(" ", question).split())
    return left if re.search(r"\w", left) else question
