"""A local Slack for the test suite: Web API, workspace state, signed delivery to the app.

with SlackEmulator() as slack:
    app = App(client=WebClient(slack.bot_token, base_url=slack.api_url),
              signing_secret=slack.signing_secret)
    ...serve app over HTTP...
    slack.request_url = "http://127.0.0.1:PORT/slack/events"
    alice = slack.add_user("alice", real_name="Alice Chen")
    slack.dm(alice, "What did we decide about pricing?")
    reply = slack.wait_for_message(slack.dm_channel(alice))
"""

from ._delivery import ACK_DEADLINE, Delivery, signature
from ._emulator import DEFAULT_SUBSCRIPTIONS, SlackEmulator
from ._model import AppIdentity, Call, Channel, ResponsePost, User, UserGroup

__all__ = [
    "ACK_DEADLINE",
    "DEFAULT_SUBSCRIPTIONS",
    "AppIdentity",
    "Call",
    "Channel",
    "Delivery",
    "ResponsePost",
    "SlackEmulator",
    "User",
    "UserGroup",
    "signature",
]
