"""``streamlit run`` with response headers Streamlit has no option for; ``annotator serve`` runs
this module instead of ``python -m streamlit``.

- ``Referrer-Policy: no-referrer``: the login token is in the page's URL (``?s=``); a link
  followed from the page must not hand it to another site in the Referer header.
- ``X-Frame-Options: SAMEORIGIN``: no other site may show the app in a frame and trick a
  logged-in user into clicking (clickjacking); Streamlit's own frames are same-origin.
- ``X-Content-Type-Options: nosniff``: served files are never guessed into HTML.

Streamlit (1.67) serves with Starlette and builds its middleware list in
``create_streamlit_middleware``; one more middleware goes in front of it. That function is not
public API: tests/test_hardening.py checks the headers on a real server, so an upgrade that
moves it fails there, loudly.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

SECURITY_HEADERS = {
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "SAMEORIGIN",
    "X-Content-Type-Options": "nosniff",
}
_RAW_HEADERS = [(name.lower().encode(), value.encode()) for name, value in SECURITY_HEADERS.items()]

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class SecurityHeadersMiddleware:
    """ASGI middleware: every HTTP response carries ``SECURITY_HEADERS``."""

    def __init__(self, app: Callable[[Message, Receive, Send], Awaitable[None]]) -> None:
        self.app = app

    async def __call__(self, scope: Message, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                taken = {name for name, _ in message.get("headers", [])}
                message["headers"] = [
                    *message.get("headers", []),
                    *((n, v) for n, v in _RAW_HEADERS if n not in taken),
                ]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def add_security_headers() -> None:
    """Put ``SecurityHeadersMiddleware`` first in the middleware of every app this process serves."""
    from starlette.middleware import Middleware
    from streamlit.web.server.starlette import starlette_app

    streamlit_middleware = starlette_app.create_streamlit_middleware

    def with_security_headers() -> list[Middleware]:
        return [Middleware(SecurityHeadersMiddleware), *streamlit_middleware()]

    starlette_app.create_streamlit_middleware = with_security_headers


if __name__ == "__main__":
    from streamlit.web.cli import main

    add_security_headers()
    # prog_name as `python -m streamlit` sets it: Streamlit reads its own command line.
    main(prog_name="streamlit")
