"""The ``annotator`` command: thin glue over the library, one command per task."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click
import orjson
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from annotator.domain.errors import AnnotatorError
from annotator.domain.names import printable
from annotator.exchange.formats import FORMATS
from annotator.settings import get_settings

F = TypeVar("F", bound=Callable[..., Any])


def friendly_errors(command: F) -> F:
    """Turn library errors into one-line messages and a non-zero exit, without a traceback."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from annotator.store.engine import store_error

        try:
            result = command(*args, **kwargs)
        except AnnotatorError as error:
            raise click.ClickException(_safe(str(error))) from None
        except OperationalError as error:
            friendly = store_error(error)
            if friendly is None:
                raise
            raise click.ClickException(str(friendly)) from None
        _say_if_the_store_is_new()
        return result

    return wrapper  # type: ignore[return-value]


def _say_if_the_store_is_new() -> None:
    """After a command that created an empty store by itself (not init or serve): it has no admin."""
    ctx = click.get_current_context(silent=True)
    if ctx is not None and ctx.ensure_object(dict).pop("created_empty_store", False):
        echo(
            f"Created a new store ({_safe_url(ctx.obj['db_url'])}); it has no admin account: "
            "'annotator init' adds one and the sample article.",
            err=True,
        )


def echo(text: str, *, err: bool = False) -> None:
    """Print, with the escape codes and invisible characters of stored strings (ids, titles,
    names) shown as escapes: they must not drive the operator's terminal."""
    click.echo(_safe(text), err=err)


def _safe(text: str) -> str:
    return "\n".join(printable(line) for line in text.split("\n"))


def _json_text(value: Any) -> str:
    """Indented JSON whose strings hold no character a terminal would obey (orjson escapes only
    C0 controls; C1 controls and bidi marks are written as \\u escapes here)."""
    text = orjson.dumps(value, option=orjson.OPT_INDENT_2).decode()
    return "".join(ch if ch == "\n" or printable(ch) == ch else _json_escape(ch) for ch in text)


def _json_escape(char: str) -> str:
    code = ord(char)
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def _engine(ctx: click.Context, *, prepares_store: bool = False) -> Engine:
    """The store named by --db or ANNOTATOR_DB_URL, with its tables created.

    ``prepares_store``: the command (init, serve) adds the admin itself; other commands say
    when they have just created an empty store, which has no admin account.
    """
    from annotator.store.engine import make_engine
    from annotator.store.migrate import prepare_schema

    obj = ctx.ensure_object(dict)
    if "engine" not in obj:
        engine = make_engine(obj["db_url"])
        report = prepare_schema(engine)
        if report.backup is not None:
            echo(f"Upgraded the schema {report.before} → {report.after}; backup in {report.backup}", err=True)
        obj["created_empty_store"] = report.created and not prepares_store
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
    from annotator.exchange.first_run import prepare_database

    report = prepare_database(_engine(ctx, prepares_store=True), admin_password=get_settings().admin_password)
    _print_bootstrap(report, ctx.obj["db_url"])


def _print_bootstrap(report: Any, db_url: str) -> None:
    if report.schema.backup is not None:
        echo(
            f"Upgraded the schema {report.schema.before} → {report.schema.after}; "
            f"the store before the upgrade is in {report.schema.backup}"
        )
    if report.sample_imported:
        echo("Imported the sample article (France 24, 2017-07-22: Sessions and Kislyak).")
    if report.generated_admin_password:
        path = _write_admin_password(report.generated_admin_password, db_url)
        click.secho(
            f"Created user 'admin'. Its password is in {path} (readable by you only, never printed,\n"
            "  so that it stays out of service logs): log in, change it on the Users page, delete the file.",
            fg="yellow",
            err=True,
        )
    elif report.admin_created:
        echo("Created user 'admin' with the password from ANNOTATOR_ADMIN_PASSWORD.")
    if report.admin_password_ignored:
        echo(
            "ANNOTATOR_ADMIN_PASSWORD is set but was not used: the store has accounts already "
            "('annotator users password NAME' sets a password).",
            err=True,
        )


