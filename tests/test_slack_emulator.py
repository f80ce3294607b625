"""The Slack emulator against slack_sdk's real WebClient and a real slack_bolt App over HTTP."""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from socketserver import ThreadingMixIn
from typing import Any
from urllib.error import HTTPError
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
import slack_emulator
from slack_bolt import Ack, App, Assistant, Respond, Say
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_emulator import SlackEmulator, User
from slack_emulator._scopes import manifest_bot_scopes
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

BUTTON_BLOCKS = [
    {
        "type": "actions",
        "block_id": "decision",
        "elements": [
            {
                "type": "button",
                "action_id": "approve",
                "text": {"type": "plain_text", "text": "Approve"},
                "value": "yes",
            }
        ],
    }
]
MODAL = {
    "type": "modal",
    "callback_id": "ask",
    "title": {"type": "plain_text", "text": "Ask Elena"},
    "submit": {"type": "plain_text", "text": "Ask"},
    "blocks": [
        {
            "type": "input",
            "block_id": "question",
            "label": {"type": "plain_text", "text": "Question"},
            "element": {"type": "plain_text_input", "action_id": "text"},
        }
    ],
}
HOME = {"type": "home", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Hi"}}]}


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def slack() -> Iterator[SlackEmulator]:
    # The app manifest's scopes, and those of the methods these tests call that the bot doesn't.
    scopes = {*manifest_bot_scopes(), "reactions:write", "channels:read"}
    with SlackEmulator(scopes=scopes) as emulator:
        yield emulator


@pytest.fixture
def client(slack: SlackEmulator) -> WebClient:
    return WebClient(token=slack.bot_token, base_url=slack.api_url)


@pytest.fixture
def alice(slack: SlackEmulator) -> User:
    return slack.add_user("alice", real_name="Alice Chen", email="alice@example.com")


@pytest.fixture
def app(slack: SlackEmulator, client: WebClient) -> Iterator[App]:
    """A real bolt App behind a real WSGI server; the emulator delivers to it over HTTP."""
    bolt = App(client=client, signing_secret=slack.signing_secret)
    server = make_server(
        "127.0.0.1",
        0,
        SlackRequestHandler(bolt),
        server_class=_ThreadingWSGIServer,
        handler_class=_QuietHandler,
    )
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    slack.request_url = f"http://127.0.0.1:{server.server_port}/slack/events"
    yield bolt
    server.shutdown()
    server.server_close()
    thread.join()


def slack_error(call: Callable[[], Any]) -> dict[str, Any]:
    """The error body of a Web API call that must fail."""
    with pytest.raises(SlackApiError) as raised:
        call()
    return dict(raised.value.response.data)


def just_ack(ack: Ack) -> None:
    ack()


# -- the package ---------------------------------------------------------------------------


def test_public_surface_is_exported() -> None:
    assert sorted(slack_emulator.__all__) == sorted(
        name for name in dir(slack_emulator) if not name.startswith("_")
    )


# -- Web API against slack_sdk's WebClient -------------------------------------------------


def test_auth_test_and_token_errors(slack: SlackEmulator, client: WebClient) -> None:
    identity = client.auth_test()
    assert (identity["user_id"], identity["bot_id"]) == (slack.bot_user_id, "B0001BOT")
    assert "chat:write" in identity.headers["x-oauth-scopes"].split(",")
    wrong = WebClient(token="xoxb-wrong", base_url=slack.api_url)
    assert slack_error(wrong.auth_test)["error"] == "invalid_auth"
    missing = WebClient(base_url=slack.api_url)
    assert slack_error(missing.auth_test)["error"] == "not_authed"
    unknown = slack_error(lambda: client.api_call("chat.teleport"))
    assert unknown == {"ok": False, "error": "unknown_method", "req_method": "chat.teleport"}
    recorded = slack.calls("auth.test")
    assert [c.token for c in recorded] == [slack.bot_token, "xoxb-wrong", None]


def test_post_reply_update_and_replies(slack: SlackEmulator, client: WebClient) -> None:
    parent = client.chat_postMessage(channel="#general", text="Q3 plan")
    assert parent["channel"] == slack.general.id
    assert parent["message"]["bot_id"] == "B0001BOT"
    reply = client.chat_postMessage(channel=parent["channel"], thread_ts=parent["ts"], text="yes")
    assert float(reply["ts"]) > float(parent["ts"])
    edited = client.chat_update(channel=parent["channel"], ts=parent["ts"], text="Q3 plan v2")
    assert edited["message"]["edited"]["user"] == slack.bot_user_id
    thread = client.conversations_replies(channel=parent["channel"], ts=parent["ts"])["messages"]
    assert [m["text"] for m in thread] == ["Q3 plan v2", "yes"]
    assert (thread[0]["reply_count"], thread[1]["parent_user_id"]) == (1, slack.bot_user_id)
    assert slack.thread(slack.general, reply["ts"]) == thread


def test_chat_errors_follow_slack(slack: SlackEmulator, client: WebClient) -> None:
    assert slack_error(lambda: client.chat_postMessage(channel="C404", text="x"))["error"] == (
        "channel_not_found"
    )
    no_text = slack_error(lambda: client.api_call("chat.postMessage", json={"channel": "general"}))
    assert no_text["error"] == "no_text"
    update = slack_error(lambda: client.chat_update(channel="general", ts="1.000001", text="x"))
    assert update["error"] == "message_not_found"
    private = slack.add_channel("board", bot_member=False)
    post = slack_error(lambda: client.chat_postMessage(channel=private.id, text="x"))
    assert post["error"] == "not_in_channel"
    missing = slack_error(lambda: client.conversations_replies(channel="general", ts="1.000001"))
    assert missing["error"] == "thread_not_found"


def test_ephemeral_messages_reach_one_user(
    slack: SlackEmulator, client: WebClient, alice: User
) -> None:
    answer = client.chat_postEphemeral(channel="general", user=alice.id, text="only you")
    [ephemeral] = slack.ephemerals(alice)
    assert ephemeral["message"]["ts"] == answer["message_ts"]
    assert ephemeral["channel"] == slack.general.id
    assert slack.messages(slack.general) == []
    outsider = slack.add_channel("exec", members=[])
    denied = slack_error(
        lambda: client.chat_postEphemeral(channel=outsider.id, user=alice.id, text="x")
    )
    assert denied["error"] == "user_not_in_channel"


def test_views_open_update_and_publish(
    slack: SlackEmulator, client: WebClient, alice: User
) -> None:
    trigger = slack.issue_trigger(alice)
    opened = client.views_open(trigger_id=trigger, view=MODAL)["view"]
    assert (opened["type"], opened["callback_id"], opened["root_view_id"]) == (
        "modal",
        "ask",
        opened["id"],
    )
    reused = slack_error(lambda: client.views_open(trigger_id=trigger, view=MODAL))
    assert reused["error"] == "exchanged_trigger_id"
    forged = slack_error(lambda: client.views_open(trigger_id="1.2.3", view=MODAL))
    assert forged["response_metadata"]["messages"] == ["invalid `trigger_id`"]
    stale = slack_error(lambda: client.views_update(view_id=opened["id"], hash="0.x", view=MODAL))
    assert stale["error"] == "hash_conflict"
    updated = client.views_update(view_id=opened["id"], hash=opened["hash"], view=MODAL)
    assert updated["view"]["id"] == opened["id"] and updated["view"]["hash"] != opened["hash"]
    client.views_publish(user_id=alice.id, view=HOME)
    assert slack.home_view(alice)["blocks"] == HOME["blocks"]
    assert [v["type"] for v in slack.views(alice, open_only=True)] == ["modal", "home"]


def test_a_trigger_expires(slack: SlackEmulator, client: WebClient, alice: User) -> None:
    slack.workspace.trigger_ttl = 0.0
    trigger = slack.issue_trigger(alice)
    expired = slack_error(lambda: client.views_open(trigger_id=trigger, view=MODAL))
    assert expired["error"] == "expired_trigger_id"


def test_files_upload_v2_end_to_end(slack: SlackEmulator, client: WebClient) -> None:
    parent = client.chat_postMessage(channel="general", text="the clip")
    clip = bytes(range(256)) * 4
    upload = client.files_upload_v2(
        channel=parent["channel"],
        thread_ts=parent["ts"],
        content=clip,
        filename="answer.mp4",
        title="Elena answers",
        initial_comment="Here is Elena's answer",
    )
    file_id = upload["file"]["id"]
    assert slack.uploaded_file(file_id) == clip
    assert [c.method for c in slack.calls()][-2:] == [
        "files.getUploadURLExternal",
        "files.completeUploadExternal",
    ]
    [_, shared] = slack.thread(slack.general, parent["ts"])
    assert shared["text"] == "Here is Elena's answer"
    assert [(f["id"], f["title"], f["mimetype"]) for f in shared["files"]] == [
        (file_id, "Elena answers", "video/mp4")
    ]
    assert download(upload["file"]["url_private"], slack.bot_token) == clip


def download(url: str, token: str) -> bytes:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return bytes(response.read())


def test_upload_url_takes_multipart_and_checks_files(
    slack: SlackEmulator, client: WebClient
) -> None:
    ticket = client.files_getUploadURLExternal(filename="notes.txt", length=5)
    boundary = "emulator-boundary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="notes.txt"\r\n'
        f"Content-Type: text/plain\r\n\r\nhello\r\n--{boundary}--\r\n"
    ).encode()
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    request = urllib.request.Request(ticket["upload_url"], body, headers, method="POST")
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.read() == b"OK - 5"
    assert slack.uploaded_file(ticket["file_id"]) == b"hello"
    unknown = slack_error(lambda: client.files_completeUploadExternal(files=[{"id": "F404"}]))
    assert unknown["error"] == "file_not_found"
    with pytest.raises(HTTPError) as denied:
        download(f"{slack.base_url}/files-pri/{ticket['file_id']}/notes.txt", "xoxb-wrong")
    denied.value.close()
    assert denied.value.code == 403


