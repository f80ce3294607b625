"""The OAuth-mode app: bolt's install pages and per-workspace bots behind one endpoint.

The front App owns what is the same for every workspace: request signatures, the
/slack/install and /slack/oauth_redirect pages (bolt's OAuthSettings with our SQLAlchemy
installation and state stores) and authorization. Its one middleware hands each authorized
request to the bot of the request's workspace: a `Services` built for that installation (its
token, rotated; its user groups; its review channel, approvers and admins) and the same bolt
listeners as the single-workspace app, sharing the one corpus and answer pipeline. A bot is
built on its workspace's first request and rebuilt when that workspace's settings change.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import App, BoltContext, BoltRequest, BoltResponse
from slack_bolt.oauth.oauth_settings import OAuthSettings
from sqlalchemy import select

from bot.app import create_app
from bot.directory import SlackDirectory
from bot.housekeeping import Housekeeper
from bot.installs import (
    InstallationAuthorize,
    Installations,
    NotInstalled,
    Owner,
    RotatingClient,
    state_store,
)
from bot.outbox import PENDING as OUTBOX_PENDING
from bot.outbox import SENDING
from bot.services import Services
from bot.slack_client import retry_handlers, web_client
from bot.store import PENDING
from bot.tasks import handlers
from bot.workspaces import WorkspaceSettings
from twin.models import Approval, SlackOutbox
from twin.sections.slack import SlackSettings
from twin.settings import Settings
from twin.tasks import Handler

__all__ = [
    "INSTALL_PATH",
    "REDIRECT_PATH",
    "Tenant",
    "Tenants",
    "create_oauth_app",
    "worker_handlers",
]

log = logging.getLogger(__name__)

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
UNINSTALL_EVENTS = ("app_uninstalled", "tokens_revoked")
WAITING = (OUTBOX_PENDING, SENDING)


@dataclass
class Tenant:
    """One workspace's bot: its installation (the organisation's for an org-wide install),
    that workspace's settings, and its housekeeping (outbox, reminders, escalations)."""

    owner: Owner
    team_id: str | None
    slack: SlackSettings
    services: Services
    app: App
    housekeeper: Housekeeper

    def close(self) -> None:
        self.housekeeper.stop()
        self.services.close()


def workspace_key(owner: Owner, team_id: str | None) -> str:
    """The key a workspace's reviews and outbox messages carry: "E.../T.../org" or "-/T.../team"."""
    kind = "org" if owner.org_wide else "team"
    return f"{owner.enterprise_id or '-'}/{team_id or '-'}/{kind}"


def parse_key(key: str) -> tuple[Owner, str | None]:
    enterprise, team, kind = key.split("/")
    org_wide = kind == "org"
    team_id = None if team == "-" else team
    owner = Owner(
        None if enterprise == "-" else enterprise, None if org_wide else team_id, org_wide
    )
    return owner, team_id


