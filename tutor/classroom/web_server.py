"""`python -m tutor serve web`: the tutor in a browser tab, through textual-serve.

Each tab runs its own `python -m tutor` process. A student opens
`http://teacher-host:8000/`, types a name, and gets the tutor with that name's
progress: the same `<data-dir>/users/<name>/` folder the SSH server uses, so
a student can switch between the two. There is no login: use it on a trusted
network, or bind it to 127.0.0.1 (the default) behind something that has one.

Offline: textual-serve's page asks Google Fonts for "Roboto Mono" (textual-serve
1.1.3). The font files ship inside textual-serve, so this server rewrites that
one `<link>` into an `@font-face` rule pointing at its own /static/fonts/.
Nothing else on the page comes from outside.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import shlex
import sys
from pathlib import Path
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

from tutor.classroom.users import NAME_RULE, InvalidUserName, user_dir, user_name

__all__ = ["ClassroomWebServer", "offline_index_template"]

log = logging.getLogger("tutor.classroom")

_GOOGLE_FONTS = """    <link
      rel="stylesheet"
      href="https://fonts.googleapis.com/css?family=Roboto%20Mono"
    />"""
_LOCAL_FONTS = """    <style>
      @font-face {
        font-family: "Roboto Mono";
        src: url("{{ config.static.url }}fonts/RobotoMono-VariableFont_wght.ttf") format("truetype");
        font-weight: 100 700;
        font-style: normal;
      }
      @font-face {
        font-family: "Roboto Mono";
        src: url("{{ config.static.url }}fonts/RobotoMono-Italic-VariableFont_wght.ttf") format("truetype");
        font-weight: 100 700;
        font-style: italic;
      }
    </style>"""

_NAME_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Backprop Tutor</title>
<style>
  body {{ background: #0c181f; color: #eee; font-family: monospace; display: flex;
         align-items: center; justify-content: center; height: 100vh; margin: 0; }}
  form {{ background: #12232d; padding: 32px 40px; }}
  input, button {{ font: inherit; padding: 8px 12px; margin-top: 12px; }}
  .error {{ color: #f88; }}
</style>
</head>
<body>
<form method="get" action="">
  <h1>Backprop Tutor</h1>
  <p>Your name keeps your progress: use the same one every time.</p>
  <p class="error">{error}</p>
  <label>Name <input name="user" value="{value}" autofocus required maxlength="32"
    pattern="[A-Za-z_][A-Za-z0-9_.\\-]{{0,31}}"></label>
  <button type="submit">Start</button>
  <p><small>{rule}</small></p>
</form>
</body>
</html>
"""


def offline_index_template() -> str:
    """textual-serve's page, with its one request to the internet (the font) served locally."""
    template = (Path(sys.modules[Server.__module__].__file__ or "").parent / "templates" / "app_index.html").read_text(
        encoding="utf-8"
    )
    if _GOOGLE_FONTS in template:
        return template.replace(_GOOGLE_FONTS, _LOCAL_FONTS)
    log.warning("textual-serve's page has changed: check it for requests to the internet")
    return template


class _TutorAppService(AppService):
    """textual-serve's process manager, with a colour hint and no leftover processes."""

    def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
        env = super()._build_environment(width, height)
        env.pop("TUTOR_CLASS_PASSWORD", None)
        env["COLORTERM"] = "truecolor"  # a browser terminal has every colour: the app picks its full theme
        return env

    async def stop(self) -> None:
        await super().stop()
        process = self._process
        if process is not None and process.returncode is None:  # it did not quit when asked
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(process.wait(), 2)
            if process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                await process.wait()