def test_users_and_usergroups(slack: SlackEmulator, client: WebClient, alice: User) -> None:
    exec_group = slack.add_usergroup("exec", [alice])
    user = client.users_info(user=alice.id)["user"]
    assert (user["real_name"], user["profile"]["email"], user["is_bot"]) == (
        "Alice Chen",
        "alice@example.com",
        False,
    )
    assert client.usergroups_users_list(usergroup=exec_group.id)["users"] == [alice.id]
    assert slack_error(lambda: client.users_info(user="U404"))["error"] == "user_not_found"
    unknown = slack_error(lambda: client.usergroups_users_list(usergroup="S404"))
    assert unknown["error"] == "no_such_subteam"


def test_streaming_builds_one_message(slack: SlackEmulator, client: WebClient, alice: User) -> None:
    question = client.chat_postMessage(channel="general", text="question")
    start = {"channel": "general", "thread_ts": question["ts"]}
    missing = slack_error(lambda: client.chat_startStream(**start, markdown_text="x"))
    assert missing["error"] == "missing_recipient_user_id"
    recipients = {"recipient_user_id": alice.id, "recipient_team_id": slack.identity.team_id}
    stream = client.chat_startStream(**start, **recipients, markdown_text="We ")
    where = {"channel": stream["channel"], "ts": stream["ts"]}
    client.chat_appendStream(**where, markdown_text="ship in **May**.")
    busy = slack_error(lambda: client.chat_update(**where, text="overwrite"))
    assert busy["error"] == "streaming_state_conflict"
    sources = [{"type": "context", "elements": [{"type": "mrkdwn", "text": "memo 12"}]}]
    stopped = client.chat_stopStream(**where, blocks=sources)
    assert stopped["message"]["text"] == "We ship in **May**."
    assert stopped["message"]["blocks"][-1] == sources[0]
    late = slack_error(lambda: client.chat_appendStream(**where, markdown_text="more"))
    assert late["error"] == "message_not_in_streaming_state"
    assert slack.thread(slack.general, question["ts"])[1]["text"] == "We ship in **May**."


