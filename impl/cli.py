"""`schedulingkit serve|db|team|token|seed|demo`: run and administer the reference server."""

from __future__ import annotations

import click

from .settings import Settings, data_directory


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except ValueError as exc:  # a variable that names no usable value: say which, no traceback
        raise click.ClickException(str(exc)) from None


def _database():
    from .data.db import Database

    return Database(_settings().database_url)


def _fail_on_errors(func):
    """Turn the server's own errors into a clear message and exit status 1."""
    import functools

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from sqlalchemy.exc import SQLAlchemyError

        from .domain.errors import ApiError
        from .startup import StartupError, mask_url

        try:
            return func(*args, **kwargs)
        except StartupError as exc:
            raise click.ClickException(str(exc)) from exc
        except SQLAlchemyError as exc:
            url = mask_url(_settings().database_url)
            line = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            raise click.ClickException(f"database error at {url}: {line}") from exc
        except LookupError as exc:
            raise click.ClickException(str(exc.args[0] if exc.args else exc)) from exc
        except ApiError as exc:
            details = "; ".join(m for messages in (exc.errors or {}).values() for m in messages)
            raise click.ClickException(details or exc.message) from exc

    return wrapper


def _run_server(host: str, port: int, workers: int) -> None:
    import os

    import uvicorn

    from .web.public_url import default_for_listen_address
    from .web.serving import uvicorn_options

    # links are built from the public URL, which defaults to the listen address (the
    # workers read it from the environment, as every other setting)
    default_url = default_for_listen_address(host, port)
    if default_url and not os.environ.get("SCHEDULINGKIT_PUBLIC_URL"):
        os.environ["SCHEDULINGKIT_PUBLIC_URL"] = default_url
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
        **uvicorn_options(),
    )


HOST_HELP = "Interface to listen on (0.0.0.0: every interface, e.g. behind a balancer)."
PORT_HELP = "TCP port to listen on."


def _migrate(url: str, revision: str = "head") -> None:
    """Apply the migrations; a failure is one line (a StartupError), not a traceback."""
    from alembic.util import CommandError
    from sqlalchemy.exc import SQLAlchemyError

    from .data import migrate
    from .startup import StartupError, mask_url

    try:
        migrate.upgrade(url, revision)
    except CommandError as exc:
        raise StartupError(f"cannot migrate to {revision}: {exc}") from None
    except SQLAlchemyError as exc:
        line = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise StartupError(f"migrating {mask_url(url)} failed: {line}") from None


def _print_startup(settings: Settings, host: str, port: int, workers: int) -> None:
    from .startup import Startup, listen_url

    for name, value in Startup(settings, listen_url(host, port), workers).lines():
        click.echo(f"{name + ':':<12}{value}")


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help=HOST_HELP)
@click.option(
    "--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help=PORT_HELP
)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Server processes (about one per CPU core); set SCHEDULINGKIT_REDIS_URL so that "
    "they share the rate limit.",
)
@_fail_on_errors
def serve(host: str, port: int, workers: int) -> None:
    """Check the port, the database and Redis, migrate the database, then serve the API
    with uvicorn.

    Configured by SCHEDULINGKIT_DATABASE_URL (default: a SQLite file in
    ~/.local/share/schedulingkit), SCHEDULINGKIT_REDIS_URL (share rate limits between
    workers and hosts), SCHEDULINGKIT_RATE_LIMIT (default 60/minute),
    SCHEDULINGKIT_PUBLIC_URL (the URL clients reach the API at, for links; default
    http://HOST:PORT), SCHEDULINGKIT_MAX_BODY_BYTES (default 1048576),
    SCHEDULINGKIT_DATABASE_TIMEOUT / SCHEDULINGKIT_REDIS_TIMEOUT (seconds before a dependency
    is answered 503; default 0.75 / 0.5) and SCHEDULINGKIT_DATABASE_POOL_SIZE (database
    connections per worker; default 20).
    """
    from .startup import check_dependencies, check_port

    settings = _settings()
    check_port(host, port)
    check_dependencies(settings)
    _migrate(settings.database_url)
    _print_startup(settings, host, port, workers)
    _run_server(host, port, workers)


@click.group()
def db() -> None:
    """Database schema commands."""