class ClassroomWebServer(Server):
    """textual-serve's server, with one tutor per tab under the student's name, and no CDN."""

    def __init__(
        self, data_dir: Path, host: str = "127.0.0.1", port: int = 8000, tutor_args: list[str] | None = None
    ) -> None:
        super().__init__(command=f"{sys.executable} -m tutor", host=host, port=port, title="Backprop Tutor")
        self.data_dir = Path(data_dir)
        self.tutor_args = list(tutor_args or [])
        self.tabs = 0
        self._runner: web.AppRunner | None = None

    def command_for(self, home: Path) -> str:
        return shlex.join([sys.executable, "-m", "tutor", "--data-dir", str(home), *self.tutor_args])

    async def _make_app(self) -> web.Application:
        app = web.Application()
        aiohttp_jinja2.setup(app, loader=jinja2.DictLoader({"app_index.html": offline_index_template()}))
        app.add_routes(
            [
                web.get("/", self.handle_index, name="index"),
                web.get("/ws/{user}", self.handle_websocket, name="websocket"),
                web.get("/download/{key}", self.handle_download, name="download"),
                web.static("/static", self.statics_path, name="static"),
            ]
        )
        return app

    # -- running inside an event loop (the CLI and the tests) --

    async def start(self) -> None:
        (self.data_dir / "users").mkdir(mode=0o700, parents=True, exist_ok=True)
        self._runner = web.AppRunner(await self._make_app(), handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port, reuse_address=True)
        await site.start()
        if self.port == 0:
            server = site._server  # the port the system picked
            assert server is not None and server.sockets
            self.port = server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    # -- pages --

    async def handle_index(self, request: web.Request) -> web.StreamResponse:  # type: ignore[override]
        raw = request.query.get("user", "")
        if not raw:
            return self._name_page()
        try:
            name = user_name(raw.strip())
        except InvalidUserName as exc:
            return self._name_page(str(exc), raw)
        base = f"{request.scheme}://{request.host}"
        ws_scheme = "wss" if request.scheme == "https" else "ws"
        context: dict[str, Any] = {
            "font_size": to_int(request.query.get("fontsize", "16"), 16),
            "app_websocket_url": f"{ws_scheme}://{request.host}/ws/{name}",
            "config": {"static": {"url": f"{base}/static/"}},
            "application": {"name": f"Backprop Tutor: {name}"},
        }
        return aiohttp_jinja2.render_template("app_index.html", request, context)

    def _name_page(self, error: str = "", value: str = "") -> web.Response:
        text = _NAME_PAGE.format(error=html.escape(error), value=html.escape(value), rule=html.escape(NAME_RULE))
        return web.Response(text=text, content_type="text/html", status=400 if error else 200)

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        try:
            name = user_name(request.match_info["user"])
        except InvalidUserName as exc:
            raise web.HTTPBadRequest(text=str(exc)) from None
        websocket = web.WebSocketResponse(heartbeat=15)
        width = to_int(request.query.get("width", "80"), 80)
        height = to_int(request.query.get("height", "24"), 24)
        service: _TutorAppService | None = None
        peer = request.remote or "?"
        try:
            await websocket.prepare(request)
            home = user_dir(self.data_dir, name, create=True)
            service = _TutorAppService(
                self.command_for(home),
                write_bytes=websocket.send_bytes,
                write_str=websocket.send_str,
                close=websocket.close,
                download_manager=self.download_manager,
                debug=self.debug,
            )
            await service.start(width, height)
            self.tabs += 1
            log.info("connect %s from %s (browser) %dx%d", name, peer, width, height)
            try:
                await self._process_messages(websocket, service)
            finally:
                await service.stop()
        except asyncio.CancelledError:
            await websocket.close()
        except Exception:
            log.exception("browser session of %s failed", name)
        finally:
            if service is not None:
                await service.stop()
                self.tabs -= 1
                log.info("disconnect %s from %s (browser)", name, peer)
        return websocket


def announce(server: ClassroomWebServer) -> None:
    """What the teacher sees when the web server starts."""
    host = server.host
    shown = "THIS-MACHINE" if host in ("0.0.0.0", "::", "") else host
    lines = [
        "Backprop Tutor classroom server (web)",
        f"  listening on  {host}:{server.port}",
        f"  students open http://{shown}:{server.port}/ and type their name",
        f"  progress in   {server.data_dir / 'users'}/<name>/",
        "  no login: anyone who can reach this port can use it (and any name).",
    ]
    if host in ("0.0.0.0", "::", ""):
        lines.append(f"  note: listening on every network interface; open TCP port {server.port} in the firewall")
    else:
        lines.append("  only this machine can connect; --host 0.0.0.0 lets the class in")
    lines.append("  Ctrl+C stops the server.")
    print("\n".join(lines), flush=True)
