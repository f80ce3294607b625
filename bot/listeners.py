"""The bolt listeners: each acknowledges at once and hands the work to a lazy function that
calls the core (bot.asking, bot.approvals, bot.admin, bot.video). Bolt routes by decorator and
matcher; the order of registration matters only for the catch-all `message` listener, last."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App, Assistant, Respond
from slack_sdk import WebClient

from bot import constants as ids
from bot.asking import Place, Question, thread_key
from bot.blocks import (
    AnswerView,
    answer_footer,
    answer_parts,
    edit_modal,
    feedback_modal,
    notice_text,
    reject_modal,
    section,
    shared_intro,
)
from bot.home import publish_home
from persona.audit import AuditLog
from persona.results import Citation
from twin.models import Thread

if TYPE_CHECKING:
    from bot.services import Services

__all__ = ["register"]

MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")


def _ack(ack: Ack) -> None:
    ack()


def register(app: App, s: Services) -> None:
    _questions(app, s)
    _commands(app, s)
    _feedback_and_video(app, s)
    _reviews(app, s)
    _admin(app, s)

    def home(event: dict[str, Any], client: WebClient) -> None:
        if event.get("tab", "home") == "home":
            publish_home(s, client, event["user"])

    app.event("app_home_opened")(ack=_ack, lazy=[home])
    # Everything else is acknowledged and dropped (bots, edits, chatter in channels): an
    # unanswered event would come back as a retry.
    app.event("app_mention")(_ack)
    app.event("file_shared")(_ack)
    app.event("message")(_ack)


# -- questions --------------------------------------------------------------------------------


def _from_a_person(event: dict[str, Any], context: Any) -> bool:
    return (
        not event.get("bot_id")
        and bool(event.get("user"))
        and event.get("user") != context.bot_user_id
    )


def _question_text(text: str) -> str:
    return " ".join(MENTION.sub(" ", text or "").split())


def _questions(app: App, s: Services) -> None:
    def is_dm(event: dict[str, Any]) -> bool:
        return event.get("channel_type") == "im" and not event.get("thread_ts")

    def in_channel_thread(event: dict[str, Any], context: Any) -> bool:
        others = set(MENTION.findall(event.get("text", ""))) - {context.bot_user_id}
        mentioned = context.bot_user_id in MENTION.findall(event.get("text", ""))
        return (
            bool(event.get("thread_ts"))
            and event.get("channel_type") in ("channel", "group")
            and not mentioned  # app_mention answers it
            and not others  # addressed to someone else
        )

    def uploads(event: dict[str, Any]) -> bool:
        return s.admin.accepts_uploads_in(event["channel"], event.get("channel_type"))

    def answer_dm(event: dict[str, Any], client: WebClient) -> None:
        place = Place(event["channel"], event["ts"], private=True, team=event.get("team"))
        _ask(s, client, event, place)

    def answer_mention(event: dict[str, Any], client: WebClient) -> None:
        thread = event.get("thread_ts") or event["ts"]
        _ask(
            s, client, event, Place(event["channel"], thread, private=False, team=event.get("team"))
        )

    def answer_follow_up(event: dict[str, Any], client: WebClient) -> None:
        with s.sessions() as session:
            if session.get(Thread, thread_key(event["channel"], event["thread_ts"])) is None:
                return  # a thread the twin was never asked in
        place = Place(event["channel"], event["thread_ts"], private=False, team=event.get("team"))
        _ask(s, client, event, place)

    def offer_ingest(event: dict[str, Any], client: WebClient) -> None:
        s.admin.offer(client, event)

    person = [_from_a_person]
    app.event("app_mention", matchers=person)(ack=_ack, lazy=[answer_mention])
    app.event({"type": "message", "subtype": "file_share"}, matchers=[*person, uploads])(
        ack=_ack, lazy=[offer_ingest]
    )
    app.event({"type": "message", "subtype": None}, matchers=[*person, is_dm])(
        ack=_ack, lazy=[answer_dm]
    )
    app.event({"type": "message", "subtype": None}, matchers=[*person, in_channel_thread])(
        ack=_ack, lazy=[answer_follow_up]
    )
    app.use(_assistant(s))


def _ask(s: Services, client: WebClient, event: dict[str, Any], place: Place) -> None:
    text = _question_text(event.get("text", ""))
    if text:
        s.asker.ask(client, Question(text, event["user"], place))


def _assistant(s: Services) -> Assistant:
    """Slack's AI assistant surface: greeting, suggested prompts, status, thread title."""
    assistant = Assistant()

    @assistant.thread_started
    def greet(say: Any, set_suggested_prompts: Any) -> None:
        say(s.slack.assistant_greeting)
        prompts = [p.model_dump() for p in s.slack.suggested_prompts]
        if prompts:
            set_suggested_prompts(prompts=prompts, title="Try asking")

    @assistant.user_message
    def answer(payload: dict[str, Any], client: WebClient, set_status: Any, set_title: Any) -> None:
        text = _question_text(payload.get("text", ""))
        if not text or payload.get("bot_id"):
            return
        channel, thread_ts = payload["channel"], payload["thread_ts"]
        with s.sessions() as session:
            first = session.get(Thread, thread_key(channel, thread_ts)) is None
        if first:
            set_title(text[:80])
        set_status("is thinking…")
        place = Place(channel, thread_ts, private=True, team=payload.get("team"))
        s.asker.ask(client, Question(text, payload["user"], place))

    return assistant


