"""The web console's section. Secrets are never settings: SLACK_CLIENT_ID, SLACK_CLIENT_SECRET
(Sign in with Slack) and CONSOLE_SESSION_SECRET (signs the session cookie) come from the
environment only.
"""

from __future__ import annotations

from pydantic import Field, field_validator

from twin.sections.base import Section

__all__ = ["ConsoleSettings"]


class ConsoleSettings(Section):
    """The web console for comms reviewers and corpus admins, served by `twin serve`."""

    enabled: bool = True
    # Where the console listens (its own port beside the Slack app's).
    host: str = "127.0.0.1"
    port: int = Field(3001, ge=1, le=65535)
    # The address people open (Sign in with Slack redirects back to PUBLIC_URL/auth/callback);
    # empty: http://localhost:PORT.
    public_url: str = ""
    # Sign in with Slack's authorize page; empty: derived from slack.api_base_url
    # (https://slack.com/api/ -> https://slack.com/openid/connect/authorize).
    authorize_url: str = ""
    # A local sign-in without Slack, for development only: whoever opens the console may sign in
    # as an admin and approver with the groups they type. Never enable it in production.
    dev_login: bool = False
    # How long a sign-in lasts.
    session_hours: float = Field(12, gt=0)
    # Session cookies are sent over HTTPS only (browsers treat http://localhost as secure).
    secure_cookies: bool = True

    @field_validator("public_url")
    @classmethod
    def _no_slash(cls, url: str) -> str:
        return url.rstrip("/")

    def base_url(self) -> str:
        return self.public_url or f"http://localhost:{self.port}"