def _write_admin_password(password: str, db_url: str) -> Path:
    """The generated admin password, in a file only its owner can read: beside a SQLite store,
    else in the working folder."""
    from sqlalchemy.engine import make_url

    url = make_url(db_url)
    database = url.database if url.get_backend_name() == "sqlite" else None
    in_memory = not database or database == ":memory:"
    path = Path("admin-password") if in_memory else Path(f"{database}.admin-password")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as stream:
        os.fchmod(stream.fileno(), 0o600)  # a file that existed keeps its mode otherwise
        stream.write(password + "\n")
    return path


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
    from annotator.exchange.first_run import prepare_database
    from annotator.ui.options import APP_OPTIONS, PRODUCTION_ENVIRONMENT, PRODUCTION_OPTIONS, command_line

    db_url = ctx.obj["db_url"]
    report = prepare_database(_engine(ctx, prepares_store=True), admin_password=get_settings().admin_password)
    _print_bootstrap(report, db_url)
    ports = list(range(port, port + processes))
    urls = ", ".join(f"http://{host}:{p}" for p in ports)
    echo(f"annotator on {urls} (store: {_safe_url(db_url)}); Ctrl+C stops it.")
    sys.stdout.flush()
    options = {
        **APP_OPTIONS,
        **PRODUCTION_OPTIONS,
        "server.address": host,
        "server.maxUploadSize": get_settings().max_upload_mb,
    }
    # annotator.ui.launch loads and freezes the pages' modules, adds the security headers of
    # every response, then runs Streamlit.
    # glibc reads MALLOC_ARENA_MAX as the process starts: it is set for the server process here.
    env = {**PRODUCTION_ENVIRONMENT, **os.environ, "ANNOTATOR_DB_URL": db_url}
    commands = [
        [sys.executable, "-m", "annotator.ui.launch", *command_line({**options, "server.port": p})]
        for p in ports
    ]
    if processes == 1:
        # Replace this process, so that stopping or killing it stops the server too.
        os.execve(sys.executable, commands[0], env)
    else:
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


@contextmanager
def progress_bar(label: str, length: int | None) -> Iterator[Callable[[int], None]]:
    """A progress callback (work done so far, of ``length``) that draws a bar on stderr when
    stderr is a terminal, and does nothing otherwise (a pipe or a log gets no bar lines).

    >>> with progress_bar("Exporting", 10) as advance:
    ...     advance(5)
    """
    if length is None or not sys.stderr.isatty():
        yield lambda done: None
        return
    with click.progressbar(length=max(length, 1), label=label, file=sys.stderr) as bar:

        def advance(done: int) -> None:
            bar.update(done - bar.pos)

        yield advance


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
@click.option(
    "--no-suggested-sources",
    is_flag=True,
    help="Leave articles that come without sources with an empty list (default: propose one from the text).",
)
@click.pass_context
@friendly_errors
def import_articles_command(
    ctx: click.Context,
    paths: tuple[Path, ...],
    sources_file: Path | None,
    dry_run: bool,
    no_suggested_sources: bool,
) -> None:
    """Import articles (.txt, .html, .json, .jsonl) as sentences, all or nothing.

    Page furniture (navigation, "Read more", photo credits, dates) is dropped and
    listed so you can check it. The article id is the file name without its
    extension, or the "id" of a JSON record. An article that comes without sources
    gets a source list proposed from its text (origin "suggested"), for the lead to
    review on Articles & sources.

    \b
    Example:
        annotator import-articles france24.txt --sources sources.yaml
        annotator import-articles articles.jsonl
        annotator import-articles plain.txt --no-suggested-sources
    """
    from annotator.exchange.articles import read_articles, read_sources_file
    from annotator.exchange.suggest import with_suggested_sources
    from annotator.store.documents import add_articles

    sources = read_sources_file(sources_file) if sources_file else ()
    with progress_bar("Reading articles", len(paths)) as advance:
        drafts = read_articles(list(paths), sources=sources, on_progress=advance)
    suggested: frozenset[str] = frozenset()
    if not no_suggested_sources:
        drafts, suggested = with_suggested_sources(drafts)
    for draft in drafts:
        how = " (suggested from the text)" if draft.id in suggested else ""
        echo(
            f"{draft.id}: {len(draft.sentences)} sentences, {len(draft.sources)} sources{how} — {draft.title}"
        )
        for block in draft.dropped:
            echo(f"  dropped ({block.reason}): {_one_line(block.text)}")
    if dry_run:
        echo("Dry run: nothing stored.")
        return
    with Session(_engine(ctx)) as session:
        stored = add_articles(session=session, drafts=drafts, suggested_sources=suggested)
    skipped = len(drafts) - len(stored)
    echo(f"Stored {len(stored)} article(s)" + (f"; {skipped} already there, unchanged." if skipped else "."))


