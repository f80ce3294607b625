"""A local Slack for the test suite: Web API, workspace state, signed delivery to the app.

with SlackEmulator() as slack:
    app = App(client=WebClient(slack.bot_token, base_url=slack.api_url),
              signing_secret=slack.signing_secret)
    ...serve app over HTTP...
    slack.request_url = "http://127.0.0.1:PORT/slack/events"
    alice = slack.add_user("alice", real_name="Alice Chen")
    slack.dm(alice, "What did we decide about pricing?")
    reply = slack.wait_for_message(slack.dm_channel(alice))

OAuth installs, several teams and Socket Mode:
    beta = slack.add_team("Beta", enterprise_id="E1")   # another workspace (of a Grid org)
    slack.oauth_redirect_urls = [APP + "/slack/oauth_redirect"]
    beta.install_as(user, org_wide=False)   # who approves on /oauth/v2/authorize
    slack.rotate_tokens(ttl_s=3600)         # installs get expiring tokens and refresh tokens
    app_token = slack.enable_socket_mode()  # deliveries go over the app's WebSocket once open
    slack.wait_for_socket()
Every bot token has the scopes of deploy/slack/manifest.yaml (or of its install); a call
without its scope is answered `missing_scope`.
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
