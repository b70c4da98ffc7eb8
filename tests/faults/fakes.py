"""Tiny ASGI apps for the faults' own unit tests: an echo, a canned answer, a small team API.

They stand in for the reference server so that each fault can be shown to change exactly
what it claims, in milliseconds and without a database.
"""

from __future__ import annotations

import json
import math
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

BASE = "/api/v1"
TOKENS = {"full": (1, {"*"}), "other": (2, {"*"}), "limited": (1, {"clients:read"})}


async def _echo(request: Request) -> Response:
    body = await request.body()
    return JSONResponse(
        {
            "method": request.method,
            "path": request.url.path,
            "query": list(request.query_params.multi_items()),
            "authorization": request.headers.get("authorization"),
            "body": body.decode(),
        }
    )


def echo_app() -> Starlette:
    """Answers 200 with what it received (method, path, query, Authorization, body)."""
    methods = ["GET", "POST", "PUT", "DELETE", "PATCH"]
    return Starlette(routes=[Route("/{path:path}", _echo, methods=methods)])


def canned_app(status: int, body: Any = None, headers: dict[str, str] | None = None) -> Starlette:
    """Answers every request with the same response."""

    async def answer(_request: Request) -> Response:
        if body is None:
            return Response(status_code=status, headers=headers)
        return JSONResponse(body, status_code=status, headers=headers)

    methods = ["GET", "POST", "PUT", "DELETE", "PATCH"]
    return Starlette(routes=[Route("/{path:path}", answer, methods=methods)])


class TeamApi:
    """`/clients` of two teams: pages, lookups, deletes, 401, and a limit of `limit` requests."""

    def __init__(self, rows_per_team: int = 5, limit: int = 1000) -> None:
        self.rows = {
            team: [
                {"id": team * 100 + i, "name": f"client {team}-{i}"} for i in range(rows_per_team)
            ]
            for team in (1, 2)
        }
        self.limit = limit
        self.hits = 0
        self.app = Starlette(
            routes=[
                Route(f"{BASE}/clients", self.list_clients, methods=["GET", "POST"]),
                Route(f"{BASE}/clients/{{id:int}}", self.one_client, methods=["GET", "DELETE"]),
            ]
        )

    def _team(self, request: Request) -> int | Response:
        header = request.headers.get("authorization", "")
        token = header.removeprefix("Bearer ")
        if token not in TOKENS:
            return JSONResponse(
                {"message": "Unauthenticated."}, 401, headers={"WWW-Authenticate": "Bearer"}
            )
        self.hits += 1
        if self.hits > self.limit:
            return JSONResponse({"message": "Too Many Attempts."}, 429, {"Retry-After": "60"})
        return TOKENS[token][0]

    async def list_clients(self, request: Request) -> Response:
        team = self._team(request)
        if isinstance(team, Response):
            return team
        if request.method == "POST":
            body = await request.json()
            if "name" not in body:
                errors = {"name": ["The name field is required."]}
                return JSONResponse(
                    {"message": "The given data was invalid.", "errors": errors}, 422
                )
            return JSONResponse({"data": {"id": 999, **body}}, 201)
        page = int(request.query_params.get("page", "1"))
        per_page = int(request.query_params.get("per_page", "2"))
        rows = self.rows[team]
        data = rows[(page - 1) * per_page : page * per_page]
        meta = {
            "current_page": page,
            "per_page": per_page,
            "total": len(rows),
            "last_page": max(1, math.ceil(len(rows) / per_page)),
        }
        return JSONResponse({"data": data, "links": {}, "meta": meta})

    async def one_client(self, request: Request) -> Response:
        team = self._team(request)
        if isinstance(team, Response):
            return team
        row = next((r for r in self.rows[team] if r["id"] == request.path_params["id"]), None)
        if row is None:
            return JSONResponse({"message": "Not Found."}, 404)
        if request.method == "DELETE":
            self.rows[team].remove(row)
            return Response(status_code=204)
        return JSONResponse({"data": row})


def _rows(team: int, count: int) -> list[dict[str, Any]]:
    return [{"id": team * 100 + i, "name": f"Client {team}-{i}"} for i in range(count)]


def json_of(response: Any) -> Any:
    return json.loads(response.content)
