"""`schedulingkit serve|db|team|token|seed|demo`: run and administer the reference server."""

from __future__ import annotations

import click

from .settings import Settings


def _settings() -> Settings:
    return Settings.from_env()


def _database():
    from .db import Database

    return Database(_settings().database_url)


def _fail_on_errors(func):
    """Turn the server's own errors into a clear message and exit status 1."""
    import functools

    from .errors import ApiError

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except LookupError as exc:
            raise click.ClickException(str(exc.args[0] if exc.args else exc)) from exc
        except ApiError as exc:
            details = "; ".join(m for messages in (exc.errors or {}).values() for m in messages)
            raise click.ClickException(details or exc.message) from exc

    return wrapper


def _run_server(host: str, port: int, workers: int) -> None:
    import uvicorn

    uvicorn.run(
        "schedulingkit.impl.asgi:create",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        proxy_headers=True,
        # a worker imports Connexion and builds the app from the document (seconds on a
        # busy 2-core machine): give it time before the supervisor declares it dead
        timeout_worker_healthcheck=60,
    )


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--workers", default=1, show_default=True, type=click.IntRange(1, 64), help="Processes."
)
def serve(host: str, port: int, workers: int) -> None:
    """Migrate the database, then serve the API with uvicorn.

    Configured by SCHEDULINGKIT_DATABASE_URL, SCHEDULINGKIT_REDIS_URL (share rate limits
    between workers and hosts) and SCHEDULINGKIT_RATE_LIMIT.
    """
    from . import migrate

    settings = _settings()
    if workers > 1 and settings.redis_url is None:
        click.echo(
            "note: without SCHEDULINGKIT_REDIS_URL each worker counts its own rate limit", err=True
        )
    migrate.upgrade(settings.database_url)
    _run_server(host, port, workers)


@click.group()
def db() -> None:
    """Database schema commands."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Apply the migrations up to REVISION (default: the latest)."""
    from . import migrate

    url = _settings().database_url
    migrate.upgrade(url, revision)
    click.echo(f"database at revision {migrate.current_revision(url)}")


@click.group()
def team() -> None:
    """Teams (tenants)."""


@team.command("create")
@click.argument("name")
@click.option("--timezone", default="UTC", show_default=True, help="IANA time zone.")
@click.option("--currency", default="USD", show_default=True, help="ISO 4217 code.")
@click.option("--invoice-prefix", default="INV-", show_default=True)
@_fail_on_errors
def team_create(name: str, timezone: str, currency: str, invoice_prefix: str) -> None:
    """Create a team; its id is the last line printed."""
    from .services.team import create_team

    with _database().system_session() as session:
        new = create_team(
            session, name, timezone=timezone, currency=currency, invoice_prefix=invoice_prefix
        )
        click.echo(f"created team {new.name!r} (slug {new.slug})")
        click.echo(new.id)


def _parse_scopes(value: str | None) -> list[str] | None:
    from .document import load_document
    from .tokens import WILDCARD

    if not value:
        return None
    scopes = [s.strip() for s in value.split(",") if s.strip()]
    known = {WILDCARD} | {s for op in load_document().operations.values() for s in op.scopes}
    unknown = sorted(set(scopes) - known)
    if unknown:
        raise click.BadParameter(
            f"unknown scope(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}",
            param_hint="--scopes",
        )
    return scopes


@click.group()
def token() -> None:
    """API tokens (Sanctum format, shown once)."""


@token.command("create")
@click.option("--team", "team_id", required=True, type=click.IntRange(min=1), help="Team id.")
@click.option("--name", required=True, help="What the token is for.")
@click.option(
    "--scopes", help="Comma-separated scopes, e.g. clients:read,clients:write (default *)."
)
@_fail_on_errors
def token_create(team_id: int, name: str, scopes: str | None) -> None:
    """Create a token; the plaintext is the last line printed, and never shown again."""
    from .tokens import create_token

    parsed = _parse_scopes(scopes)
    with _database().system_session() as session:
        new = create_token(session, team_id, name, parsed)
        click.echo(f"token {new.token.id} for team {team_id}, scopes {' '.join(new.token.scopes)}")
        click.echo(new.plaintext)


@token.command("list")
@click.option("--team", "team_id", required=True, type=click.IntRange(min=1), help="Team id.")
@_fail_on_errors
def token_list(team_id: int) -> None:
    """List a team's tokens (never their secrets)."""
    from .models.platform import Team
    from .tokens import list_tokens

    with _database().system_session() as session:
        if session.get(Team, team_id) is None:
            raise LookupError(f"no team with id {team_id}")
        rows = list_tokens(session, team_id)
        click.echo(f"{'ID':>5}  {'NAME':<30} {'SCOPES':<40} {'CREATED':<20} STATUS")
        for row in rows:
            status = f"revoked {row.revoked_at:%Y-%m-%d %H:%M}" if row.revoked_at else "active"
            scopes = ",".join(row.scopes)
            click.echo(
                f"{row.id:>5}  {row.name[:30]:<30} {scopes[:40]:<40} "
                f"{row.created_at:%Y-%m-%d %H:%M:%S}  {status}"
            )


@token.command("revoke")
@click.argument("token_id", type=click.IntRange(min=1))
@_fail_on_errors
def token_revoke(token_id: int) -> None:
    """Revoke a token; requests with it are refused from now on."""
    from .tokens import revoke_token

    with _database().system_session() as session:
        revoked = revoke_token(session, token_id)
        click.echo(f"token {revoked.id} ({revoked.name}) revoked")


