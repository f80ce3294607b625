"""One round of the scale benchmark: the burst of questions and video requests, an optional
worker killed mid-run, and what the emulator saw (acks, streams, answers, uploads)."""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any

import psycopg

TIMEOUT = 900  # seconds a round may take before what is missing counts as lost


@dataclass
class Sent:
    """One question (or video request) sent at `at` (epoch seconds), and its delivery."""

    kind: str
    channel: str
    thread_ts: str
    at: float
    delivery: Any


def is_answer(message: dict[str, Any]) -> bool:
    return any(
        e.get("action_id") == "feedback_helpful"
        for b in message.get("blocks", [])
        if b.get("type") == "actions"
        for e in b.get("elements", [])
    )


def answers(slack: Any, channel: str, thread_ts: str) -> list[dict[str, Any]]:
    return [m for m in slack.thread(channel, thread_ts) if is_answer(m)]


def prepare_videos(slack: Any, questions: list[str], count: int, tag: str) -> list[tuple]:
    """`count` people with an answered question each, to click Video reply in the burst."""
    ready = []
    for n in range(count):
        user = slack.add_user(f"viewer-{tag}-{n}")
        delivery = slack.dm(user, questions[n % len(questions)])
        channel, ts = slack.dm_channel(user), delivery.event["ts"]
        answer = slack.wait_for_message(channel, is_answer, thread_ts=ts, timeout=TIMEOUT / 3)
        ready.append((user, channel, ts, answer))
    return ready


def burst(
    slack: Any, questions: list[str], count: int, videos: list[tuple], tag: str, sent: list[Sent]
) -> list[Sent]:
    """Send every question and video click at once (one thread each); `sent` gets each as it
    is acknowledged (a killer thread watches it)."""
    askers = [slack.add_user(f"asker-{tag}-{n}") for n in range(count)]
    lock = threading.Lock()
    start = threading.Barrier(len(askers) + len(videos))

    def ask(n: int) -> None:
        user = askers[n]
        start.wait()
        at = time.time()
        delivery = slack.dm(user, questions[n % len(questions)])
        with lock:
            sent.append(
                Sent("question", slack.dm_channel(user), delivery.event["ts"], at, delivery)
            )

    def click(video: tuple) -> None:
        user, channel, ts, answer = video
        start.wait()
        at = time.time()
        delivery = slack.click(user, answer, "video_reply")
        with lock:
            sent.append(Sent("video", channel, ts, at, delivery))

    threads = [threading.Thread(target=ask, args=(n,)) for n in range(count)]
    threads += [threading.Thread(target=click, args=(v,)) for v in videos]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sent


def killer(stack: Any, name: str, sent: list[Sent], after: int) -> threading.Thread:
    """SIGKILL worker `name` once `after` of the questions have their final answer."""

    def run() -> None:
        slack = stack.slack
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            questions = [s for s in list(sent) if s.kind == "question"]
            done = sum(bool(answers(slack, s.channel, s.thread_ts)) for s in questions)
            if done >= after:
                stack.workers[name].kill()
                stack.workers[name].wait(30)
                print(f"killed {name} after {done} answers", flush=True)
                return
            time.sleep(0.2)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def settled(slack: Any, sent: list[Sent], uploads: int) -> bool:
    questions = [s for s in sent if s.kind == "question"]
    if not all(answers(slack, s.channel, s.thread_ts) for s in questions):
        return False
    return len(slack.calls("files.completeUploadExternal")) >= uploads


def run_round(
    stack: Any, questions: list[str], count: int, video_count: int, kill: str | None
) -> dict[str, Any]:
    slack = stack.slack
    tag = uuid.uuid4().hex[:4]
    name = "one worker killed mid-run" if kill else "all workers up"
    print(f"round: {name}", flush=True)
    videos = prepare_videos(slack, questions, video_count, tag)
    for clip in (stack.home / "clips").rglob("*.mp4"):
        clip.unlink()  # the same answers as last round: render them again, not from the cache
    retried_before = retried(stack)
    uploads_before = len(slack.calls("files.completeUploadExternal"))
    sent_holder: list[Sent] = []
    watcher = killer(stack, kill, sent_holder, max(1, count // 5)) if kill else None
    sent = burst(slack, questions, count, videos, tag, sent_holder)
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline and not settled(slack, sent, uploads_before + video_count):
        time.sleep(0.5)
    if watcher is not None:
        watcher.join(5)
        stack.start_worker(kill)  # for a next round
    result = measure(slack, sent, name, uploads_before)
    now = retried(stack)
    result["retried"] = [now[0] - retried_before[0], now[1] - retried_before[1]]
    return result


def retried(stack: Any) -> tuple[int, int]:
    """Answer tasks and render jobs that took more than one attempt, so far."""
    url = stack.env["TWIN__DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url) as conn:
        counts = [
            conn.execute(f"SELECT count(*) FROM {table} WHERE attempts > 1").fetchone()
            for table in ("answer_deliveries", "render_jobs")
        ]
    return int(counts[0][0]) if counts[0] else 0, int(counts[1][0]) if counts[1] else 0


def measure(slack: Any, sent: list[Sent], name: str, uploads_before: int) -> dict[str, Any]:
    questions = [s for s in sent if s.kind == "question"]
    videos = [s for s in sent if s.kind == "video"]
    counts = [len(answers(slack, s.channel, s.thread_ts)) for s in questions]
    starts = {c.args.get("thread_ts"): c for c in reversed(slack.calls("chat.startStream"))}
    stops = {c.args.get("ts"): c for c in slack.calls("chat.stopStream") if c.ok}
    first, final = [], []
    for s in questions:
        answer = next(iter(answers(slack, s.channel, s.thread_ts)), None)
        if s.thread_ts in starts:
            first.append(starts[s.thread_ts].at - s.at)
        if answer is not None and answer["ts"] in stops:
            final.append(stops[answer["ts"]].at - s.at)
    uploads = {
        c.args.get("thread_ts"): c
        for c in slack.calls("files.completeUploadExternal")[uploads_before:]
    }
    clip = [uploads[v.thread_ts].at - v.at for v in videos if v.thread_ts in uploads]
    return {
        "name": name,
        "events": len(sent),
        "acked": sum(s.delivery.acked_in_time for s in sent),
        "slowest_ack": max(s.delivery.elapsed for s in sent),
        "questions": len(questions),
        "once": counts.count(1),
        "doubled": sum(c > 1 for c in counts),
        "lost": counts.count(0),
        "first": first,
        "final": final,
        "videos": len(videos),
        "clips": len(clip),
        "clip": clip,
    }
