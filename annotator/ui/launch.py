"""How ``annotator serve`` starts Streamlit: load what the pages use, freeze it, then serve.

Run as ``python -m annotator.ui.launch [streamlit run options]``. Page scripts are executed on
each run, not imported, so the modules they use (pandas, Altair, SQLAlchemy, the store) would
otherwise load on the first visitor's run. Loading them here, before the server starts, and
then calling ``gc.freeze()`` moves those long-lived objects out of the garbage collector's
reach: its full collections, which `runner.postScriptGC` used to force after every key press
(see ``options.PRODUCTION_OPTIONS``), then only scan what the sessions themselves created.
"""

from __future__ import annotations

import atexit
import gc
import importlib
import os
import pkgutil
import signal
import sys
from pathlib import Path

import annotator.ui

APP = Path(__file__).with_name("app.py")
# Scripts (run by Streamlit, never imported) and this launcher itself.
NOT_PRELOADED = frozenset({"app", "app_pages", "launch", "server"})
# Set to a file name, the server profiles itself (CPU time, every thread: the script runs in
# one, the event loop serialises and sends in another) and writes a pstats file there when it
# stops; SIGUSR1 starts the profile afresh (tests/bench/wsload.py sends it when its measured
# window opens, so that start-up and logins stay out). For measuring only: it needs
# ``pip install yappi`` and slows every call.
PROFILE_ENV = "ANNOTATOR_PROFILE"


def preload_page_modules() -> list[str]:
    """Import the UI's modules (and, through them, everything the pages use); their names."""
    names = [
        f"annotator.ui.{module.name}"
        for module in pkgutil.iter_modules(annotator.ui.__path__)
        if module.name not in NOT_PRELOADED
    ]
    for name in [*names, "pandas", "altair"]:
        importlib.import_module(name)
    return names


def profile_until_exit(path: str) -> None:
    """Profile every thread from now on; write the pstats file ``path`` at exit."""
    try:
        import yappi  # type: ignore[import-not-found]
    except ImportError as error:
        raise SystemExit(f"{PROFILE_ENV} is set: profiling needs yappi (pip install yappi)") from error

    def save() -> None:
        yappi.stop()
        yappi.get_func_stats().save(path, type="pstat")

    yappi.set_clock_type("cpu")
    yappi.start()
    signal.signal(signal.SIGUSR1, lambda _signum, _frame: yappi.clear_stats())
    atexit.register(save)


def main() -> None:
    if profile := os.environ.get(PROFILE_ENV):
        profile_until_exit(profile)
    preload_page_modules()
    gc.collect()
    gc.freeze()
    from streamlit.web import cli as streamlit_cli

    from annotator.ui.server import add_save_route, add_security_headers

    add_security_headers()
    add_save_route()
    sys.argv = ["streamlit", "run", str(APP), *sys.argv[1:]]
    streamlit_cli.main()


if __name__ == "__main__":
    main()
