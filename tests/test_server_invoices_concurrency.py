"""Concurrent invoice writes: numbering never repeats or skips, and a payment is recorded once.

Two levels: concurrent tasks calling the service, each on a connection of its own (true
concurrency in the database, fast), and a real `schedulingkit serve --workers 2` (two uvicorn
processes) answering simultaneous HTTP requests. Both run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from schedulingkit.impl.data.db import Database, TeamConnection
from schedulingkit.impl.data.models.billing import Invoice, InvoiceSequence, Transaction
from schedulingkit.impl.domain.errors import ValidationFailed
from schedulingkit.impl.services import invoices
from sqlalchemy import func, select

WRITERS = 8
ITEM = {"description": "Session", "quantity": 1, "unit_amount": 6000, "tax_ids": []}


def run_together(count: int, task: Callable[[int], object]) -> list[object]:
    """Run `task(i)` in `count` threads released at the same moment; results or exceptions."""
    barrier = threading.Barrier(count)

    def guarded(i: int) -> object:
        barrier.wait()
        try:
            return task(i)
        except Exception as exc:  # collected: the test decides which failures are expected
            return exc

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(guarded, range(count)))


def writers_together(
    url: str, team_id: int, count: int, work: Callable[[TeamConnection], Awaitable[object]]
) -> list[object]:
    """`work(db)` in `count` tasks at once, each on a connection of its own (all opened
    first, so the statements really meet in the database); results or exceptions."""

    async def main() -> list[object]:
        database = Database(url)
        try:
            async with contextlib.AsyncExitStack() as stack:
                connections = [
                    await stack.enter_async_context(database.team(team_id)) for _ in range(count)
                ]
                return await asyncio.gather(
                    *(work(db) for db in connections), return_exceptions=True
                )
        finally:
            await database.aclose()

    return asyncio.run(main())


def numbers_of(stored, team_id: int) -> list[str]:
    rows = stored(select(Invoice.number).where(Invoice.team_id == team_id))
    return sorted(number for (number,) in rows)


def test_concurrent_creates_get_distinct_consecutive_numbers(app, api, stored):
    client_id = api.create("/clients", {"name": "Ada"})["id"]

    async def create(db: TeamConnection) -> str:
        body = {"client_id": client_id, "items": [ITEM]}
        return (await invoices.create_invoice(db, body))["number"]

    results = writers_together(app.database.url, api.team_id, WRITERS, create)
    assert all(isinstance(r, str) for r in results), results
    expected = [f"INV-{n:06d}" for n in range(1, WRITERS + 1)]
    assert sorted(results) == expected
    assert numbers_of(stored, api.team_id) == expected
    last = select(InvoiceSequence.last_value).where(InvoiceSequence.team_id == api.team_id)
    assert stored(last) == [(WRITERS,)]


def test_concurrent_payments_record_one_transaction(app, api, stored):
    client_id = api.create("/clients", {"name": "Ada"})["id"]
    created = api.create("/invoices", {"client_id": client_id, "items": [ITEM], "status": "sent"})

    async def pay(db: TeamConnection) -> str:
        return (await invoices.update_invoice(db, created["id"], {"status": "paid"}))["status"]

    results = writers_together(app.database.url, api.team_id, 4, pay)
    # the first writer pays; the others find it paid (no change) or lose the race (422)
    assert all(r == "paid" or isinstance(r, ValidationFailed) for r in results), results
    assert "paid" in results
    payments = stored(
        select(Transaction.type, Transaction.amount).where(Transaction.invoice_id == created["id"])
    )
    assert [tuple(p) for p in payments] == [("payment", 6000)]
    assert stored(select(Invoice.amount_paid).where(Invoice.id == created["id"])) == [(6000,)]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def two_workers(database_url: str, tmp_path: Path) -> Iterator[str]:
    """`schedulingkit serve --workers 2` on the test database; its base URL."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCHEDULINGKIT_")}
    env["SCHEDULINGKIT_DATABASE_URL"] = database_url
    env["SCHEDULINGKIT_RATE_LIMIT"] = "100000/minute"
    log = tmp_path / "server.log"
    command = [sys.executable, "-c", "from schedulingkit.cli import main; main()"]
    command += ["serve", "--port", str(port)]
    with log.open("w") as output:
        process = subprocess.Popen(
            [*command, "--workers", "2"], env=env, stdout=output, stderr=subprocess.STDOUT
        )
    base_url = f"http://127.0.0.1:{port}/api/v1"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            try:
                httpx.get(f"{base_url}/team", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            pytest.fail(f"the server did not start:\n{log.read_text()}")
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_two_server_processes_number_simultaneous_creates_consecutively(
    make_team, two_workers, stored
):
    team_id, token = make_team(invoice_prefix="MP-")
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    with httpx.Client(base_url=two_workers, headers=headers, timeout=30) as http:
        client_id = http.post("/clients", json={"name": "Ada"}).json()["data"]["id"]
        body = {"client_id": client_id, "items": [ITEM], "status": "sent"}
        count = 12
        responses = run_together(count, lambda _i: http.post("/invoices", json=body))
        assert [r.status_code for r in responses] == [201] * count, [r.text for r in responses]
        numbers = sorted(r.json()["data"]["number"] for r in responses)
        assert numbers == [f"MP-{n:06d}" for n in range(1, count + 1)]

        target = responses[0].json()["data"]["id"]
        payments = run_together(
            6, lambda _i: http.put(f"/invoices/{target}", json={"status": "paid"})
        )
        assert {r.status_code for r in payments} <= {200, 422}
        assert 200 in {r.status_code for r in payments}
    assert numbers_of(stored, team_id) == numbers
    assert stored(select(func.count()).where(Transaction.invoice_id == target)) == [(1,)]
