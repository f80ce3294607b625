"""SlackEmulator: a local Slack for tests — Web API server, workspace state, delivery to the app."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from types import TracebackType
from typing import Any, Self, TypeVar

from ._actions import UserActions
from ._delivery import ACK_DEADLINE, Courier, Delivery
from ._grid import Grid
from ._installs import Installs
from ._model import (
    AppIdentity,
    Call,
    Channel,
    JsonDict,
    ResponsePost,
    User,
    UserGroup,
    user_id_of,
)
from ._openid import CLIENT_ID, CLIENT_SECRET
from ._scopes import manifest_bot_scopes
from ._server import ApiServer
from ._workspace import Throttle, Workspace

T = TypeVar("T")

DEFAULT_SUBSCRIPTIONS = frozenset(
    {
        "app_mention",
        "message.im",
        "message.channels",
        "message.groups",
        "assistant_thread_started",
        "assistant_thread_context_changed",
        "app_home_opened",
    }
)


class SlackEmulator(UserActions, Installs):
    """A Slack workspace on loopback, with the app under test installed in it.

    Point the app's WebClient at `api_url`, point `request_url` at the app's HTTP endpoint,
    then act as users (`dm`, `mention`, `click`, `slash`, ...) and assert on what the app did
    (`calls`, `messages`, `thread`, `views`, `uploaded_file`, ...), waiting with `wait_for`.
    """

    def __init__(
        self,
        *,
        bot_token: str = "xoxb-emulator-bot-token",
        signing_secret: str = "emulator-signing-secret",
        request_url: str | None = None,
        identity: AppIdentity | None = None,
        streaming: bool = True,
        subscriptions: Iterable[str] = DEFAULT_SUBSCRIPTIONS,
        ack_timeout: float = ACK_DEADLINE,
        trigger_ttl: float = 3.0,
        extra_tokens: Iterable[str] = (),
        scopes: Iterable[str] | None = None,
    ) -> None:
        """`scopes`: the bot token's (default: the app manifest's bot scopes)."""
        self.grid = Grid()
        self.courier = Courier(signing_secret, request_url, ack_timeout)
        self._server: ApiServer | None = ApiServer(self.grid)
        granted = manifest_bot_scopes() if scopes is None else frozenset(scopes)
        tokens = (bot_token, *extra_tokens)
        self._join(identity or AppIdentity(), tokens, granted, subscriptions, trigger_ttl)
        self.bot_token = bot_token
        self.workspace.streaming = streaming

    def _join(
        self,
        identity: AppIdentity,
        tokens: Iterable[str],
        scopes: frozenset[str],
        subscriptions: Iterable[str],
        trigger_ttl: float,
    ) -> None:
        self.identity = identity
        self.signing_secret = self.courier.signing_secret
        self.subscriptions = frozenset(subscriptions)
        ws = Workspace(identity, tokens, trigger_ttl, scopes=scopes, ids=self.grid.ids)
        self.workspace = self.grid.add(ws)
        self.general = self.workspace.add_channel("general", {self.identity.bot_user_id})

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> Self:
        if self._server is not None:
            self._server.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
        if self.grid.socket is not None and self._server is not None:
            self.grid.socket.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def add_team(
        self, name: str, *, enterprise_id: str | None = None, enterprise_name: str = ""
    ) -> SlackEmulator:
        """Another workspace of this Slack (of the Grid organisation `enterprise_id`), with
        the app not yet installed in it: act in it through the returned emulator."""
        ids = self.grid.ids
        sibling = next(
            (
                t
                for t in self.grid.teams.values()
                if enterprise_id and t.identity.enterprise_id == enterprise_id
            ),
            None,
        )  # the app's bot user is one user in the whole organisation
        identity = replace(
            self.identity,
            team_id=ids.new("T"),
            team_domain=name.lower().replace(" ", "-"),
            team_name=name,
            bot_id=sibling.identity.bot_id if sibling else ids.new("B"),
            bot_user_id=sibling.identity.bot_user_id if sibling else ids.new("U"),
            enterprise_id=enterprise_id,
            enterprise_name=enterprise_name,
        )
        team = SlackEmulator.__new__(SlackEmulator)
        team.grid, team.courier, team._server, team.bot_token = self.grid, self.courier, None, ""
        team._join(identity, (), frozenset(), self.subscriptions, self.workspace.trigger_ttl)
        return team

    @property
    def base_url(self) -> str:
        return self.workspace.base_url

    @property
    def api_url(self) -> str:
        """For `WebClient(base_url=...)`: ends with "/api/" like https://slack.com/api/."""
        return f"{self.workspace.base_url}/api/"

    @property
    def request_url(self) -> str | None:
        return self.courier.request_url

    @request_url.setter
    def request_url(self, url: str | None) -> None:
        self.courier.request_url = url

    @property
    def ack_timeout(self) -> float:
        """Seconds a delivery waits for the app's answer (Slack: 3) before giving up."""
        return self.courier.timeout

    @ack_timeout.setter
    def ack_timeout(self, seconds: float) -> None:
        self.courier.timeout = seconds

    @property
    def streaming(self) -> bool:
        return self.workspace.streaming

    @streaming.setter
    def streaming(self, enabled: bool) -> None:
        self.workspace.streaming = enabled

    def rate_limit(self, every: int, *, retry_after: int = 0, methods: Iterable[str] = ()) -> None:
        """Answer every `every`-th Web API call (of `methods`, or of all) with HTTP 429
        `ratelimited` and a Retry-After of `retry_after` seconds, as Slack does under load;
        `every=0` stops it."""
        throttle = Throttle(every, retry_after, frozenset(methods))
        self.workspace.mutate(lambda: setattr(self.workspace, "throttle", throttle))

    # -- Sign in with Slack (OpenID Connect) -------------------------------------------------

    client_id = CLIENT_ID
    client_secret = CLIENT_SECRET

    @property
    def authorize_url(self) -> str:
        return f"{self.workspace.base_url}/openid/connect/authorize"

    def sign_in_browser_as(self, user: str | User | None) -> None:
        """The emulated browser's Slack session: authorize redirects at once as this user
        (None: the authorize page lists the workspace's people to choose from)."""
        who = user_id_of(user) if user is not None else None
        with self.grid.lock:
            teams = list(self.grid.teams.values())
        for team in teams:
            team.mutate(lambda t=team: setattr(t, "signed_in", None))  # one browser session
        self.workspace.mutate(lambda: setattr(self.workspace, "signed_in", who))

    @property
    def bot_user_id(self) -> str:
        return self.identity.bot_user_id

    # -- setting up the workspace ------------------------------------------------------------

    def add_user(self, name: str, *, id: str | None = None, **profile: Any) -> User:
        """A person in the workspace (and in #general). `profile`: User fields, e.g. real_name."""
        ws = self.workspace
        return ws.mutate(lambda: ws.add_user(User(id or ws.ids.new("U"), name, **profile)))

    def add_usergroup(self, handle: str, users: Iterable[str | User], name: str = "") -> UserGroup:
        group = UserGroup(self.workspace.ids.new("S"), handle, name or handle)
        group.users = [user_id_of(u) for u in users]
        return self.workspace.mutate(lambda: self.workspace.groups.setdefault(group.id, group))

    def add_channel(
        self,
        name: str,
        *,
        members: Iterable[str | User] | None = None,
        private: bool = False,
        bot_member: bool = True,
    ) -> Channel:
        """A channel; members default to every user. `bot_member=False` to test not_in_channel."""
        ws, bot = self.workspace, self.bot_user_id

        def create() -> Channel:
            people = {u for u, user in ws.users.items() if not user.is_bot}
            ids = {user_id_of(u) for u in members} if members is not None else people
            return ws.add_channel(name, ids | {bot} if bot_member else ids - {bot}, private)

        return ws.mutate(create)

    def dm_channel(self, user: str | User) -> str:
        """The id of the app's DM with `user`."""
        return self._dm(user)

    def issue_trigger(self, user: str | User) -> str:
        """A fresh trigger_id for `user`, as Slack puts in interaction payloads."""
        return self.workspace.mutate(lambda: self.workspace.issue_trigger(user_id_of(user)))

    # -- what happened -----------------------------------------------------------------------

    def calls(self, method: str | None = None) -> list[Call]:
        """Web API calls in arrival order, all or for one method."""
        return self.workspace.read(
            lambda: [c for c in self.workspace.calls if method is None or c.method == method]
        )

    def messages(self, channel: str | Channel) -> list[JsonDict]:
        """Every message in the channel, replies included, oldest first."""
        channel_id = self._channel(channel).id
        return self.workspace.read(lambda: self.workspace.history[channel_id])

    def message(self, channel: str | Channel, ts: str) -> JsonDict | None:
        channel_id = self._channel(channel).id
        return self.workspace.read(lambda: self.workspace.find(channel_id, ts))

    def thread(self, channel: str | Channel, ts: str) -> list[JsonDict]:
        """The thread `ts` is in: parent first, then replies."""
        channel_id = self._channel(channel).id
        return self.workspace.read(lambda: self.workspace.thread(channel_id, ts))

    def ephemerals(self, user: str | User | None = None) -> list[JsonDict]:
        """Ephemeral messages as {"channel", "user", "message"}, optionally for one user."""
        user_id = None if user is None else user_id_of(user)
        return self.workspace.read(
            lambda: [e for e in self.workspace.ephemerals if user_id in (None, e["user"])]
        )

    def view(self, view_id: str) -> JsonDict | None:
        return self.workspace.read(lambda: self.workspace.views.get(view_id))

    def views(self, user: str | User | None = None, *, open_only: bool = False) -> list[JsonDict]:
        """Views opened, pushed or published, oldest first; `open_only` skips closed modals."""
        user_id = None if user is None else user_id_of(user)
        ws = self.workspace

        def wanted(view_id: str) -> bool:
            mine = user_id is None or ws.view_users[view_id] == user_id
            return mine and not (open_only and view_id in ws.closed_views)

        return ws.read(lambda: [v for v_id, v in ws.views.items() if wanted(v_id)])

    def home_view(self, user: str | User) -> JsonDict | None:
        ws = self.workspace
        return ws.read(lambda: ws.views.get(ws.home_views.get(user_id_of(user), "")))

    def uploaded_file(self, file_id: str) -> bytes | None:
        """The bytes uploaded for `file_id`, or None if nothing arrived."""
        return self.workspace.read(
            lambda: getattr(self.workspace.files.get(file_id), "content", None)
        )

    def responses(self) -> list[ResponsePost]:
        """What the app POSTed to response_urls, in order."""
        return self.workspace.read(lambda: self.workspace.responses)

    def deliveries(self, kind: str | None = None) -> list[Delivery]:
        return self.workspace.read(
            lambda: [d for d in self.workspace.deliveries if kind is None or d.kind == kind]
        )

    def assistant_status(self, channel: str, thread_ts: str) -> str | None:
        """The status an assistant thread shows ("is thinking..."), None once cleared."""
        return self.workspace.read(lambda: self.workspace.statuses.get((channel, thread_ts)))

    def suggested_prompts(self, channel: str, thread_ts: str = "") -> JsonDict | None:
        return self.workspace.read(lambda: self.workspace.prompts.get((channel, thread_ts)))

    # -- waiting for the app -----------------------------------------------------------------

    def wait_for(self, predicate: Callable[[], T], timeout: float = 5.0, what: str = "") -> T:
        """Return predicate()'s first truthy value, re-checked on every workspace change."""
        deadline = time.monotonic() + timeout
        with self.workspace.changed:
            while not (result := predicate()):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(
                        f"timed out after {timeout}s waiting for {what or predicate}"
                    )
                self.workspace.changed.wait(min(remaining, 0.1))
            return result

    def wait_for_call(
        self, method: str, where: Callable[[Call], bool] = lambda call: True, timeout: float = 5.0
    ) -> Call:
        """The first recorded call of `method` that satisfies `where`."""

        def found() -> Call | None:
            return next((c for c in self.calls(method) if where(c)), None)

        return self.wait_for(found, timeout, f"a {method} call")

    def wait_for_message(
        self,
        channel: str | Channel,
        where: Callable[[JsonDict], bool] | None = None,
        *,
        thread_ts: str | None = None,
        timeout: float = 5.0,
    ) -> JsonDict:
        """The first message in the channel (or thread) matching `where` (default: one the app
        posted)."""
        test = where or (lambda message: message.get("bot_id") == self.identity.bot_id)

        def found() -> JsonDict | None:
            pool = self.thread(channel, thread_ts) if thread_ts else self.messages(channel)
            return next((m for m in pool if test(m)), None)

        return self.wait_for(found, timeout, f"a message in {channel}")