@click.command()
@click.option("--team", "team_id", required=True, type=click.IntRange(min=1), help="Team id.")
@_fail_on_errors
def seed(team_id: int) -> None:
    """Fill a team with realistic demo data."""
    counts = _seed(team_id)
    click.echo("seeded " + ", ".join(f"{n} {name.replace('_', ' ')}" for name, n in counts.items()))


def _seed(team_id: int) -> dict[str, int]:
    from .models.platform import Team
    from .seed import seed_team

    database = _database()
    with database.system_session() as session:
        if session.get(Team, team_id) is None:
            raise LookupError(f"no team with id {team_id}")
    with database.unit_of_work(team_id) as session:
        return seed_team(session).counts()


# What a limited token may do when the vendor does not say: two reads, so SCOPE-001 has
# many operations to be refused and SCOPE-002 a few to be allowed.
DEFAULT_LIMITED_SCOPES = "clients:read,taxes:read"


def _conformance_tokens(database, team_id: int, limited_scopes: list[str]) -> dict[str, str]:
    """A token with every scope for `team_id`, a second team with its own, and a limited
    token of `team_id`: the three tokens a full conformance run needs."""
    from .services.team import create_team
    from .tokens import create_token

    with database.system_session() as session:
        other = create_team(session, f"Conformance other team (of team {team_id})")
        click.echo(
            f"tokens: team {team_id} (every scope; limited: {', '.join(limited_scopes)}), "
            f"team {other.id} {other.name!r} (every scope)",
            err=True,  # stdout stays a file the shell can source
        )
        return {
            "SK_TOKEN": create_token(session, team_id, "conformance").plaintext,
            "SK_OTHER_TEAM_TOKEN": create_token(session, other.id, "conformance").plaintext,
            "SK_LIMITED_TOKEN": create_token(
                session, team_id, "conformance limited", limited_scopes
            ).plaintext,
            "SK_LIMITED_SCOPES": ",".join(limited_scopes),
        }


def _print_conformance_command(base_url: str, tokens: dict[str, str]) -> None:
    """The environment and the exact command of a full run (tokens stay out of argv)."""
    import shlex

    from .settings import Settings

    for name, value in {"SK_BASE_URL": base_url, **tokens}.items():
        click.echo(f"export {name}={shlex.quote(value)}")
    limit = Settings.from_env().rate_limit
    click.echo(
        f"# the server limits each token to {limit}; the run fits --max-duration (15 min) "
        "at that limit: serve with SCHEDULINGKIT_RATE_LIMIT=3000/minute for a run of about "
        "3 min"
    )
    click.echo("schedulingkit conformance --report-json conformance.json --html conformance.html")


@click.command("setup")
@click.option(
    "--team",
    "team_id",
    type=click.IntRange(min=1),
    help="The team to certify with (default: a new team named Conformance).",
)
@click.option(
    "--base-url",
    default="http://127.0.0.1:8000/api/v1",
    show_default=True,
    help="Where the server answers, for the printed command.",
)
@click.option(
    "--limited-scopes",
    default=DEFAULT_LIMITED_SCOPES,
    show_default=True,
    help="The scopes of the limited token.",
)
@_fail_on_errors
def conformance_setup(team_id: int | None, base_url: str, limited_scopes: str) -> None:
    """Create the tokens a full conformance run needs on this server, and print the command.

    Migrates the database, creates (or uses) the first team with a token of every scope, a
    second team with its token, and a limited token of the first team; prints them as
    `export SK_...=` lines followed by the exact `schedulingkit conformance` command.
    """
    from . import migrate
    from .models.platform import Team
    from .services.team import create_team

    scopes = _parse_scopes(limited_scopes) or []
    migrate.upgrade(_settings().database_url)
    database = _database()
    with database.system_session() as session:
        if team_id is None:
            team_id = create_team(session, "Conformance").id
            click.echo(f"created team {team_id} 'Conformance'", err=True)
        elif session.get(Team, team_id) is None:
            raise LookupError(f"no team with id {team_id}")
    tokens = _conformance_tokens(database, team_id, scopes)
    database.dispose()
    _print_conformance_command(base_url, tokens)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--conformance",
    "for_conformance",
    is_flag=True,
    help="Also create a second team and a limited token, and print the conformance command.",
)
@_fail_on_errors
def demo(host: str, port: int, for_conformance: bool) -> None:
    """Migrate, create a seeded demo team and a token, print how to call it, and serve."""
    from . import migrate
    from .services.team import create_team
    from .tokens import create_token

    settings = _settings()
    migrate.upgrade(settings.database_url)
    database = _database()
    with database.system_session() as session:
        new_team = create_team(
            session, "Demo Clinic", timezone="Europe/London", currency="GBP", invoice_prefix="DC-"
        )
        team_id = new_team.id
    counts = _seed(team_id)
    with database.system_session() as session:
        plaintext = create_token(session, team_id, "demo").plaintext
    tokens = (
        _conformance_tokens(database, team_id, DEFAULT_LIMITED_SCOPES.split(","))
        if for_conformance
        else None
    )
    database.dispose()
    base = f"http://{host}:{port}/api/v1"
    click.echo(f"database:   {settings.database_url}")
    click.echo(f"team:       Demo Clinic (id {team_id}), " + ", ".join(
        f"{n} {name.replace('_', ' ')}" for name, n in counts.items()
    ))  # fmt: skip
    click.echo(f"token:      {plaintext}")
    click.echo(f"base URL:   {base}")
    click.echo(f"Swagger UI: {base}/ui/")
    click.echo(
        f'try:        curl -H "Authorization: Bearer {plaintext}" '
        f'-H "Accept: application/json" {base}/event-types'
    )
    if tokens is not None:
        click.echo("conformance, in another shell while this one serves:")
        _print_conformance_command(base, tokens)
    _run_server(host, port, 1)
