"""Threads: a follow-up builds on the earlier turns of its thread.

A follow-up is condensed into a standalone question for retrieval: by the LLM when one is
configured and llm.condense is on, else by adding the previous question's key terms to it.
A turn is only reused for a user who may read everything the earlier asker could: a thread
never carries text from one user's sources into another user's answer.
"""

from __future__ import annotations

import logging
import re
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from persona.llm import ChatModel, LLMError
from persona.prompt import condense_messages
from persona.text import key_terms
from twin.models import AnswerRecord, Thread

__all__ = ["Conversations", "Turn", "condense", "condense_lexical", "is_follow_up"]

log = logging.getLogger(__name__)

ANAPHORA = re.compile(
    r"\b(it|its|that|this|those|these|they|them|their|there|then|same|why|how come|what about|"
    r"and|also|instead|more|else|further|again|which one)\b",
    re.IGNORECASE,
)
MAX_TERMS_ADDED = 6


@dataclass
class Turn:
    question: str
    query: str  # the standalone question it was retrieved with
    answer: str  # the answer body, without the disclosure
    groups: list[str]


class Conversations:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def open(self, thread_id: str | None, user_id: str) -> str:
        """The thread's id; a new thread when `thread_id` is None or unknown."""
        thread_id = thread_id or uuid.uuid4().hex[:16]
        with self.sessions() as session:
            if session.get(Thread, thread_id) is None:
                session.add(Thread(id=thread_id, user_id=user_id))
                session.commit()
        return thread_id

    def history(self, thread_id: str, groups: list[str], limit: int) -> list[Turn]:
        """The last `limit` turns this asker may see, oldest first."""
        if limit <= 0:
            return []
        query = (
            select(AnswerRecord)
            .where(AnswerRecord.thread_id == thread_id, AnswerRecord.refused.is_(False))
            .order_by(AnswerRecord.id.desc())
        )
        allowed = set(groups)
        turns: list[Turn] = []
        with self.sessions() as session:
            for row in session.scalars(query.limit(limit * 4)):
                asked_with = [g for g in row.groups.split(",") if g]
                if set(asked_with) <= allowed:
                    turns.append(
                        Turn(row.question, row.query or row.question, _body(row.answer), asked_with)
                    )
                if len(turns) == limit:
                    break
        return turns[::-1]


def _body(answer: str) -> str:
    return answer.rsplit("\n\n", 1)[0] if "\n\n" in answer else answer


def is_follow_up(question: str) -> bool:
    """Short questions, or ones that point back ("why?", "and the UK?", "what about it")."""
    return len(key_terms(question)) <= 3 or bool(ANAPHORA.search(question))


def condense_lexical(history: list[Turn], follow_up: str) -> str:
    """The follow-up plus the previous question's key terms it does not already contain."""
    if not history or not is_follow_up(follow_up):
        return follow_up
    present = set(key_terms(follow_up))
    added = [t for t in key_terms(history[-1].query) if t not in present][:MAX_TERMS_ADDED]
    return f"{follow_up} ({' '.join(added)})" if added else follow_up


def condense(history: list[Turn], follow_up: str, llm: ChatModel | None) -> str:
    """A standalone question for retrieval; the LLM's rewrite when usable, else lexical."""
    if not history:
        return follow_up
    lexical = condense_lexical(history, follow_up)
    if llm is None:
        return lexical
    try:
        pairs = [(t.question, t.answer) for t in history]
        rewrite = llm.complete(condense_messages(pairs, follow_up), max_tokens=60).strip()
    except LLMError as exc:
        log.info("condensing with the LLM failed (%s); using key terms", exc.reason)
        return lexical
    rewrite = rewrite.splitlines()[0].strip() if rewrite else ""
    if not 8 <= len(rewrite) <= 300:
        return lexical
    return rewrite
