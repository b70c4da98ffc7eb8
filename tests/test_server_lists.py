"""Lists: pagination walks, code-point ordering and every `x-filter` of the simple resources.

Expected results are computed from the document's own `x-filter`/`x-ordering`, so the test
checks the server against the contract, not against itself.
"""

from __future__ import annotations

import itertools
from urllib.parse import parse_qs, urlsplit

import pytest
from schedulingkit.openapi.contract import load_contract

DOCUMENT = load_contract()
# names chosen to tell code-point order from locale or case-insensitive order, with ties
NAMES = ["beta", "Beta", "alpha", "Zulu", "école", "École", "alpha", "a_b", "a%b", "zèbre", "Ω"]

BODIES = {
    "/event-types": lambda i, name: {
        "name": name,
        "slug": f"type-{i}",
        "description": ["Deep tissue", None, "Warm-up and STRETCH"][i % 3],
        "kind": ["one_on_one", "group", "collective"][i % 3],
        "max_attendees": 4 if i % 3 == 1 else None,
        "duration_minutes": 30,
        "is_active": i % 2 == 0,
    },
    "/clients": lambda i, name: {
        "name": name,
        "email": None if i % 4 == 0 else f"person{i}@Example.COM",
        "phone": None if i % 3 == 0 else f"+44 20 7946 00{i:02d}",
        "tags": [["vip"], ["vip", "newsletter"], [], ["VIP"]][i % 4],
    },
    "/locations": lambda i, name: {
        "name": name,
        "kind": ["in_person", "phone", "video", "custom"][i % 4],
        "phone": None if i % 2 else f"+1 212 555 01{i:02d}",
        "is_active": i % 3 != 0,
    },
    "/workflows": lambda i, name: {
        "name": name,
        "trigger": ["event_scheduled", "event_cancelled", "event_completed"][i % 3],
        "is_active": i % 2 == 1,
        "actions": [{"type": "sms", "body": "Hello"}],
    },
    "/taxes": lambda i, name: {
        "name": name,
        "rate": f"{i}.5",
        "inclusive": i % 2 == 0,
        "is_active": i % 3 != 1,
    },
}

LIST_OPERATIONS = {op.path: op for op in DOCUMENT.operations if op.method == "GET"}


def populate(api, path: str) -> list[dict]:
    return [api.create(path, BODIES[path](i, name)) for i, name in enumerate(NAMES)]


def sort_key(op):
    def key(item):
        return tuple((item[k.field] is not None, item[k.field]) for k in op.ordering)

    return key


