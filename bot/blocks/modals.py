"""Modals: edit & approve, reject with a reason, a comment on an unhelpful answer, and the
audience of a file to ingest."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from slack_sdk.models.blocks import (
    InputBlock,
    Option,
    PlainTextInputElement,
    StaticMultiSelectElement,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot import constants as ids
from bot.blocks.common import Block, escape, plain, section
from bot.mrkdwn import split_text

__all__ = [
    "draft_modal",
    "edit_fields",
    "edit_modal",
    "feedback_modal",
    "ingest_modal",
    "reject_modal",
]

# Slack's longest plain_text_input value (slack_sdk.models does not state it).
INPUT_CHARS = 3000


def _modal(
    callback_id: str,
    title: str,
    submit: str,
    metadata: Any,
    blocks: list[Any],
    close: str = "Cancel",
) -> Block:
    return View(
        type="modal",
        callback_id=callback_id,
        title=plain(title, View.title_max_length),
        submit=plain(submit, View.submit_max_length) if submit else None,
        close=plain(close, View.close_max_length),
        private_metadata=json.dumps(metadata),
        blocks=blocks,
    ).to_dict()


def _text_input(
    block: tuple[str, str], label: str, *, initial: str = "", optional: bool = False
) -> InputBlock:
    element = PlainTextInputElement(
        action_id=block[1],
        multiline=True,
        max_length=INPUT_CHARS,
        initial_value=initial[:INPUT_CHARS] or None,
    )
    return InputBlock(block_id=block[0], label=plain(label), optional=optional, element=element)


def edit_fields(count: int) -> list[tuple[str, str]]:
    """The (block ID, action ID) of each input of an edit modal with `count` parts."""
    block, action = ids.EDIT_TEXT
    return [(block if i == 0 else f"{block}-{i + 1}", action) for i in range(count)]


def edit_modal(approval_id: int, draft: str) -> Block:
    """The whole draft to edit: one input per 3,000 characters (Slack's most for one input)."""
    parts = split_text(draft, INPUT_CHARS) or [""]
    inputs = [
        _text_input(
            field,
            "The answer to post" if i == 0 else f"…continued ({i + 1} of {len(parts)})",
            initial=part,
            optional=i > 0,
        )
        for i, (field, part) in enumerate(zip(edit_fields(len(parts)), parts, strict=True))
    ]
    metadata = {"approval": approval_id, "parts": len(parts)}
    return _modal(ids.EDIT_MODAL, "Edit & approve", "Approve", metadata, inputs[:99])


def draft_modal(approval_id: int, blocks: list[Block]) -> Block:
    """The full draft of a review whose card hides it (it cites restricted documents)."""
    return _modal(ids.DRAFT_MODAL, f"Draft #{approval_id}", "", {}, blocks, close="Close")


def reject_modal(approval_id: int) -> Block:
    return _modal(
        ids.REJECT_MODAL,
        "Reject answer",
        "Reject",
        {"approval": approval_id},
        [_text_input(ids.REJECT_REASON, "Reason (the employee sees it)")],
    )


def feedback_modal(answer_id: int, channel: str, message_ts: str) -> Block:
    metadata = {"answer": answer_id, "channel": channel, "ts": message_ts}
    blocks = [
        section("Thanks for telling us. What was wrong or missing?"),
        _text_input(ids.FEEDBACK_COMMENT, "Comment", optional=True),
    ]
    return _modal(ids.FEEDBACK_MODAL, "Not helpful", "Send", metadata, blocks)


def ingest_modal(file: dict[str, Any], groups: Iterable[str]) -> Block:
    everyone = Option(text=plain("Everyone"), value="all")
    others = [Option(text=plain(g), value=g) for g in sorted(set(groups)) if g != "all"]
    options = [everyone, *others][: StaticMultiSelectElement.options_max_length]
    audience = InputBlock(
        block_id=ids.INGEST_AUDIENCE[0],
        label=plain("Who may read it"),
        element=StaticMultiSelectElement(
            action_id=ids.INGEST_AUDIENCE[1], options=options, initial_options=[everyone]
        ),
    )
    kinds = [
        Option(text=plain(label), value=value)
        for value, label in (("auto", "Detect"), ("memo", "Memo"), ("meeting", "Meeting"))
    ]
    kind = InputBlock(
        block_id=ids.INGEST_KIND[0],
        label=plain("Kind"),
        element=StaticSelectElement(
            action_id=ids.INGEST_KIND[1], options=kinds, initial_option=kinds[0]
        ),
    )
    blocks = [section(f"*{escape(file['name'])}*"), audience, kind]
    metadata = {key: file[key] for key in ("id", "name", "url", "channel", "thread_ts")}
    return _modal(ids.INGEST_MODAL, "Add to the twin", "Ingest", metadata, blocks)