@db.command("upgrade")
@click.option(
    "--revision",
    default="head",
    show_default=True,
    help="Alembic revision to reach; head is the latest.",
)
@_fail_on_errors
def db_upgrade(revision: str) -> None:
    """Check the database, then apply the migrations up to --revision (default: the latest).

    The database is SCHEDULINGKIT_DATABASE_URL (default: a SQLite file in
    ~/.local/share/schedulingkit).
    """
    from .data import migrate
    from .startup import check_database, mask_url

    url = _settings().database_url
    check_database(url)
    _migrate(url, revision)
    click.echo(f"database {mask_url(url)} at revision {migrate.current_revision(url)}")


@click.group()
def team() -> None:
    """Teams (tenants)."""


@team.command("create")
@click.argument("name")
@click.option("--timezone", default="UTC", show_default=True, help="IANA time zone.")
@click.option("--currency", default="USD", show_default=True, help="ISO 4217 code.")
@click.option(
    "--invoice-prefix",
    default="INV-",
    show_default=True,
    help="Put before each invoice's sequence number.",
)
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


@team.command("list")
@_fail_on_errors
def team_list() -> None:
    """List the teams, with their number of active tokens."""
    from sqlalchemy import func, select

    from .data.models.platform import ApiToken, Team

    with _database().system_session() as session:
        active = dict(
            session.execute(
                select(ApiToken.team_id, func.count())
                .where(ApiToken.revoked_at.is_(None))
                .group_by(ApiToken.team_id)
            ).all()
        )
        teams = session.scalars(select(Team).order_by(Team.id)).all()
        click.echo(f"{'ID':>5}  {'NAME':<30} {'SLUG':<24} {'TIMEZONE':<20} CUR  TOKENS  CREATED")
        for row in teams:
            click.echo(
                f"{row.id:>5}  {row.name[:30]:<30} {row.slug[:24]:<24} {row.timezone[:20]:<20} "
                f"{row.currency:<4} {active.get(row.id, 0):>6}  {row.created_at:%Y-%m-%d %H:%M:%S}"
            )


def known_scopes() -> list[str]:
    """`*` and every scope an operation of the document needs, sorted."""
    from schedulingkit.openapi.contract import load_contract

    from .data.tokens import WILDCARD

    needed = {scope for op in load_contract().operations for scope in op.scopes}
    return [WILDCARD, *sorted(needed)]


def scope_uses() -> dict[str, str]:
    """Each known scope and what it allows, e.g. `POST, PUT, DELETE /clients`."""
    from schedulingkit.openapi.contract import load_contract

    from .data.tokens import WILDCARD

    methods: dict[str, set[str]] = {}
    paths: dict[str, set[str]] = {}
    for op in load_contract().operations:
        for scope in op.scopes:
            methods.setdefault(scope, set()).add(op.method)
            paths.setdefault(scope, set()).add("/" + op.path.strip("/").split("/")[0])
    order = ("GET", "POST", "PUT", "PATCH", "DELETE")
    uses = {WILDCARD: "every operation (the default)"}
    for scope in sorted(methods):
        verbs = ", ".join(m for m in order if m in methods[scope])
        uses[scope] = f"{verbs} {', '.join(sorted(paths[scope]))}"
    return uses


class TokenCreateCommand(click.Command):
    """`token create`, whose help ends with the scopes the document knows (read when the
    help is shown, so other commands do not load the document)."""

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Scopes"):
            formatter.write_dl(list(scope_uses().items()))
        super().format_epilog(ctx, formatter)


def _parse_scopes(value: str | None) -> list[str] | None:
    if not value:
        return None
    scopes = [s.strip() for s in value.split(",") if s.strip()]
    known = set(known_scopes())
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


@token.command("create", cls=TokenCreateCommand)
@click.option("--team", "team_id", required=True, type=click.IntRange(min=1), help="Team id.")
@click.option("--name", required=True, help="What the token is for.")
@click.option(
    "--scopes",
    help="Comma-separated scopes (listed below), e.g. clients:read,clients:write; "
    "default: *, every scope.",
)
@_fail_on_errors
def token_create(team_id: int, name: str, scopes: str | None) -> None:
    """Create a token; the plaintext is the last line printed, and never shown again."""
    from .data.tokens import create_token

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
    from .data.models.platform import Team
    from .data.tokens import list_tokens

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
    from .data.tokens import revoke_token

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
    from .services.seed import seed

    return seed(_settings().database_url, team_id).counts()


