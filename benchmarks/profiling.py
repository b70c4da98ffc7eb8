"""Where the reference server's time goes: py-spy samples under load, summarised as text.

`py-spy record --format raw` writes collapsed stacks (`frame;frame;... count`); this module
turns them into the two views a fix needs: inclusive share per library/layer, and the
functions with the most inclusive and self time.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import threading
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from .dataset import Dataset
from .load import LoadSettings, Target, run_load
from .servers import RunningServer, ServerSettings, start_server
from .stores import Store

FRAME = re.compile(r"^(?P<function>.*?) \((?P<file>[^()]*)\)$")
LAYERS = (  # first match wins; matched against the frame's file path
    ("jsonschema validation", ("jsonschema/", "jsonschema_rs", "referencing/")),
    ("connexion", ("connexion/",)),
    ("starlette", ("starlette/",)),
    ("uvicorn/asyncio", ("uvicorn/", "asyncio/", "uvloop/", "httptools/")),
    ("sqlalchemy", ("sqlalchemy/",)),
    ("limits (rate limit)", ("limits/",)),
    ("json encode/decode", ("json/",)),
    ("threading (limits expiry timer)", ("threading.py",)),
    ("schedulingkit.impl", ("impl/",)),
)


def layer_of(path: str) -> str | None:
    for name, markers in LAYERS:
        if any(marker in path for marker in markers):
            return name
    return None


def read_stacks(path: Path) -> Counter[tuple[str, ...]]:
    stacks: Counter[tuple[str, ...]] = Counter()
    for line in path.read_text().splitlines():
        frames, _, count = line.rpartition(" ")
        if frames and count.isdigit():
            stacks[tuple(frames.split(";"))] += int(count)
    return stacks


def summarize(stacks: Counter[tuple[str, ...]], top: int = 12) -> str:
    """Self time per layer, then the server's own functions and the hottest library calls.

    Shares are of the event-loop thread's samples; other threads (the `limits` memory
    storage's expiry timers) are counted apart.
    """
    main = Counter({k: v for k, v in stacks.items() if not _background(k)})
    total = sum(main.values()) or 1
    layers: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    for frames, count in main.items():
        names = [_short(frame) for frame in frames]
        layers[layer_of(frames[-1]) or _leaf_layer(names[-1])] += count
        for name in set(names):
            inclusive[name] += count
        own[names[-1]] += count
    background = sum(stacks.values()) - sum(main.values())
    plumbing = {name for name, n in inclusive.items() if n >= 0.8 * total}
    ours = [(k, v) for k, v in inclusive.most_common() if "impl/" in k and k not in plumbing]
    libraries = [
        (k, v) for k, v in inclusive.most_common() if k not in plumbing and "impl/" not in k
    ]
    lines = [f"  samples: {total} on the event loop thread, {background} on other threads"]
    lines.append("  self time by layer:")
    shown = [(name, n) for name, n in layers.most_common() if n >= 0.01 * total]
    rest = total - sum(n for _, n in shown)
    lines += [f"    {100 * n / total:5.1f}%  {name}" for name, n in [*shown, ("the rest", rest)]]
    lines.append("  schedulingkit.impl functions, inclusive:")
    lines += [f"    {100 * n / total:5.1f}%  {name}" for name, n in ours[:top]]
    lines.append("  library calls, inclusive (frames under 80% of samples):")
    lines += [f"    {100 * n / total:5.1f}%  {name}" for name, n in libraries[:top]]
    lines.append("  self time:")
    lines += [f"    {100 * n / total:5.1f}%  {name}" for name, n in own.most_common(top)]
    return "\n".join(lines)


def _background(frames: tuple[str, ...]) -> bool:
    return bool(frames) and frames[0].startswith("Thread._bootstrap")


def _leaf_layer(name: str) -> str:
    return "other: " + name.split(" (")[-1].rstrip(")").split("/")[0]


def _short(frame: str) -> str:
    """`execute (sqlalchemy/engine/base.py)` with site-packages prefixes cut off."""
    match = FRAME.match(frame)
    if not match:
        return frame
    file = re.sub(r"^.*?(site-packages|lib/python3\.\d+)/", "", match["file"])
    file = re.sub(r"^/work/main/", "", file)
    return f"{match['function']} ({file})"


def profile_endpoint(
    server: RunningServer, target: Target, settings: LoadSettings, out_dir: Path, events: int
) -> str:
    """Load `server` with `target` while py-spy samples it; the summary as text."""
    if shutil.which("py-spy") is None:
        return "py-spy is not installed (pip install py-spy): no profile"
    out_dir.mkdir(parents=True, exist_ok=True)
    slug = re.sub(r"[^a-z0-9]+", "-", target.label.lower()).strip("-")
    raw = out_dir / f"{events}-{slug}.txt"
    seconds = max(2, round(settings.duration))
    command = [
        "py-spy",
        "record",
        "--pid",
        str(server.pid),
        "--duration",
        str(seconds),
        "--rate",
        "250",
        "--format",
        "raw",
        "--nolineno",
        "--output",
        str(raw),
    ]
    spy = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    load = threading.Thread(target=run_load, args=(server.base_url, target, settings))
    load.start()
    load.join()
    _, errors = spy.communicate(timeout=seconds + 60)
    if spy.returncode != 0 or not raw.exists():
        return f"py-spy failed for {target.label}: {errors.strip()[-500:]}"
    return f"profile of {target.label} at {events:,} events ({raw}):\n" + summarize(
        read_stacks(raw)
    )


def profile_size(
    store: Store,
    dataset: Dataset,
    targets: list[Target],
    settings: LoadSettings,
    out_dir: Path,
    log: Callable[[str], None],
) -> None:
    """py-spy the reference server (one worker) under each target's load: a separate,
    unmeasured pass on its own copy of the data."""
    copy = store.working_copy(dataset, "profiled")
    server_settings = ServerSettings(1, "1000000000/minute", out_dir)
    server = start_server("reference", copy.url, copy, server_settings)
    try:
        for target in targets:
            log(profile_endpoint(server, target, settings, out_dir, copy.events))
    finally:
        server.stop()
        store.discard(copy)