def test_streaming_switched_off_answers_unknown_method(
    slack: SlackEmulator, client: WebClient
) -> None:
    slack.streaming = False
    question = client.chat_postMessage(channel="general", text="question")
    start = lambda: client.chat_startStream(channel="general", thread_ts=question["ts"])  # noqa: E731
    assert slack_error(start)["error"] == "unknown_method"
    draft = client.chat_postMessage(channel="general", thread_ts=question["ts"], text="...")
    client.chat_update(channel="general", ts=draft["ts"], text="The answer")
    assert slack.message("general", draft["ts"])["text"] == "The answer"


def test_history_info_and_delete(slack: SlackEmulator, client: WebClient) -> None:
    first = client.chat_postMessage(channel="general", text="one")
    client.chat_postMessage(channel="general", thread_ts=first["ts"], text="in thread")
    second = client.chat_postMessage(channel="general", text="two")
    history = client.conversations_history(channel="general", limit=1)
    assert [m["text"] for m in history["messages"]] == ["two"] and history["has_more"]
    rest = client.conversations_history(
        channel="general", cursor=history["response_metadata"]["next_cursor"]
    )
    assert [m["text"] for m in rest["messages"]] == ["one"]
    assert client.conversations_info(channel=slack.general.id)["channel"]["name"] == "general"
    client.chat_delete(channel="general", ts=second["ts"])
    assert slack.message("general", second["ts"]) is None