def _one_line(text: str, width: int = 90) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


@cli.command("import-labels")
@click.argument("file", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--format",
    "file_format",
    type=click.Choice(FORMATS),
    default="jsonl",
    show_default=True,
    help="jsonl: our labels export; brat: a directory of .txt/.ann files (PolNeAR layout too); "
    "labelstudio: a JSON list of tasks; prodigy: Prodigy-style JSONL. See README, Exchange formats.",
)
@click.pass_context
@friendly_errors
def import_labels_command(ctx: click.Context, file: Path, file_format: str) -> None:
    """Import labels (an export, maybe from another machine or another tool), all or nothing.

    Missing documents, sentences, sources and annotators are created. A label that
    exists is replaced only by a newer record (updated_at), the old one kept in
    history; importing the same file twice changes nothing. brat and Label Studio
    files bring the articles' text too; their spans become sentence labels by the
    rule in the README (Exchange formats).

    \b
    Example:
        annotator import-labels exports/labels-20260101T120000Z.jsonl
        annotator import-labels --format brat PolNeAR/data/dev
        annotator import-labels --format labelstudio project-3-at-2026-11-30.json
        annotator import-labels --format prodigy attribution.jsonl
    """
    from annotator.exchange.formats import import_format
    from annotator.exchange.import_labels import import_labels_file

    if file.is_dir() and file_format != "brat":
        raise click.UsageError(f"{file} is a directory: only --format brat reads a directory")
    if file_format == "jsonl":
        with progress_bar("Importing labels", file.stat().st_size) as advance:
            report = import_labels_file(_engine(ctx), file, on_progress=advance)
    else:
        report = import_format(_engine(ctx), file, format=file_format)  # type: ignore[arg-type]
    echo(
        f"{report.lines} records: {report.inserted} new, {report.updated} updated, "
        f"{report.unchanged} unchanged, {report.older_skipped} older than the stored label (kept stored)."
    )
    if report.documents_created:
        echo(f"Created documents: {', '.join(report.documents_created)}")
    if report.sources_added:
        echo(f"Added {report.sources_added} source(s) to article source lists (marked imported).")
    if report.users_created:
        echo(
            f"Created inactive annotators: {', '.join(report.users_created)} "
            "(set a password with 'annotator users password NAME' to let them log in)"
        )


