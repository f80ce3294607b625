"""Block Kit builders: plain values in, message and view dicts out. No I/O, no clients."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from bot import constants as ids
from bot.mrkdwn import escape, split_text, to_mrkdwn
from persona.results import Citation

Block = dict[str, Any]

__all__ = [
    "AnswerView",
    "answer_blocks",
    "answer_parts",
    "decided_review_blocks",
    "edit_modal",
    "feedback_modal",
    "home_view",
    "ingest_modal",
    "ingest_offer_blocks",
    "review_blocks",
]


@dataclass(frozen=True)
class AnswerView:
    """What an answer message shows besides its text."""

    citations: Sequence[Citation]
    disclosure: str
    answer_id: int | None
    video: bool = True  # the "Video reply" button
    share: bool = False  # the "Share in channel" button (ephemeral answers)


# -- small pieces ---------------------------------------------------------------------------


def plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text[:150] or " ", "emoji": True}


def section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[: ids.SECTION_CHARS]}}


def context(*texts: str) -> Block:
    elements = [{"type": "mrkdwn", "text": t[: ids.CONTEXT_CHARS]} for t in texts if t][:10]
    return {"type": "context", "elements": elements}


def button(label: str, action_id: str, value: str, style: str | None = None) -> dict[str, Any]:
    element = {
        "type": "button",
        "text": plain(label),
        "action_id": action_id,
        "value": value[: ids.BUTTON_VALUE_CHARS],
    }
    return {**element, "style": style} if style else element


def actions(block_id: str, *elements: dict[str, Any]) -> Block:
    return {"type": "actions", "block_id": block_id, "elements": list(elements)}


def slack_date(moment: datetime) -> str:
    """A date Slack shows in the reader's time zone, with a plain fallback."""
    stamp = int(moment.timestamp())
    fallback = moment.strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{stamp}^{{date_short_pretty}} at {{time}}|{fallback}>"


def _when(value: str | date | None) -> str:
    if not value:
        return ""
    day = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    return day.strftime("%-d %b %Y")


# -- answers --------------------------------------------------------------------------------


def answer_parts(body_markdown: str, limit: int) -> list[str]:
    """The answer body as mrkdwn, in parts that each fit one message."""
    return split_text(to_mrkdwn(body_markdown), limit) or ["…"]


def source_lines(citations: Sequence[Citation]) -> list[str]:
    lines = []
    for c in citations:
        when = _when(c.date)
        lines.append(f"[{c.n}] *{escape(c.title)}*" + (f", {when}" if when else ""))
    return lines


def answer_footer(view: AnswerView, *, disclosure: bool = True) -> list[Block]:
    """Sources, the disclosure line and the buttons that end every answer."""
    blocks: list[Block] = []
    if view.citations:
        blocks.append(context("*Sources*", *source_lines(view.citations)))
    if disclosure and view.disclosure:
        blocks.append(context(f":robot_face: {escape(view.disclosure)}"))
    buttons = []
    if view.answer_id is not None:
        value = str(view.answer_id)
        if view.share:
            buttons.append(button("Share in channel", ids.SHARE_ANSWER, value, "primary"))
        buttons.append(button(":thumbsup: Helpful", ids.HELPFUL, value))
        buttons.append(button(":thumbsdown: Not helpful", ids.NOT_HELPFUL, value))
        if view.video:
            buttons.append(button(":movie_camera: Video reply", ids.VIDEO_REPLY, value))
    if buttons:
        blocks.append(actions(f"answer-{view.answer_id}", *buttons))
    return blocks


def answer_blocks(text_mrkdwn: str, view: AnswerView | None) -> list[Block]:
    """One message of an answer: its text, and the footer when `view` is given (the last part)."""
    blocks = [section(text_mrkdwn)]
    return blocks + answer_footer(view) if view is not None else blocks


def answer_metadata(answer_id: int | None) -> dict[str, Any]:
    return {"event_type": ids.ANSWER_EVENT, "event_payload": {"answer_id": answer_id or 0}}


def shared_intro(user: str, question: str) -> str:
    return f"<@{user}> asked: _{escape(question)[:500]}_"