def walk(api, path: str, query: str = "", per_page: int = 4) -> list[dict]:
    """Follow `links.next` from page 1, checking each page's meta and links."""
    url = f"{path}?per_page={per_page}{'&' if query else ''}{query}"
    response = api.get(url)
    assert response.status_code == 200, response.text
    items, page = [], 1
    while True:
        body = response.json()
        meta, links = body["meta"], body["links"]
        assert meta["current_page"] == page
        assert meta["per_page"] == per_page
        assert meta["path"] == f"http://testserver/api/v1{path}"
        assert meta["last_page"] == max(1, -(-meta["total"] // per_page))
        if body["data"]:
            assert meta["from"] == (page - 1) * per_page + 1
            assert meta["to"] == meta["from"] + len(body["data"]) - 1
        else:
            assert meta["from"] is None and meta["to"] is None
        for name, url_ in links.items():
            if url_ is not None:
                kept = parse_qs(urlsplit(url_).query)
                for key, values in parse_qs(query).items():
                    assert kept[key] == values, (name, url_)
        assert (links["prev"] is None) == (page == 1)
        items.extend(body["data"])
        if links["next"] is None:
            assert page == meta["last_page"]
            assert len(items) == meta["total"]
            return items
        page += 1
        next_url = urlsplit(links["next"])
        assert parse_qs(next_url.query)["page"] == [str(page)]
        response = api.get(next_url.path.removeprefix("/api/v1") + "?" + next_url.query)
        assert response.status_code == 200


@pytest.mark.parametrize("path", sorted(BODIES))
def test_walking_every_page_yields_each_item_once_in_order(api, path):
    created = populate(api, path)
    op = LIST_OPERATIONS[path]
    walked = walk(api, path)
    ids = [item["id"] for item in walked]
    assert len(ids) == len(set(ids)) == len(created)
    assert set(ids) == {item["id"] for item in created}
    assert walked == sorted(walked, key=sort_key(op))
    assert [item["name"] for item in walked][:3] == ["Beta", "Zulu", "a%b"]


def test_page_past_the_last(api):
    populate(api, "/taxes")
    body = api.get("/taxes?page=9&per_page=5").json()
    assert body["data"] == []
    assert body["meta"]["current_page"] == 9
    assert body["meta"]["last_page"] == 3
    assert body["meta"]["from"] is None and body["meta"]["to"] is None
    assert body["links"]["next"] is None
    assert body["links"]["prev"].endswith("page=8")
    assert body["links"]["last"].endswith("page=3")


def test_empty_list(api):
    body = api.get("/workflows").json()
    assert body["data"] == []
    assert body["meta"]["total"] == 0
    assert body["meta"]["last_page"] == 1
    assert body["meta"]["per_page"] == 15
    assert body["links"]["prev"] is None and body["links"]["next"] is None


def keeps(item: dict, spec_filter, value) -> bool:
    """The openapi/README.md meaning of an x-filter, evaluated on an item."""
    if spec_filter.op == "search":
        needle = value.lower()
        return any(
            item[field] is not None and needle in str(item[field]).lower()
            for field in spec_filter.fields
        )
    field = spec_filter.fields[0]
    if spec_filter.op == "eq":
        return item[field] == value
    if spec_filter.op == "contains":
        return value in item[field]
    raise AssertionError(f"no oracle for {spec_filter.op}")


def candidate_values(items: list[dict], spec_filter) -> list:
    """Values worth asking for: each value present, a case-changed part, a near miss."""
    if spec_filter.op == "eq":
        if spec_filter.schema.get("type") == "boolean":
            return [True, False]
        present = sorted({item[spec_filter.fields[0]] for item in items} - {None})
        absent = spec_filter.schema.get("enum", [])[:1] or [987654321]
        return [*present, *absent]
    if spec_filter.op == "contains":
        tags = sorted({tag for item in items for tag in item[spec_filter.fields[0]]})
        return [*tags, "vi", "missing"]
    texts = {item[f] for item in items for f in spec_filter.fields if item[f] is not None}
    parts = {text[1:4] for text in texts} | {text.upper()[:3] for text in texts}
    return [*sorted(parts - {""}), "%", "_", "ÉCOLE", "nothing-like-this"]


def as_query(value) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


@pytest.mark.parametrize("path", sorted(BODIES))
def test_every_filter_keeps_exactly_the_matching_items(api, path):
    items = populate(api, path)
    op = LIST_OPERATIONS[path]
    assert op.filters, f"{path} documents no filter"
    for spec_filter in op.filters:
        for value in candidate_values(items, spec_filter):
            response = api.get(path, params={spec_filter.name: as_query(value), "per_page": 100})
            assert response.status_code == 200, response.text
            got = [item["id"] for item in response.json()["data"]]
            expected = sorted(
                (item for item in items if keeps(item, spec_filter, value)), key=sort_key(op)
            )
            assert got == [item["id"] for item in expected], (spec_filter.name, value)


@pytest.mark.parametrize("path", sorted(BODIES))
def test_filters_combine_with_and(api, path):
    items = populate(api, path)
    op = LIST_OPERATIONS[path]
    for first, second in itertools.combinations(op.filters, 2):
        a = candidate_values(items, first)[0]
        b = candidate_values(items, second)[-1 if second.op == "eq" else 0]
        params = {first.name: as_query(a), second.name: as_query(b), "per_page": 100}
        got = [item["id"] for item in api.get(path, params=params).json()["data"]]
        expected = [
            item["id"]
            for item in sorted(items, key=sort_key(op))
            if keeps(item, first, a) and keeps(item, second, b)
        ]
        assert got == expected, params


def test_workflows_filter_by_event_type_leaves_out_all_type_workflows(api):
    event_type = api.create(
        "/event-types", {"name": "T", "slug": "t", "kind": "one_on_one", "duration_minutes": 30}
    )
    bound = api.create(
        "/workflows",
        {**BODIES["/workflows"](0, "Bound"), "event_type_id": event_type["id"]},
    )
    api.create("/workflows", BODIES["/workflows"](1, "For all"))
    body = api.get(f"/workflows?event_type_id={event_type['id']}").json()
    assert [item["id"] for item in body["data"]] == [bound["id"]]


@pytest.mark.parametrize(
    "query", ["kind=webinar", "is_active=sometimes", "search=", "per_page=abc", "page=-1"]
)
def test_invalid_filter_values_are_400(api, query):
    response = api.get(f"/event-types?{query}")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [query.split("=")[0]]
