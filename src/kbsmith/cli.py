"""The kbsmith command line. It calls services directly, never HTTP routes of its own server."""

from __future__ import annotations

import asyncio
import json
import mimetypes
import os
import signal
import uuid
from collections.abc import Awaitable, Callable
from contextlib import nullcontext
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import structlog
import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table
from sqlalchemy.exc import ProgrammingError, SQLAlchemyError

from kbsmith import instance
from kbsmith.db import migrate
from kbsmith.db.database import Database
from kbsmith.errors import DomainError
from kbsmith.logging import configure_logging
from kbsmith.memory import return_large_blocks
from kbsmith.settings import Settings
from kbsmith.workspaces import service as workspaces
from kbsmith.workspaces.service import Scope

if TYPE_CHECKING:
    from kbsmith.extraction import Extracted

# Commands import what they need when they run: `kbsmith keys list` should not pay for the
# extraction, generation and provider libraries.

app = typer.Typer(help="kbsmith: builds and keeps a support knowledge base.", no_args_is_help=True)
keys_app = typer.Typer(help="Create, list and revoke API keys.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
schedule_app = typer.Typer(
    help="Sync schedules: refresh (and regenerate) sources by themselves.", no_args_is_help=True
)
app.add_typer(schedule_app, name="schedule")
console = Console(stderr=True, soft_wrap=True)
"""Messages on stderr, one line each: never cut at the width rich assumes off a terminal."""

T = TypeVar("T")


def _settings(*, uses_data: bool = True) -> Settings:
    """The settings, logging configured; says on stderr which data the command works on."""
    os.umask(0o077)  # whatever this process creates in the data directory is the owner's only
    try:
        settings = Settings()
    except ValidationError as error:
        first = error.errors()[0]
        name = "KBSMITH_" + "_".join(str(part) for part in first["loc"]).upper()
        console.print(f"[red]error:[/] {name}: {first['msg']}", highlight=False)
        raise typer.Exit(2) from None
    configure_logging(settings.log_level, settings.log_format)
    if uses_data:
        console.print(f"kbsmith: using {instance.storage_description(settings)}", highlight=False)
    return settings


def _logged_settings() -> Settings:
    """The settings of a long-running process, which logs the data it uses (JSON lines)."""
    settings = _settings(uses_data=False)
    structlog.get_logger(__name__).info(
        "using storage", storage=instance.storage_description(settings)
    )
    return settings


def _with_db(settings: Settings, work: Callable[[Database], Awaitable[T]]) -> T:
    """``work`` on the database (the embedded one's schema made current first); a service's
    refusal or a database that cannot be used is one line on stderr and exit status 1."""

    async def run() -> T:
        db = Database(settings.resolved_database_url)
        try:
            if settings.is_embedded:
                await migrate.upgrade(db)
            return await work(db)
        finally:
            await db.dispose()

    try:
        return asyncio.run(run())
    except DomainError as error:
        console.print(f"[red]error:[/] {error.message}")
        raise typer.Exit(1) from None
    except SQLAlchemyError as error:
        console.print(
            f"[red]error:[/] the database ({instance.storage_description(settings)}) cannot be "
            f"used: {_first_line(error)}",
            highlight=False,
        )
        if isinstance(error, ProgrammingError):
            console.print("  (is its schema current? `kbsmith migrate` makes it so)")
        raise typer.Exit(1) from None


async def _nothing(_db: Database) -> None:
    return None


def _first_line(error: BaseException) -> str:
    cause = getattr(error, "orig", None) or error
    return (str(cause).strip().splitlines() or [type(cause).__name__])[0]


@app.command("migrate")
def migrate_command() -> None:
    """Apply pending database migrations."""
    settings = _settings()
    _with_db(settings, migrate.upgrade)
    console.print("[green]database schema is current[/]")


def _process_count(value: str, auto: Callable[[], int]) -> int:
    if value == "auto":
        return auto()
    if value.isdigit():
        return int(value)
    raise typer.BadParameter(
        f"expected a number or 'auto', got {value!r}", param_hint="--worker-processes"
    )


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
    workers: Annotated[
        int, typer.Option(help="Jobs each worker runs at once (0: no workers).", min=0)
    ] = 2,
    worker_processes: Annotated[
        str,
        typer.Option(
            help="Worker processes beside the API: a number, or 'auto' (one per core on a "
            "machine with several, at most 4); 0 runs the workers inside the API process."
        ),
    ] = "auto",
) -> None:
    """Run the HTTP API with job workers beside it."""
    import uvicorn

    from kbsmith.api.app import create_app
    from kbsmith.jobs.processes import auto_process_count
    from kbsmith.serving import MarkedServer

    settings = _logged_settings()
    processes = _process_count(worker_processes, auto_process_count)
    if settings.is_embedded:
        _with_db(settings, _nothing)  # the schema made current before any worker starts
    _share_metrics(settings)
    application = create_app(settings, workers=workers, worker_processes=processes)
    config = uvicorn.Config(
        application,
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=int(settings.job_shutdown_grace),
    )
    marker = instance.serving_marker(settings, f"http://{host}:{port}")
    MarkedServer(config, marker if settings.is_embedded else nullcontext()).run()


