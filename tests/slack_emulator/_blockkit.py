"""Block Kit checks as Slack applies them: block and element types, counts and text lengths.

A message with a malformed or oversized block is refused with `invalid_blocks` (and a
`response_metadata.messages` line saying which block and why); one whose blocks carry more
than MESSAGE_TEXT_CHARS characters of text in all is refused with `msg_blocks_too_long`.
"""

from __future__ import annotations

from typing import Any

from ._api import ApiError

MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
MESSAGE_TEXT_CHARS = 12_000  # what Slack accepts in all the text of one message's blocks
MARKDOWN_CHARS = 12_000  # the markdown block's text, across all of a message's markdown blocks

MESSAGE_BLOCK_TYPES = frozenset(
    {
        "section",
        "context",
        "actions",
        "header",
        "divider",
        "markdown",
        "rich_text",
        "context_actions",
        "image",
        "file",
        "video",
        "table",
    }
)
VIEW_BLOCK_TYPES = MESSAGE_BLOCK_TYPES | {"input"}
INTERACTIVE = frozenset(
    {
        "button",
        "static_select",
        "multi_static_select",
        "external_select",
        "users_select",
        "conversations_select",
        "channels_select",
        "overflow",
        "datepicker",
        "timepicker",
        "checkboxes",
        "radio_buttons",
        "plain_text_input",
        "rich_text_input",
        "workflow_button",
    }
)
# (block type, what is limited): the most Slack takes.
TEXT_LIMITS = {"section": 3000, "header": 150, "context": 3000}
ELEMENT_LIMITS = {"actions": 25, "context": 10, "context_actions": 5}


def _invalid(index: int, message: str) -> ApiError:
    return ApiError(
        "invalid_blocks",
        response_metadata={"messages": [f"[ERROR] {message} [json-pointer:/blocks/{index}]"]},
    )


def _text(value: Any) -> str:
    """The text of a text object, or of an element's own text object (a button's label)."""
    if not isinstance(value, dict):
        return ""
    text = value.get("text", "")
    return text if isinstance(text, str) else _text(text)


def _check_element(index: int, element: Any, block_type: str) -> None:
    if not isinstance(element, dict):
        raise _invalid(index, "element must be an object")
    kind = element.get("type")
    if block_type == "context":
        if kind not in ("mrkdwn", "plain_text", "image"):
            raise _invalid(index, f"context element type {kind!r} is not allowed")
        if len(_text(element)) > TEXT_LIMITS["context"]:
            raise _invalid(index, "context text must be at most 3000 characters")
        return
    if block_type == "context_actions":
        if kind not in ("feedback_buttons", "icon_button"):
            raise _invalid(index, f"context_actions element type {kind!r} is not allowed")
        if kind == "feedback_buttons":
            _check_feedback_buttons(index, element)
        return
    if kind not in INTERACTIVE:
        raise _invalid(index, f"element type {kind!r} is not allowed in {block_type}")
    if kind == "button":
        if len(_text(element.get("text"))) > 75:
            raise _invalid(index, "button text must be at most 75 characters")
        if len(str(element.get("value", ""))) > 2000:
            raise _invalid(index, "button value must be at most 2000 characters")


def _check_feedback_buttons(index: int, element: dict[str, Any]) -> None:
    """Both buttons, each with plain_text text (at most 75 characters), a value (at most 2000)
    and an optional accessibility_label (at most 75); action_id at most 255."""
    if len(str(element.get("action_id", ""))) > 255:
        raise _invalid(index, "action_id must be at most 255 characters")
    for name in ("positive_button", "negative_button"):
        button = element.get(name)
        if not isinstance(button, dict):
            raise _invalid(index, f"feedback_buttons requires {name}")
        text = button.get("text")
        if not isinstance(text, dict) or text.get("type") != "plain_text":
            raise _invalid(index, f"{name}.text must be a plain_text object")
        if not 0 < len(_text(text)) <= 75:
            raise _invalid(index, f"{name}.text must be 1 to 75 characters")
        if not isinstance(button.get("value"), str) or not 0 < len(button["value"]) <= 2000:
            raise _invalid(index, f"{name}.value must be 1 to 2000 characters")
        if len(str(button.get("accessibility_label", ""))) > 75:
            raise _invalid(index, f"{name}.accessibility_label must be at most 75 characters")


def _check_block(index: int, block: Any, allowed: frozenset[str]) -> int:
    """Check one block; return the characters of text it carries."""
    if not isinstance(block, dict) or block.get("type") not in allowed:
        kind = block.get("type") if isinstance(block, dict) else type(block).__name__
        raise _invalid(index, f"unsupported type: {kind}")
    kind = block["type"]
    text = _text(block.get("text")) if kind != "markdown" else str(block.get("text", ""))
    limit = TEXT_LIMITS.get(kind)
    if kind in ("section", "header") and not text and not block.get("fields"):
        raise _invalid(index, f"{kind} text must not be empty")
    if limit and len(text) > limit:
        raise _invalid(index, f"{kind} text must be at most {limit} characters")
    elements = block.get("elements", [])
    if kind in ELEMENT_LIMITS:
        if not elements or len(elements) > ELEMENT_LIMITS[kind]:
            raise _invalid(index, f"{kind} takes 1 to {ELEMENT_LIMITS[kind]} elements")
        for element in elements:
            _check_element(index, element, kind)
            text += _text(element)
    return len(text)


def check_message_blocks(blocks: Any) -> None:
    """Raise Slack's error for blocks a message may not carry."""
    if not isinstance(blocks, list):
        raise ApiError("invalid_blocks_format")
    if len(blocks) > MESSAGE_BLOCKS:
        raise _invalid(MESSAGE_BLOCKS, f"no more than {MESSAGE_BLOCKS} items allowed")
    total = sum(_check_block(i, b, MESSAGE_BLOCK_TYPES) for i, b in enumerate(blocks))
    markdown = sum(len(str(b.get("text", ""))) for b in blocks if b.get("type") == "markdown")
    if markdown > MARKDOWN_CHARS:
        raise _invalid(0, f"markdown blocks may carry at most {MARKDOWN_CHARS} characters")
    if total > MESSAGE_TEXT_CHARS:
        raise ApiError("msg_blocks_too_long")


def check_view_blocks(blocks: Any) -> None:
    if not isinstance(blocks, list) or len(blocks) > VIEW_BLOCKS:
        raise ApiError(
            "invalid_arguments", response_metadata={"messages": ["[ERROR] too many blocks"]}
        )
    for index, block in enumerate(blocks):
        _check_block(index, block, VIEW_BLOCK_TYPES)
