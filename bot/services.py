"""The bot's parts, built once per process from the settings and a Slack client.

This is where the parts are wired together; each part gets only the collaborators it uses.
"""

from __future__ import annotations

from slack_sdk import WebClient

from bot.admin import CorpusAdmin
from bot.admission import Admission
from bot.approvals import Approvals
from bot.asking import Asker
from bot.deliveries import AnswerOnce, Deliveries
from bot.directory import SlackDirectory
from bot.edits import EditCheck
from bot.home import Home
from bot.housekeeping import Housekeeper
from bot.nudges import Nudges
from bot.outbox import Outbox
from bot.posting import AnswerPoster
from bot.ratelimit import QuestionLimit
from bot.replies import StreamingSupport
from bot.store import ApprovalStore, EventLog, FeedbackStore
from bot.tasks import handlers
from bot.video import VideoReplies
from persona.answer import Answerer, make_llm
from persona.policy import Policy
from retrieval.corpus import Corpus
from twin.settings import Settings
from twin.tasks import task_runner

__all__ = ["Services"]


class Services:
    """The corpus, the answer pipeline, the stores and the Slack-side parts of one bot.
    `workspace`: an OAuth-installed workspace's key (bot.tenants), whose reviews and outbox
    messages these services keep apart from the other workspaces'."""

    def __init__(
        self,
        settings: Settings,
        client: WebClient,
        *,
        corpus: Corpus | None = None,
        answerer: Answerer | None = None,
        workspace: str | None = None,
    ) -> None:
        slack = settings.slack
        self.settings = settings
        self.slack = slack
        self.client = client
        self.corpus = corpus or Corpus(settings)
        self.sessions = self.corpus.sessions
        self.answerer = answerer or Answerer(settings, self.corpus, make_llm(settings.llm))
        self.tasks = task_runner(settings.tasks, handlers(self), workspace or "")  # read later
        self.events = EventLog(self.sessions)
        self.approvals_store = ApprovalStore(self.sessions, workspace)
        self.feedback = FeedbackStore(self.sessions)
        self.directory = SlackDirectory(
            client,
            watched=slack.user_groups,
            ttl_s=slack.groups_cache_s,
            default_groups=settings.access.default_groups,
            config_users=settings.access.users,
            role_groups=[*slack.approvers, *slack.admins],
        )
        self.poster = AnswerPoster(
            self.corpus, settings.access.default_groups, slack.max_message_chars
        )
        self.outbox = Outbox(self.sessions, workspace=workspace)
        self.approvals = Approvals(
            self.approvals_store, self.outbox, self.directory, self.poster, slack
        )
        self.nudges = Nudges(self.approvals_store, self.directory, slack)
        self.edits = EditCheck(
            Policy(settings.policy), self.answerer.unsupported, self.directory.groups_for
        )
        self.video = VideoReplies(
            settings, client, self.sessions, self.approvals_store, self.poster, self.tasks
        )
        self.asker = self._asker(settings)
        self.admin = CorpusAdmin(self.corpus, self.directory, settings)
        self.home = Home(self.corpus, settings.persona, slack.command)

    def _asker(self, settings: Settings) -> Asker:
        slack = settings.slack
        return Asker(
            answerer=self.answerer,
            directory=self.directory,
            poster=self.poster,
            approvals=self.approvals,
            video=self.video,
            limit=QuestionLimit(slack.rate_limit, slack.rate_window_s, slack.rate_limit_storage),
            admission=Admission(
                self.client,
                allow_guests=slack.allow_guests,
                allow_external=slack.allow_external,
                ttl_s=slack.groups_cache_s,
            ),
            streaming=StreamingSupport(slack.streaming),
            slack=slack,
            policy=settings.policy,
            once=AnswerOnce(Deliveries(self.sessions)),
        )

    def housekeeper(self) -> Housekeeper:
        return Housekeeper(
            self.client,
            self.outbox,
            self.nudges,
            self.events,
            every_s=self.slack.housekeeping_s,
            event_ttl_s=self.slack.event_ttl_s,
        )

    def close(self) -> None:
        self.tasks.close()
        self.video.stop()