def _share_metrics(settings: Settings) -> None:
    """One metrics registry across this server's processes: each writes its values into a
    fresh folder of this server's that its worker processes inherit and /metrics adds up (set
    before anything imports prometheus_client; an operator's own PROMETHEUS_MULTIPROC_DIR is
    kept). Another server on the same data directory keeps its own."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(instance.fresh_metrics_dir(settings))


@app.command()
def status(
    as_json: Annotated[
        bool, typer.Option("--json", help="The snapshot as one JSON object.")
    ] = False,
) -> None:
    """At a glance: jobs queued, running and failed per kind; questions of the last hour;
    webhook deliveries given up (what /metrics reports from the database)."""
    from kbsmith.metrics.snapshot import take

    settings = _settings()

    async def read(db: Database) -> dict[str, object]:
        async with db.read() as session:
            snapshot = await take(session)
        jobs: dict[str, dict[str, int]] = {}
        for (kind, state), count in sorted(snapshot.jobs.items()):
            jobs.setdefault(kind, {})[state] = count
        return {
            "jobs": jobs,
            "questionsLastHour": snapshot.questions,
            "unansweredShare": round(snapshot.unanswered_share, 3),
            "askSecondsAvg": round(snapshot.ask_seconds_avg, 3),
            "webhookDeliveriesFailed": snapshot.webhook_deliveries_failed,
        }

    found = _with_db(settings, read)
    if as_json:
        typer.echo(json.dumps(found))
        return
    table = Table(title="jobs")
    for header in ("kind", "queued", "running", "failed"):
        table.add_column(header)
    jobs = found["jobs"]
    assert isinstance(jobs, dict)
    for kind, states in jobs.items():
        table.add_row(kind, *(str(states.get(s, 0)) for s in ("PENDING", "IN_PROGRESS", "FAILED")))
    Console().print(table)
    typer.echo(
        f"questions in the last hour: {found['questionsLastHour']} "
        f"(unanswered {found['unansweredShare']:.0%}, {found['askSecondsAvg']} s on average)"
    )
    typer.echo(f"webhook deliveries given up: {found['webhookDeliveriesFailed']}")


@app.command()
def worker(
    concurrency: Annotated[int, typer.Option(help="Jobs run at once.", min=1)] = 2,
) -> None:
    """Run job workers alone (any machine that reaches the same database)."""
    from kbsmith import lifeline
    from kbsmith.composition import kbsmith_worker
    from kbsmith.generation.embeddings import share_cores
    from kbsmith.runtime import Runtime

    lifeline.die_with_parent()  # started by `kbsmith serve`: never outlive it
    share_cores(concurrency)
    return_large_blocks()  # a workspace's load and the embedder's leave no freed heap behind
    settings = _logged_settings()

    async def run(db: Database) -> None:
        runtime = Runtime(settings)
        runner = kbsmith_worker(db, runtime, concurrency)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, runner.stop)
        orphaned = asyncio.create_task(_stop_when_orphaned(runner.stop))
        try:
            await runner.run()
        finally:
            orphaned.cancel()
            await runtime.aclose()

    _with_db(settings, run)


async def _stop_when_orphaned(stop: Callable[[], None]) -> None:
    """Where no parent-death signal exists (not Linux), notice the parent's end by polling."""
    from kbsmith import lifeline

    while lifeline.parent_alive():  # noqa: ASYNC110 - no event says a parent has ended
        await asyncio.sleep(1.0)
    stop()


