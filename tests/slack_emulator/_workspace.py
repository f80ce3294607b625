"""The emulated workspace: everything Slack would hold, behind one lock and one condition."""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from ._delivery import Delivery
from ._ids import IdFactory, TsClock
from ._model import (
    AppIdentity,
    Call,
    Channel,
    JsonDict,
    ResponsePost,
    TokenInfo,
    UploadedFile,
    User,
    UserGroup,
)

if TYPE_CHECKING:
    from ._grid import Grid

T = TypeVar("T")


@dataclass
class Trigger:
    id: str
    user: str
    issued_at: float = field(default_factory=time.monotonic)
    used: bool = False


@dataclass
class ResponseTarget:
    """Where a response_url posts to: the user, the channel and the message acted on."""

    id: str
    user: str
    channel: str | None
    message_ts: str | None = None
    thread_ts: str | None = None
    uses: int = 0


@dataclass
class Stream:
    """A message being streamed with chat.startStream / appendStream / stopStream."""

    channel: str
    ts: str
    chunks: list[JsonDict] = field(default_factory=list)
    open: bool = True


@dataclass
class Throttle:
    """Slack's rate limit, made predictable: every `every`-th call of `methods` (of every
    method when empty) is answered 429 `ratelimited` with a Retry-After of `retry_after` s."""

    every: int
    retry_after: int = 0
    methods: frozenset[str] = frozenset()
    counted: int = 0

    def hit(self, method: str) -> bool:
        if self.every <= 0 or (self.methods and method not in self.methods):
            return False
        self.counted += 1
        return self.counted % self.every == 0


