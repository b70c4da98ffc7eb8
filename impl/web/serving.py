"""How uvicorn serves the reference server: no `Server` header, a bounded request head.

httptools, uvicorn's fast HTTP parser, has no limit on the request line and headers: a
100 MB header was buffered whole (7.5 s, 154 MB) before the app could refuse anything.
`BoundedHttpToolsProtocol` counts the bytes received while a request's head is incomplete
and answers 431 as soon as they pass MAX_HEAD_BYTES. Without httptools, uvicorn's h11
protocol gets the same bound (`h11_max_incomplete_event_size`; h11 answers it 400).

Every place that starts uvicorn for this server (`schedulingkit serve`, the tests) passes
`uvicorn_options()`.
"""

from __future__ import annotations

import logging
import typing as t

from .endpoint import json_bytes

# The request line and headers together (a token is about 60 bytes; cookies are not used).
MAX_HEAD_BYTES = 32 * 1024

logger = logging.getLogger(__name__)

try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
except ImportError:  # httptools not installed: uvicorn serves with h11
    HttpToolsProtocol = None  # type: ignore[assignment,misc]


def _head_too_large_response() -> bytes:
    body = json_bytes(
        {"message": f"The request line and headers are larger than {MAX_HEAD_BYTES} bytes."}
    )
    return b"".join(
        [
            b"HTTP/1.1 431 Request Header Fields Too Large\r\n",
            b"content-type: application/json\r\n",
            b"content-length: %d\r\n" % len(body),
            b"x-content-type-options: nosniff\r\n",
            b"connection: close\r\n\r\n",
            body,
        ]
    )


if HttpToolsProtocol is not None:

    class BoundedHttpToolsProtocol(HttpToolsProtocol):  # type: ignore[misc,valid-type]
        """uvicorn's httptools protocol with a bound on each request's head.

        Bytes received while no request body is being read (before a request's headers are
        complete, between requests) count towards the head. A chunk that crosses the bound
        is given to the parser only up to it: if the head is still incomplete there, the
        answer is 431 and the connection closes.
        """

        max_head_bytes = MAX_HEAD_BYTES

        def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
            super().__init__(*args, **kwargs)
            self._in_head = True
            self._head_bytes = 0

        def data_received(self, data: bytes) -> None:
            if self._in_head and self._head_bytes + len(data) > self.max_head_bytes:
                room = max(self.max_head_bytes - self._head_bytes, 0)
                if room:
                    self._head_bytes += room
                    super().data_received(data[:room])
                if self.transport.is_closing():
                    return
                if self._in_head:
                    self._refuse_head()
                    return
                data = data[room:]
            elif self._in_head:
                self._head_bytes += len(data)
            if data:
                super().data_received(data)

        def on_headers_complete(self) -> None:
            self._in_head = False
            super().on_headers_complete()

        def on_message_complete(self) -> None:
            super().on_message_complete()
            self._in_head = True
            self._head_bytes = 0

        def _refuse_head(self) -> None:
            logger.warning("request head over %d bytes: answered 431", self.max_head_bytes)
            self.transport.write(_head_too_large_response())
            self.transport.close()


def http_protocol() -> t.Any:
    """The HTTP protocol uvicorn should use: bounded httptools, else h11."""
    if HttpToolsProtocol is None:
        return "h11"
    return BoundedHttpToolsProtocol


def uvicorn_options() -> dict[str, t.Any]:
    """Keyword arguments for `uvicorn.run` / `uvicorn.Config` that every server start uses."""
    return {
        "server_header": False,  # no `Server: uvicorn`: the software is nobody's business
        "http": http_protocol(),
        "h11_max_incomplete_event_size": MAX_HEAD_BYTES,
    }