# -- slash commands ---------------------------------------------------------------------------


def _commands(app: App, s: Services) -> None:
    def ack_thinking(ack: Ack, command: dict[str, Any]) -> None:
        if command.get("text", "").strip():
            ack(text=notice_text("thinking"))
        else:
            ack(
                text=f"Ask a question after the command, e.g. `{s.slack.command} what is our plan?`"
            )

    def answer(command: dict[str, Any], client: WebClient, respond: Respond) -> None:
        text = command.get("text", "").strip()
        if not text:
            return
        user = command["user_id"]
        wait = s.limiter.check(user)
        if wait:
            respond(text=notice_text("rate_limited", wait=int(wait) + 1))
            return
        place = Place(command["channel_id"], None, private=True, team=command.get("team_id"))
        question = Question(text, user, place)
        result = s.asker.ask_privately(question)
        if result is None:
            return
        if result.needs_approval:
            held = s.approvals.submit(client, question, result)
            respond(text=notice_text("review_dm" if held else "review_unavailable"))
            return
        view = s.asker.view(result, share=not result.refused, video=False)
        _respond_answer(respond, answer_parts(result.answer, s.slack.max_message_chars), view)

    def admin(command: dict[str, Any], respond: Respond) -> None:
        respond(text=s.admin.command(command["user_id"], command.get("text", "")))

    app.command(s.slack.command)(ack=ack_thinking, lazy=[answer])
    app.command(s.slack.admin_command)(ack=_ack, lazy=[admin])


def _respond_answer(respond: Respond, parts: list[str], view: AnswerView, **extra: Any) -> None:
    for index, part in enumerate(parts):
        footer = answer_footer(view) if index == len(parts) - 1 else []
        respond(text=part, blocks=[section(part), *footer], replace_original=False, **extra)


# -- feedback, sharing and video --------------------------------------------------------------


def _clicked(body: dict[str, Any]) -> tuple[str, int]:
    return body["user"]["id"], int(body["actions"][0]["value"])


def _thread_of(body: dict[str, Any]) -> tuple[str, str | None]:
    container = body.get("container", {})
    message = body.get("message") or {}
    channel = container.get("channel_id") or body["channel"]["id"]
    return channel, message.get("thread_ts") or container.get("thread_ts") or message.get("ts")