def test_reactions(slack: SlackEmulator, client: WebClient) -> None:
    posted = client.chat_postMessage(channel="general", text="hi")
    target = {"channel": posted["channel"], "timestamp": posted["ts"]}
    client.reactions_add(name="eyes", **target)
    again = slack_error(lambda: client.reactions_add(name="eyes", **target))
    assert again["error"] == "already_reacted"
    assert slack.message("general", posted["ts"])["reactions"][0]["count"] == 1
    client.reactions_remove(name="eyes", **target)
    assert (
        "reactions" not in slack.message("general", posted["ts"])
        or not (slack.message("general", posted["ts"])["reactions"])
    )


def test_assistant_thread_methods(slack: SlackEmulator, client: WebClient, alice: User) -> None:
    dm = slack.dm_channel(alice)
    root = client.chat_postMessage(channel=alice.id, text="New chat")
    assert root["channel"] == dm
    client.assistant_threads_setStatus(channel_id=dm, thread_ts=root["ts"], status="is thinking...")
    assert slack.assistant_status(dm, root["ts"]) == "is thinking..."
    prompts = [{"title": "Pricing", "message": "What did we decide on pricing?"}]
    client.assistant_threads_setSuggestedPrompts(
        channel_id=dm, thread_ts=root["ts"], prompts=prompts
    )
    assert slack.suggested_prompts(dm, root["ts"])["prompts"] == prompts
    client.assistant_threads_setTitle(channel_id=dm, thread_ts=root["ts"], title="Pricing")
    client.chat_postMessage(channel=dm, thread_ts=root["ts"], text="We kept it flat.")
    assert slack.assistant_status(dm, root["ts"]) is None
    wrong = slack_error(
        lambda: client.assistant_threads_setStatus(channel_id=dm, thread_ts="1.1", status="x")
    )
    assert wrong["error"] == "invalid_thread_ts"


def test_a_status_with_loading_messages_shows_in_a_channel_thread_too(
    slack: SlackEmulator, client: WebClient
) -> None:
    root = client.chat_postMessage(channel="general", text="A question?")
    where = {"channel_id": slack.general.id, "thread_ts": root["ts"]}
    loading = ["Searching…", "Writing…"]
    client.assistant_threads_setStatus(**where, status="is thinking…", loading_messages=loading)
    assert slack.assistant_status(slack.general.id, root["ts"]) == "is thinking…"
    for wrong in (["x"] * 11, [""], []):
        error = slack_error(
            lambda w=wrong: client.assistant_threads_setStatus(  # type: ignore[misc]
                **where, status="x", loading_messages=w
            )
        )
        assert error["error"] == "invalid_arguments"
    outside = slack.add_channel("elsewhere", bot_member=False)
    other = slack_error(
        lambda: client.assistant_threads_setStatus(
            channel_id=outside.id, thread_ts=root["ts"], status="x"
        )
    )
    assert other["error"] == "not_in_channel"
    client.chat_postMessage(channel="general", thread_ts=root["ts"], text="An answer.")
    assert slack.assistant_status(slack.general.id, root["ts"]) is None


# -- delivery to a real bolt App over HTTP -------------------------------------------------