@cli.command("export")
@click.option(
    "--what",
    type=click.Choice(["labels", "sentences", "documents", "gold", "suggestions"]),
    default="labels",
    show_default=True,
    help="Which records to write.",
)
@click.option("--document", "document_id", metavar="ID", help="Only this article.")
@click.option(
    "--annotator",
    "annotators",
    multiple=True,
    metavar="NAME",
    help="Only this annotator's labels (repeat for several; --what labels only).",
)
@click.option(
    "-o",
    "--output",
    metavar="FILE",
    help="Output file, '-' for stdout (brat: a new directory). Default: a timestamped name in exports/.",
)
@click.option(
    "--format",
    "file_format",
    type=click.Choice(FORMATS),
    default="jsonl",
    show_default=True,
    help="jsonl, or labels for another tool: brat (a directory), labelstudio (JSON tasks, "
    "with suggestions as predictions), prodigy (JSONL). The others need --what labels.",
)
@click.pass_context
@friendly_errors
def export_command(
    ctx: click.Context,
    what: str,
    document_id: str | None,
    annotators: tuple[str, ...],
    output: str | None,
    file_format: str,
) -> None:
    """Export labels, sentences, documents, gold or suggestions as JSONL (one JSON object per line),
    or labels as brat, Label Studio or Prodigy files.

    The file is written under a temporary name and renamed when complete, so an
    interrupted export never leaves a half file. Load it with
    pandas.read_json(path, lines=True) or datasets.load_dataset("json", data_files=path).

    \b
    Example:
        annotator export --what labels -o labels.jsonl
        annotator export --what labels --document harbour-fire --annotator ana --annotator ben
        annotator export --what sentences --document france24-sessions-kislyak -o -
        annotator export --what gold -o gold.jsonl
        annotator export --what suggestions --document france24-sessions-kislyak -o suggestions.jsonl
        annotator export --format brat -o brat-out
        annotator export --format labelstudio -o tasks.json
        annotator export --format prodigy --annotator ana -o ana.jsonl
    """
    from annotator.exchange.export import export_file_name, export_jsonl, stdout_binary
    from annotator.store.export_counts import count_export_rows

    if annotators and what != "labels":
        raise click.UsageError("--annotator narrows labels only: use it with --what labels")
    engine = _engine(ctx)
    chosen = annotators or None
    if file_format != "jsonl":
        _export_format(engine, file_format, what, document_id, chosen, output)
        return
    if output == "-":
        export_jsonl(engine, what=what, out=stdout_binary(), document_id=document_id, annotators=chosen)  # type: ignore[arg-type]
        return
    at = datetime.now(UTC)
    path = Path(
        output
        or get_settings().exports_dir
        / export_file_name(what, document_id=document_id, annotators=chosen, at=at)
    )
    with Session(engine) as session:
        rows = count_export_rows(session=session, what=what, document_id=document_id, annotators=chosen)
    with progress_bar(f"Exporting {what}", rows) as advance:
        result = export_jsonl(
            engine,
            what=what,  # type: ignore[arg-type]
            out=path,
            document_id=document_id,
            annotators=chosen,
            on_progress=advance,
        )
    echo(f"Wrote {result.records} {what} records to {path}", err=True)


def _export_format(
    engine: Engine,
    file_format: str,
    what: str,
    document_id: str | None,
    annotators: tuple[str, ...] | None,
    output: str | None,
) -> None:
    """Labels as brat, Label Studio or Prodigy files."""
    from annotator.exchange.export import atomic_writer, export_file_name, stdout_binary
    from annotator.exchange.formats import SUFFIXES, export_stream
    from annotator.exchange.formats.brat import export_brat

    if what != "labels":
        raise click.UsageError(f"--format {file_format} writes labels: use it with --what labels")
    if document_id is not None:
        from annotator.store.documents import require_document

        with Session(engine) as session:
            require_document(session=session, document_id=document_id)
    if file_format == "brat" and output == "-":
        raise click.UsageError("brat writes a directory: give -o DIR")
    if output == "-":
        export_stream(
            engine, stdout_binary(), format=file_format, document_id=document_id, annotators=annotators
        )  # type: ignore[arg-type]
        return
    if output is None:
        name = export_file_name(
            f"{file_format}-labels", document_id=document_id, annotators=annotators, at=datetime.now(UTC)
        )
        output = str(get_settings().exports_dir / (name.removesuffix(".jsonl") + SUFFIXES[file_format]))  # type: ignore[index]
    path = Path(output)
    if file_format == "brat":
        count = export_brat(engine, path, document_id=document_id, annotators=annotators)
        echo(f"Wrote {count} .ann files (one per article and annotator) to {path}", err=True)
        return
    with atomic_writer(path) as stream:
        count = export_stream(
            engine, stream, format=file_format, document_id=document_id, annotators=annotators
        )  # type: ignore[arg-type]
    unit = (
        "tasks (one per article)"
        if file_format == "labelstudio"
        else "lines (one per sentence and annotator)"
    )
    echo(f"Wrote {count} {file_format} {unit} to {path}", err=True)


