"""Video replies from Slack: the button queues a render job, the clip lands in the thread."""

from __future__ import annotations

from pathlib import Path

import bot_fixtures
import numpy as np
from PIL import Image
from test_bot_questions import TIMEOUT, text_of, wait_answer

from render.avatar_store import add_photo_avatar, write_test_photo
from render.consent import ConsentRegistry
from render.jobs import RenderQueue
from render.lipsync import decode_frames
from render.photo_pack import PhotoInput

bot_factory = bot_fixtures.bot_factory
workspace = bot_fixtures.workspace  # fixtures

FAST_VIDEO = {
    "RENDER__BACKEND": "fake",
    "RENDER__SIZE": "128",
    "RENDER__FPS": "10",
    "RENDER__SCRIPT_MAX_CHARS": "80",
}


def test_the_video_button_uploads_a_clip_into_the_thread(workspace, bot_factory):
    slack, people = workspace
    harness = bot_factory(env=FAST_VIDEO, video_replies="true")
    ConsentRegistry(harness.settings.db_url).add("Elena Marsh", "voice,likeness", "Elena Marsh")
    asked = slack.mention(people.alice, "general", "Can I work from home?").event
    answer = wait_answer(slack, "general", asked["ts"])
    slack.click(people.alice, answer, "video_reply")
    notice = slack.wait_for_message(
        "general", lambda m: "Making a video" in m["text"], thread_ts=asked["ts"], timeout=TIMEOUT
    )
    slack.click(people.mallory, answer, "video_reply")  # a second click queues nothing more
    assert "shortened" in notice["text"]  # the answer is longer than script_max_chars
    upload = slack.wait_for_call("files.completeUploadExternal", timeout=120)
    assert upload.ok and upload.args["thread_ts"] == asked["ts"]
    file_id = upload.args["files"][0]["id"]
    assert slack.uploaded_file(file_id)[4:8] == b"ftyp"  # an MP4
    clip = [m for m in slack.thread("general", asked["ts"]) if m.get("files")]
    assert len(clip) == 1 and "video reply" in clip[0]["text"]
    queue = RenderQueue(harness.settings.db_url)
    slack.wait_for(lambda: queue.jobs()[0].status == "done", TIMEOUT, "the job to end")
    [job] = queue.jobs()
    assert job.target["channel"] == slack.general.id and job.target["user"] == people.alice.id
    assert job.text.endswith("The full answer is in the thread.")
    notices = [m["text"] for m in slack.thread("general", asked["ts"]) if "video" in m["text"]]
    assert not [n for n in notices if "Making a video" in n]  # updated, or deleted (loser)
    assert "already on its way" in text_of(
        slack.wait_for(lambda: slack.ephemerals(people.mallory), TIMEOUT)[0]["message"]
    )


def test_without_consent_the_thread_says_video_is_unavailable(workspace, bot_factory):
    slack, people = workspace
    bot_factory(env=FAST_VIDEO, video_replies="true")
    asked = slack.dm(people.alice, "Can I work from home?").event
    dm = slack.dm_channel(people.alice)
    answer = wait_answer(slack, dm, asked["ts"])
    slack.click(people.alice, answer, "video_reply")
    slack.wait_for(
        lambda: any("not available" in m["text"] for m in slack.thread(dm, asked["ts"])),
        TIMEOUT,
        "the notice saying why",
    )


def test_the_video_button_speaks_with_the_photo_avatar(workspace, bot_factory, tmp_path: Path):
    slack, people = workspace
    photo = {**FAST_VIDEO, "RENDER__SIZE": "256", "RENDER__AVATAR": "test-photo"}
    harness = bot_factory(env=photo, video_replies="true")
    consents = ConsentRegistry(harness.settings.db_url)
    consents.add("Elena Marsh", "voice,likeness", "Elena Marsh")
    front = PhotoInput("front", write_test_photo(tmp_path / "test-photo.png"))
    pack = add_photo_avatar(harness.settings.home, "test-photo", [front], consents, "Elena Marsh")
    asked = slack.dm(people.alice, "Can I work from home?").event
    answer = wait_answer(slack, slack.dm_channel(people.alice), asked["ts"])
    slack.click(people.alice, answer, "video_reply")
    upload = slack.wait_for_call("files.completeUploadExternal", timeout=120)
    clip = tmp_path / "reply.mp4"
    clip.write_bytes(slack.uploaded_file(upload.args["files"][0]["id"]))
    frames = decode_frames(clip, 256)
    with Image.open(pack.path / "portrait.png") as portrait:
        corner = np.asarray(portrait.convert("RGB").resize((256, 256)))[200:, 200:]
    assert np.abs(frames[0][200:, 200:].astype(int) - corner).mean() < 6  # the photo, not a drawing
    mouths = frames[:, 150:200, 90:170].astype(int)
    assert np.abs(np.diff(mouths, axis=0)).mean(axis=(1, 2, 3)).max() > 2  # the mouth moves
