"""A fork server for uvicorn processes: import the server once, fork one process per fault.

Starting Python and importing Connexion, SQLAlchemy and the reference server costs seconds
per process, and a mutation run starts one process per fault. This process imports all of it
once; for each request read from stdin it forks a child that binds a free port, writes the
port to `port_file` and serves `tests.faults.serve:app` with uvicorn, as
`uvicorn tests.faults.serve:app --factory` would. The child's pid goes back on stdout; whoever
asked stops the child by that pid. Binding in the child leaves no window in which another
process could take the port.

Protocol, one JSON object per line: in `{"env": {...}, "port_file": "...", "log": "..."}`,
out `{"pid": 4242}`.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sys
import traceback

import tests.faults.serve  # noqa: F401 - imported before forking, so children start fast
from tests.faults.catalogue import fault_named
from tests.faults.harness import FAULT_VARIABLE


def serve_in_child(request: dict) -> None:
    """Runs in the forked child; never returns."""
    status = 1
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.environ.update(request["env"])
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind(("127.0.0.1", 0))
        _write_atomically(request["port_file"], str(listener.getsockname()[1]))
        import uvicorn
        from schedulingkit.impl.web.serving import uvicorn_options

        options = uvicorn_options()
        name = request["env"].get(FAULT_VARIABLE)
        if name and fault_named(name).http:  # a fault below the app: another protocol
            options["http"] = fault_named(name).http
        config = uvicorn.Config(
            "tests.faults.serve:app", factory=True, log_level="warning", **options
        )
        uvicorn.Server(config).run(sockets=[listener])
        status = 0
    except BaseException:
        traceback.print_exc()  # into the log, which the harness shows when a server fails
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)


def _write_atomically(path: str, text: str) -> None:
    with open(f"{path}.tmp", "w") as handle:
        handle.write(text)
    os.replace(f"{path}.tmp", path)


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