@cli.group("suggest", invoke_without_command=True)
@click.option(
    "--document",
    "document_ids",
    metavar="ID",
    multiple=True,
    help="Only these articles (repeat the option). Default: every article without current suggestions.",
)
@click.pass_context
@friendly_errors
def suggest_group(ctx: click.Context, document_ids: tuple[str, ...]) -> None:
    """Compute and store each sentence's suggested label with its evidence.

    Suggestions come from the attribution rules, or from the newest model learnt with
    'annotator suggest train'. They are never labels: annotators confirm or override
    them. Articles whose sentences, sources or model changed are recomputed.

    \b
    Example:
        annotator suggest
        annotator suggest --document france24-sessions-kislyak
        annotator suggest evaluate --against gold
        annotator suggest train --from labels
    """
    ctx.ensure_object(dict)["suggest_documents"] = document_ids
    if ctx.invoked_subcommand is not None:
        return
    from annotator.exchange.suggest import suggest_documents

    bar: Any = None
    if sys.stderr.isatty():
        bar = click.progressbar(length=1, label="Suggesting", file=sys.stderr)

    def progress(done: int, total: int) -> None:
        if bar is not None:
            bar.length = max(total, 1)
            bar.update(done - bar.pos)

    report = suggest_documents(_engine(ctx), document_ids=list(document_ids), on_progress=progress)
    if bar is not None:
        bar.render_finish()
    if report.warning:
        click.secho(f"Warning: {report.warning}", fg="yellow", err=True)
    echo(
        f"Suggested labels for {report.sentences} sentences in {report.documents} article(s) "
        f"with {report.model}."
    )


@suggest_group.command("evaluate")
@click.option("--document", "document_id", metavar="ID", help="Only this article.")
@click.option(
    "--against",
    default="gold",
    show_default=True,
    metavar="gold|labels|FILE",
    help="Settled gold, each annotator's labels, or a labels/gold JSONL file.",
)
@click.option("--bootstrap", default=1000, show_default=True, type=click.IntRange(0), help="Resamples.")
@click.option("--seed", default=1, show_default=True, type=int, help="Seed of the bootstrap.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of tables.")
@click.pass_context
@friendly_errors
def suggest_evaluate_command(
    ctx: click.Context, document_id: str | None, against: str, bootstrap: int, seed: int, as_json: bool
) -> None:
    """How the suggestions compare with gold, with each annotator, or with a labels file.

    Accuracy and Cohen's kappa for is_claim and for the source (with 95 % bootstrap
    intervals over sentences), cue and source-mention spans (exact match and
    character-overlap F1, when the reference has spans) and accuracy per source.

    \b
    Example:
        annotator suggest evaluate --against gold
        annotator suggest evaluate --against labels --json
        annotator suggest evaluate --against exports/labels.jsonl --document france24-sessions-kislyak
    """
    from annotator.exchange.suggest import evaluate_stored, evaluation_text

    reference: Any = against if against in ("gold", "labels") else Path(against)
    if isinstance(reference, Path) and not reference.is_file():
        raise click.BadParameter(f"{against!r} is neither gold, labels nor a file", param_hint="--against")
    result = evaluate_stored(
        _engine(ctx), against=reference, document_id=document_id, resamples=bootstrap, seed=seed
    )
    if as_json:
        echo(_json_text({name: s.to_json() for name, s in result.scores.items()}))
        return
    echo(evaluation_text(result))