@keys_app.command("create")
def keys_create(
    workspace: Annotated[str, typer.Option(help="Workspace name (created if missing).")],
    scope: Annotated[list[Scope], typer.Option(help="read and/or write; repeat for both.")],
    name: Annotated[str, typer.Option(help="A label for the key.")] = "",
) -> None:
    """Create an API key; the last line printed is the key alone."""
    settings = _settings()

    async def create(db: Database) -> str:
        async with db.write() as session:
            owner = await workspaces.get_or_create_workspace(session, workspace)
            created = await workspaces.create_key(
                session, owner, set(scope), name, settings.resolved_secret_key
            )
            return f"{created.key.id}\t{created.secret}"

    key_id, secret = _with_db(settings, create).split("\t")
    _tell_which_server_serves(settings)
    console.print(f"created key {key_id} for workspace {workspace!r}; it is shown only once:")
    typer.echo(secret)


def _tell_which_server_serves(settings: Settings) -> None:
    """A key works only on a server that uses the same data: say whether one is running."""
    if not settings.is_embedded:
        return  # servers of a shared database may run anywhere: nothing to look at here
    servers = instance.running_servers(settings)
    for server in servers:
        console.print(f"kbsmith serve (pid {server.pid}) at {server.url} uses this data")
    if not servers:
        console.print(
            f"[yellow]warning:[/] no kbsmith serve is running on {settings.data_dir.resolve()}; "
            "a server started from another folder uses other data and answers 401 to this key "
            "(run this from the server's folder, or set KBSMITH_DATA_DIR as the server has it)",
            highlight=False,
        )


