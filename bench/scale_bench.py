"""Scale benchmark: two `twin serve` processes behind a round-robin balancer and two `twin worker`
processes on this machine, with RabbitMQ, Redis (the per-user limit) and PostgreSQL; questions
and video requests sent at once through the Slack emulator.

    python -m bench.scale_bench [--questions 50] [--videos 10] [--out FILE]

Two rounds: all workers up; then again with one worker killed (SIGKILL) once a fifth of the
answers are posted. Measured per round: how long each event took to be acknowledged (Slack's
limit is 3 s), whether every question was answered exactly once (one finished answer in its
thread, one delivery record), and the p50/p95 time from the event to the first streamed words
(chat.startStream) and to the final answer (chat.stopStream), and to each clip's upload.
Not part of `make test`: it takes a few minutes and both cores.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from bench.common import ROOT, machine, table
from bench.scale_proxy import RoundRobin
from bench.scale_round import run_round

sys.path.insert(0, str(ROOT / "tests"))
from slack_emulator import SlackEmulator

TWIN = str(Path(sys.executable).parent / "twin")
PG = os.environ.get("TWIN_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BROKER = os.environ.get("TWIN_BENCH_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672//")
REDIS = os.environ.get("TWIN_BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")
QUESTIONS = [
    "What is our remote work policy?",
    "How long is parental leave?",
    "Why did we change how we price Dispatch?",
    "What is Lodestar and when did it launch?",
    "What are Focus Wednesdays?",
    "What are our priorities for Q2?",
    "How do we think about generative AI?",
    "What happened in the security incident?",
    "What are anchor days?",
    "Why are we expanding to the UK?",
]


@dataclass
class Stack:
    """The processes of the benchmark and the workspace they serve."""

    home: Path
    env: dict[str, str]
    slack: SlackEmulator
    proxy: RoundRobin
    web: list[subprocess.Popen[bytes]] = field(default_factory=list)
    workers: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def log(self, name: str) -> Path:
        return self.home / f"{name}.log"

    def start(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        with self.log(name).open("a") as log:
            return subprocess.Popen([TWIN, *args], env=self.env, stdout=log, stderr=log)

    def start_worker(self, name: str) -> None:
        unique = f"{name}-{uuid.uuid4().hex[:4]}"
        self.workers[name] = self.start(name, "worker", "--name", unique)

    def stop(self) -> None:
        for process in [*self.web, *self.workers.values()]:
            process.send_signal(signal.SIGTERM)
        for process in [*self.web, *self.workers.values()]:
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                process.kill()
        self.proxy.stop()
        self.slack.stop()


def fresh_schema() -> str:
    schema = f"scale_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    return f"{PG}?options=-csearch_path%3D{schema}"


def flush_redis() -> None:
    import redis

    redis.Redis.from_url(REDIS).flushdb()


def environment(home: Path, database_url: str, slack: SlackEmulator, queue: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TWIN")}
    env.update(
        TWIN_CONFIG=str(ROOT / "config.yaml"),
        TWIN_HOME=str(home),
        TWIN__DATABASE_URL=database_url,
        TWIN__TASKS__BROKER_URL=BROKER,
        TWIN__TASKS__QUEUE=queue,
        TWIN__TASKS__THREADS="4",
        TWIN__SLACK__API_BASE_URL=slack.api_url,
        TWIN__SLACK__RATE_LIMIT_STORAGE=REDIS,
        TWIN__SLACK__UPDATE_INTERVAL_S="0.5",
        TWIN__RENDER__SIZE="256",
        TWIN__RENDER__JOBS__LEASE_S="15",
        TWIN__CONSOLE__ENABLED="false",
        SLACK_BOT_TOKEN=slack.bot_token,
        SLACK_SIGNING_SECRET=slack.signing_secret,
    )
    return env


def build(home: Path) -> Stack:
    slack = SlackEmulator().start()
    queue = f"twin-scale-{uuid.uuid4().hex[:6]}"
    env = environment(home, fresh_schema(), slack, queue)
    flush_redis()
    print("ingesting the sample corpus ...", flush=True)
    subprocess.run([TWIN, "ingest", str(ROOT / "samples" / "corpus")], env=env, check=True)
    consent = ["consent", "add", "--scope", "voice,likeness", "--by", "Elena Marsh"]
    subprocess.run([TWIN, *consent], env=env, check=True, capture_output=True)
    ports = [free_port(), free_port()]
    proxy = RoundRobin([f"http://127.0.0.1:{p}/slack/events" for p in ports]).start()
    slack.request_url = proxy.url
    stack = Stack(home, env, slack, proxy)
    stack.web = [stack.start(f"web{i + 1}", "serve", "--port", str(p)) for i, p in enumerate(ports)]
    for name in ("worker1", "worker2"):
        stack.start_worker(name)
    for port in ports:
        wait_port(port, 300)
    for name in stack.workers:
        wait_text(stack.log(name), "ready.", 300)
    return stack


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, timeout: float) -> None:
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"nothing listens on port {port} after {timeout} s")


def wait_text(path: Path, text: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while text not in (path.read_text() if path.exists() else ""):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{path.name}: no {text!r} after {timeout} s")
        time.sleep(0.5)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=int, default=50)
    parser.add_argument("--videos", type=int, default=10)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="twin-scale-") as folder:
        home = Path(folder)
        stack = build(home)
        try:
            results = [
                run_round(stack, QUESTIONS, args.questions, args.videos, kill=None),
                run_round(stack, QUESTIONS, args.questions, args.videos, kill="worker2"),
            ]
        finally:
            stack.stop()
    report = render(results, args)
    print(report)
    if args.out:
        args.out.write_text(report + "\n")


def render(results: list[dict[str, Any]], args: argparse.Namespace) -> str:
    load = os.getloadavg()
    header = [
        "round",
        "events acked in 3 s",
        "slowest ack s",
        "answered once",
        "doubled / lost",
        "first words p50 / p95 s",
        "final answer p50 / p95 s",
        "clips posted",
        "clip p50 / p95 s",
        "answers / renders run again",
    ]
    rows = [
        [
            r["name"],
            f"{r['acked']}/{r['events']}",
            f"{r['slowest_ack']:.2f}",
            f"{r['once']}/{r['questions']}",
            f"{r['doubled']} / {r['lost']}",
            f"{percentile(r['first'], 0.5):.1f} / {percentile(r['first'], 0.95):.1f}",
            f"{percentile(r['final'], 0.5):.1f} / {percentile(r['final'], 0.95):.1f}",
            f"{r['clips']}/{r['videos']}",
            f"{percentile(r['clip'], 0.5):.1f} / {percentile(r['clip'], 0.95):.1f}",
            f"{r['retried'][0]} / {r['retried'][1]}",
        ]
        for r in results
    ]
    intro = (
        f"{args.questions} questions + {args.videos} video requests at once; {machine()}; "
        f"2 web + 2 worker processes (4 threads each); load average at the end "
        f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}"
    )
    return intro + "\n\n" + table(header, rows)


if __name__ == "__main__":
    main()
