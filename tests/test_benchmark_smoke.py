"""The benchmark's building blocks work, on SQLite and PostgreSQL: a small generated
database with every table the endpoints read, a bare app that answers the same JSON as the
reference server for each benchmarked request, a latency proxy that delays, keeps order and
counts round trips, and a report that judges the targets. No timing of the servers here:
speed is measured by `python -m benchmarks.server`, never in a unit test (the proxy test
only checks that a delay is at least what was asked, which holds by construction)."""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `benchmarks` is not installed

from conftest import POSTGRES_ENV, require_env
from schedulingkit.impl.settings import Settings
from schedulingkit.impl.web.app import create_app
from sqlalchemy import create_engine, text
from starlette.testclient import TestClient

from benchmarks import bare_db, fixtures
from benchmarks.bare_app import create_bare_app
from benchmarks.dataset import Dataset, remove_written_rows
from benchmarks.latency_proxy import LatencyProxy, Lateness, ProxyProcess
from benchmarks.load import Measurement
from benchmarks.report import Cell, Pair, Side, verdicts
from benchmarks.server import NEW_CLIENT, endpoints, make_plan, new_invoice, parse_args
from benchmarks.stores import PostgresStore, SqliteStore, Store

EVENTS = 40
RATE = "1000/minute"
LABELS = [e.target.label for e in endpoints(Dataset("sqlite://", 1, "", 1, *[(1, 1)] * 4))]


