"""garak's prompt-injection, latent-injection and encoding probes against the twin's
OpenAI-compatible endpoint, offline: `make garak` (not part of `make test` or `make bench`).

Ingests the sample corpus into a fresh home, starts `twin serve --console-only` with a random
TWIN_API_KEY (quote mode unless --llm-url names an OpenAI-compatible LLM server, e.g. `twin llm
serve`), runs garak (from its own virtualenv, .venv-garak) with garak's OpenAICompatible
generator pointed at it, and prints the pass rate of each probe and detector as Markdown.

    python -m bench.garak_bench --garak .venv-garak/bin/garak [--cap 40] [--probes ...]
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import defaultdict
from pathlib import Path

from bench.common import ROOT, machine, table

PROBES = ["promptinject", "latentinjection", "encoding"]
TWIN = Path(sys.executable).parent / "twin"


def main(argv: list[str]) -> None:
    args = _arguments(argv)
    work = Path(args.work or tempfile.mkdtemp(prefix="garak-bench-"))
    key = secrets.token_urlsafe(24)
    env = {**os.environ, "TWIN_HOME": str(work / "twin"), "TWIN_API_KEY": key}
    env["TWIN__CONSOLE__PORT"] = str(args.port)
    if args.llm_url:
        env["TWIN__LLM__BASE_URL"] = args.llm_url
    if not (work / "twin" / "twin.db").exists():
        subprocess.run([str(TWIN), "ingest", str(ROOT / "samples" / "corpus")], env=env, check=True)
    server = subprocess.Popen([str(TWIN), "serve", "--console-only"], env=env)
    try:
        url = f"http://127.0.0.1:{args.port}/v1"
        _wait(f"{url}/models", key)
        first = _last_answer(work)
        started = time.time()
        reports = [_garak(args, work, url, key, probe) for probe in args.probes]
        garak_s = time.time() - started
        server_cpu = _cpu_seconds(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=60)
    rows = [row for report in reports for row in _evals(report)]
    print(_markdown(rows, args, garak_s, server_cpu))
    print(f"\nHow the twin answered garak's prompts: {_outcomes(work, first)}")
    out = ROOT / "bench" / "results" / "garak.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"date": time.strftime("%Y-%m-%d"), "machine": machine(),
                               "cap": args.cap, "evals": rows}, indent=2))  # fmt: skip


def _arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--garak", default=str(ROOT / ".venv-garak" / "bin" / "garak"))
    parser.add_argument("--probes", nargs="+", default=PROBES)
    parser.add_argument("--cap", type=int, default=40, help="prompts per probe (garak's cap)")
    parser.add_argument("--port", type=int, default=3091)
    parser.add_argument("--work", help="folder for the twin's home and garak's files")
    parser.add_argument("--llm-url", help="answer through this LLM server instead of quotes")
    return parser.parse_args(argv)


def _wait(url: str, key: str, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {key}"})
    while True:
        try:
            with urllib.request.urlopen(request, timeout=5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(1)


def _garak(args: argparse.Namespace, work: Path, url: str, key: str, probe: str) -> Path:
    """One garak run (offline: its data and caches under `work`); its report's path."""
    options = {"openai": {"OpenAICompatible": {"uri": url, "model": "ceo-twin",
                                               "suppressed_params": ["n", "stop"]}}}  # fmt: skip
    (work / "generator.json").write_text(json.dumps(options))
    config = work / "garak.yaml"
    config.write_text(f"run:\n  soft_probe_prompt_cap: {args.cap}\n  generations: 1\n")
    prefix = f"twin-{probe.replace('.', '-')}"
    env = {**os.environ, "OPENAICOMPATIBLE_API_KEY": key, "XDG_DATA_HOME": str(work / "data"),
           "XDG_CACHE_HOME": str(work / "cache"), "XDG_CONFIG_HOME": str(work / "config"),
           "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}  # fmt: skip
    command = [
        args.garak, "--target_type", "openai.OpenAICompatible", "--target_name", "ceo-twin",
        "--generator_option_file", str(work / "generator.json"), "--config", str(config),
        "--probes", probe, "--generations", "1", "--report_prefix", prefix,
    ]  # fmt: skip
    subprocess.run(command, env=env, check=True)
    return next((work / "data").rglob(f"{prefix}.report.jsonl"))


def _evals(report: Path) -> list[dict[str, object]]:
    """garak's eval entries: probe, detector, passed and total attempts."""
    rows = []
    for line in report.read_text().splitlines():
        entry = json.loads(line)
        if entry.get("entry_type") == "eval":
            total = int(entry.get("total_evaluated", entry.get("total", 0)))
            rows.append({"probe": entry["probe"], "detector": entry["detector"],
                         "passed": int(entry["passed"]), "total": total})  # fmt: skip
    return rows


def _last_answer(work: Path) -> int:
    with sqlite3.connect(work / "twin" / "twin.db") as db:
        return int(db.execute("SELECT coalesce(max(id), 0) FROM answers").fetchone()[0])


def _outcomes(work: Path, after: int) -> dict[str, int]:
    """The audit records of the run: refused by the question check, nothing on the topic
    (mode none), held for comms review, answered with quotes or by the LLM."""
    query = (
        "SELECT mode, refused, needs_approval, count(*) FROM answers WHERE id > ? GROUP BY 1, 2, 3"
    )
    found: dict[str, int] = defaultdict(int)
    with sqlite3.connect(work / "twin" / "twin.db") as db:
        for mode, refused, held, n in db.execute(query, (after,)):
            found["refused" if refused else "held for review" if held else mode] += n
    return dict(found)


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _markdown(rows: list[dict[str, object]], args: argparse.Namespace, garak_s: float,
              server_cpu: float) -> str:  # fmt: skip
    by_family: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in rows:
        family = by_family[str(row["probe"]).split(".")[0]]
        family[0] += int(str(row["passed"]))
        family[1] += int(str(row["total"]))
    lines = [
        f"garak against the twin's /v1/chat/completions, {time.strftime('%Y-%m-%d')}, "
        f"{machine()}; {args.cap} prompts per probe at most, 1 generation; "
        f"{'LLM ' + args.llm_url if args.llm_url else 'quote mode'}; "
        f"{garak_s:.0f} s wall, twin server {server_cpu:.0f} s CPU",
        "",
        table(["probe", "detector", "passed", "pass rate"],
              [(r["probe"], r["detector"], f"{r['passed']}/{r['total']}",
                f"{int(str(r['passed'])) / max(int(str(r['total'])), 1):.1%}") for r in rows]),
        "",
        table(["family", "passed", "pass rate"],
              [(name, f"{p}/{t}", f"{p / max(t, 1):.1%}") for name, (p, t) in by_family.items()]),
    ]  # fmt: skip
    return "\n".join(lines)


if __name__ == "__main__":
    main(sys.argv[1:])
