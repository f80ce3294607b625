"""OAuth scopes as Slack enforces them: each Web API method needs a scope, and a bot token has
the scopes its installation granted: the app manifest's (deploy/slack/manifest.yaml) unless
an install asked for fewer. A call without the scope is answered `missing_scope`, naming the
scope needed and the ones the token has."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

from ._model import Channel

MANIFEST = Path(__file__).resolve().parents[2] / "deploy" / "slack" / "manifest.yaml"

# The scope each method needs (a bot token); methods not listed need none (auth.test, views.*).
METHOD_SCOPES = {
    "chat.postMessage": "chat:write",
    "chat.update": "chat:write",
    "chat.delete": "chat:write",
    "chat.postEphemeral": "chat:write",
    "chat.startStream": "chat:write",
    "chat.appendStream": "chat:write",
    "chat.stopStream": "chat:write",
    "reactions.add": "reactions:write",
    "reactions.remove": "reactions:write",
    "users.info": "users:read",
    "usergroups.list": "usergroups:read",
    "usergroups.users.list": "usergroups:read",
    "files.getUploadURLExternal": "files:write",
    "files.completeUploadExternal": "files:write",
    "files.info": "files:read",
    "assistant.threads.setStatus": "assistant:write",
    "assistant.threads.setSuggestedPrompts": "assistant:write",
    "assistant.threads.setTitle": "assistant:write",
    "apps.connections.open": "connections:write",
}
# Methods reading a conversation need the scope of its kind.
CONVERSATION_SCOPES = {
    "conversations.history": "history",
    "conversations.replies": "history",
    "conversations.info": "read",
}
KIND_PREFIX = {"im": "im", "channel": "channels", "group": "groups"}


@cache
def manifest_bot_scopes(path: Path = MANIFEST) -> frozenset[str]:
    """The bot scopes the app manifest asks for."""
    manifest = yaml.safe_load(path.read_text())
    return frozenset(manifest["oauth_config"]["scopes"]["bot"])


def needed_scope(method: str, channel: Channel | None) -> str | None:
    """The scope `method` needs (for a conversation method, on `channel`)."""
    if method in CONVERSATION_SCOPES:
        kind = channel.channel_type if channel is not None else "channel"
        return f"{KIND_PREFIX[kind]}:{CONVERSATION_SCOPES[method]}"
    return METHOD_SCOPES.get(method)
