"""The answer pipeline every front door calls (Slack, `twin ask`, later a web console).

    answerer = Answerer(settings, corpus, make_llm(settings.llm))
    answer = answerer.answer(question, user_id, groups, thread_id=None, on_token=print)

question -> refuse? -> condense with the thread -> search (the asker's groups) -> nothing
relevant? -> compose (LLM with a sentence-by-sentence grounding guard, else quotes) -> position
changes -> sensitivity policy -> disclosure -> audit record. It never raises for an LLM, search
or database failure: the asker always gets a polite answer.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from persona.audit import AuditLog
from persona.changes import detect_change
from persona.conversation import Conversations, Turn, condense
from persona.coverage import Coverage, Gap, plural
from persona.evidence import Evidence, gather
from persona.examples import voice_examples
from persona.guard import Guard, Support
from persona.llm import ChatModel, LLMError, make_llm
from persona.passages import Passage, build_passages
from persona.policy import Policy
from persona.prompt import answer_messages, system_prompt
from persona.quotes import change_note, choose_quotes, compose
from persona.results import Answer, Citation
from persona.safety import check_question, refusal_text
from persona.streaming import Emitter, GuardedStream, TokenCallback
from persona.text import declines
from persona.timing import Clock, Waited
from persona.vocabulary import Vocabulary
from retrieval.corpus import Corpus
from retrieval.embeddings import CachedEmbedder
from retrieval.search import query_partitions, search
from twin.settings import Settings
from twin.text import MARKER, sentences

__all__ = ["Answer", "Answerer", "Citation", "make_llm"]

log = logging.getLogger(__name__)

CANT_ANSWER = (
    "I can't answer right now: something went wrong on my side. Please try again in a few minutes."
)


@dataclass
class _Draft:
    """An answer being built: body text with [n] markers that point at passages."""

    body: str
    mode: str
    passages: list[Passage] = field(default_factory=list)
    quotes: dict[int, str] = field(default_factory=dict)  # passage n -> quoted text
    refused: bool = False
    notes: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    llm_ms: int = 0


class Answerer:
    """Answers questions in the CEO's voice from the corpus; one instance per process."""

    def __init__(self, settings: Settings, corpus: Corpus, llm: ChatModel | None = None) -> None:
        self.settings = settings
        self.corpus = corpus
        self.llm = llm
        self.policy = Policy(settings.policy, llm)
        self.conversations = Conversations(corpus.sessions)
        self.audit = AuditLog(corpus.sessions)

    @cached_property
    def embedder(self) -> CachedEmbedder:
        return CachedEmbedder(self.corpus.embedder)

    @cached_property
    def vocabulary(self) -> Vocabulary:
        return Vocabulary(self.corpus)

    @cached_property
    def coverage(self) -> Coverage:
        return Coverage(self.corpus, self.vocabulary, self.settings.persona.kind_word)

    @cached_property
    def guard(self) -> Guard:
        return Guard(self.embedder, self.settings.answer.guard)

    @cached_property
    def system(self) -> str:
        examples = voice_examples(self.corpus, self.settings.persona)
        return system_prompt(self.settings.persona, examples, self.settings.answer.max_sentences)

    def warm_up(self) -> None:
        """Load what the first questions would otherwise wait for (the embedding model, every
        partition's HNSW and BM25 index and words, the system prompt): seconds at 100k chunks."""
        vector = self.embedder.embed_one("warm up")
        audiences = self.corpus.audiences()
        query_partitions(self.corpus, audiences, vector, 1)  # loads each HNSW index
        self.corpus.lexical.scores(audiences, "warm up")  # builds each BM25 index
        self.vocabulary.load()
        if self.llm is not None:
            _ = self.system

    def answer(
        self,
        question: str,
        user_id: str,
        groups: list[str],
        thread_id: str | None = None,
        on_token: TokenCallback | None = None,
        on_reset: Callable[[], None] | None = None,
    ) -> Answer:
        """Answer `question` for `user_id`, who belongs to `groups` (access is enforced)."""
        clock = Clock()
        emit = Emitter(on_token, on_reset)
        question = " ".join(question.split())
        query = question
        try:
            thread_id = self.conversations.open(thread_id, user_id)
            with self.corpus.pinned():
                draft, query = self._draft(question, groups, thread_id, clock, emit)
        except Exception:
            log.exception("answering %r failed", question)
            draft = _Draft(CANT_ANSWER, "none", notes=["internal error; see the log"])
        answer = self._finish(draft, question, clock, thread_id)
        emit.settle(answer.answer)
        answer.answer_id = self._record(answer, user_id, groups, question, query)
        return answer

    # -- the steps -------------------------------------------------------------------------

    def _draft(
        self,
        question: str,
        groups: list[str],
        thread_id: str,
        clock: Clock,
        emit: TokenCallback,
    ) -> tuple[_Draft, str]:
        verdict = check_question(question)
        if verdict.outcome == "refuse" and verdict.category:
            card = self.settings.persona
            text = refusal_text(verdict.category, card.ask_elsewhere, card.sources)
            return _Draft(
                text, "none", refused=True, notes=[f"refused: {verdict.reason}"]
            ), question
        flags = [verdict.reason] if verdict.outcome == "flag" and verdict.reason else []
        if not self.settings.policy.approve_restricted_requests:
            flags = []
        history = self.conversations.history(thread_id, groups, self.settings.answer.history_turns)
        query = condense(history, question, self.llm if self.settings.llm.condense else None)
        passages = self._retrieve(query, groups)
        evidence = None
        if passages:
            weights = self.vocabulary.weights(query, groups)
            evidence = gather(query, passages, self.embedder, self.guard, weights)
        clock.lap("retrieve")
        gap = self.coverage.gap(query, groups, evidence, self.settings.answer)
        if gap or evidence is None:
            draft = self._nothing(question, gap or Gap("nothing relevant retrieved"), groups)
        else:
            draft = self._compose(question, evidence, history, emit, groups)
        draft.flags += flags
        return draft, query

    def _retrieve(self, query: str, groups: list[str]) -> list[Passage]:
        """Relevant passages with at least one sentence of the CEO's own; numbered 1..n."""
        cfg, card = self.settings.answer, self.settings.persona
        vector = self.embedder.embed_one(query)
        hits = search(self.corpus, query, groups, cfg.passages, embedding=vector)
        relevant = [h for h in hits if h.score >= cfg.min_score]
        stored = self.corpus.stored_vectors(
            [h.chunk_id for h in relevant], {h.doc_id for h in relevant}
        )
        self.embedder.remember(stored)
        passages = [p for p in build_passages(relevant, card.speakers, card.kind_word) if p.own]
        for n, passage in enumerate(passages, 1):
            passage.n = n
        return passages

    def unsupported(self, question: str, text: str, groups: list[str]) -> list[str]:
        """The sentences of `text` that no passage `groups` may read supports: the check every
        generated sentence passes, for text written elsewhere (an answer comms edited)."""
        items = sentences(text)
        if not items:
            return []
        checks = self.guard.support(self._retrieve(question, groups)).check_many(items)
        return [check.sentence for check in checks if not check.supported]

    def _nothing(self, question: str, gap: Gap, groups: list[str]) -> _Draft:
        card = self.settings.persona
        lowered = question.lower()
        where = next(
            (r.where for r in card.referrals if any(k.lower() in lowered for k in r.keywords)),
            card.ask_elsewhere,
        )
        if not gap.text:
            kinds = self.coverage.span(groups).kinds or {"memo": 1}
            ordered = sorted(kinds, key=lambda k: -kinds[k])
            words = " or ".join(dict.fromkeys(plural(self.coverage.word(k)) for k in ordered))
            why = f"I haven't spoken about that in my {words}, so I'd rather not guess."
        else:
            why = gap.text
        return _Draft(f"{why} Your best bet is to ask {where}.", "none", notes=[gap.note])

    def _compose(
        self,
        question: str,
        evidence: Evidence,
        history: list[Turn],
        emit: TokenCallback,
        groups: list[str],
    ) -> _Draft:
        passages, support, scores = evidence.passages, evidence.support, evidence.scores
        preambles = {
            d.id: d.text_preview
            for d in self.corpus.live({p.hit.doc_id for p in passages}).values()
        }
        change = detect_change(evidence, self.settings.answer, self.embedder, preambles)
        note = change_note(change, passages, support, scores) if change else ""
        if self.llm is not None:
            draft = self._generate(question, passages, history, support, emit)
            if draft.mode == "llm":
                return self._with_change(draft, note)
            if draft.mode == "declined":
                declined = self._nothing(question, Gap(draft.notes[-1]), groups)
                declined.notes, declined.llm_ms = draft.notes, draft.llm_ms
                return declined
            fallback = self._quotes(evidence, note)
            fallback.notes, fallback.llm_ms = draft.notes, draft.llm_ms
            return fallback
        return self._quotes(evidence, note)

    def _quotes(self, evidence: Evidence, note: str) -> _Draft:
        passages = evidence.passages
        quotes = choose_quotes(passages, evidence.support, evidence.scores, self.settings.answer)
        if note:
            body = note
            quoted = _quoted_in(note)
        else:
            body = compose(quotes)
            quoted = {q.passage.n: " ".join(q.sentences) for q in quotes}
        return _Draft(body, "quotes", passages=passages, quotes=quoted)

    def _generate(
        self,
        question: str,
        passages: list[Passage],
        history: list[Turn],
        support: Support,
        emit: TokenCallback,
    ) -> _Draft:
        """LLM mode: stream, guard each sentence as it completes, emit only supported ones."""
        assert self.llm is not None
        cfg = self.settings.answer
        pairs = [(t.question, t.answer) for t in history]
        messages = answer_messages(self.system, passages, question, pairs, cfg.context_chars)
        stream = GuardedStream(support, passages, emit, cfg.max_sentences)
        pieces = Waited(self.llm.stream(messages, self.settings.llm.max_tokens))
        notes: list[str] = []
        cut_off = False
        reply = ""
        try:
            for piece in pieces:
                reply += piece
                if stream.feed(piece):
                    break
        except LLMError as exc:
            notes.append(f"llm: {exc.reason}")
            cut_off = exc.partial  # stopped mid-reply (max_tokens, a dead server, the deadline)
        stream.finish(cut_off)
        llm_ms = round(pieces.seconds * 1000)
        kept, judged = len(stream.kept), stream.judged
        if not kept or kept / max(judged, 1) < cfg.guard.min_kept:
            if declines(reply):
                # As the prompt asks when the passages do not answer: quoting them anyway
                # would answer a question the model found unanswered.
                notes.append(f"llm: the model declined (the guard kept {kept} of {judged})")
                return _Draft("", "declined", notes=notes, llm_ms=llm_ms)
            notes.append(f"guard: kept {kept} of {judged} generated sentences; answering in quotes")
            return _Draft(stream.text, "quotes", notes=notes, llm_ms=llm_ms)
        return _Draft(
            stream.text,
            "llm",
            passages=passages,
            quotes=stream.evidence,
            notes=notes,
            llm_ms=llm_ms,
        )

    def _with_change(self, draft: _Draft, note: str) -> _Draft:
        if note:
            draft.body = f"{draft.body}\n\n{note}"
            for n, text in _quoted_in(note).items():
                draft.quotes.setdefault(n, text)
        return draft

    def _finish(self, draft: _Draft, question: str, clock: Clock, thread_id: str | None) -> Answer:
        clock.lap("generate")
        body, citations = _cite(draft)
        review = self.policy.review(question, body, draft.flags) if not draft.refused else None
        latency = {"retrieve": clock.laps.get("retrieve", 0), "generate": clock.laps["generate"]}
        answer = Answer(
            body=body,
            mode=draft.mode,
            disclosure=self.settings.persona.disclosure,
            citations=citations,
            needs_approval=bool(review and review.needs_approval),
            approval_reasons=review.reasons if review else [],
            refused=draft.refused,
            thread_id=thread_id,
            notes=draft.notes,
        )
        latency["llm"] = draft.llm_ms
        latency["total"] = clock.total()
        answer.latency_ms = latency
        return answer

    def _record(
        self, answer: Answer, user_id: str, groups: list[str], question: str, query: str
    ) -> int | None:
        if answer.thread_id is None:
            return None
        try:
            model = self.llm.name if self.llm is not None else ""
            return self.audit.record(
                answer,
                user_id=user_id,
                groups=groups,
                question=question,
                query=query,
                llm_model=model,
            )
        except Exception:
            log.exception("could not write the audit record")
            return None


def _quoted_in(note: str) -> dict[int, str]:
    """Passage number -> the text quoted just before its [n] marker."""
    found: dict[int, str] = {}
    for match in re.finditer(r"\u201c([^\u201d]+)\u201d\s*\[(\d+)\]", note):
        found.setdefault(int(match.group(2)), match.group(1))
    return found


def _cite(draft: _Draft) -> tuple[str, list[Citation]]:
    """Renumber [n] markers 1..m in order of first appearance, one number per document."""
    by_n = {p.n: p for p in draft.passages}
    doc_number: dict[int, int] = {}
    citations: list[Citation] = []

    def renumber(match: re.Match[str]) -> str:
        passage = by_n.get(int(match.group(1)))
        if passage is None:
            return ""
        doc = passage.hit.doc_id
        if doc not in doc_number:
            doc_number[doc] = len(citations) + 1
            quote = draft.quotes.get(passage.n) or passage.own[0]
            citations.append(
                Citation(
                    n=doc_number[doc],
                    doc_id=doc,
                    title=passage.hit.title,
                    date=passage.hit.date,
                    source=passage.hit.source,
                    quote=quote,
                )
            )
        return f"[{doc_number[doc]}]"

    return MARKER.sub(renumber, draft.body), citations
