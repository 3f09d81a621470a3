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


def command_line(options: dict[str, bool | str | int]) -> list[str]:
    """``--name value`` pairs for ``streamlit run``."""
    args: list[str] = []
    for name, value in options.items():
        args += [f"--{name}", str(value).lower() if isinstance(value, bool) else str(value)]
    return args
