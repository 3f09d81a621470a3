"""What ``annotator serve`` adds to Streamlit's Starlette server: response headers Streamlit has
no option for, and the labelling panel's save route (``ui/save_route.py``).

- ``Referrer-Policy: no-referrer``: the login token is in the page's URL (``?s=``); a link
  followed from the page must not hand it to another site in the Referer header.
- ``X-Frame-Options: SAMEORIGIN``: no other site may show the app in a frame and trick a
  logged-in user into clicking (clickjacking); Streamlit's own frames are same-origin.
- ``X-Content-Type-Options: nosniff``: served files are never guessed into HTML.

Streamlit (1.67) serves with Starlette and builds its middleware list in
``create_streamlit_middleware`` and its routes in ``create_streamlit_routes``; one more
middleware goes in front, one more route before Streamlit's own. Neither function is public
API (the public ``st.App(routes=..., middleware=...)`` runs the app in another launch mode,
under uvicorn's runner, with its own start-up and signal handling): tests/test_hardening.py
checks the headers, and tests/test_save_route.py posts labels, on a real server, and
tests/test_streamlit_private.py names both functions, so an upgrade that moves them fails
there, loudly.
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


def add_save_route() -> None:
    """Serve ``save_route`` (before Streamlit's routes, whose last one answers every path)."""
    from starlette.concurrency import run_in_threadpool
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route
    from streamlit import config
    from streamlit.web.server.starlette import starlette_app

    from annotator.ui import save_route

    async def post_labels(request: Request) -> JSONResponse:
        # Read up to the limit, whatever Content-Length says (or a chunked body leaves out).
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > save_route.MAX_BODY_BYTES:
                return JSONResponse({"error": save_route.UNREADABLE}, status_code=413)
        # The store's work is blocking (the database driver): off the event loop, which
        # carries every session's websocket.
        status, answer = await run_in_threadpool(save_route.save_labels, bytes(body))
        return JSONResponse(answer, status_code=status, headers={"Cache-Control": "no-store"})

    streamlit_routes = starlette_app.create_streamlit_routes

    def with_save_route(runtime: Any) -> list[Any]:
        path = save_route.route_path(config.get_option("server.baseUrlPath"))
        return [Route(path, post_labels, methods=["POST"]), *streamlit_routes(runtime)]

    starlette_app.create_streamlit_routes = with_save_route
    save_route.mark_installed()


if __name__ == "__main__":
    from streamlit.web.cli import main

    add_security_headers()
    add_save_route()
    # prog_name as `python -m streamlit` sets it: Streamlit reads its own command line.
    main(prog_name="streamlit")