def notice_text(kind: str, **values: Any) -> str:
    """The short messages the twin posts about an answer (not the answer itself)."""
    texts = {
        "review": (
            ":hourglass_flowing_sand: This question needs a check by the comms team before I "
            "answer it. I sent it to them for review and will post the answer here once it's "
            "approved."
        ),
        "review_dm": (
            ":hourglass_flowing_sand: This question needs a check by the comms team before I "
            "answer it. I sent it to them for review and will send you the answer in a direct "
            "message once it's approved."
        ),
        "review_unavailable": (
            ":hourglass_flowing_sand: This question needs a check by the comms team before I "
            "answer it, but no review channel is set up. Please ask an admin."
        ),
        "approved": ":white_check_mark: The comms team approved the answer below.",
        "rejected": (
            ":no_entry: The comms team reviewed this question and decided I shouldn't answer it "
            "here. Sorry about that: please reach out to them or your manager directly."
        ),
        "restricted": (
            ":lock: Only you can see this answer: it draws on documents that not everyone in "
            "this channel may read."
        ),
        "rate_limited": (
            ":turtle: You're asking faster than I can keep up. Please wait about "
            "{wait} seconds and ask again."
        ),
        "not_approver": ":no_entry_sign: Only the comms approvers can decide on this answer.",
        "already_decided": "This answer was already {status} by <@{by}>.",
        "not_admin": ":no_entry_sign: Only twin admins can change what the twin knows.",
        "video_disabled": ":movie_camera: Video replies are not enabled in this workspace yet.",
        "video_unavailable": ":movie_camera: Video replies are not available right now: {reason}",
        "video_started": (
            ":movie_camera: Making a video reply for <@{user}>… it takes a minute or two."
        ),
        "video_shortened": " The answer is long, so the video says a shortened version.",
        "video_already": ":movie_camera: A video reply for this answer is already on its way.",
        "video_ready": ":movie_camera: The video reply for <@{user}> is below.",
        "video_failed": ":movie_camera: Sorry, the video reply could not be made ({error}).",
        "video_restricted": (
            ":lock: This answer draws on restricted documents, so I won't post a video of it here."
        ),
        "share_restricted": (
            ":lock: This answer draws on documents that not everyone here may read, so it can't "
            "be shared in the channel."
        ),
        "thanks": "Thanks for the feedback!",
        "thinking": "_Thinking…_",
    }
    return texts[kind].format(**values)


def rejection_text(reason: str) -> str:
    text = notice_text("rejected")
    return f"{text}\n>{escape(reason)}" if reason.strip() else text


# -- comms review ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewCard:
    """What the comms team sees about one flagged answer."""

    approval_id: int
    user: str
    channel: str
    private: bool
    question: str
    draft: str
    citations: Sequence[Citation]
    reasons: Sequence[str]
    created_at: datetime


def review_blocks(card: ReviewCard) -> list[Block]:
    where = "a direct message" if card.private else f"<#{card.channel}>"
    blocks: list[Block] = [
        {"type": "header", "text": plain("Answer waiting for comms review")},
        section(f"*Question* from <@{card.user}> in {where}:\n>{escape(card.question)[:2800]}"),
        section("*Why it was held*\n" + "\n".join(f"• {escape(r)}" for r in card.reasons)),
        section("*Draft answer*"),
    ]
    blocks += [section(part) for part in answer_parts(card.draft, ids.SECTION_CHARS)][:20]
    if card.citations:
        blocks.append(context("*Sources*", *source_lines(card.citations)))
    blocks.append(context(f"Asked {slack_date(card.created_at)} · review #{card.approval_id}"))
    value = str(card.approval_id)
    blocks.append(
        actions(
            f"review-{card.approval_id}",
            button("Approve", ids.APPROVE, value, "primary"),
            button("Edit & approve", ids.EDIT_APPROVE, value),
            button("Reject", ids.REJECT, value, "danger"),
        )
    )
    return blocks


def decided_review_blocks(
    card: ReviewCard, status: str, by: str, at: datetime, note: str = ""
) -> list[Block]:
    """The review message once decided: no buttons, and who decided what, when."""
    blocks = [b for b in review_blocks(card) if b.get("type") != "actions"]
    if status == "approved":
        verdict = f":white_check_mark: *Approved* by <@{by}> {slack_date(at)}"
        if note == "edited":
            verdict += " (edited before posting)"
    else:
        verdict = f":no_entry: *Rejected* by <@{by}> {slack_date(at)}"
        if note:
            verdict += f"\n>{escape(note)}"
    return [*blocks, section(verdict)]


def reminder_text(approval_id: int, user: str, waited_s: float) -> str:
    hours = waited_s / 3600
    waited = f"{hours:.0f} h" if hours >= 1 else f"{max(1, round(waited_s / 60))} min"
    return (
        f":alarm_clock: Review #{approval_id} (a question from <@{user}>) has been waiting "
        f"for {waited}. Please approve, edit or reject it."
    )


def _modal(callback_id: str, title: str, submit: str, metadata: Any, blocks: list[Block]) -> Block:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(title[:24]),
        "submit": plain(submit),
        "close": plain("Cancel"),
        "private_metadata": json.dumps(metadata),
        "blocks": blocks,
    }


def _text_input(
    block: tuple[str, str], label: str, *, initial: str = "", optional: bool = False
) -> Block:
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": block[1],
        "multiline": True,
        "max_length": ids.MODAL_INPUT_CHARS,
    }
    if initial:
        element["initial_value"] = initial[: ids.MODAL_INPUT_CHARS]
    return {
        "type": "input",
        "block_id": block[0],
        "label": plain(label),
        "optional": optional,
        "element": element,
    }


