"""What every benchmark run needs: peak RSS, an RSS guard, generation in a child process and a
private decisions store.

A run stops itself, saying in which phase (PHASE[0]), when its RSS passes the guard's limit, after
running the cleanups in ON_ABORT.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

PHASE = ["start"]  # what the run is doing, for the RSS guard's message
ON_ABORT: list = []  # cleanups the RSS guard runs before it stops the process


def default_max_rss_gib() -> float:
    """85% of the machine's memory."""
    return round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30 * 0.85, 1)


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_guard(limit_gib: float) -> None:
    """Stop the run (not the machine) when this process grows past limit_gib."""
    page = os.sysconf("SC_PAGE_SIZE")

    def watch() -> None:
        while True:
            with open("/proc/self/statm") as fh:
                rss = int(fh.read().split()[1]) * page / 2**30
            if rss > limit_gib:
                print(f"\nABORTED during {PHASE[0]}: RSS {rss:.1f} GiB passed --max-rss-gib {limit_gib:.1f}", flush=True)
                for cleanup in ON_ABORT:
                    cleanup()
                os._exit(3)
            time.sleep(0.25)

    threading.Thread(target=watch, daemon=True).start()


def demo_input(target: str, root: Path, candidates: int, seed: int, as_of: datetime) -> tuple[dict, float | None]:
    """(manifest, seconds generating) of the demo data under root: reused when its manifest matches
    (seconds None), else written by a demo generator ("module:function") in a child process, so its
    memory is not this run's."""
    manifest_path = root / "manifest.json"
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text())
        if (manifest.get("candidates"), manifest.get("seed"), manifest.get("as_of")) == (
                candidates, seed, as_of.strftime("%Y-%m-%dT%H:%M:%S.000Z")):
            return manifest, None
    module, function = target.split(":")
    code = (f"import sys; from pathlib import Path; from datetime import datetime; from {module} import {function}; "
            f"{function}(Path(sys.argv[1]), candidates=int(sys.argv[2]), seed=int(sys.argv[3]), "
            "as_of=datetime.fromisoformat(sys.argv[4]))")
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, str(root), str(candidates), str(seed), as_of.isoformat()], check=True)
    return json.loads(manifest_path.read_text()), time.perf_counter() - started


def run_arguments(parser: argparse.ArgumentParser, candidates: int, data: str) -> None:
    """The options every ingest benchmark takes: --candidates, --keep and --max-rss-gib."""
    parser.add_argument("--candidates", type=int, default=candidates)
    parser.add_argument("--keep", type=Path, help=f"write the {data} here once and reuse it on later runs")
    parser.add_argument("--max-rss-gib", type=float, default=default_max_rss_gib(),
                        help="abort the run past this RSS (default: 85%% of memory)")


def met(value: float, target: float) -> str:
    return "met" if value <= target else "MISSED"


def private_decisions(scratch: Path, erased: int, seed: int = 0) -> None:
    """A decisions store and secret of the run's own, holding `erased` suppression keys."""
    from pipelines.privacy import suppression

    os.environ["STAGETRUTH_DECISIONS"] = str(scratch / "decisions.duckdb")
    os.environ["STAGETRUTH_SECRET_KEY"] = "benchmark-secret"
    if erased:
        rng = random.Random(seed)
        keys = {kind: {f"{rng.getrandbits(256):064x}" for _ in range(erased // 3 + 1)} for kind in ("record", "email", "phone")}
        suppression.add_keys(keys, "benchmark")
    print(f"decisions store: private, {len(suppression.load_keys()):,} suppression keys", flush=True)
