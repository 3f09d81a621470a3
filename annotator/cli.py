"""The ``annotator`` command: thin glue over the library, one command per task."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click
import orjson
from sqlalchemy.engine import Engine
from sqlmodel import Session

from annotator.domain.errors import AnnotatorError
from annotator.settings import get_settings

F = TypeVar("F", bound=Callable[..., Any])


def friendly_errors(command: F) -> F:
    """Turn library errors into one-line messages and a non-zero exit, without a traceback."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except AnnotatorError as error:
            raise click.ClickException(str(error)) from None

    return wrapper  # type: ignore[return-value]


def _engine(ctx: click.Context) -> Engine:
    """The store named by --db or ANNOTATOR_DB_URL, with its tables created."""
    from annotator.store.engine import make_engine
    from annotator.store.migrate import prepare_schema

    obj = ctx.ensure_object(dict)
    if "engine" not in obj:
        engine = make_engine(obj["db_url"])
        report = prepare_schema(engine)
        if report.backup is not None:
            click.echo(
                f"Upgraded the schema {report.before} → {report.after}; backup in {report.backup}", err=True
            )
        obj["engine"] = engine
    return obj["engine"]  # type: ignore[no-any-return]


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--db",
    "db_url",
    metavar="URL",
    envvar="ANNOTATOR_DB_URL",
    default=None,
    help="SQLAlchemy URL of the store. Default: sqlite:///annotator.db in the working folder.",
)
@click.version_option(package_name="annotator")
@click.pass_context
def cli(ctx: click.Context, db_url: str | None) -> None:
    """Fact-attribution annotation: who says so?

    Import articles, label each sentence's claim with its source and confidence
    in the browser, measure agreement and export JSONL.

    \b
    Example:
        annotator import-articles article.txt --sources sources.yaml
        annotator users add alice --role annotator
        annotator serve
    """
    ctx.ensure_object(dict)["db_url"] = db_url or get_settings().db_url


@cli.command("init")
@click.pass_context
@friendly_errors
def init_command(ctx: click.Context) -> None:
    """Create or upgrade the schema; on an empty store import the sample article and add 'admin'.

    The admin password comes from ANNOTATOR_ADMIN_PASSWORD, or is generated and
    printed once.

    \b
    Example:
        annotator --db sqlite:///team.db init
    """
    from annotator.io.bootstrap import prepare_database

    report = prepare_database(_engine(ctx), admin_password=get_settings().admin_password)
    _print_bootstrap(report)


def _print_bootstrap(report: Any) -> None:
    if report.schema.backup is not None:
        click.echo(
            f"Upgraded the schema {report.schema.before} → {report.schema.after}; "
            f"the store before the upgrade is in {report.schema.backup}"
        )
    if report.sample_imported:
        click.echo("Imported the sample article (France 24, 2017-07-22: Sessions and Kislyak).")
    if report.generated_admin_password:
        click.secho(
            f"Created user 'admin' with password: {report.generated_admin_password}\n"
            "  (shown only this once; change it on the Users page)",
            fg="yellow",
        )
    elif report.admin_created:
        click.echo("Created user 'admin' with the password from ANNOTATOR_ADMIN_PASSWORD.")


