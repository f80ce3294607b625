"""Message objects as Slack stores them: users' typed messages and the app's posts. No I/O."""

from __future__ import annotations

import re
import secrets
import uuid

from ._model import AppIdentity, JsonDict

MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")


def rich_text_blocks(text: str) -> list[JsonDict]:
    """The rich_text block Slack attaches to a plain-text message, with user mentions parsed."""
    elements: list[JsonDict] = []
    position = 0
    for match in MENTION.finditer(text):
        if match.start() > position:
            elements.append({"type": "text", "text": text[position : match.start()]})
        elements.append({"type": "user", "user_id": match.group(1)})
        position = match.end()
    if position < len(text):
        elements.append({"type": "text", "text": text[position:]})
    section = {"type": "rich_text_section", "elements": elements}
    return [{"type": "rich_text", "block_id": secrets.token_hex(3), "elements": [section]}]


def user_message(user: str, team_id: str, text: str) -> JsonDict:
    """A message a person typed in the Slack client."""
    return {
        "type": "message",
        "user": user,
        "text": text,
        "client_msg_id": str(uuid.uuid4()),
        "team": team_id,
        "blocks": rich_text_blocks(text),
    }


def bot_message(identity: AppIdentity, content: JsonDict) -> JsonDict:
    """A message the app posted with its bot token; `content` holds text/blocks/etc."""
    message: JsonDict = {
        "type": "message",
        "user": identity.bot_user_id,
        "bot_id": identity.bot_id,
        "app_id": identity.app_id,
        "team": identity.team_id,
        "bot_profile": identity.bot_profile(),
        "text": "",
        **content,
    }
    if "blocks" not in message and message["text"]:
        message["blocks"] = rich_text_blocks(message["text"])
    return message


def find_element(blocks: list[JsonDict], action_id: str) -> tuple[str, JsonDict] | None:
    """The (block_id, element) carrying `action_id` in a message's or view's blocks."""
    for block in blocks:
        for element in _interactive_elements(block):
            if element.get("action_id") == action_id:
                return block.get("block_id", secrets.token_hex(3)), element
    return None


def _interactive_elements(block: JsonDict) -> list[JsonDict]:
    interactive = block.get("type") in ("actions", "context_actions")
    elements = list(block.get("elements", [])) if interactive else []
    for key in ("accessory", "element"):
        if isinstance(block.get(key), dict):
            elements.append(block[key])
    return elements


def mentions(text: str) -> set[str]:
    return set(MENTION.findall(text))