@keys_app.command("list")
def keys_list(
    workspace: Annotated[str, typer.Option(help="Workspace name.")],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """List a workspace's keys (never their secrets)."""
    settings = _settings()

    async def fetch(db: Database) -> list[dict[str, str]]:
        async with db.read() as session:
            owner = await workspaces.require_workspace(session, workspace)
            return [
                {
                    "id": str(k.id),
                    "key": k.display_prefix + "…",
                    "name": k.name,
                    "scopes": ",".join(k.scopes),
                    "created": k.created_at.isoformat(timespec="seconds"),
                    "state": "revoked" if k.revoked_at else "active",
                }
                for k in await workspaces.list_keys(session, owner)
            ]

    rows = _with_db(settings, fetch)
    if as_json:
        for row in rows:
            typer.echo(json.dumps(row))
        return
    Console().print(_keys_table(rows))


def _keys_table(rows: list[dict[str, str]]) -> Table:
    """Ids are never shortened (`keys revoke` takes them): the other columns wrap instead."""
    table = Table()
    table.add_column("id", no_wrap=True, min_width=len(str(uuid.UUID(int=0))))
    for header in ("key", "name", "scopes", "created", "state"):
        table.add_column(header, overflow="fold")
    for row in rows:
        table.add_row(*{**row, "created": row["created"][:16].replace("T", " ")}.values())
    return table


@keys_app.command("revoke")
def keys_revoke(
    key_id: Annotated[str, typer.Argument(help="The key's id, or its first 8 characters or more.")],
) -> None:
    """Revoke a key: it stops working at once."""
    settings = _settings()

    async def revoke(db: Database) -> uuid.UUID:
        async with db.write() as session:
            found = await workspaces.find_key_id(session, key_id)
            await workspaces.revoke_key(session, found)
            return found

    console.print(f"revoked key {_with_db(settings, revoke)}")


class OutputFormat(StrEnum):
    TEXT = "text"
    MARKDOWN = "markdown"
    JSON = "json"


@app.command()
def extract(
    path_or_url: Annotated[str, typer.Argument(help="A local file, or an http(s) URL.")],
    output: Annotated[
        OutputFormat, typer.Option("--format", help="How to print it.")
    ] = OutputFormat.TEXT,
) -> None:
    """Print what ingestion would store for a page: its title and paragraphs."""
    from kbsmith.extraction import ExtractionError
    from kbsmith.fetching import FetchError

    settings = _settings(uses_data=False)
    try:
        extracted = asyncio.run(_extract(settings, path_or_url))
    except (FetchError, ExtractionError, OSError) as error:
        console.print(f"[red]error:[/] {error}")
        raise typer.Exit(1) from None
    if output is OutputFormat.JSON:
        typer.echo(
            json.dumps(
                {
                    "title": extracted.title,
                    "mimeType": extracted.mime_type,
                    "paragraphs": extracted.paragraphs,
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    elif output is OutputFormat.MARKDOWN:
        typer.echo(_as_markdown(extracted.title, extracted.paragraphs))
    else:
        typer.echo("\n\n".join(extracted.paragraphs))


def _as_markdown(title: str, paragraphs: list[str]) -> str:
    """The title as a heading, unless the text already opens with it."""
    opening = paragraphs[0].splitlines()[0] if paragraphs and paragraphs[0] else ""
    opens_with_title = opening.startswith("#") and opening.lstrip("#").strip() == title.strip()
    body = "\n\n".join(paragraphs)
    return body if opens_with_title or not title else f"# {title}\n\n{body}"


async def _extract(settings: Settings, path_or_url: str) -> Extracted:
    """The page or file extracted as an ingestion job would: in a bounded child process."""
    from kbsmith.fetching import is_absolute_http_url
    from kbsmith.runtime import Runtime
    from kbsmith.sources.content import fetch_and_extract

    runtime = Runtime(settings)
    try:
        if is_absolute_http_url(path_or_url):
            content = await fetch_and_extract(runtime.fetcher, runtime.extractor, path_or_url)
            assert content.extracted is not None
            return content.extracted
        path = Path(path_or_url)
        body = await asyncio.to_thread(path.read_bytes)
        return await runtime.extractor.extract(body, mimetypes.guess_type(path.name)[0], None)
    finally:
        await runtime.aclose()


@app.command()
def ingest(
    targets: Annotated[
        list[str],
        typer.Argument(
            metavar="URL_OR_FILE",
            help="Pages (absolute http(s) URLs) and local files (PDF, DOCX, HTML, Markdown, text).",
        ),
    ],
    workspace: Annotated[str, typer.Option(help="Workspace name.")],
    crawl: Annotated[
        bool, typer.Option(help="Also queue the same-site pages the URLs link to.")
    ] = False,
    limit: Annotated[int, typer.Option(help="At most this many pages with --crawl.", min=1)] = 250,
    wait: Annotated[bool, typer.Option(help="Process the jobs here and show progress.")] = False,
    workers: Annotated[int, typer.Option(help="Workers used by --wait.", min=1)] = 4,
) -> None:
    """Queue web pages and local files as sources; with --wait, run them and show a progress
    bar until all end (exit 1 when one failed)."""
    from kbsmith.sources.cli import IngestOptions, ingest_from_cli

    settings = _settings()
    failed = _with_db(
        settings,
        lambda db: ingest_from_cli(
            db,
            settings,
            IngestOptions(
                targets=targets,
                workspace=workspace,
                crawl=crawl,
                limit=limit,
                wait=wait,
                workers=workers,
            ),
        ),
    )
    if failed:
        raise typer.Exit(1)


@app.command()
def generate(
    workspace: Annotated[str, typer.Option(help="Workspace name.")],
    source_ids: Annotated[
        list[uuid.UUID] | None, typer.Argument(help="Sources to generate from.")
    ] = None,
    all_changed: Annotated[
        bool,
        typer.Option(
            "--all-changed", help="Every source changed since generation, or never generated."
        ),
    ] = False,
    live: Annotated[bool, typer.Option(help="Save live articles instead of drafts.")] = False,
    wait: Annotated[bool, typer.Option(help="Process the jobs here and show progress.")] = False,
    workers: Annotated[int, typer.Option(help="Workers used by --wait.", min=1)] = 2,
) -> None:
    """Queue generation jobs; with --wait, run them and summarise the operations chosen (exit 1
    when one failed)."""
    from kbsmith.generation.cli import GenerateOptions, generate_from_cli

    settings = _settings()
    if not source_ids and not all_changed:
        console.print("[red]error:[/] name SOURCE_IDs or pass --all-changed")
        raise typer.Exit(2)
    options = GenerateOptions(
        workspace=workspace,
        source_ids=list(source_ids or []),
        all_changed=all_changed,
        live=live,
        wait=wait,
        workers=workers,
    )
    if _with_db(settings, lambda db: generate_from_cli(db, settings, options)):
        raise typer.Exit(1)


@app.command()
def connect(
    provider: Annotated[str, typer.Argument(help="notion, zendesk, confluence or googledrive.")],
    workspace: Annotated[str, typer.Option(help="Workspace name (created if missing).")],
    field: Annotated[
        list[str] | None, typer.Option(help="A credential as KEY=VALUE (API names); repeat.")
    ] = None,
    json_file: Annotated[
        Path | None, typer.Option("--json", help="A JSON file with the whole credentials body.")
    ] = None,
) -> None:
    """Check a provider's credentials and store them, sealed, for a workspace."""
    from kbsmith.connectors.cli import ConnectOptions, connect_from_cli

    settings = _settings()
    options = ConnectOptions(provider, workspace, list(field or []), json_file)
    account = _with_db(settings, lambda db: connect_from_cli(db, settings, options))
    console.print(f"[green]connected {provider}[/] for workspace {workspace!r}: {account}")


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question.")],
    workspace: Annotated[str, typer.Option(help="Workspace name.")],
    bot: Annotated[uuid.UUID | None, typer.Option(help="Answer from this agent's folders.")] = None,
) -> None:
    """Answer a question from the live knowledge and list its sources (exit 1: not known)."""
    from kbsmith.answers.cli import ask_from_cli

    if not question.strip():
        raise typer.BadParameter("the question is empty", param_hint="QUESTION")
    settings = _settings()
    if not _with_db(
        settings, lambda db: ask_from_cli(db, workspace, question, bot, settings.answer_floor)
    ):
        raise typer.Exit(1)


@schedule_app.command("add")
def schedule_add(
    workspace: Annotated[str, typer.Option(help="Workspace name (created if missing).")],
    name: Annotated[str, typer.Option(help="A name to find the schedule by.")],
    every: Annotated[
        str,
        typer.Option(
            help="An ISO-8601 duration (at least KBSMITH_SCHEDULE_MIN_INTERVAL, PT5M by "
            "default) or a 5-field cron firing no more often."
        ),
    ],
    source: Annotated[
        str | None, typer.Option(help="Every source of this type (web, notion, ...).")
    ] = None,
    document: Annotated[
        list[uuid.UUID] | None, typer.Option(help="A source id instead of --source; repeat.")
    ] = None,
    generate: Annotated[
        bool, typer.Option(help="Regenerate the sources that changed after each refresh.")
    ] = False,
    live: Annotated[bool, typer.Option(help="Regenerate into live articles, not drafts.")] = False,
    restricted_op: Annotated[
        list[str] | None, typer.Option(help="An allowed operation when regenerating; repeat.")
    ] = None,
    instructions: Annotated[str, typer.Option(help="Instructions for regenerating.")] = "",
    delete_articles: Annotated[
        bool, typer.Option(help="Unpublish the articles of documents deleted upstream.")
    ] = False,
) -> None:
    """Create a schedule; `kbsmith serve` or `kbsmith worker` runs its ticks."""
    from kbsmith.schedules.cli import AddOptions, add_schedule

    if not generate and (live or restricted_op or instructions):
        raise typer.BadParameter(
            "--live, --restricted-op and --instructions are for regenerating: add --generate",
            param_hint="--generate",
        )
    settings = _settings()
    options = AddOptions(
        workspace=workspace,
        name=name,
        every=every,
        source=source,
        document_ids=list(document or []),
        generate=generate,
        live=live,
        restricted_ops=list(restricted_op or []),
        instructions=instructions,
        delete_articles=delete_articles,
    )
    row = _with_db(settings, lambda db: add_schedule(db, settings, options))
    console.print(f"created schedule {row['name']!r}; first run at {row['next']}")
    typer.echo(row["id"])


@schedule_app.command("list")
def schedule_list(
    workspace: Annotated[str, typer.Option(help="Workspace name.")],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """List a workspace's schedules with their next and last runs."""
    from kbsmith.schedules.cli import list_schedules

    settings = _settings()
    rows = _with_db(settings, lambda db: list_schedules(db, workspace))
    if as_json:
        for row in rows:
            typer.echo(json.dumps(row))
        return
    table = Table()
    for header in rows[0] if rows else ("id", "name"):
        table.add_column(header, overflow="fold", no_wrap=header == "id")
    for row in rows:
        table.add_row(*row.values())
    Console().print(table)


@schedule_app.command("remove")
def schedule_remove(
    name_or_id: Annotated[str, typer.Argument(help="The schedule's name or id.")],
    workspace: Annotated[str, typer.Option(help="Workspace name.")],
) -> None:
    """Remove a schedule (its planned run then does nothing)."""
    from kbsmith.schedules.cli import remove_schedule

    settings = _settings()
    removed = _with_db(settings, lambda db: remove_schedule(db, workspace, name_or_id))
    console.print(f"removed schedule {removed}")


@schedule_app.command("run")
def schedule_run(
    name_or_id: Annotated[str, typer.Argument(help="The schedule's name or id.")],
    workspace: Annotated[str, typer.Option(help="Workspace name.")],
) -> None:
    """Queue a run now, besides the schedule's ticks; a worker runs it."""
    from kbsmith.schedules.cli import run_schedule_now

    settings = _settings()
    run_id = _with_db(settings, lambda db: run_schedule_now(db, workspace, name_or_id))
    console.print(f"queued run {run_id}")
    typer.echo(run_id)


def main() -> None:
    app()