class Tenants:
    def __init__(self, settings: Settings, installations: Installations, shared: Services) -> None:
        self.settings = settings
        self.installations = installations
        self.shared = shared  # the corpus and the answer pipeline every tenant uses
        self.authorize = InstallationAuthorize(installations)
        self.workspaces = WorkspaceSettings(shared.sessions)
        self._lock = threading.Lock()
        self._tenants: dict[tuple[Owner, str | None], Tenant] = {}

    def tenant(self, owner: Owner, team_id: str | None) -> Tenant:
        """The bot for workspace `team_id` of installation `owner` (built, or rebuilt when the
        workspace's settings changed)."""
        team_id = team_id or owner.team_id
        slack = self.workspaces.resolve(self.settings.slack, team_id, owner.enterprise_id)
        with self._lock:
            current = self._tenants.get((owner, team_id))
            if current is None or current.slack != slack:
                if current is not None:
                    current.close()
                current = self._build(owner, team_id, slack)
                self._tenants[(owner, team_id)] = current
            return current

    def for_key(self, key: str) -> Tenant:
        """The bot of the workspace a review or outbox message names (workspace_key)."""
        return self.tenant(*parse_key(key))

    def member_of(self, team_id: str, enterprise_id: str = "") -> Tenant | None:
        """The bot of the workspace a person signed in from (the console's Sign in with Slack
        names the team and, on Grid, the organisation), or None when the app is not installed
        there."""
        enterprise = enterprise_id or None
        owners = [Owner(enterprise, team_id)]
        if enterprise:
            owners.append(Owner(enterprise, None, org_wide=True))
        for owner in owners:
            try:
                self.installations.bot(owner)
            except NotInstalled:
                continue
            return self.tenant(owner, team_id)
        return None

    def access(
        self, team_id: str, enterprise_id: str = ""
    ) -> tuple[SlackDirectory, list[str], list[str]] | None:
        """(directory, approvers, admins) of that workspace, for the console's roles."""
        tenant = self.member_of(team_id, enterprise_id)
        if tenant is None:
            return None
        return tenant.services.directory, tenant.slack.approvers, tenant.slack.admins

    def all(self) -> list[Tenant]:
        with self._lock:
            return list(self._tenants.values())

    def start_known(self) -> int:
        """Build the bots of workspaces with reviews or outbox messages still waiting (after a
        restart), so their housekeeping runs before their next request; returns how many."""
        with self.shared.sessions() as session:
            keys = set(
                session.scalars(select(Approval.workspace).where(Approval.status == PENDING))
            )
            waiting = select(SlackOutbox.workspace).where(SlackOutbox.status.in_(WAITING))
            keys |= set(session.scalars(waiting))
        known = sorted(k for k in keys if k)
        for key in known:
            self.for_key(key)
        return len(known)

    def _build(self, owner: Owner, team_id: str | None, slack: SlackSettings) -> Tenant:
        settings = self.settings.model_copy(update={"slack": slack})
        client = RotatingClient(
            self.installations,
            owner,
            base_url=slack.api_base_url,
            retry_handlers=retry_handlers(slack.api_retries),
            team_id=team_id if owner.org_wide else None,  # which workspace an org token means
        )
        services = Services(
            settings,
            client,
            corpus=self.shared.corpus,
            answerer=self.shared.answerer,
            workspace=workspace_key(owner, team_id),
        )
        services.video.workspace = workspace_key(owner, team_id)
        services.video.clients = lambda key: self.for_key(key).services.client
        tokenless = web_client(None, slack.api_base_url, slack.api_retries)
        app = create_app(services, authorize=self.authorize, client=tokenless)
        log.info("serving workspace %s of %s", team_id, owner)
        return Tenant(owner, team_id, slack, services, app, services.housekeeper().start())

    def close(self) -> None:
        for tenant in self.all():
            tenant.close()


def worker_handlers(shared: Services, tenants: Tenants | None) -> dict[str, Handler]:
    """A `twin worker`'s task handlers: a task published by a workspace's bot (OAuth mode)
    names its workspace key and runs on that workspace's services (its token, its settings);
    any other on `shared`."""
    own = handlers(shared)

    def routed(name: str) -> Handler:
        def run(*args: Any, workspace: str = "") -> None:
            if workspace and tenants is not None:
                handlers(tenants.for_key(workspace).services)[name](*args)
            else:
                own[name](*args)

        return run

    return {name: routed(name) for name in own}


def owner_of(context: BoltContext) -> Owner:
    org_wide = bool(context.is_enterprise_install)
    return Owner(context.enterprise_id, None if org_wide else context.team_id, org_wide)


def _route(tenants: Tenants) -> Callable[..., BoltResponse]:
    def middleware(
        req: BoltRequest, context: BoltContext, next: Callable[[], BoltResponse]
    ) -> BoltResponse:
        if (req.body.get("event") or {}).get("type") in UNINSTALL_EVENTS:
            return next()  # bolt's own listeners delete the installation
        tenant = tenants.tenant(owner_of(context), context.team_id)
        return tenant.app.dispatch(req)

    return middleware


def authorization_url(api_base_url: str) -> str:
    """Slack's authorize page beside its Web API (https://slack.com/api/ ->
    https://slack.com/oauth/v2/authorize), or the emulator's."""
    return api_base_url.removesuffix("/").removesuffix("/api") + "/oauth/v2/authorize"


def create_oauth_app(
    settings: Settings,
    tenants: Tenants,
    *,
    client_id: str,
    client_secret: str,
    signing_secret: str,
    scopes: list[str],
) -> App:
    """The front App: OAuth install pages, signature checks, authorization, then the tenant."""
    slack = settings.slack
    client = web_client(None, slack.api_base_url, slack.api_retries)
    oauth = OAuthSettings(
        client_id=client_id,
        client_secret=client_secret,
        scopes=scopes,
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        redirect_uri=slack.oauth_redirect_url or None,
        authorization_url=authorization_url(slack.api_base_url),
        installation_store=tenants.installations.store,
        installation_store_bot_only=True,
        state_store=state_store(tenants.installations.store.engine),
        token_rotation_expiration_minutes=slack.rotate_before_min,
    )
    oauth.authorize = tenants.authorize
    app = App(
        client=client,
        signing_secret=signing_secret,
        request_verification_enabled=bool(signing_secret),
        oauth_settings=oauth,
        installation_store_bot_only=True,
        process_before_response=False,
    )
    app.use(_route(tenants))
    return app