@suggest_group.command("audit")
@click.option(
    "--share",
    type=click.FloatRange(0.0, 1.0),
    help="Set the share of sentences each annotator sees without a suggestion (default 0.1).",
)
@click.option("--document", "document_id", metavar="ID", help="Only this article.")
@click.pass_context
@friendly_errors
def suggest_audit_command(ctx: click.Context, share: float | None, document_id: str | None) -> None:
    """The anchoring audit: do annotators agree with suggestions more when they see them?

    A share of sentences, drawn per annotator, is shown without its suggestion; every
    saved label records whether it was shown and whether the label equals it. This
    prints how often labels equal the suggestion when shown and when hidden, their
    difference, and each annotator's acceptance rate, with 95 % intervals.

    \b
    Example:
        annotator suggest audit
        annotator suggest audit --share 0.2
    """
    from annotator.exchange.suggest import anchoring, anchoring_text, set_audit_share

    engine = _engine(ctx)
    if share is not None:
        set_audit_share(engine, share)
    echo(anchoring_text(*anchoring(engine, document_id=document_id)))


@suggest_group.command("train")
@click.option(
    "--from",
    "learn_from",
    type=click.Choice(["labels", "gold"]),
    default="labels",
    show_default=True,
    help="Learn from every annotator's labels, or from settled gold.",
)
@click.option("--folds", default=3, show_default=True, type=click.IntRange(2), help="Cross-validation folds.")
@click.pass_context
@friendly_errors
def suggest_train_command(ctx: click.Context, learn_from: str, folds: int) -> None:
    """Learn a suggestion model from the team's labels and store it as the newest model.

    A logistic regression over features of each sentence, its neighbours and the
    rules' answer. Agreement is cross-validated by article (the model is scored only
    on articles it did not learn from), next to the rules alone on the same
    sentences. The model is stored in the database as data (feature names and
    coefficients), so every app server uses it; run 'annotator suggest' afterwards.

    \b
    Example:
        annotator suggest train --from labels
        annotator suggest train --from gold && annotator suggest
    """
    from annotator.exchange.suggest import train_from_store

    report = train_from_store(_engine(ctx), learn_from=learn_from, folds=folds)  # type: ignore[arg-type]
    result = report.result
    echo(
        f"Learnt {report.model} from {result.labels} label(s) "
        f"on {result.sentences} sentence(s) ({learn_from})."
    )
    if result.folds:
        echo(f"Cross-validated agreement with those labels ({result.folds} folds by article):")
        for name, agreement in (("model", result.model), ("rules alone", result.rules)):
            kappa = agreement.kappa.value
            accuracy = agreement.accuracy
            echo(
                f"  {name:12} accuracy {accuracy:.3f}  kappa "
                + (f"{kappa:.3f}" if kappa is not None else str(agreement.kappa.reason))
                if accuracy is not None
                else f"  {name:12} {agreement.kappa.reason}"
            )
    else:
        echo("No cross-validation: the labels cover fewer than two articles.")


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
    echo(f"Added {role} '{name}'.")
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
    echo(f"New password set for '{name}'; the account is active.")
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
        echo("No users yet: 'annotator users add NAME --role admin' adds one.")
    for user in rows:
        state = "active" if user.active else "inactive"
        echo(f"{user.name:<24} {user.role.value:<10} {state}")


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
            echo(f"{doc.id}\t{n} sentences\t{s} sources\t{doc.title}")


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
        echo(f"Created the schema at revision {report.after}.")
    elif report.before == report.after:
        echo(f"The schema is up to date (revision {report.after}).")
    else:
        echo(f"Upgraded the schema from revision {report.before} to {report.after}.")
    if report.backup is not None:
        echo(f"Backup of the store before the upgrade: {report.backup}")


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

    echo(f"store: {current_revision(make_engine(ctx.obj['db_url'])) or 'none'}  newest: {head_revision()}")


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

    echo(f"Backed up the store to {backup_sqlite(_engine(ctx), file)}")


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
@click.option(
    "--categories",
    type=click.Choice(["observed", "offered"]),
    default="observed",
    show_default=True,
    help="What Gwet's AC1 counts as a field's categories: those used in the labels (as Gwet's "
    "published figures), or all offered to annotators (article sources, specials, not a claim).",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of tables.")
@click.pass_context
@friendly_errors
def agreement_command(
    ctx: click.Context,
    document_id: str | None,
    annotators: tuple[str, ...],
    bootstrap: int,
    seed: int,
    categories: str,
    as_json: bool,
) -> None:
    """Inter-annotator agreement on is_claim, source, confidence and the evidence.

    Units are sentences; each annotator's current label is their value. Reports
    percent agreement, Krippendorff's alpha, Fleiss' kappa, Gwet's AC1, Cohen's
    kappa per pair (weighted for confidence), per-source agreement and the most
    disputed sentences; for the source mention and the cue, token-level F1 between
    annotators; for via, exact agreement among labels with the same source. Draws a
    progress bar on stderr when it is a terminal.

    \b
    Example:
        annotator agreement
        annotator agreement --document france24-sessions-kislyak --json
        annotator agreement --categories offered
    """
    from annotator.reports.agreement import describe_disagreements, store_agreement
    from annotator.reports.report_text import agreement_text

    engine = _engine(ctx)
    # Quiet unless a person watches stderr: pipes and logs get the report only.
    bar: Any = None
    if sys.stderr.isatty():
        bar = click.progressbar(length=1, label="Computing agreement", file=sys.stderr)

    def progress(done: int, total: int) -> None:
        if bar is not None:
            bar.length = total
            bar.update(done - bar.pos)

    report = store_agreement(
        engine,
        document_id=document_id,
        annotators=annotators or None,
        bootstrap=bootstrap,
        seed=seed,
        categories=categories,  # type: ignore[arg-type]
        on_progress=progress,
    )
    if bar is not None:
        bar.render_finish()
    if as_json:
        click.echo(_json_text(report.to_dict()))
        return
    echo(agreement_text(report, describe_disagreements(engine, report, limit=10)))


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
    echo(f"Settled {report.settled}: {report.unanimous} unanimous, {report.majority} majority.")
    echo(
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
    from annotator.reports.agreement import store_gold_quality
    from annotator.store.gold import review_progress, review_queue

    engine = _engine(ctx)
    with Session(engine) as session:
        settled, labelled = review_progress(session=session, document_id=document_id)
        queue = review_queue(session=session, document_id=document_id)
    echo(f"Gold on {settled} of {labelled} labelled sentences; {len(queue)} in the review queue.")
    for name, quality in store_gold_quality(engine, document_id=document_id).items():
        kappa = "undefined" if quality.kappa.value is None else f"{quality.kappa.value:.3f}"
        accuracy = "undefined" if quality.accuracy.value is None else f"{quality.accuracy.value:.0%}"
        echo(f"  {name:<20} kappa vs gold {kappa:>9}  accuracy {accuracy:>5}  on {quality.units}")


@cli.command("assign")
@click.argument("articles", nargs=-1, metavar="ARTICLE...")
@click.option("--to", "annotators", multiple=True, metavar="NAME", help="An annotator (repeat for several).")
@click.option("--list", "show", is_flag=True, help="List every assignment with its progress.")
@click.pass_context
@friendly_errors
def assign_command(
    ctx: click.Context, articles: tuple[str, ...], annotators: tuple[str, ...], show: bool
) -> None:
    """Assign articles to annotators: their work queue (and J) serves these first.

    Every article goes to every annotator named; assigning twice is harmless.

    \b
    Example:
        annotator assign harbour-fire council-vote --to ana --to ben
        annotator assign --list
    """
    from annotator.store.assignments import assign_articles, assignment_progress

    if not show and not (articles and annotators):
        raise click.UsageError("name one or more articles and at least one --to NAME, or use --list")
    with Session(_engine(ctx)) as session:
        if articles:
            new = assign_articles(session=session, document_ids=articles, annotators=annotators)
            echo(f"{new} new assignment(s); {len(set(articles)) * len(set(annotators)) - new} already there.")
        if show:
            for row in assignment_progress(session=session):
                echo(
                    f"{row.document_id}\t{row.annotator}\t{row.labelled}/{row.sentences} labelled"
                    f"\tassigned {row.assigned_at:%Y-%m-%d %H:%M}Z"
                )


def main() -> None:
    cli(prog_name="annotator", auto_envvar_prefix=None)


if __name__ == "__main__":
    main()
