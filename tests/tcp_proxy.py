"""A TCP proxy on loopback that counts round trips: client-to-server turns of each connection
(a turn starts when the client sends after the server last spoke, or first)."""

from __future__ import annotations

import asyncio


class CountingProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.turns = 0
        self.port = 0
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._connection, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _connection(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter):
        server_r, server_w = await asyncio.open_connection(*self.target)
        last = {"side": "server"}

        async def pipe(reader, writer, side: str) -> None:
            try:
                while data := await reader.read(65536):
                    if side == "client" and last["side"] != "client":
                        self.turns += 1
                    last["side"] = side
                    writer.write(data)
                    await writer.drain()
            except (ConnectionError, asyncio.CancelledError):
                pass
            finally:
                writer.close()

        await asyncio.gather(pipe(client_r, server_w, "client"), pipe(server_r, client_w, "server"))
