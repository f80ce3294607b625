"""`make bench`: every benchmark in one run, printed as Markdown for the README.

Pick some with `python -m bench.run ingest search`.
"""

from __future__ import annotations

import importlib
import sys
import time

from bench.common import machine

BENCHMARKS = ["ingest", "search", "quality", "answer", "render", "persona"]


def main(names: list[str]) -> None:
    print(f"# ceo-twin benchmarks — {machine()}, {time.strftime('%Y-%m-%d')}\n")
    for name in names or BENCHMARKS:
        module = importlib.import_module(f"bench.{name}_bench")
        started = time.perf_counter()
        if hasattr(module, "run"):
            print(module.run())
        else:
            module.main([])
        print(f"\n({name}: {time.perf_counter() - started:.0f} s)\n", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