@pytest.fixture(scope="module")
def store(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Store:
    if backend == "sqlite":
        return SqliteStore(tmp_path_factory.mktemp("bench"))
    return PostgresStore(require_env(POSTGRES_ENV))


@pytest.fixture(scope="module")
def dataset(store: Store, backend: str) -> Iterator[Dataset]:
    if isinstance(store, PostgresStore):
        built = store.build_fresh(EVENTS, "smoke")
        yield built
        store.discard(built)
    else:
        yield store.ensure(EVENTS, log=lambda _message: None)


@pytest.fixture(scope="module")
def clients(store: Store, dataset: Dataset):
    """Reference and bare app, each on its own copy (both write)."""
    copies = [store.working_copy(dataset, f"smoke_{name}") for name in ("ref", "bare")]
    headers = {"Authorization": f"Bearer {dataset.token}", "Accept": "application/json"}
    app = create_app(Settings(database_url=copies[0].url, rate_limit=RATE))
    reference = TestClient(app, headers=headers)
    bare = TestClient(create_bare_app(copies[1].url, RATE), headers=headers)
    try:
        with reference, bare:
            yield reference, bare
    finally:
        app.database.dispose()
        for copy in copies:
            store.discard(copy)


def count(url: str, table: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
    finally:
        engine.dispose()


def shape(value: object) -> object:
    """Keys and value types, recursively: what a client of the JSON relies on."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(item) for item in value[:1]]
    return type(value).__name__


def test_dataset_has_every_row_the_endpoints_read(dataset: Dataset) -> None:
    first, last = dataset.event_ids
    assert last - first + 1 == EVENTS == count(dataset.url, "events")
    assert count(dataset.url, "clients") == fixtures.CLIENT_COUNT
    assert count(dataset.url, "client_tags") > fixtures.CLIENT_COUNT  # 0-3 tags each
    assert count(dataset.url, "invoices") == fixtures.INVOICE_COUNT
    assert count(dataset.url, "invoice_items") > fixtures.INVOICE_COUNT  # 1-3 lines each
    assert count(dataset.url, "invoice_item_taxes") > fixtures.INVOICE_COUNT
    assert count(dataset.url, "team_event_counts") == 1  # kept by the triggers, or recounted
    assert dataset.token.split("|")[0].isdigit()


@pytest.mark.parametrize("label", LABELS)
def test_bare_app_answers_like_the_reference_server(clients, dataset: Dataset, label) -> None:
    reference, bare = clients
    target = next(e.target for e in endpoints(dataset) if e.target.label == label)
    path = target.path.replace("{id}", str(dataset.event_ids[0] + 7))
    answers = [c.request(target.method, path, json=target.body) for c in (reference, bare)]
    assert [a.status_code for a in answers] == [201 if target.body else 200] * 2, answers[1].text
    for answer in answers:
        assert answer.headers["content-type"].startswith("application/json")
        assert int(answer.headers["X-RateLimit-Limit"]) == 1000
    theirs, ours = answers[0].json(), answers[1].json()
    assert shape(ours) == shape(theirs)
    if target.method == "GET":
        assert ours == theirs  # same rows, same order, same children, same links and meta
    else:  # each app wrote to its own copy: the same rows, all but the clock
        moments = ("created_at", "updated_at")
        assert {k: v for k, v in ours["data"].items() if k not in moments} == {
            k: v for k, v in theirs["data"].items() if k not in moments
        }


STATEMENTS = {  # issue 9's round trips: token + count + page; BEGIN ... COMMIT for writes
    "GET /events?page=1": 3,
    "GET /events/{id}": 2,
    "GET /clients": 3,
    "GET /invoices": 3,
    "POST /clients": 5,
    "POST /invoices": 8,
}


@pytest.mark.parametrize("label", LABELS)
def test_bare_app_makes_one_round_trip_per_statement_of_the_target_shapes(
    store: Store, dataset: Dataset, label: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[str] = []
    for kind in (bare_db.SqliteConnection, bare_db.PostgresConnection):
        original = kind.all

        async def counted(self, sql, params=(), _original=original):
            sent.append(sql)
            return await _original(self, sql, params)

        monkeypatch.setattr(kind, "all", counted)
    copy = store.working_copy(dataset, "smoke_trips")
    target = next(e.target for e in endpoints(dataset) if e.target.label == label)
    headers = {"Authorization": f"Bearer {dataset.token}", "Accept": "application/json"}
    try:
        with TestClient(create_bare_app(copy.url, RATE), headers=headers) as bare:
            path = target.path.replace("{id}", str(dataset.event_ids[0]))
            bare.request(target.method, path, json=target.body)  # opens the connection
            sent.clear()
            assert bare.request(target.method, path, json=target.body).status_code < 300
    finally:
        store.discard(copy)
    assert len(sent) == STATEMENTS[label], sent


def test_the_benchmarked_writes_are_what_they_claim(dataset: Dataset) -> None:
    invoice = new_invoice(dataset)
    assert invoice["client_id"] == dataset.client_ids[0]
    assert [("tax_ids" in item) for item in invoice["items"]] == [False, True]  # default, named
    assert NEW_CLIENT["tags"]


def test_remove_written_rows_restores_the_generated_data(store: Store, dataset: Dataset) -> None:
    copy = store.working_copy(dataset, "smoke_written")
    headers = {"Authorization": f"Bearer {dataset.token}", "Accept": "application/json"}
    try:
        with TestClient(create_bare_app(copy.url, RATE), headers=headers) as bare:
            assert bare.post("/api/v1/clients", json=NEW_CLIENT).status_code == 201
            assert bare.post("/api/v1/invoices", json=new_invoice(dataset)).status_code == 201
        assert count(copy.url, "clients") == fixtures.CLIENT_COUNT + 1
        remove_written_rows(copy)
        assert count(copy.url, "clients") == fixtures.CLIENT_COUNT
        assert count(copy.url, "invoices") == fixtures.INVOICE_COUNT
        assert count(copy.url, "invoice_items") == count(dataset.url, "invoice_items")
        assert count(copy.url, "client_tags") == count(dataset.url, "client_tags")
    finally:
        store.discard(copy)


# -- the latency proxy ----------------------------------------------------------------------


async def _echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    while data := await reader.read(65536):
        writer.write(data)
        await writer.drain()
    writer.close()


async def _through_proxy(delay_ms: float, exchanges: int, chunks: int) -> tuple[float, int, bytes]:
    """`exchanges` request/answer turns of `chunks` pieces each through a proxy in front of
    an echo server: the fastest turn, the proxy's turn count and everything echoed."""
    echo = await asyncio.start_server(_echo, "127.0.0.1", 0)
    upstream = ("127.0.0.1", echo.sockets[0].getsockname()[1])
    proxy = LatencyProxy(upstream, delay_ms, calibrate=False)  # never early
    port = await proxy.start()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    fastest, received = float("inf"), b""
    for turn in range(exchanges):
        sent = b"".join(f"{turn}:{piece};".encode() for piece in range(chunks))
        started = time.perf_counter()
        for piece in range(chunks):
            writer.write(f"{turn}:{piece};".encode())
            await writer.drain()
        answer = b""
        while len(answer) < len(sent):
            answer += await reader.read(65536)
        fastest = min(fastest, time.perf_counter() - started)
        received += answer
    writer.close()
    await proxy.close()
    echo.close()
    return fastest, proxy.counters.turns, received


def test_proxy_counts_one_turn_per_exchange_and_keeps_order() -> None:
    _, turns, received = asyncio.run(_through_proxy(0.0, exchanges=5, chunks=20))
    assert turns == 5
    expected = b"".join(f"{t}:{p};".encode() for t in range(5) for p in range(20))
    assert received == expected


def test_proxy_delays_each_direction() -> None:
    fastest, turns, _ = asyncio.run(_through_proxy(5.0, exchanges=3, chunks=3))
    assert turns == 3
    assert fastest >= 2 * 0.005 * 0.98  # 5 ms each way, never early (within clock precision)


def test_proxy_calibration_wakes_early_by_its_lateness_within_bounds() -> None:
    lateness = Lateness()
    for _ in range(200):
        lateness.observe(0.0004)  # timers fire 0.4 ms late
    assert lateness.lead(0.001) == pytest.approx(0.0004, rel=0.01)
    assert lateness.lead(0.0002) == pytest.approx(0.00018)  # never more than 90 % of a delay
    assert Lateness(enabled=False).lead(0.001) == 0.0


def test_proxy_process_counts_database_round_trips(backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("SQLite runs in process: no round trips to count")
    import psycopg
    from sqlalchemy.engine import make_url

    base = make_url(require_env(POSTGRES_ENV))
    proxy = ProxyProcess((base.host or "127.0.0.1", base.port or 5432))
    try:
        params = {"user": base.username, "password": base.password, "dbname": base.database}
        with psycopg.connect(host="127.0.0.1", port=proxy.port, **params) as connection:
            connection.autocommit = True
            before = proxy.stats().turns
            for _ in range(3):
                connection.execute("SELECT 1").fetchone()
            assert proxy.stats().turns - before == 3
        proxy.set_delay(1.0)
    finally:
        proxy.stop()


# -- the report ------------------------------------------------------------------------------


def _side(rps: float, p50: float = 1.0) -> Side:
    return Side(Measurement(int(rps * 10), 10.0, p50, p50 * 2, 0), 3.0)


def test_report_judges_the_three_targets() -> None:
    def cell(events: int, delay: float, endpoint: str = "GET /events?page=1") -> Cell:
        return Cell("postgresql", events, 1, delay, 16, endpoint)

    results = {
        cell(10_000, 0.0): Pair(_side(1000, p50=2.0), _side(1500)),  # (b) 0.67 PASS
        cell(10_000, 1.0): Pair(_side(700), _side(1400)),  # (a) 0.70 MISS, (b) 0.50 PASS
        cell(1_000_000, 0.0): Pair(_side(900, p50=5.0), _side(1500)),  # (c) 2.5 x MISS
        cell(10_000, 0.0, "POST /clients"): Pair(_side(100), _side(1000)),  # (b) 0.10 MISS
    }
    text = "\n".join(verdicts(results))
    assert "MISS postgresql 10,000 events, 1 worker(s), GET /events?page=1: 0.70 x" in text
    assert "PASS postgresql GET /events?page=1: 3/3 cells" in text
    assert "MISS postgresql POST /clients: 0/1 cells" in text
    assert "1,000,000 vs 10,000 events = 2.50 x" in text
    assert "MISS postgresql, delay 0ms" in text


def test_quick_plan_is_small() -> None:
    plan = make_plan(parse_args(["--quick", "--backend", "sqlite,postgresql"]), "postgresql://")
    assert (plan.sizes, plan.connections, plan.workers) == ([10_000], [16], [1])
    assert plan.pairs() == 6 + 6 * 2  # six endpoints; PostgreSQL with and without the delay
    full = make_plan(parse_args([]), "postgresql://")
    assert full.pairs() == (6 + 2) * 4 * 3  # 2 growing endpoints at 1M; (1+2 delays) backends
