"""What the listeners use, built once per process from the settings and a Slack client."""

from __future__ import annotations

from slack_sdk import WebClient

from bot.admin import CorpusAdmin
from bot.approvals import Approvals
from bot.asking import Asker
from bot.directory import SlackDirectory
from bot.limits import RateLimiter
from bot.replies import StreamingSupport
from bot.store import ApprovalStore, EventLog, FeedbackStore
from bot.video import VideoReplies
from persona.answer import Answerer, make_llm
from retrieval.corpus import Corpus
from twin.settings import Settings

__all__ = ["Services"]


class Services:
    """The corpus, the answer pipeline, the stores and the Slack-side helpers of one bot."""

    def __init__(
        self,
        settings: Settings,
        client: WebClient,
        *,
        corpus: Corpus | None = None,
        answerer: Answerer | None = None,
    ) -> None:
        self.settings = settings
        self.slack = settings.slack
        self.client = client
        self.corpus = corpus or Corpus(settings)
        self.sessions = self.corpus.sessions
        self.answerer = answerer or Answerer(settings, self.corpus, make_llm(settings.llm))
        self.events = EventLog(self.sessions)
        self.approvals_store = ApprovalStore(self.sessions)
        self.feedback = FeedbackStore(self.sessions)
        self.directory = SlackDirectory(
            client,
            watched=self.slack.user_groups,
            ttl_s=self.slack.groups_cache_s,
            default_groups=settings.access.default_groups,
            config_users=settings.access.users,
            role_groups=[*self.slack.approvers, *self.slack.admins],
        )
        self.limiter = RateLimiter(self.slack.rate_limit, self.slack.rate_window_s)
        self.streaming = StreamingSupport(self.slack.streaming)
        self.asker = Asker(self)
        self.approvals = Approvals(self)
        self.admin = CorpusAdmin(self)
        self.video = VideoReplies(self)

    def close(self) -> None:
        self.video.stop()
