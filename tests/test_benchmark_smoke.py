"""The benchmark's building blocks work: a small generated database, and a bare app that
answers the same JSON as the reference server for each benchmarked request. No timing here:
speed is measured by `python -m benchmarks.server`, never in a unit test."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `benchmarks` is not installed

from schedulingkit.impl.app import create_app
from schedulingkit.impl.settings import Settings
from starlette.testclient import TestClient

from benchmarks.bare_app import create_bare_app
from benchmarks.dataset import Dataset, build_dataset
from benchmarks.server import NEW_CLIENT, targets

EVENTS = 40
RATE = "1000/minute"


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    return build_dataset(tmp_path_factory.mktemp("bench") / "small.sqlite3", EVENTS)


@pytest.fixture(scope="module")
def clients(dataset: Dataset, tmp_path_factory: pytest.TempPathFactory):
    """Reference and bare app, each on its own copy (both create a client)."""
    folder = tmp_path_factory.mktemp("copies")
    reference_db = dataset.copy_to(folder / "reference.sqlite3")
    bare_db = dataset.copy_to(folder / "bare.sqlite3")
    settings = Settings(database_url=f"sqlite:///{reference_db.path}", rate_limit=RATE)
    headers = {"Authorization": f"Bearer {dataset.token}", "Accept": "application/json"}
    reference = TestClient(create_app(settings), headers=headers)
    bare = TestClient(create_bare_app(str(bare_db.path), RATE), headers=headers)
    with reference, bare:
        yield reference, bare


def shape(value: object) -> object:
    """Keys and value types, recursively: what a client of the JSON relies on."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(item) for item in value[:1]]
    return type(value).__name__


def test_dataset_has_the_events_and_a_working_token(dataset: Dataset) -> None:
    assert dataset.event_ids == (dataset.event_ids[0], dataset.event_ids[0] + EVENTS - 1)
    assert dataset.token.split("|")[0].isdigit()


@pytest.mark.parametrize("label", [t.label for t in targets((1, 1))])
def test_bare_app_answers_like_the_reference_server(clients, dataset: Dataset, label: str) -> None:
    reference, bare = clients
    target = next(t for t in targets(dataset.event_ids) if t.label == label)
    path = target.path.replace("{id}", str(dataset.event_ids[0] + 7))
    answers = [c.request(target.method, path, json=target.body) for c in (reference, bare)]
    assert [a.status_code for a in answers] == [201 if target.body else 200] * 2
    for answer in answers:
        assert answer.headers["content-type"].startswith("application/json")
        assert int(answer.headers["X-RateLimit-Limit"]) == 1000
    ours, theirs = answers[1].json(), answers[0].json()
    assert shape(ours) == shape(theirs)
    if target.method == "GET":
        assert ours == theirs  # same rows, same order, same links and meta
    else:
        assert {k: ours["data"][k] for k in NEW_CLIENT} == NEW_CLIENT