def test_a_dm_reaches_a_lazy_listener(slack: SlackEmulator, app: App, alice: User) -> None:
    def answer(event: dict[str, Any], say: Say) -> None:
        say(text=f"You said: {event['text']}", thread_ts=event["ts"])

    app.event("message")(ack=just_ack, lazy=[answer])
    delivery = slack.dm(alice, "What is our runway?")
    assert delivery.status == 200 and delivery.acked_in_time
    assert delivery.payload["authorizations"][0]["user_id"] == slack.bot_user_id
    asked = delivery.event
    assert (asked["channel_type"], asked["user"]) == ("im", alice.id)
    reply = slack.wait_for_message(slack.dm_channel(alice), thread_ts=asked["ts"])
    assert reply["text"] == "You said: What is our runway?"


def test_a_mention_in_a_thread(slack: SlackEmulator, app: App, alice: User) -> None:
    @app.event("app_mention")
    def answer(event: dict[str, Any], say: Say) -> None:
        say(text="On it", thread_ts=event.get("thread_ts") or event["ts"])

    @app.event("message")
    def ignore() -> None:
        pass

    top = slack.say(alice, "general", "kickoff")[0].event
    delivery = slack.mention(alice, "general", "what changed?", thread_ts=top["ts"])
    assert delivery.event["text"] == f"<@{slack.bot_user_id}> what changed?"
    assert delivery.event["thread_ts"] == top["ts"]
    kinds = [d.event["type"] for d in slack.deliveries("event")]
    assert kinds == ["message", "app_mention", "message"]
    reply = slack.wait_for_message("general", thread_ts=top["ts"])
    assert reply["text"] == "On it"


@pytest.mark.parametrize("streaming", [True, False])
def test_say_stream_or_its_fallback(
    slack: SlackEmulator, app: App, alice: User, streaming: bool
) -> None:
    def answer(say_stream: Callable[..., Any], say: Say, event: dict[str, Any]) -> None:
        try:
            streamer = say_stream(buffer_size=4)
            streamer.append(markdown_text="Ship ")
            streamer.append(markdown_text="in May.")
            streamer.stop()
        except SlackApiError as error:
            assert error.response["error"] == "unknown_method"
            say(text="Ship in May.", thread_ts=event["ts"])

    app.event("app_mention")(ack=just_ack, lazy=[answer])
    slack.streaming = streaming
    asked = slack.mention(alice, "general", "when do we ship?").event
    final = slack.wait_for_message(
        "general", lambda m: m["text"] == "Ship in May.", thread_ts=asked["ts"]
    )
    assert final["bot_id"] == slack.identity.bot_id
    started = slack.calls("chat.startStream")
    assert [c.ok for c in started] == [streaming]
    if streaming:
        assert started[0].args["recipient_user_id"] == alice.id


def test_signatures_are_checked_by_the_app(slack: SlackEmulator, app: App, alice: User) -> None:
    event = {"type": "app_home_opened", "user": alice.id, "channel": "D1", "tab": "home"}
    assert slack.send_event(event, forged_signature="v0=" + "0" * 64).status == 401
    assert slack.send_event(event, timestamp=time.time() - 6 * 60).status == 401
    handshake = slack.verify_url("abc123")
    assert (handshake.status, handshake.json()) == (200, {"challenge": "abc123"})


def test_retries_carry_slack_retry_headers(slack: SlackEmulator, app: App, alice: User) -> None:
    seen: list[tuple[str | None, str | None]] = []

    @app.event("app_home_opened")
    def record(request: Any) -> None:
        headers = request.headers
        seen.append(
            (
                headers.get("x-slack-retry-num", [None])[0],
                headers.get("x-slack-retry-reason", [None])[0],
            )
        )

    first = slack.open_home(alice)
    second = slack.retry(first, reason="http_timeout")
    assert (first.status, second.status, second.retry_num) == (200, 200, 1)
    assert second.body == first.body
    slack.wait_for(lambda: len(seen) == 2, what="both deliveries in the listener")
    assert seen == [(None, None), ("1", "http_timeout")]


def test_a_slash_command_is_acked_in_time(slack: SlackEmulator, app: App, alice: User) -> None:
    def ack_fast(ack: Ack) -> None:
        ack(text="Thinking...")

    def answer(respond: Respond, command: dict[str, Any]) -> None:
        respond(text=f"Elena on {command['text']}", response_type="in_channel")

    app.command("/ask-elena")(ack=ack_fast, lazy=[answer])
    delivery = slack.slash(alice, "/ask-elena", "hiring")
    assert delivery.acked_in_time and delivery.text == "Thinking..."
    assert slack.ephemerals(alice)[0]["message"]["text"] == "Thinking..."
    assert delivery.payload["channel_name"] == "general"
    posted = slack.wait_for_message("general")
    assert posted["text"] == "Elena on hiring"
    [response] = slack.responses()
    assert (response.user, response.payload["response_type"]) == (alice.id, "in_channel")


