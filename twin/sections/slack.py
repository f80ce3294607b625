"""The Slack front door's section. Tokens are never settings: SLACK_BOT_TOKEN,
SLACK_SIGNING_SECRET, SLACK_APP_TOKEN, SLACK_CLIENT_ID and SLACK_CLIENT_SECRET come from the
environment only.
"""

from __future__ import annotations

from pydantic import Field, field_validator

from twin.sections.base import Section

__all__ = ["SlackSettings"]


class SuggestedPrompt(Section):
    title: str
    message: str


class SlackSettings(Section):
    """The Slack front door: where it listens, who decides, and how answers are posted."""

    # Web API base URL (ends with "/"): Slack itself, an enterprise proxy, or a local emulator.
    api_base_url: str = "https://slack.com/api/"
    # How often a Web API call is retried on a 429 (after its Retry-After), a 500/503 or a
    # dropped connection before the error counts.
    api_retries: int = Field(3, ge=0, le=10)
    # HTTP mode (no SLACK_APP_TOKEN): where `twin serve` listens; requests arrive at /slack/events.
    host: str = "0.0.0.0"
    port: int = Field(3000, ge=1, le=65535)

    # Slash commands, as created in the Slack app (see deploy/slack/manifest.yaml).
    command: str = Field("/ask-elena", pattern=r"^/[a-z0-9_-]{1,31}$")
    admin_command: str = Field("/twin-admin", pattern=r"^/[a-z0-9_-]{1,31}$")

    # OAuth installs (SLACK_CLIENT_ID/SLACK_CLIENT_SECRET, no SLACK_BOT_TOKEN): the redirect URL
    # registered in the app (empty: Slack uses the app's only one), and how many minutes before
    # a rotating bot token expires it is refreshed. review_channel, approvers, admins and
    # admin_channel may differ per workspace (bot.workspaces).
    oauth_redirect_url: str = ""
    rotate_before_min: int = Field(120, ge=1, le=720)

    # Comms approval: the channel (ID) that reviews flagged answers, and who may decide:
    # user IDs (U...) or user-group IDs (S...). Reminder after an approval waits remind_after_s.
    # A waiting review is escalated once after escalate_after_s: the approver groups are
    # mentioned (<!subteam^ID>) and the employee is told it is still waiting.
    review_channel: str = ""
    approvers: list[str] = []
    remind_after_s: float = Field(3600, gt=0)
    escalate_after_s: float = Field(14400, gt=0)

    # Corpus admins (user IDs or user-group IDs), and a channel (ID) where they may upload files
    # (a DM to the bot always works for admins).
    admins: list[str] = []
    admin_channel: str = ""

    # Access control: Slack user groups whose members get the group's handle (e.g. "exec") as a
    # group. Empty: every user group of the workspace. Membership is cached for groups_cache_s.
    user_groups: list[str] = []
    groups_cache_s: float = Field(300, ge=0)

    # Streaming: chat.startStream/appendStream/stopStream where the workspace has them; else the
    # answer is posted and edited with chat.update at most every update_interval_s seconds.
    streaming: bool = True
    update_interval_s: float = Field(1.0, ge=0)
    # Longest message part in characters (a section block holds 3000); longer answers are split.
    max_message_chars: int = Field(3000, ge=200, le=3000)

    # Who may ask: guests (single- and multi-channel) and Slack Connect users from another
    # organisation are refused unless allowed here.
    allow_guests: bool = False
    allow_external: bool = False

    # Per-user rate limit: at most rate_limit questions in rate_window_s seconds. The counts
    # live in rate_limit_storage: "memory://" (per process) or a Redis URL
    # ("redis://host:6379/0") so the limit holds across every process of the bot.
    rate_limit: int = Field(6, ge=1)
    rate_window_s: float = Field(60, gt=0)
    rate_limit_storage: str = Field("memory://", pattern=r"^(memory|redis|rediss)://")

    # Video replies (render jobs); false: the button explains they are not enabled.
    video_replies: bool = True
    # Channels (IDs) where every posted answer also gets a video reply automatically.
    video_channels: list[str] = []

    # Slack's AI assistant surface: the greeting and the suggested prompts of a new thread.
    assistant_greeting: str = (
        "Hi! I'm an AI twin: I answer from the CEO's own memos and meetings, with sources."
    )
    suggested_prompts: list[SuggestedPrompt] = [
        SuggestedPrompt(title="Strategy", message="What is our strategy for this year?"),
        SuggestedPrompt(title="Remote work", message="What is our policy on remote work?"),
    ]

    # Threads that run listeners (acks and the answering after them): questions answered at
    # once in this process.
    listener_threads: int = Field(16, ge=2, le=256)

    # Seconds between housekeeping rounds (approval reminders, old event ids), and how long
    # delivered event ids are kept for deduplication.
    housekeeping_s: float = Field(60, gt=0)
    event_ttl_s: float = Field(86400, gt=0)

    @field_validator("approvers", "admins", "user_groups", "video_channels")
    @classmethod
    def _strip(cls, values: list[str]) -> list[str]:
        return [v.strip() for v in values if v.strip()]

    @field_validator("api_base_url")
    @classmethod
    def _slash(cls, url: str) -> str:
        return url if url.endswith("/") else url + "/"

    @property
    def command_name(self) -> str:
        """The persona part of the slash command ("/ask-elena" -> "elena")."""
        return self.command.removeprefix("/").removeprefix("ask-")
