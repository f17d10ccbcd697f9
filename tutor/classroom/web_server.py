"""`python -m tutor serve web`: the tutor in a browser tab, through textual-serve.

Each tab runs its own `python -m tutor` process. A student opens
`http://teacher-host:8000/`, types a name, and gets the tutor with that name's
progress: the same `<data-dir>/users/<name>/` folder the SSH server uses, so
a student can switch between the two. There is no login: use it on a trusted
network, or bind it to 127.0.0.1 (the default) behind something that has one.

What this adds to textual-serve's server:
- Offline: its page asks Google Fonts for "Roboto Mono" (textual-serve 1.1.3).
  The font files ship inside textual-serve, so the page gets an `@font-face`
  rule pointing at this server's /static/fonts/ instead.
- Behind a TLS-terminating proxy: every URL in the page is relative, and the
  WebSocket's is made absolute in the browser from the page's own address
  (`wss:` under `https:`), so nothing is blocked as mixed content.
- Keys work at once: the page focuses the terminal when it loads and when the
  tutor connects (textual.js itself focuses it only on a mouse click).
- Limits: the WebSocket accepts only the page's own origin (and those given with
  `--allowed-origin`); at most `max_sessions` tabs ("the class is full" beyond);
  window sizes are clamped to 300x100.
- No tutor outlives the server: each runs in a session of its own (Ctrl+C in the
  teacher's terminal reaches the server only), is asked to quit when the server
  stops (killed 2 s later), and is killed by the kernel if the server dies
  without stopping them (SIGKILL included: PR_SET_PDEATHSIG).
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import html
import ipaddress
import json
import logging
import os
import shlex
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp_jinja2
import jinja2
from aiohttp import WSMsgType, web
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

from tutor.classroom.users import NAME_RULE, InvalidUserName, user_dir, user_name
from tutor.classroom.zygote import Zygote, clean_environment

__all__ = ["MAX_COLUMNS", "MAX_ROWS", "ClassroomWebServer", "normal_origin", "offline_index_template"]

log = logging.getLogger("tutor.classroom")

MAX_COLUMNS, MAX_ROWS = 300, 100  # a learner's real window is far smaller; a bigger one costs memory and CPU
QUIT_GRACE = 2.0  # seconds a tutor has to quit when asked before it is killed
CLOSE_TIMEOUT = 1.0  # seconds to wait for a browser to answer the WebSocket's close
SERVER_STOPPING = "The teacher stopped the server. Your progress is saved."

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
_SVG_NAMESPACE = ' xmlns="http://www.w3.org/2000/svg"'  # not needed inside HTML; no http:// left in the page
# Runs before textual.js connects (it connects on the window's load event).
_PAGE_SCRIPT = """    <script>
      // Added by the tutor's server (tutor/classroom/web_server.py).
      (function () {
        function focusTerminal() {
          const keys = document.querySelector("#terminal .xterm-helper-textarea");
          if (keys) keys.focus();
        }
        // The page carries a relative WebSocket URL: made absolute here from the page's own
        // address, so it is wss: behind an https: proxy. A refusal's reason replaces "Session ended.".
        const PageSocket = window.WebSocket;
        window.WebSocket = class extends PageSocket {
          constructor(url, protocols) {
            const absolute = new URL(url, window.location.href);
            absolute.protocol = window.location.protocol === "https:" ? "wss:" : "ws:";
            super(absolute.href, protocols);
            this.addEventListener("open", focusTerminal);
            this.addEventListener("close", (event) => {
              const message = document.querySelector(".closed-dialog .message");
              if (event.reason && message) message.textContent = event.reason;
            });
          }
        };
        window.addEventListener("load", focusTerminal);
      })();
    </script>
  </body>"""

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
    """textual-serve's page: nothing from the internet, relative URLs, and the tutor's script."""
    template = (Path(sys.modules[Server.__module__].__file__ or "").parent / "templates" / "app_index.html").read_text(
        encoding="utf-8"
    )
    for old, new in ((_GOOGLE_FONTS, _LOCAL_FONTS), (_SVG_NAMESPACE, ""), ("  </body>", _PAGE_SCRIPT)):
        if old not in template:
            log.warning("textual-serve's page has changed: check it for requests to the internet and for focus")
        template = template.replace(old, new)
    return template


def clamp_size(width: Any, height: Any) -> tuple[int, int]:
    """A terminal size from the browser, as numbers within 1..300 x 1..100 (80x24 if not numbers)."""
    columns, rows = to_int(str(width), 80), to_int(str(height), 24)
    return min(max(columns, 1), MAX_COLUMNS), min(max(rows, 1), MAX_ROWS)


def normal_origin(origin: str) -> str:
    """`scheme://host:port` in lower case with the port spelled out, or ValueError."""
    parts = urlsplit(origin.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/"):
        raise ValueError(f"{origin!r} is not an origin like https://tutor.example.org or http://host:8000")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"{parts.scheme}://{host}:{port}"


def _is_loopback_name(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _dies_with(parent_pid: int) -> Callable[[], None]:
    """A `preexec_fn` asking the kernel to send SIGTERM to the child when its parent dies, even by SIGKILL."""
    libc = ctypes.CDLL(None, use_errno=True)  # loaded before the fork: the child only calls it
    pr_set_pdeathsig = 1

    def preexec() -> None:
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != parent_pid:  # the server died before the line above took effect
            os._exit(1)

    return preexec


class _TutorAppService(AppService):
    """textual-serve's process manager: started by the server's launcher, and never left running."""

    def __init__(self, argv: list[str], launch: Callable, **kwargs: Any) -> None:
        super().__init__(shlex.join(argv), **kwargs)
        self.argv = argv
        self.launch = launch

    def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
        env = super()._build_environment(width, height)
        env.pop("TUTOR_CLASS_PASSWORD", None)
        env["COLORTERM"] = "truecolor"  # a browser terminal has every colour: the app picks its full theme
        return env

    async def _open_app_process(self, width: int = 80, height: int = 24) -> asyncio.subprocess.Process:
        self._process = process = await self.launch(self.argv, self._build_environment(width, height))
        assert process.stdin is not None
        self._stdin = process.stdin
        return process

    async def stop(self) -> None:
        """Ask the tutor to quit; kill it (and anything it started) if it has not after QUIT_GRACE seconds."""
        task, process = self._task, self._process
        if task is None or process is None:
            return
        self._task = None
        await self._download_manager.cancel_app_downloads(app_service_id=self.app_service_id)
        if process.returncode is None:
            await self.send_meta({"type": "quit"})
            try:
                await asyncio.wait_for(process.wait(), QUIT_GRACE)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)  # its own session: the group is its pid
                await process.wait()
        try:
            await asyncio.wait_for(task, QUIT_GRACE)  # ends at the end of the tutor's output
        except TimeoutError:
            log.warning("a tutor's output stayed open after it ended (pid %s)", process.pid)


class ClassroomWebServer(Server):
    """textual-serve's server, with one tutor per tab under the student's name, and no CDN."""

    def __init__(
        self,
        data_dir: Path,
        host: str = "127.0.0.1",
        port: int = 8000,
        tutor_args: list[str] | None = None,
        *,
        max_sessions: int = 40,
        allowed_origins: list[str] | None = None,
    ) -> None:
        super().__init__(command=f"{sys.executable} -m tutor", host=host, port=port, title="Backprop Tutor")
        self.data_dir = Path(data_dir)
        self.tutor_args = list(tutor_args or [])
        self.max_sessions = max_sessions
        self.allowed_origins = {normal_origin(origin) for origin in allowed_origins or []}
        self.tabs = 0
        self.closing = False
        self._sessions: dict[asyncio.Task, web.WebSocketResponse] = {}
        self._tabs_changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self._zygote: asyncio.Task[Zygote | None] | None = None  # started with the first tab

    def command_for(self, home: Path) -> list[str]:
        return [sys.executable, "-m", "tutor", "--data-dir", str(home), *self.tutor_args]

    async def _start_zygote(self) -> Zygote | None:
        try:
            return await Zygote.start(sys.executable, clean_environment(self.data_dir))
        except (OSError, RuntimeError, TimeoutError) as exc:
            log.warning("no zygote (%s): every tutor starts from scratch, slower", exc)
            return None

    async def launch_tutor(self, argv: list[str], env: dict[str, str]) -> asyncio.subprocess.Process:
        """Start one tab's tutor, talking textual-serve's protocol on its stdin and stdout (the one place a tab's
        process is made: another launcher may replace it, returning a Process whose pid leads its process group,
        and whose tutor dies with the server). Forked from the zygote while it runs (quick, shared memory)."""
        if self._zygote is None:
            self._zygote = asyncio.create_task(self._start_zygote())
        zygote = await self._zygote
        if zygote is not None and zygote.alive:
            home = argv[argv.index("--data-dir") + 1] if "--data-dir" in argv else None
            return await zygote.spawn_process(argv, env=env, cwd=home)  # type: ignore[return-value]
        return await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=env,
            start_new_session=True,
            preexec_fn=_dies_with(os.getpid()),
        )

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
        self._runner = web.AppRunner(await self._make_app(), handle_signals=False, access_log=None, shutdown_timeout=1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port, reuse_address=True)
        await site.start()
        if self.port == 0:
            server = site._server  # the port the system picked
            assert server is not None and server.sockets
            self.port = server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        """End every tab (each browser told why, each tutor asked to quit and killed after QUIT_GRACE s), then
        stop serving."""
        self.closing = True
        sessions = dict(self._sessions)
        await asyncio.gather(
            *(ws.close(code=1001, message=SERVER_STOPPING.encode()) for ws in sessions.values() if ws.prepared),
            return_exceptions=True,
        )
        if sessions:  # each session's own handler ends its tutor when its websocket closes
            await asyncio.wait(sessions, timeout=QUIT_GRACE + CLOSE_TIMEOUT + 1)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._zygote is not None and (zygote := await self._zygote) is not None:
            await zygote.close()

    async def wait_for_tabs(self, count: int) -> None:
        """Until exactly `count` tabs have a tutor."""
        async with self._tabs_changed:
            await self._tabs_changed.wait_for(lambda: self.tabs == count)

    async def _count_tab(self, change: int) -> None:
        async with self._tabs_changed:
            self.tabs += change
            self._tabs_changed.notify_all()

    def _full(self) -> str:
        """Why a new tab cannot have a tutor now ("" if it can)."""
        if self.closing:
            return "The server is stopping. Ask your teacher."
        if len(self._sessions) >= self.max_sessions:
            return f"Sorry, the class is full: all {self.max_sessions} places are taken. Try again in a minute."
        return ""

    def origin_allowed(self, request: web.Request) -> bool:
        """Whether a WebSocket may open: from the page's own origin or one the teacher allowed.

        A browser always sends Origin with a WebSocket and lets no page forge it, nor the
        X-Forwarded-* headers a proxy adds; a client without Origin is not a browser (it could
        send any Origin it liked, so refusing it would protect nothing). Listening on loopback,
        the page's own origin must be a loopback name too, so that a web page whose name was
        pointed at 127.0.0.1 (DNS rebinding) gets no tutor.
        """
        origin = request.headers.get("Origin")
        if origin is None:
            return True
        try:
            origin = normal_origin(origin)
        except ValueError:
            return False
        if origin in self.allowed_origins:
            return True
        scheme = request.headers.get("X-Forwarded-Proto", request.scheme).split(",")[0].strip()
        host = request.headers.get("X-Forwarded-Host", request.host).split(",")[0].strip()
        try:
            own = normal_origin(f"{scheme}://{host}")
        except ValueError:
            return False
        if origin != own:
            return False
        return not _is_loopback_name(self.host) or _is_loopback_name(urlsplit(own).hostname or "")

    # -- pages --

    async def handle_index(self, request: web.Request) -> web.StreamResponse:  # type: ignore[override]
        raw = request.query.get("user", "")
        if not raw:
            return self._name_page()
        try:
            name = user_name(raw.strip())
        except InvalidUserName as exc:
            return self._name_page(str(exc), raw)
        if full := self._full():
            return self._name_page(full, raw, status=503)
        context: dict[str, Any] = {
            "font_size": to_int(request.query.get("fontsize", "16"), 16),
            "app_websocket_url": f"ws/{name}",  # relative: see _PAGE_SCRIPT
            "config": {"static": {"url": "static/"}},
            "application": {"name": f"Backprop Tutor: {name}"},
        }
        return aiohttp_jinja2.render_template("app_index.html", request, context)

    def _name_page(self, error: str = "", value: str = "", status: int = 400) -> web.Response:
        text = _NAME_PAGE.format(error=html.escape(error), value=html.escape(value), rule=html.escape(NAME_RULE))
        return web.Response(text=text, content_type="text/html", status=status if error else 200)

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        try:
            name = user_name(request.match_info["user"])
        except InvalidUserName as exc:
            raise web.HTTPBadRequest(text=str(exc)) from None
        peer = request.remote or "?"
        if not self.origin_allowed(request):
            log.info("refused a tab for %s from %s: origin %s", name, peer, request.headers.get("Origin"))
            raise web.HTTPForbidden(text="This page may not open the tutor: it is not the tutor's own page.")
        websocket = web.WebSocketResponse(heartbeat=15, timeout=CLOSE_TIMEOUT)
        if full := self._full():
            log.info("class full (%d tabs): refused %s from %s", self.max_sessions, name, peer)
            await websocket.prepare(request)
            await websocket.close(code=1013, message=full.encode())  # 1013: try again later
            return websocket
        task = asyncio.current_task()
        assert task is not None
        self._sessions[task] = websocket  # counted now, before anything awaits, so the limit holds under a rush
        width, height = clamp_size(request.query.get("width", "80"), request.query.get("height", "24"))
        service: _TutorAppService | None = None
        started = False
        try:
            await websocket.prepare(request)
            home = user_dir(self.data_dir, name, create=True)
            service = _TutorAppService(
                self.command_for(home),
                self.launch_tutor,
                write_bytes=websocket.send_bytes,
                write_str=websocket.send_str,
                close=websocket.close,
                download_manager=self.download_manager,
                debug=self.debug,
            )
            await service.start(width, height)
            started = True
            await self._count_tab(+1)
            log.info("connect %s from %s (browser) %dx%d", name, peer, width, height)
            if self.closing:  # stopped while this tutor started: close() did not see this websocket ready
                await websocket.close(code=1001, message=SERVER_STOPPING.encode())
            await self._process_messages(websocket, service)
        except Exception:
            log.exception("browser session of %s failed", name)
        finally:
            if service is not None:
                await service.stop()
            self._sessions.pop(task, None)
            if started:
                await self._count_tab(-1)
                log.info("disconnect %s from %s (browser)", name, peer)
        return websocket

    async def _process_messages(self, websocket: web.WebSocketResponse, app_service: AppService) -> None:
        """textual-serve's messages from the browser, with sizes clamped and anything malformed ignored."""
        async for message in websocket:
            if message.type != WSMsgType.TEXT:
                continue
            try:
                envelope = json.loads(message.data)
                kind, data = (envelope[0], envelope[1] if len(envelope) > 1 else None)
            except (ValueError, TypeError, IndexError, KeyError):
                continue
            if kind == "stdin" and isinstance(data, str):
                await app_service.send_bytes(data.encode("utf-8"))
            elif kind == "resize" and isinstance(data, dict):
                await app_service.set_terminal_size(*clamp_size(data.get("width"), data.get("height")))
            elif kind == "ping":
                await websocket.send_json(["pong", data])
            elif kind == "blur":
                await app_service.blur()
            elif kind == "focus":
                await app_service.focus()


def announce(server: ClassroomWebServer) -> None:
    """What the teacher sees when the web server starts."""
    host = server.host
    shown = "THIS-MACHINE" if host in ("0.0.0.0", "::", "") else host
    lines = [
        "Backprop Tutor classroom server (web)",
        f"  listening on  {host}:{server.port}",
        f"  students open http://{shown}:{server.port}/ and type their name",
        f"  progress in   {server.data_dir / 'users'}/<name>/",
        f"  at most       {server.max_sessions} tabs",
        "  no login: anyone who can reach this port can use it (and any name).",
    ]
    if server.allowed_origins:
        lines.append(f"  pages from    {', '.join(sorted(server.allowed_origins))} (and this server's own)")
    if host in ("0.0.0.0", "::", ""):
        lines.append(f"  note: listening on every network interface; open TCP port {server.port} in the firewall")
    else:
        lines.append("  only this machine can connect; --host 0.0.0.0 lets the class in")
    lines.append("  Ctrl+C stops the server.")
    print("\n".join(lines), flush=True)