def test_a_late_ack_is_a_failed_delivery(slack: SlackEmulator, app: App, alice: User) -> None:
    release = threading.Event()

    def slow_ack(ack: Ack) -> None:
        release.wait(timeout=5)
        ack()

    app.command("/slow")(slow_ack)
    slack.ack_timeout = 0.2
    delivery = slack.slash(alice, "/slow")
    release.set()
    assert (delivery.status, delivery.acked_in_time) == (None, False)
    assert "timed out" in str(delivery.error) and 0.2 <= delivery.elapsed < 1


def test_a_button_click_replaces_the_message_and_opens_a_modal(
    slack: SlackEmulator, app: App, client: WebClient, alice: User
) -> None:
    @app.action("approve")
    def approve(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        ack()
        respond(replace_original=True, text=f"Approved by {body['user']['name']}")
        client.views_open(trigger_id=body["trigger_id"], view=MODAL)

    posted = client.chat_postMessage(channel="general", text="Publish?", blocks=BUTTON_BLOCKS)
    delivery = slack.click(alice, posted["message"], "approve")
    assert delivery.acked_in_time
    action = delivery.payload["actions"][0]
    assert (action["value"], action["block_id"], delivery.payload["container"]["type"]) == (
        "yes",
        "decision",
        "message",
    )
    slack.wait_for(lambda: slack.views(alice), what="the modal")
    updated = slack.wait_for(
        lambda: (m := slack.message("general", posted["ts"])) and "edited" in m and m
    )
    assert updated["text"] == "Approved by alice"


def test_response_urls_post_ephemeral_replies_and_delete(
    slack: SlackEmulator, app: App, client: WebClient, alice: User
) -> None:
    @app.action("approve")
    def approve(ack: Ack, respond: Respond) -> None:
        ack()
        respond("Only you see this")
        respond(delete_original=True)

    posted = client.chat_postMessage(channel="general", text="Publish?", blocks=BUTTON_BLOCKS)
    slack.click(alice, posted["message"], "approve")
    slack.wait_for(lambda: slack.message("general", posted["ts"]) is None, what="the deletion")
    [note] = slack.ephemerals(alice)
    assert note["message"]["text"] == "Only you see this"
    assert [r.payload.get("delete_original") for r in slack.responses()] == [None, True]


def test_clicks_in_an_ephemeral_message_and_in_a_modal(
    slack: SlackEmulator, app: App, client: WebClient, alice: User
) -> None:
    containers: list[dict[str, Any]] = []

    @app.action("approve")
    def record(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        containers.append(body["container"])

    client.chat_postEphemeral(channel="general", user=alice.id, text="?", blocks=BUTTON_BLOCKS)
    assert slack.click(alice, slack.ephemerals(alice)[0], "approve").acked_in_time
    modal = {**MODAL, "blocks": MODAL["blocks"] + BUTTON_BLOCKS}
    view = client.views_open(trigger_id=slack.issue_trigger(alice), view=modal)["view"]
    assert slack.click(alice, view, "approve").acked_in_time
    assert [(c["type"], c.get("is_ephemeral")) for c in containers] == [
        ("message", True),
        ("view", None),
    ]


def test_a_view_submission_closes_or_keeps_the_modal(
    slack: SlackEmulator, app: App, client: WebClient, alice: User
) -> None:
    questions: list[str] = []

    @app.view("ask")
    def submitted(ack: Ack, view: dict[str, Any]) -> None:
        question = view["state"]["values"]["question"]["text"]["value"]
        questions.append(question)
        if question:
            ack()
        else:
            ack(response_action="errors", errors={"question": "Ask something"})

    view = client.views_open(trigger_id=slack.issue_trigger(alice), view=MODAL)["view"]
    kept = slack.submit_view(alice, view, {"question": {"text": ""}})
    assert kept.json()["response_action"] == "errors"
    assert slack.views(alice, open_only=True)
    closed = slack.submit_view(alice, view["id"], {"question": {"text": "Why May?"}})
    assert (closed.status, questions) == (200, ["", "Why May?"])
    assert slack.views(alice, open_only=True) == []


def test_a_global_shortcut_opens_a_modal(slack: SlackEmulator, app: App, alice: User) -> None:
    @app.shortcut("ask_elena")
    def open_modal(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=MODAL)

    assert slack.shortcut(alice, "ask_elena").acked_in_time
    assert slack.wait_for(lambda: slack.views(alice))[0]["callback_id"] == "ask"


def test_bolt_assistant_thread(slack: SlackEmulator, app: App, alice: User) -> None:
    assistant = Assistant()

    @assistant.thread_started
    def start(say: Say, set_suggested_prompts: Callable[..., Any]) -> None:
        say("Hi, I'm Elena's twin.")
        set_suggested_prompts(prompts=["What is our strategy?"])

    @assistant.user_message
    def answer(payload: dict[str, Any], set_status: Callable[..., Any], say: Say) -> None:
        set_status("is thinking...")
        say(f"About '{payload['text']}': focus.")

    app.use(assistant)
    started = slack.start_assistant_thread(alice, context_channel=slack.general.id)
    thread_ts = started.event["assistant_thread"]["thread_ts"]
    dm = slack.dm_channel(alice)
    greeting = slack.wait_for_message(dm, thread_ts=thread_ts)
    assert greeting["text"] == "Hi, I'm Elena's twin."
    prompts = slack.wait_for(lambda: slack.suggested_prompts(dm, thread_ts))
    assert prompts["prompts"] == [
        {"title": "What is our strategy?", "message": "What is our strategy?"}
    ]
    assert slack.dm(alice, "strategy?", thread_ts=thread_ts).acked_in_time
    slack.wait_for_message(dm, lambda m: m["text"].startswith("About"), thread_ts=thread_ts)
    assert slack.calls("assistant.threads.setStatus")[0].args["status"] == "is thinking..."
    assert slack.assistant_status(dm, thread_ts) is None
    board = slack.add_channel("board")
    assert slack.change_assistant_context(alice, thread_ts, board.id).acked_in_time
    saved = slack.wait_for_call("chat.update").args["metadata"]["event_payload"]
    assert saved["channel_id"] == board.id
    assert slack.message(dm, greeting["ts"])["metadata"]["event_payload"] == saved


def test_app_home_and_file_shared_events(slack: SlackEmulator, app: App, alice: User) -> None:
    slack.subscriptions = slack.subscriptions | {"file_shared"}  # not in the app's manifest
    shared: list[str] = []

    @app.event("app_home_opened")
    def publish(event: dict[str, Any], client: WebClient) -> None:
        client.views_publish(user_id=event["user"], view=HOME)

    @app.event("file_shared")
    def note(event: dict[str, Any]) -> None:
        shared.append(event["file_id"])

    @app.event("message")
    def ignore() -> None:
        pass

    assert slack.open_home(alice).status == 200
    slack.wait_for(lambda: slack.home_view(alice), what="a published home")
    deliveries = slack.share_file(alice, slack.dm_channel(alice), "q.txt", b"numbers", text="see")
    message, file_shared = (d.event for d in deliveries)
    assert (message["subtype"], message["files"][0]["name"]) == ("file_share", "q.txt")
    slack.wait_for(lambda: shared, what="the file_shared listener")
    assert shared == [file_shared["file_id"]]
    assert json.loads(json.dumps(message))["channel_type"] == "im"


# -- strictness: Block Kit and rate limits ------------------------------------------------------


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _thumb(text: str, value: str = "v") -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": text}, "value": value}


def _thumbs(positive: Any = "default", negative: Any = "default") -> dict[str, Any]:
    element = {
        "type": "feedback_buttons",
        "action_id": "fb",
        "positive_button": _thumb("up", "good") if positive == "default" else positive,
        "negative_button": _thumb("down", "bad") if negative == "default" else negative,
    }
    return {k: v for k, v in element.items() if v is not None}


def _context_actions(*elements: dict[str, Any]) -> dict[str, Any]:
    return {"type": "context_actions", "elements": list(elements)}


@pytest.mark.parametrize(
    ("blocks", "error"),
    [
        ([_section("x" * 3001)], "invalid_blocks"),  # a section holds 3000 characters
        ([_section("x")] * 51, "invalid_blocks"),  # a message holds 50 blocks
        ([{"type": "section"}], "invalid_blocks"),  # a section needs text
        ([{"type": "fancy"}], "invalid_blocks"),  # no such block
        ([{"type": "actions", "elements": [{"type": "mrkdwn", "text": "x"}]}], "invalid_blocks"),
        ([{"type": "context_actions", "elements": [{"type": "button"}]}], "invalid_blocks"),
        ([_context_actions(_thumbs(negative=None))], "invalid_blocks"),  # both buttons
        ([_context_actions(_thumbs(positive=_thumb("x" * 76)))], "invalid_blocks"),
        ([_context_actions(_thumbs(positive=_thumb("up", value="")))], "invalid_blocks"),
        ([_context_actions(_thumbs(positive={**_thumb("up"), "text": "up"}))], "invalid_blocks"),
        ([_section("x" * 2900)] * 5, "msg_blocks_too_long"),  # 14,500 characters of text
        ("not a list", "invalid_blocks_format"),
    ],
)
def test_blocks_slack_would_refuse_are_refused(blocks: Any, error: str) -> None:
    with SlackEmulator() as slack:
        client = WebClient(token=slack.bot_token, base_url=slack.api_url)
        with pytest.raises(SlackApiError) as refused:
            client.chat_postMessage(channel=slack.general.id, text="x", blocks=blocks)
        assert refused.value.response["error"] == error
        assert slack.messages(slack.general) == []
        client.chat_postMessage(channel=slack.general.id, text="x", blocks=[_section("x" * 3000)])


def test_feedback_buttons_are_accepted_and_a_click_carries_the_chosen_buttons_value(
    slack: SlackEmulator, app: App, client: WebClient, alice: User
) -> None:
    @app.action("fb")
    def thumbs(ack: Ack) -> None:
        ack()

    blocks = [_context_actions(_thumbs())]
    posted = client.chat_postMessage(channel="general", text="x", blocks=blocks)
    up = slack.click(alice, posted["message"], "fb", "positive").payload["actions"][0]
    down = slack.click(alice, posted["message"], "fb", "negative").payload["actions"][0]
    assert (up["type"], up["value"], up["text"]["text"]) == ("feedback_buttons", "good", "up")
    assert (down["value"], down["text"]["text"]) == ("bad", "down")
    with pytest.raises(ValueError, match="positive"):
        slack.click(alice, posted["message"], "fb")


def test_rate_limits_answer_429_with_retry_after() -> None:
    with SlackEmulator() as slack:
        slack.rate_limit(every=2, retry_after=7, methods=["chat.postMessage"])
        request = urllib.request.Request(
            f"{slack.api_url}chat.postMessage",
            data=json.dumps({"channel": slack.general.id, "text": "hi"}).encode(),
            headers={
                "Authorization": f"Bearer {slack.bot_token}",
                "Content-Type": "application/json",
            },
        )
        with urllib.request.urlopen(request) as first:
            assert json.load(first)["ok"]
        with pytest.raises(HTTPError) as second:
            urllib.request.urlopen(request)
        assert second.value.code == 429 and second.value.headers["Retry-After"] == "7"
        assert json.load(second.value)["error"] == "ratelimited"
        client = WebClient(token=slack.bot_token, base_url=slack.api_url)
        assert client.auth_test()["ok"]  # other methods are not limited
        slack.rate_limit(every=0)
        assert len(slack.messages(slack.general)) == 1


def test_files_info_sees_only_files_shared_where_the_bot_is(
    slack: SlackEmulator, app: App, client: WebClient, alice: User
) -> None:
    hidden = slack.add_channel("hidden", bot_member=False)
    slack.share_file(alice, hidden, "secret.txt", b"s")
    slack.share_file(alice, slack.dm_channel(alice), "mine.txt", b"m")
    ids = {
        f["name"]: f["id"]
        for c in (hidden.id, slack.dm_channel(alice))
        for m in slack.messages(c)
        for f in m.get("files", [])
    }
    assert client.files_info(file=ids["mine.txt"])["file"]["name"] == "mine.txt"
    assert (
        slack_error(lambda: client.files_info(file=ids["secret.txt"]))["error"] == "file_not_found"
    )