@cli.command("serve")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; 0.0.0.0 makes the app reachable from other machines.",
)
@click.option("--port", default=8501, show_default=True, type=int)
@click.option(
    "--processes",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Server processes on consecutive ports PORT, PORT+1, …, all on the same store; "
    "put a proxy with sticky sessions in front (README: Deploying for a team).",
)
@click.pass_context
@friendly_errors
def serve_command(ctx: click.Context, host: str, port: int, processes: int) -> None:
    """Start the web app (Streamlit) on the store; prepare an empty store first.

    On an empty database this imports the sample article and creates 'admin',
    printing its generated password once (or using ANNOTATOR_ADMIN_PASSWORD).
    Each process is one Python interpreter, so one process uses one CPU core at
    most: run about one per core for a team.

    \b
    Example:
        annotator serve
        annotator --db postgresql+psycopg://user@dbhost/annotator serve --port 8600
        annotator --db postgresql+psycopg://user@dbhost/annotator serve --processes 2
    """
    from annotator.io.bootstrap import prepare_database
    from annotator.ui.options import APP_OPTIONS, PRODUCTION_OPTIONS, command_line

    db_url = ctx.obj["db_url"]
    _print_bootstrap(prepare_database(_engine(ctx), admin_password=get_settings().admin_password))
    ports = list(range(port, port + processes))
    urls = ", ".join(f"http://{host}:{p}" for p in ports)
    click.echo(f"annotator on {urls} (store: {_safe_url(db_url)}); Ctrl+C stops it.")
    sys.stdout.flush()
    options = {
        **APP_OPTIONS,
        **PRODUCTION_OPTIONS,
        "server.address": host,
        "server.maxUploadSize": get_settings().max_upload_mb,
    }
    env = {**os.environ, "ANNOTATOR_DB_URL": db_url}
    commands = [
        [sys.executable, "-m", "annotator.ui.launch", *command_line({**options, "server.port": p})]
        for p in ports
    ]
    if processes == 1:
        # Replace this process, so that stopping or killing it stops the server too.
        os.execve(sys.executable, commands[0], env)
    sys.exit(_supervise(commands, env))