def _feedback_and_video(app: App, s: Services) -> None:
    def helpful(body: dict[str, Any], respond: Respond) -> None:
        user, answer_id = _clicked(body)
        channel, _ = _thread_of(body)
        s.feedback.record(
            answer_id, user, True, channel, body.get("container", {}).get("message_ts", "")
        )
        respond(text=notice_text("thanks"), replace_original=False, response_type="ephemeral")

    def not_helpful(body: dict[str, Any], client: WebClient) -> None:
        user, answer_id = _clicked(body)
        channel, _ = _thread_of(body)
        ts = body.get("container", {}).get("message_ts", "")
        s.feedback.record(answer_id, user, False, channel, ts)
        client.views_open(
            trigger_id=body["trigger_id"], view=feedback_modal(answer_id, channel, ts)
        )

    def comment(body: dict[str, Any], view: dict[str, Any]) -> None:
        meta = json.loads(view["private_metadata"])
        block, action = ids.FEEDBACK_COMMENT
        text = view["state"]["values"][block][action].get("value") or ""
        if text.strip():
            s.feedback.comment(meta["answer"], body["user"]["id"], text)

    def video(body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        user, answer_id = _clicked(body)
        channel, thread_ts = _thread_of(body)
        note = s.video.request(
            client, answer_id=answer_id, user=user, channel=channel, thread_ts=thread_ts
        )
        if note:
            respond(text=note, replace_original=False, response_type="ephemeral")

    def share(body: dict[str, Any], respond: Respond) -> None:
        user, answer_id = _clicked(body)
        record = AuditLog(s.sessions).get(answer_id)
        if record is None or record.user_id != user or record.needs_approval:
            respond(text="This answer can't be shared.", replace_original=False)
            return
        citations = [Citation(**c) for c in record.citations]
        if not s.asker.is_public(citations):
            respond(text=notice_text("share_restricted"), replace_original=False)
            return
        view = AnswerView(citations, "", answer_id, video=True)
        parts = answer_parts(record.answer, s.slack.max_message_chars)
        parts[0] = f"{shared_intro(user, record.question)}\n\n{parts[0]}"
        _respond_answer(respond, parts, view, response_type="in_channel")
        respond(delete_original=True)

    app.action(ids.HELPFUL)(ack=_ack, lazy=[helpful])
    app.action(ids.NOT_HELPFUL)(ack=_ack, lazy=[not_helpful])
    app.view(ids.FEEDBACK_MODAL)(ack=_ack, lazy=[comment])
    app.action(ids.VIDEO_REPLY)(ack=_ack, lazy=[video])
    app.action(ids.SHARE_ANSWER)(ack=_ack, lazy=[share])


# -- comms review -----------------------------------------------------------------------------


def _modal_text(view: dict[str, Any], field: tuple[str, str]) -> str:
    return str(view["state"]["values"].get(field[0], {}).get(field[1], {}).get("value") or "")


def _reviews(app: App, s: Services) -> None:
    def approve(body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        user, approval_id = _clicked(body)
        decision = s.approvals.approve(client, approval_id, user)
        if not decision.applied:
            respond(text=decision.message, replace_original=False, response_type="ephemeral")

    def open_modal(kind: str) -> Any:
        def handler(body: dict[str, Any], client: WebClient, respond: Respond) -> None:
            user, approval_id = _clicked(body)
            allowed = s.approvals.check(approval_id, user)
            if not allowed.applied:
                respond(text=allowed.message, replace_original=False, response_type="ephemeral")
                return
            approval = s.approvals_store.get(approval_id)
            assert approval is not None
            view = (
                edit_modal(approval_id, approval.draft)
                if kind == "edit"
                else reject_modal(approval_id)
            )
            client.views_open(trigger_id=body["trigger_id"], view=view)

        handler.__name__ = f"open_{kind}_modal"  # bolt tells lazy functions apart by name
        return handler

    def ack_required(field: tuple[str, str], error: str) -> Any:
        def handler(ack: Ack, view: dict[str, Any]) -> None:
            if _modal_text(view, field).strip():
                ack()
            else:
                ack(response_action="errors", errors={field[0]: error})

        return handler

    def decide(kind: str) -> Any:
        def handler(body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
            user = body["user"]["id"]
            approval_id = int(json.loads(view["private_metadata"])["approval"])
            text = _modal_text(view, ids.EDIT_TEXT if kind == "edit" else ids.REJECT_REASON)
            if not text.strip():
                return  # the ack kept the modal open with an error; lazy functions run anyway
            if kind == "edit":
                decision = s.approvals.approve(client, approval_id, user, edited=text)
            else:
                decision = s.approvals.reject(client, approval_id, user, text)
            if not decision.applied and s.slack.review_channel:
                client.chat_postEphemeral(
                    channel=s.slack.review_channel, user=user, text=decision.message
                )

        handler.__name__ = f"decide_{kind}"
        return handler

    app.action(ids.APPROVE)(ack=_ack, lazy=[approve])
    app.action(ids.EDIT_APPROVE)(ack=_ack, lazy=[open_modal("edit")])
    app.action(ids.REJECT)(ack=_ack, lazy=[open_modal("reject")])
    app.view(ids.EDIT_MODAL)(
        ack=ack_required(ids.EDIT_TEXT, "The answer can't be empty."), lazy=[decide("edit")]
    )
    app.view(ids.REJECT_MODAL)(
        ack=ack_required(ids.REJECT_REASON, "Please give a reason."), lazy=[decide("reject")]
    )


# -- corpus admin and App Home ----------------------------------------------------------------


def _admin(app: App, s: Services) -> None:
    def open_ingest(body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        user = body["user"]["id"]
        file_id = body["actions"][0]["value"]
        channel, thread_ts = _thread_of(body)
        where = {"channel": channel, "thread_ts": thread_ts}
        refusal = s.admin.open_modal(client, body["trigger_id"], user, file_id, where)
        if refusal:
            respond(text=refusal, replace_original=False, response_type="ephemeral")

    def ingest(body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        values = view["state"]["values"]
        block, action = ids.INGEST_AUDIENCE
        audience = [o["value"] for o in values[block][action].get("selected_options") or []]
        block, action = ids.INGEST_KIND
        kind = (values[block][action].get("selected_option") or {}).get("value", "auto")
        file = json.loads(view["private_metadata"])
        s.admin.ingest(client, body["user"]["id"], file, audience or ["all"], kind)

    app.action(ids.INGEST_FILE)(ack=_ack, lazy=[open_ingest])
    app.view(ids.INGEST_MODAL)(ack=_ack, lazy=[ingest])
