"""What `serve`, `demo` and `db upgrade` check and say before they start.

Each check fails with a `StartupError` whose message is one line, with any password masked,
so an operator reads what is wrong instead of a driver's traceback. The checks use plain
synchronous connections with short timeouts: they run once, before the server exists.
"""

from __future__ import annotations

import errno
import socket
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from .settings import Settings

CONNECT_TIMEOUT_SECONDS = 5
MASK = "***"


class StartupError(Exception):
    """A problem that stops the command; its message is one line meant for the operator."""


def mask_url(url: str) -> str:
    """`url` with its password replaced by `***` (database and Redis URLs alike)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url if "@" not in url else MASK
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{user}:{MASK}@{host}"))


def _one_line(error: BaseException, secret: str | None) -> str:
    """The first meaningful line of a driver's error, never the password."""
    text = str(getattr(error, "orig", None) or error)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    line = lines[0] if lines else type(error).__name__
    if secret:
        line = line.replace(secret, MASK)
    return line


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL, absolute; None for other databases and in-memory ones."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database).expanduser().resolve()


def check_database(url: str) -> None:
    """Connect once and run `SELECT 1`; a SQLite file's directory is created if needed."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

    shown = mask_url(url)
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        line = _one_line(exc, None)
        raise StartupError(f"the database URL {shown} is not valid: {line}") from None
    path = sqlite_path(url)
    connect_args: dict[str, object] = {}
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StartupError(f"cannot create {path.parent}: {exc.strerror}") from None
    elif parsed.get_backend_name() == "postgresql":
        connect_args["connect_timeout"] = CONNECT_TIMEOUT_SECONDS
    try:
        engine = create_engine(url, connect_args=connect_args, poolclass=_null_pool())
    except (ArgumentError, NoSuchModuleError, ImportError) as exc:
        raise StartupError(f"cannot use the database {shown}: {_one_line(exc, None)}") from None
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        line = _one_line(exc, parsed.password)
        raise StartupError(f"cannot connect to the database {shown}: {line}") from None
    finally:
        engine.dispose()


def _null_pool():
    from sqlalchemy.pool import NullPool

    return NullPool


def check_redis(url: str) -> None:
    """PING the Redis server the rate-limit counters will live in."""
    import redis

    shown = mask_url(url)
    try:
        client = redis.Redis.from_url(
            url,
            socket_connect_timeout=CONNECT_TIMEOUT_SECONDS,
            socket_timeout=CONNECT_TIMEOUT_SECONDS,
        )
    except ValueError as exc:
        raise StartupError(f"the Redis URL {shown} is not valid: {exc}") from None
    try:
        client.ping()
    except redis.RedisError as exc:
        line = _one_line(exc, urlsplit(url).password)
        raise StartupError(f"cannot connect to Redis at {shown}: {line}") from None
    finally:
        client.close()


def check_rate_limit(rate: str) -> tuple[int, str]:
    """The requests the rate allows and its window in words (`60`, `minute`); refuses what
    `limits` cannot read."""
    from limits import parse

    try:
        item = parse(rate)
    except ValueError:
        raise StartupError(
            f"SCHEDULINGKIT_RATE_LIMIT={rate!r} is not a rate such as 60/minute or 1000/hour"
        ) from None
    name = item.GRANULARITY.name
    return item.amount, name if item.multiples == 1 else f"{item.multiples} {name}s"


def check_port(host: str, port: int) -> None:
    """Bind `host:port` and let it go again, as uvicorn will bind it: refuse a busy port
    before anything is written (a database, a team, a token)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise StartupError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    family, kind, proto, _name, address = infos[0]
    with socket.socket(family, kind, proto) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
        try:
            sock.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise StartupError(
                    f"port {port} on {host} is already in use: stop what listens there "
                    "or pass another --port"
                ) from None
            raise StartupError(f"cannot listen on {host}:{port}: {exc.strerror}") from None


def listen_url(host: str, port: int) -> str:
    """`http://HOST:PORT` of the listening socket (IPv6 addresses in brackets)."""
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


@dataclass(frozen=True)
class Startup:
    """The lines `serve` and `demo` print about what they use, one per dependency."""

    settings: Settings
    public_url: str
    workers: int = 1

    def lines(self) -> list[tuple[str, str]]:
        settings = self.settings
        database = mask_url(settings.database_url)
        if settings.database_is_default:
            database += " (the default; set SCHEDULINGKIT_DATABASE_URL to use another)"
        amount, window = check_rate_limit(settings.rate_limit)
        rate = f"{amount} requests per {window} per token"
        if settings.redis_url:
            redis_line = f"{mask_url(settings.redis_url)} (rate-limit counters of every process)"
            rate += ", counted in Redis for every process and host"
        else:
            redis_line = "none (SCHEDULINGKIT_REDIS_URL is unset): each process counts on its own"
            if self.workers > 1:
                rate += (
                    f", counted by each of the {self.workers} processes on its own: "
                    f"up to {amount * self.workers} in all"
                )
            else:
                rate += ", counted in this process"
        return [
            ("database", database),
            ("redis", redis_line),
            ("rate limit", rate),
            ("public URL", self.public_url),
        ]


def check_dependencies(settings: Settings) -> None:
    """The rate limit, the database and (when configured) Redis, in that order."""
    check_rate_limit(settings.rate_limit)
    check_database(settings.database_url)
    if settings.redis_url:
        check_redis(settings.redis_url)