def _supervise(commands: list[list[str]], env: dict[str, str]) -> int:
    """Run the server processes until one stops or this one is told to stop; stop them all.

    A process that dies takes the others down with it (exit status of the first to stop),
    so that a supervisor such as systemd restarts the whole set instead of a proxy sending
    annotators to a dead port.
    """
    import signal
    import subprocess
    import time

    children = [subprocess.Popen(command, env=env) for command in commands]

    def stop(_signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    status = 0  # stopped when asked to (Ctrl+C, SIGTERM from systemd): a clean exit
    try:
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
        status = _set_down_status(next(c.returncode for c in children if c.returncode is not None))
    except KeyboardInterrupt:
        pass
    finally:
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
    return status


def _set_down_status(code: int) -> int:
    """Exit status when a server stopped on its own: never 0 (the set is down), and a server
    killed by a signal as the shell reports it (128 + signal)."""
    return 128 - code if code < 0 else code or 1


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@cli.command("import-articles")
@click.argument(
    "paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--sources",
    "sources_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="JSON or YAML list of {key, label, aliases} for plain-text and HTML articles.",
)
@click.option("--dry-run", is_flag=True, help="Show what would be imported; store nothing.")
@click.pass_context
@friendly_errors
def import_articles_command(
    ctx: click.Context, paths: tuple[Path, ...], sources_file: Path | None, dry_run: bool
) -> None:
    """Import articles (.txt, .html, .json, .jsonl) as sentences, all or nothing.

    Page furniture (navigation, "Read more", photo credits, dates) is dropped and
    listed so you can check it. The article id is the file name without its
    extension, or the "id" of a JSON record.

    \b
    Example:
        annotator import-articles france24.txt --sources sources.yaml
        annotator import-articles articles.jsonl
    """
    from annotator.io.articles import read_articles, read_sources_file
    from annotator.store.documents import add_articles

    sources = read_sources_file(sources_file) if sources_file else ()
    drafts = read_articles(list(paths), sources=sources)
    for draft in drafts:
        click.echo(
            f"{draft.id}: {len(draft.sentences)} sentences, {len(draft.sources)} sources — {draft.title}"
        )
        for block in draft.dropped:
            click.echo(f"  dropped ({block.reason}): {_one_line(block.text)}")
    if dry_run:
        click.echo("Dry run: nothing stored.")
        return
    with Session(_engine(ctx)) as session:
        stored = add_articles(session=session, drafts=drafts)
    skipped = len(drafts) - len(stored)
    click.echo(
        f"Stored {len(stored)} article(s)" + (f"; {skipped} already there, unchanged." if skipped else ".")
    )


def _one_line(text: str, width: int = 90) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


@cli.command("import-labels")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
@friendly_errors
def import_labels_command(ctx: click.Context, file: Path) -> None:
    """Import a labels JSONL file (an export, maybe from another machine), all or nothing.

    Missing documents, sentences, sources and annotators are created. A label that
    exists is replaced only by a newer record (updated_at), the old one kept in
    history; importing the same file twice changes nothing.

    \b
    Example:
        annotator import-labels exports/labels-20260101T120000Z.jsonl
    """
    from annotator.io.import_labels import import_labels_file

    report = import_labels_file(_engine(ctx), file)
    click.echo(
        f"{report.lines} records: {report.inserted} new, {report.updated} updated, "
        f"{report.unchanged} unchanged, {report.older_skipped} older than the stored label (kept stored)."
    )
    if report.documents_created:
        click.echo(f"Created documents: {', '.join(report.documents_created)}")
    if report.sources_added:
        click.echo(f"Added {report.sources_added} source(s) to article source lists (marked imported).")
    if report.users_created:
        click.echo(
            f"Created inactive annotators: {', '.join(report.users_created)} "
            "(set a password with 'annotator users password NAME' to let them log in)"
        )


@cli.command("export")
@click.option(
    "--what",
    type=click.Choice(["labels", "sentences", "documents", "gold"]),
    default="labels",
    show_default=True,
    help="Which records to write.",
)
@click.option("--document", "document_id", metavar="ID", help="Only this article.")
@click.option(
    "-o",
    "--output",
    metavar="FILE",
    help="Output file, '-' for stdout. Default: a timestamped file in exports/.",
)
@click.pass_context
@friendly_errors
def export_command(ctx: click.Context, what: str, document_id: str | None, output: str | None) -> None:
    """Export labels, sentences, documents or gold as JSONL (one JSON object per line).

    The file is written under a temporary name and renamed when complete, so an
    interrupted export never leaves a half file. Load it with
    pandas.read_json(path, lines=True).

    \b
    Example:
        annotator export --what labels -o labels.jsonl
        annotator export --what sentences --document france24-sessions-kislyak -o -
        annotator export --what gold -o gold.jsonl
    """
    from annotator.io.export import default_export_path, export_jsonl, stdout_binary

    engine = _engine(ctx)
    if output == "-":
        export_jsonl(engine, what=what, out=stdout_binary(), document_id=document_id)  # type: ignore[arg-type]
        return
    path = Path(output) if output else default_export_path(get_settings().exports_dir, what, document_id)
    result = export_jsonl(engine, what=what, out=path, document_id=document_id)  # type: ignore[arg-type]
    click.echo(f"Wrote {result.records} {what} records to {path}", err=True)


@cli.group("users")
def users_group() -> None:
    """Manage accounts: annotators, reviewers and admins."""


@users_group.command("add")
@click.argument("name")
@click.option(
    "--role", type=click.Choice(["annotator", "reviewer", "admin"]), default="annotator", show_default=True
)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.pass_context
@friendly_errors
def users_add(ctx: click.Context, name: str, role: str, password_stdin: bool) -> None:
    """Add a user. Without --password-stdin a password is generated and printed once.

    \b
    Example:
        annotator users add alice --role annotator
        echo 's3cret-pass' | annotator users add bob --role reviewer --password-stdin
    """
    from annotator.domain.passwords import generate_password
    from annotator.store.models import Role, UserCreate
    from annotator.store.users import create_user

    password = _read_password() if password_stdin else generate_password()
    with Session(_engine(ctx)) as session:
        create_user(session=session, user_in=UserCreate(name=name, role=Role(role), password=password))
    click.echo(f"Added {role} '{name}'.")
    if not password_stdin:
        click.secho(f"Password: {password}  (shown only this once)", fg="yellow")


@users_group.command("password")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the new password from standard input.")
@click.pass_context
@friendly_errors
def users_password(ctx: click.Context, name: str, password_stdin: bool) -> None:
    """Set a new password for NAME and activate the account.

    \b
    Example:
        annotator users password alice
    """
    from annotator.domain.errors import NotFoundError
    from annotator.domain.passwords import generate_password
    from annotator.store.users import get_user_by_name, set_active, set_password

    password = _read_password() if password_stdin else generate_password()
    with Session(_engine(ctx)) as session:
        user = get_user_by_name(session=session, name=name)
        if user is None or user.id is None:
            raise NotFoundError(f"no user {name!r}: 'annotator users list' shows the names")
        set_password(session=session, user_id=user.id, password=password)
        set_active(session=session, user_id=user.id, active=True)
    click.echo(f"New password set for '{name}'; the account is active.")
    if not password_stdin:
        click.secho(f"Password: {password}  (shown only this once)", fg="yellow")


def _read_password() -> str:
    return sys.stdin.readline().rstrip("\r\n")


@users_group.command("list")
@click.pass_context
@friendly_errors
def users_list(ctx: click.Context) -> None:
    """List users with their role and whether they can log in.

    \b
    Example:
        annotator users list
    """
    from annotator.store.users import list_users

    with Session(_engine(ctx)) as session:
        rows = list_users(session=session)
    if not rows:
        click.echo("No users yet: 'annotator users add NAME --role admin' adds one.")
    for user in rows:
        state = "active" if user.active else "inactive"
        click.echo(f"{user.name:<24} {user.role.value:<10} {state}")


@cli.command("documents")
@click.pass_context
@friendly_errors
def documents_command(ctx: click.Context) -> None:
    """List the articles with their sentence and source counts.

    \b
    Example:
        annotator documents
    """
    from annotator.store.documents import count_sentences, list_documents, list_sources

    with Session(_engine(ctx)) as session:
        for doc in list_documents(session=session):
            n = count_sentences(session=session, document_id=doc.id)
            s = len(list_sources(session=session, document_id=doc.id))
            click.echo(f"{doc.id}\t{n} sentences\t{s} sources\t{doc.title}")


@cli.group("db")
def db_group() -> None:
    """The store's schema: versions and upgrades (Alembic)."""


@db_group.command("upgrade")
@click.pass_context
@friendly_errors
def db_upgrade(ctx: click.Context) -> None:
    """Upgrade the store's schema to this version of annotator (SQLite: backup first).

    'annotator serve' does this by itself; run it yourself to upgrade a team's
    PostgreSQL store before starting several app servers.

    \b
    Example:
        annotator --db postgresql+psycopg://annotator@dbhost/annotator db upgrade
    """
    from annotator.store.engine import make_engine
    from annotator.store.migrate import prepare_schema

    report = prepare_schema(make_engine(ctx.obj["db_url"]))
    if report.created:
        click.echo(f"Created the schema at revision {report.after}.")
    elif report.before == report.after:
        click.echo(f"The schema is up to date (revision {report.after}).")
    else:
        click.echo(f"Upgraded the schema from revision {report.before} to {report.after}.")
    if report.backup is not None:
        click.echo(f"Backup of the store before the upgrade: {report.backup}")


@db_group.command("revision")
@click.pass_context
@friendly_errors
def db_revision(ctx: click.Context) -> None:
    """Print the store's schema revision and the newest one.

    \b
    Example:
        annotator db revision
    """
    from annotator.store.engine import make_engine
    from annotator.store.migrate import current_revision, head_revision

    click.echo(
        f"store: {current_revision(make_engine(ctx.obj['db_url'])) or 'none'}  newest: {head_revision()}"
    )


@cli.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
@friendly_errors
def backup_command(ctx: click.Context, file: Path) -> None:
    """Copy a SQLite store to FILE while it is in use (SQLite's online backup API).

    For PostgreSQL, the command says how to use pg_dump instead.

    \b
    Example:
        annotator backup backups/annotator-2026-11-27.db
    """
    from annotator.store.migrate import backup_sqlite

    click.echo(f"Backed up the store to {backup_sqlite(_engine(ctx), file)}")


@cli.command("agreement")
@click.option("--document", "document_id", metavar="ID", help="Only this article.")
@click.option(
    "--annotator",
    "annotators",
    metavar="NAME",
    multiple=True,
    help="Only these annotators (repeat the option).",
)
@click.option(
    "--bootstrap",
    default=1000,
    show_default=True,
    type=click.IntRange(min=0),
    help="Resamples for the 95% intervals of alpha and Fleiss' kappa (0: none).",
)
@click.option("--seed", default=1, show_default=True, type=int, help="Seed of the bootstrap.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of tables.")
@click.pass_context
@friendly_errors
def agreement_command(
    ctx: click.Context,
    document_id: str | None,
    annotators: tuple[str, ...],
    bootstrap: int,
    seed: int,
    as_json: bool,
) -> None:
    """Inter-annotator agreement on is_claim, source and confidence.

    Units are sentences; each annotator's current label is their value. Reports
    percent agreement, Krippendorff's alpha, Fleiss' kappa, Gwet's AC1, Cohen's
    kappa per pair (weighted for confidence), per-source agreement and the most
    disputed sentences.

    \b
    Example:
        annotator agreement
        annotator agreement --document france24-sessions-kislyak --json
    """
    from annotator.io.agreement import describe_disagreements, store_agreement
    from annotator.io.report_text import agreement_text

    engine = _engine(ctx)
    report = store_agreement(
        engine, document_id=document_id, annotators=annotators or None, bootstrap=bootstrap, seed=seed
    )
    if as_json:
        click.echo(orjson.dumps(report.to_dict(), option=orjson.OPT_INDENT_2).decode())
        return
    click.echo(agreement_text(report, describe_disagreements(engine, report, limit=10)))


@cli.group("gold")
def gold_group() -> None:
    """Settle labels into gold and see what is left to review."""


@gold_group.command("settle")
@click.option("--document", "document_id", metavar="ID", help="Only this article.")
@click.option(
    "--min-annotators",
    default=2,
    show_default=True,
    type=click.IntRange(min=1),
    help="Sentences with fewer labels wait for more annotators.",
)
@click.option(
    "--policy",
    type=click.Choice(["unanimous", "majority"]),
    default="majority",
    show_default=True,
    help="unanimous: everyone agrees; majority: more than half agree (a tie goes to review).",
)
@click.pass_context
@friendly_errors
def gold_settle(ctx: click.Context, document_id: str | None, min_annotators: int, policy: str) -> None:
    """Turn agreeing labels into gold with their provenance; the rest go to the review queue.

    Annotators agree on an answer: not a claim, or a claim and its source. The
    settled confidence is the lower median of the agreeing annotators'
    confidences. Existing gold is never changed.

    \b
    Example:
        annotator gold settle --policy unanimous --min-annotators 3
    """
    from annotator.store.gold import settle_gold

    with Session(_engine(ctx)) as session:
        report = settle_gold(
            session=session, document_id=document_id, min_annotators=min_annotators, policy=policy
        )  # type: ignore[arg-type]
    click.echo(f"Settled {report.settled}: {report.unanimous} unanimous, {report.majority} majority.")
    click.echo(
        f"{report.to_review} to review (no {policy} answer), {report.waiting} waiting for "
        f"{min_annotators}+ labels, {report.already_gold} already gold (unchanged)."
    )


@gold_group.command("status")
@click.option("--document", "document_id", metavar="ID", help="Only this article.")
@click.pass_context
@friendly_errors
def gold_status(ctx: click.Context, document_id: str | None) -> None:
    """Review progress and each annotator's agreement with gold.

    \b
    Example:
        annotator gold status
    """
    from annotator.io.agreement import store_gold_quality
    from annotator.store.gold import review_progress, review_queue

    engine = _engine(ctx)
    with Session(engine) as session:
        settled, labelled = review_progress(session=session, document_id=document_id)
        queue = review_queue(session=session, document_id=document_id)
    click.echo(f"Gold on {settled} of {labelled} labelled sentences; {len(queue)} in the review queue.")
    for name, quality in store_gold_quality(engine, document_id=document_id).items():
        kappa = "undefined" if quality.kappa.value is None else f"{quality.kappa.value:.3f}"
        accuracy = "undefined" if quality.accuracy.value is None else f"{quality.accuracy.value:.0%}"
        click.echo(f"  {name:<20} kappa vs gold {kappa:>9}  accuracy {accuracy:>5}  on {quality.units}")


def main() -> None:
    cli(prog_name="annotator", auto_envvar_prefix=None)


if __name__ == "__main__":
    main()
