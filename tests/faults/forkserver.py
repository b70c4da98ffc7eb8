"""A fork server for uvicorn processes: import the server once, fork one process per fault.

Starting Python and importing Connexion, SQLAlchemy and the reference server costs seconds
per process; a mutation run starts one process per fault. This process imports all of it
once, then, for each request read from stdin, forks a child that serves
`tests.faults.serve:app` with uvicorn, exactly as `uvicorn tests.faults.serve:app --factory`
would. The child's pid goes back on stdout; whoever asked stops it by that pid.

Protocol (one JSON object per line): in `{"env": {...}, "port": 8123, "log": "/path"}`,
out `{"pid": 4242}`.
"""

from __future__ import annotations

import json
import os
import signal
import sys

import tests.faults.serve  # noqa: F401 - imported before forking, so children start fast


def serve_in_child(request: dict) -> None:
    """Runs in the forked child: never returns."""
    status = 1
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.environ.update(request["env"])
        import uvicorn

        uvicorn.run(
            "tests.faults.serve:app",
            factory=True,
            host="127.0.0.1",
            port=request["port"],
            log_level="warning",
        )
        status = 0
    finally:
        os._exit(status)


def main() -> None:
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped automatically
    for line in sys.stdin:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            serve_in_child(request)
        print(json.dumps({"pid": pid}), flush=True)


if __name__ == "__main__":
    main()