class Workspace:
    """State plus the lock that guards it; `changed` is notified after every mutation."""

    def __init__(
        self,
        identity: AppIdentity,
        tokens: Iterable[str],
        trigger_ttl: float = 3.0,
        *,
        scopes: frozenset[str] | None = None,
        ids: IdFactory | None = None,
    ) -> None:
        self.identity = identity
        self.tokens: dict[str, TokenInfo] = {t: TokenInfo(scopes) for t in tokens}  # bot tokens
        self.app_tokens: dict[str, TokenInfo] = {}  # app-level tokens (xapp-): Socket Mode
        self.org_install = False  # the app is installed org-wide (events say so)
        self.grid: Grid | None = None  # the teams this one is among
        self.trigger_ttl = trigger_ttl
        self.streaming = True
        self.throttle = Throttle(0)
        self.base_url = ""
        self.ids = ids or IdFactory()
        self.clock = TsClock()
        self.changed = threading.Condition(threading.RLock())
        self.users: dict[str, User] = {}
        self.groups: dict[str, UserGroup] = {}
        self.channels: dict[str, Channel] = {}
        self.history: dict[str, list[JsonDict]] = {}
        self.ephemerals: list[JsonDict] = []
        self.views: dict[str, JsonDict] = {}
        self.view_users: dict[str, str] = {}
        self.home_views: dict[str, str] = {}
        self.closed_views: set[str] = set()
        self.files: dict[str, UploadedFile] = {}
        self.triggers: dict[str, Trigger] = {}
        self.response_targets: dict[str, ResponseTarget] = {}
        self.streams: dict[tuple[str, str], Stream] = {}
        self.statuses: dict[tuple[str, str], str] = {}
        self.prompts: dict[tuple[str, str], JsonDict] = {}
        self.calls: list[Call] = []
        self.responses: list[ResponsePost] = []
        self.deliveries: list[Delivery] = []
        self.oidc_codes: dict[str, Any] = {}  # Sign in with Slack: one-time code -> grant
        self.user_tokens: dict[str, str] = {}  # user token -> user id
        self.signed_in: str | None = None  # who the emulated browser is signed in to Slack as
        self._add_bot_user()

    # -- locking -----------------------------------------------------------------------------

    def read(self, reader: Callable[[], T]) -> T:
        """Run `reader` under the lock and hand back a deep copy of what it returns."""
        with self.changed:
            return copy.deepcopy(reader())

    def mutate(self, change: Callable[[], T]) -> T:
        with self.changed:
            result = change()
            self.changed.notify_all()
            return result

    def record(self, call: Call) -> None:
        self.mutate(lambda: self.calls.append(call))

    # -- directory ---------------------------------------------------------------------------

    def _add_bot_user(self) -> None:
        bot = User(self.identity.bot_user_id, self.identity.bot_name, is_bot=True)
        self.users[bot.id] = bot

    def add_user(self, user: User) -> User:
        self.users[user.id] = user
        for channel in self.channels.values():
            if channel.name == "general":
                channel.members.add(user.id)
        return user

    def add_channel(self, name: str, members: Iterable[str], private: bool = False) -> Channel:
        channel_id = self.ids.new("G" if private else "C")
        channel = Channel(channel_id, name, set(members), is_private=private)
        self.channels[channel_id] = channel
        self.history[channel_id] = []
        return channel

    def dm_channel(self, user: str) -> Channel:
        """The app's DM with `user`, opened on first use."""
        for channel in self.channels.values():
            if channel.is_im and channel.user == user:
                return channel
        channel = Channel(
            self.ids.new("D"), user, {user, self.identity.bot_user_id}, True, user=user
        )
        self.channels[channel.id] = channel
        self.history[channel.id] = []
        return channel

    def resolve_channel(self, ref: str) -> Channel | None:
        """A channel by id, by #name, or the DM with a user id (as chat.postMessage accepts)."""
        if ref in self.channels:
            return self.channels[ref]
        if ref[:1] in ("U", "W") and ref in self.users:
            return self.dm_channel(ref)
        name = ref.removeprefix("#")
        return next((c for c in self.channels.values() if c.name == name and not c.is_im), None)

    # -- messages ----------------------------------------------------------------------------

    def post(self, channel: str, message: JsonDict, thread_ts: str | None = None) -> JsonDict:
        message = {**message, "ts": self.clock.next()}
        if thread_ts:
            message["thread_ts"] = thread_ts
            self._count_reply(channel, thread_ts, message)
        self.history[channel].append(message)
        return message

    def _count_reply(self, channel: str, thread_ts: str, reply: JsonDict) -> None:
        parent = self.find(channel, thread_ts)
        if parent is None or parent is reply:
            return
        parent["thread_ts"] = parent["ts"]
        parent["reply_count"] = parent.get("reply_count", 0) + 1
        reply_users = parent.setdefault("reply_users", [])
        if reply.get("user") and reply["user"] not in reply_users:
            reply_users.append(reply["user"])
        parent["reply_users_count"] = len(reply_users)
        parent["latest_reply"] = reply["ts"]
        reply["parent_user_id"] = parent.get("user")

    def find(self, channel: str, ts: str) -> JsonDict | None:
        return next((m for m in self.history.get(channel, []) if m["ts"] == ts), None)

    def delete(self, channel: str, ts: str) -> bool:
        message = self.find(channel, ts)
        if message is not None:
            self.history[channel].remove(message)
        return message is not None

    def thread(self, channel: str, ts: str) -> list[JsonDict]:
        """The thread `ts` belongs to: its parent first, then the replies in order."""
        message = self.find(channel, ts)
        if message is None:
            return []
        root = message.get("thread_ts", ts)
        return [m for m in self.history[channel] if m["ts"] == root or m.get("thread_ts") == root]

    def is_streaming(self, channel: str, ts: str) -> bool:
        stream = self.streams.get((channel, ts))
        return stream is not None and stream.open

    # -- views, triggers, response URLs ------------------------------------------------------

    def issue_trigger(self, user: str) -> str:
        trigger = Trigger(self.ids.trigger(), user)
        self.triggers[trigger.id] = trigger
        return trigger.id

    def new_response_url(
        self, user: str, channel: str | None, message_ts: str | None, thread_ts: str | None
    ) -> str:
        target = ResponseTarget(self.ids.new("R"), user, channel, message_ts, thread_ts)
        self.response_targets[target.id] = target
        return f"{self.base_url}/response/{target.id}"
