"""What people do in Slack: each action changes the workspace first, then notifies the app."""

from __future__ import annotations

import copy
from typing import Any

from ._delivery import Delivery
from ._interactions import (
    ack_body,
    apply_command_ack,
    apply_view_ack,
    block_actions,
    shortcut,
    view_submission,
)
from ._messages import mentions, user_message
from ._model import Channel, JsonDict, UploadedFile, User, user_id_of
from ._payloads import (
    app_home_opened_event,
    app_mention_event,
    assistant_thread_event,
    file_shared_event,
    message_event,
    slash_command,
)
from ._sending import Sender

MESSAGE_SUBSCRIPTION = {
    "im": "message.im",
    "channel": "message.channels",
    "group": "message.groups",
}


class UserActions(Sender):
    """High-level helpers: a user types, mentions, clicks, submits, runs a command, uploads."""

    subscriptions: frozenset[str]

    # -- messages ----------------------------------------------------------------------------

    def say(
        self, user: str | User, channel: str | Channel, text: str, *, thread_ts: str | None = None
    ) -> list[Delivery]:
        """Post `text` as `user`, then deliver every event the app subscribed to for it."""
        message, where = self._post(self._user(user), self._channel(channel), text, thread_ts)
        return self._message_events(message, where)

    def dm(self, user: str | User, text: str, *, thread_ts: str | None = None) -> Delivery:
        """A direct message to the app (message.im)."""
        return self._one(self.say(user, self._dm(user), text, thread_ts=thread_ts), "message")

    def mention(
        self, user: str | User, channel: str | Channel, text: str, *, thread_ts: str | None = None
    ) -> Delivery:
        """A message in a channel that @-mentions the app; returns the app_mention delivery."""
        bot = self.workspace.identity.bot_user_id
        text = text if bot in mentions(text) else f"<@{bot}> {text}"
        return self._one(self.say(user, channel, text, thread_ts=thread_ts), "app_mention")

    def share_file(
        self,
        user: str | User,
        channel: str | Channel,
        filename: str,
        content: bytes,
        *,
        text: str = "",
        thread_ts: str | None = None,
    ) -> list[Delivery]:
        """A user uploads a file into a channel: a file_share message, then file_shared."""
        person, where = self._user(user), self._channel(channel)
        message, file_id = self.workspace.mutate(
            lambda: self._post_file(person, where, filename, content, text, thread_ts)
        )
        deliveries = self._message_events(message, where)
        if "file_shared" in self.subscriptions:
            event = file_shared_event(file_id, person.id, where.id, message["ts"])
            deliveries.append(self.send_event(event))
        return deliveries

    # -- assistant threads and App Home ------------------------------------------------------

    def start_assistant_thread(
        self, user: str | User, context_channel: str | None = None
    ) -> Delivery:
        """The user opens the app's assistant container: a new thread in their DM."""
        person = self._user(user)
        dm = self._dm(person)
        root = {
            "type": "message",
            "subtype": "assistant_app_thread",
            "user": self.workspace.identity.bot_user_id,
            "text": "New Assistant Thread",
            "team": self.workspace.identity.team_id,
            "assistant_app_thread": {"title": "", "title_blocks": [], "artifacts": []},
        }
        posted = self.workspace.mutate(lambda: self.workspace.post(dm, root))
        kind = "assistant_thread_started"
        return self._assistant_event(kind, person, dm, posted["ts"], context_channel)

    def change_assistant_context(
        self, user: str | User, thread_ts: str, context_channel: str | None
    ) -> Delivery:
        """The user moves to another channel while the assistant container is open."""
        person = self._user(user)
        kind = "assistant_thread_context_changed"
        return self._assistant_event(kind, person, self._dm(person), thread_ts, context_channel)

    def open_home(self, user: str | User, tab: str = "home") -> Delivery:
        """The user opens the app's Home (or Messages) tab: app_home_opened."""
        person = self._user(user)
        ws = self.workspace
        view = ws.read(lambda: ws.views.get(ws.home_views.get(person.id, "")))
        event = app_home_opened_event(person.id, self._dm(person), tab, view, ws.clock.next())
        return self.send_event(event)

    # -- interactivity and commands ----------------------------------------------------------

    def click(
        self, user: str | User, target: JsonDict, action_id: str, value: Any = None
    ) -> Delivery:
        """Click (or select) the element `action_id` in a message, ephemeral or view."""
        person = self._user(user)
        ws = self.workspace
        payload = ws.mutate(lambda: block_actions(ws, person, target, action_id, value))
        return self.send_interaction(payload)

    def submit_view(
        self, user: str | User, view: JsonDict | str, values: dict[str, dict[str, Any]]
    ) -> Delivery:
        """Submit a modal with `values` as {block_id: {action_id: value}}; applies the ack."""
        person, view_id = self._user(user), view if isinstance(view, str) else view["id"]
        ws = self.workspace
        payload = ws.mutate(lambda: view_submission(ws, person, view_id, values))
        delivery = self.send_interaction(payload)
        if delivery.ok:
            ws.mutate(lambda: apply_view_ack(ws, person, view_id, ack_body(delivery)))
        return delivery

    def slash(
        self, user: str | User, command: str, text: str = "", channel: str | Channel | None = None
    ) -> Delivery:
        """Run a slash command (in #general unless `channel` is given)."""
        person, where = self._user(user), self._channel(channel or "general")
        ws = self.workspace
        extra = ws.mutate(
            lambda: {
                "response_url": ws.new_response_url(person.id, where.id, None, None),
                "trigger_id": ws.issue_trigger(person.id),
            }
        )
        delivery = self.send_command(
            slash_command(ws.identity, person, where, command, text, extra, ws.org_install)
        )
        ack = ack_body(delivery)
        if ack:
            ws.mutate(lambda: apply_command_ack(ws, person, where, ack))
        return delivery

    def shortcut(
        self, user: str | User, callback_id: str, message: JsonDict | None = None
    ) -> Delivery:
        """A global shortcut, or a message shortcut when `message` is given."""
        person = self._user(user)
        ws = self.workspace
        payload = ws.mutate(lambda: shortcut(ws, person, callback_id, message))
        return self.send_interaction(payload)

    # -- helpers -----------------------------------------------------------------------------

    def _user(self, user: str | User) -> User:
        user_id = user_id_of(user)
        found = self.workspace.read(lambda: self.workspace.users.get(user_id))
        if found is None:
            raise ValueError(f"no user {user_id!r} in the emulated workspace")
        return found

    def _channel(self, channel: str | Channel) -> Channel:
        ref = channel if isinstance(channel, str) else channel.id
        found = self.workspace.read(lambda: self.workspace.resolve_channel(ref))
        if found is None:
            raise ValueError(f"no channel {ref!r} in the emulated workspace")
        return found

    def _dm(self, user: str | User) -> str:
        return self.workspace.mutate(lambda: self.workspace.dm_channel(user_id_of(user)).id)

    def _post(
        self, user: User, channel: Channel, text: str, thread_ts: str | None
    ) -> tuple[JsonDict, Channel]:
        ws = self.workspace

        def post() -> tuple[JsonDict, Channel]:
            ws.channels[channel.id].members.add(user.id)
            message = ws.post(
                channel.id, user_message(user.id, ws.identity.team_id, text), thread_ts
            )
            return copy.deepcopy(message), copy.deepcopy(ws.channels[channel.id])

        return ws.mutate(post)

    def _post_file(
        self,
        user: User,
        channel: Channel,
        filename: str,
        content: bytes,
        text: str,
        thread_ts: str | None,
    ) -> tuple[JsonDict, str]:
        ws = self.workspace
        file = UploadedFile(ws.ids.new("F"), filename, len(content), user.id, content=content)
        ws.files[file.id] = file
        fields = {**user_message(user.id, ws.identity.team_id, text), "subtype": "file_share"}
        message = ws.post(channel.id, {**fields, "upload": True}, thread_ts)
        file.shares.append((channel.id, message["ts"]))
        message["files"] = [file.to_api(ws.base_url, ws.identity.team_id)]
        return copy.deepcopy(message), file.id

    def _message_events(self, message: JsonDict, channel: Channel) -> list[Delivery]:
        events = []
        mentioned = self.workspace.identity.bot_user_id in mentions(message.get("text", ""))
        if mentioned and not channel.is_im and "app_mention" in self.subscriptions:
            events.append(app_mention_event(message, channel))
        if MESSAGE_SUBSCRIPTION[channel.channel_type] in self.subscriptions:
            events.append(message_event(message, channel))
        return [self.send_event(event) for event in events]

    @staticmethod
    def _one(deliveries: list[Delivery], event_type: str) -> Delivery:
        for delivery in deliveries:
            if delivery.event.get("type") == event_type:
                return delivery
        raise ValueError(f"the app is not subscribed to a {event_type} event for this message")

    def _assistant_event(
        self, kind: str, user: User, dm: str, thread_ts: str, context_channel: str | None
    ) -> Delivery:
        identity = self.workspace.identity
        context = {
            "channel_id": context_channel,
            "team_id": identity.team_id,
            "enterprise_id": None,
        }
        event_ts = self.workspace.clock.next()
        event = assistant_thread_event(
            kind, user.id, dm, thread_ts, context if context_channel else {}, event_ts
        )
        return self.send_event(event)