# What a limited token may do when the vendor does not say: two reads, so SCOPE-001 has
# many operations to be refused and SCOPE-002 a few to be allowed.
DEFAULT_LIMITED_SCOPES = "clients:read,taxes:read"


def _conformance_tokens(database, team_id: int, limited_scopes: list[str]) -> dict[str, str]:
    """A token with every scope for `team_id`, a second team with its own, and a limited
    token of `team_id`: the three tokens a full conformance run needs."""
    from .data.tokens import create_token
    from .services.team import create_team

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


def _print_conformance_command(
    base_url: str, tokens: dict[str, str], command_on_stderr: bool = False
) -> None:
    """The environment and the exact command of a full run (tokens stay out of argv).

    With `command_on_stderr` the command goes to the terminal and stdout holds only
    `export` lines and comments, so a file made from it can be sourced without starting a
    run."""
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
    click.echo(
        "schedulingkit conformance --report-json conformance.json --html conformance.html",
        err=command_on_stderr,
    )


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
    `export SK_...=` lines (stdout: source them) and the exact `schedulingkit conformance`
    command (stderr: what to run once they are exported).
    """
    from .data.models.platform import Team
    from .services.team import create_team

    scopes = _parse_scopes(limited_scopes) or []
    _migrate(_settings().database_url)
    database = _database()
    with database.system_session() as session:
        if team_id is None:
            team_id = create_team(session, "Conformance").id
            click.echo(f"created team {team_id} 'Conformance'", err=True)
        elif session.get(Team, team_id) is None:
            raise LookupError(f"no team with id {team_id}")
    tokens = _conformance_tokens(database, team_id, scopes)
    database.dispose()
    _print_conformance_command(base_url, tokens, command_on_stderr=True)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help=HOST_HELP)
@click.option(
    "--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help=PORT_HELP
)
@click.option(
    "--fresh",
    is_flag=True,
    help="Create a new seeded team and token instead of reusing the last run's.",
)
@click.option(
    "--conformance",
    "for_conformance",
    is_flag=True,
    help="Also create a second team and a limited token, and print the conformance command.",
)
@_fail_on_errors
def demo(host: str, port: int, fresh: bool, for_conformance: bool) -> None:
    """Serve the API with a seeded demo team, and print a token and how to call it.

    The first run migrates the database (default: a SQLite file in
    ~/.local/share/schedulingkit), creates and seeds the team "Demo Clinic" and a token;
    later runs on the same database reuse both (the token is kept, readable by you only, in
    ~/.local/share/schedulingkit/demo.json), unless --fresh. With --conformance it also
    prints the tokens and the command of a full conformance run against it.
    """
    from . import demo as demo_team
    from .startup import check_dependencies, check_port, listen_url

    settings = _settings()
    check_port(host, port)  # before anything is written
    check_dependencies(settings)
    _migrate(settings.database_url)
    database = _database()
    try:
        state = data_directory() / demo_team.STATE_FILE
        prepared = demo_team.prepare(database, state, _seed, fresh=fresh)
        tokens = (
            _conformance_tokens(database, prepared.team_id, DEFAULT_LIMITED_SCOPES.split(","))
            if for_conformance
            else None
        )
    finally:
        database.dispose()
    _print_startup(settings, host, port, 1)
    base = f"{listen_url(host, port)}/api/v1"
    team_text = f"{demo_team.TEAM_NAME} (id {prepared.team_id}), "
    if prepared.reused_team:
        token_state = "the same token" if prepared.reused_token else "a new token"
        team_text += f"kept from the last run with {token_state} (--fresh: a new team)"
    else:
        team_text += "new: " + ", ".join(
            f"{n} {name.replace('_', ' ')}" for name, n in prepared.seeded.items()
        )
    click.echo(f"{'team:':<12}{team_text}")
    click.echo(f"{'token:':<12}{prepared.token}")
    click.echo(f"{'base URL:':<12}{base}")
    click.echo(f"{'Swagger UI:':<12}{base}/ui/")
    click.echo(
        f'{"try:":<12}curl -H "Authorization: Bearer {prepared.token}" '
        f'-H "Accept: application/json" {base}/event-types'
    )
    if tokens is not None:
        click.echo("conformance, in another shell while this one serves:")
        _print_conformance_command(base, tokens)
    _run_server(host, port, 1)
