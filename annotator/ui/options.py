"""The Streamlit options the app runs with; ``annotator serve`` passes them on the command line.

Kept free of Streamlit imports so that the CLI can read them without loading the UI.
"""

from __future__ import annotations

APP_OPTIONS: dict[str, bool | str] = {
    "server.headless": True,
    "browser.gatherUsageStats": False,
    # Annotators are not developers: no Deploy/Rerun/Clear-cache menu.
    "client.toolbarMode": "minimal",
    "server.enableXsrfProtection": True,
    # No page writes anything by "magic" (a bare expression); without it a page script is
    # compiled as it is, with no AST rewrite each time it is (re)loaded.
    "runner.magicEnabled": False,
}

# What a server for a team needs on top: each option is measured by tests/bench/bench_capacity.py
# against APP_OPTIONS alone on a real `annotator serve` (issue 15).
PRODUCTION_OPTIONS: dict[str, bool | str] = {
    # Streamlit runs a full gc.collect() after every script run, i.e. after every key press.
    # With pandas, SQLAlchemy and Altair loaded it walks the whole heap: about 90 ms of CPU per
    # saved label, which made one server hold 5 annotators at human pace. Python's own
    # generational collector still runs; `annotator.ui.launch` freezes the modules loaded at
    # start-up so that its full collections do not rescan them either.
    "runner.postScriptGC": False,
    # The polling watcher stats every file of the app (and its imports) in a thread, forever;
    # a deployed server never sees its own source change.
    "server.fileWatcherType": "none",
    # Nothing to rerun on save when nothing is watched; said explicitly so that a user's
    # .streamlit/config.toml cannot turn it back on for a production server.
    "server.runOnSave": False,
}


# The environment of each server process (a value the user set in their own environment wins).
PRODUCTION_ENVIRONMENT: dict[str, str] = {
    # glibc gives threads that allocate at the same time malloc arenas of their own, up to
    # eight per core, and never gives an arena's fragmented middle back to the system. Streamlit
    # runs every script run in a new thread, so over hours every arena fills and fragments: the
    # 2-hour soak (tests/bench/soak.py) grew by about 1 MiB a minute, most of it in those arenas,
    # while the Python heap stayed flat. With two, a 16-minute soak's RSS slope fell from +211
    # to +70 MiB/h at the same CPU per label: the threads allocate while holding the GIL, so
    # they hardly ever wait on each other for an arena.
    "MALLOC_ARENA_MAX": "2",
}


def command_line(options: dict[str, bool | str | int]) -> list[str]:
    """``--name value`` pairs for ``streamlit run``."""
    args: list[str] = []
    for name, value in options.items():
        args += [f"--{name}", str(value).lower() if isinstance(value, bool) else str(value)]
    return args