def edit_modal(approval_id: int, draft: str) -> Block:
    return _modal(
        ids.EDIT_MODAL,
        "Edit & approve",
        "Approve",
        {"approval": approval_id},
        [_text_input(ids.EDIT_TEXT, "The answer to post", initial=draft)],
    )


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


# -- corpus admin ---------------------------------------------------------------------------


def ingest_offer_blocks(file_id: str, name: str) -> list[Block]:
    return [
        section(f"Add *{escape(name)}* to what the twin knows? Choose who may read it."),
        actions("ingest", button("Choose audience…", ids.INGEST_FILE, file_id, "primary")),
    ]


def ingest_modal(file: dict[str, Any], groups: Iterable[str]) -> Block:
    options = [{"text": plain("Everyone"), "value": "all"}]
    options += [{"text": plain(g), "value": g} for g in sorted(set(groups)) if g != "all"][:99]
    audience = {
        "type": "input",
        "block_id": ids.INGEST_AUDIENCE[0],
        "label": plain("Who may read it"),
        "element": {
            "type": "multi_static_select",
            "action_id": ids.INGEST_AUDIENCE[1],
            "options": options,
            "initial_options": [options[0]],
        },
    }
    kinds = [
        {"text": plain(label), "value": value}
        for value, label in (("auto", "Detect"), ("memo", "Memo"), ("meeting", "Meeting"))
    ]
    kind = {
        "type": "input",
        "block_id": ids.INGEST_KIND[0],
        "label": plain("Kind"),
        "element": {
            "type": "static_select",
            "action_id": ids.INGEST_KIND[1],
            "options": kinds,
            "initial_option": kinds[0],
        },
    }
    blocks = [section(f"*{escape(file['name'])}*"), audience, kind]
    metadata = {key: file[key] for key in ("id", "name", "url", "channel", "thread_ts")}
    return _modal(ids.INGEST_MODAL, "Add to the twin", "Ingest", metadata, blocks)


def ingest_report_text(name: str, status: str, error: str | None, doc_id: int | None) -> str:
    if error:
        return f":x: *{escape(name)}* was not ingested: {escape(error)}"
    return f":white_check_mark: *{escape(name)}*: {status} (document {doc_id})."


def documents_text(documents: Sequence[Any], limit: int = 50) -> str:
    if not documents:
        return "The twin knows no documents yet."
    lines = [
        f"`{d.id}` {escape(d.title)} · {d.kind} · {_when(d.date) or 'undated'} · {d.audience}"
        for d in documents[:limit]
    ]
    more = len(documents) - limit
    if more > 0:
        lines.append(f"…and {more} more (see `twin docs`).")
    return f"*{len(documents)} documents*\n" + "\n".join(lines)


def stats_text(by_kind: dict[str, int], first: date | None, last: date | None) -> str:
    if not by_kind:
        return "The twin knows no documents yet."
    total = sum(by_kind.values())
    kinds = ", ".join(f"{n} {kind}{'s' if n != 1 else ''}" for kind, n in sorted(by_kind.items()))
    span = f", from {_when(first)} to {_when(last)}" if first and last else ""
    return f"{total} documents: {kinds}{span}."


def admin_help(command: str) -> str:
    return (
        f"`{command} docs`: list documents · `{command} remove ID`: remove one · "
        f"`{command} stats`: counts by kind and dates. To add a file, upload it in a DM to me "
        "(or in the admin channel)."
    )


# -- App Home -------------------------------------------------------------------------------


@dataclass(frozen=True)
class HomeCard:
    persona: str
    title: str
    company: str
    disclosure: str
    command: str
    by_kind: dict[str, int]
    first: date | None
    last: date | None


def home_view(card: HomeCard) -> Block:
    knows = stats_text(card.by_kind, card.first, card.last)
    blocks: list[Block] = [
        {"type": "header", "text": plain(f"{card.persona}'s AI twin")},
        section(
            f"I answer questions in the words of *{escape(card.persona)}*, {escape(card.title)} "
            f"of {escape(card.company)}, drawn only from her own memos and meeting transcripts. "
            "Every answer lists its sources. Some answers are checked by the comms team before "
            "they are posted."
        ),
        context(f":robot_face: {escape(card.disclosure)}"),
        {"type": "divider"},
        section(f"*What I know*\n{knows}"),
        {"type": "divider"},
        section(
            "*How to ask*\n• Send me a direct message, or open me in the AI assistant panel\n"
            "• Mention me in a channel; I answer in the thread, and follow-ups there need no "
            f"mention\n• `{card.command} your question` answers only you"
        ),
    ]
    return {"type": "home", "blocks": blocks}
