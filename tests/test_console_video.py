"""Try it with a video: the answer spoken as `twin ask --video` speaks it (fake TTS here, the
real renderer and ffmpeg), with the AI-generated badge on its frames, served only to the admin
who asked; no video without consent, nor for an answer that waits for comms."""

from __future__ import annotations

import re
import time

import bot_fixtures
import numpy as np
from console_fixtures import console_client, csrf
from test_bot_approvals import QUESTION
from test_bot_video import FAST_VIDEO
from test_console_reviews import actions
from test_render_clip import decode

from render.consent import ConsentRegistry
from render.overlays import BADGE_COLOUR, badge_patch

bot_factory = bot_fixtures.bot_factory
workspace = bot_fixtures.workspace  # fixtures


def ask(client, question: str, video: bool = True) -> str:  # type: ignore[no-untyped-def]
    form = {"csrf": csrf(client.get("/try").text), "question": question, "groups": ""}
    return str(client.post("/try", data={**form, **({"video": "1"} if video else {})}).text)


def clip_of(client, page: str) -> str:  # type: ignore[no-untyped-def]
    """The clip's part of the page, once it is made (polled as htmx polls it)."""
    found = re.search(r'hx-get="(/try/clips/\w+)"', page)
    if found is None:  # made (or failed) before the page was sent
        return page.split('<div id="clip">')[1]
    deadline = time.monotonic() + 120
    while "Making the video" in (part := client.get(found[1]).text):
        assert time.monotonic() < deadline, part
        time.sleep(0.3)
    return str(part)


def test_try_it_shows_the_clip_to_the_admin_who_asked(workspace, bot_factory, tmp_path):
    _, people = workspace
    harness = bot_factory(env=FAST_VIDEO, admins=[people.adam.id, people.erin.id])
    ConsentRegistry(harness.settings.db_url).add("Elena Marsh", "voice,likeness", "Elena Marsh")
    adam, erin = console_client(harness, people.adam), console_client(harness, people.erin)
    part = clip_of(adam, ask(adam, "How long is parental leave?"))
    src = re.search(r'<video[^>]* src="([^"]+)"', part)
    assert src and "AI-generated" in part, part
    served = adam.get(src[1])
    assert served.status_code == 200 and served.headers["content-type"] == "video/mp4"
    assert served.content[4:8] == b"ftyp"
    assert erin.get(src[1]).status_code == 404  # another admin does not get it
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(served.content)
    x0, y0, x1, y1 = badge_patch(int(FAST_VIDEO["RENDER__SIZE"])).box
    crop = f"{x1 - x0}:{y1 - y0}:{x0}:{y0}"
    pixels = decode(clip, "rgb24", 3, crop).reshape(-1, (y1 - y0) * (x1 - x0), 3)
    amber = (np.abs(pixels.astype(int) - BADGE_COLOUR) < 40).all(axis=2).mean(axis=1)
    assert len(amber) > 1 and amber.min() > 0.5  # the badge on every frame
    tries = [a for a in actions(harness) if a[1] == "try"]
    assert tries and tries[0][0] == people.adam.id


def test_no_clip_without_consent_or_for_an_answer_that_waits_for_comms(workspace, bot_factory):
    _, people = workspace
    harness = bot_factory(env=FAST_VIDEO)
    adam = console_client(harness, people.adam)
    part = clip_of(adam, ask(adam, "How long is parental leave?"))
    assert "No video:" in part and "consent" in part and "<video" not in part
    ConsentRegistry(harness.settings.db_url).add("Elena Marsh", "voice,likeness", "Elena Marsh")
    held = ask(adam, QUESTION)
    assert "only answers that need no comms approval are spoken" in held
    assert 'hx-get="/try/clips/' not in held
