"""`serve web` in a real browser: headless Chromium, driven through Playwright, with the keyboard only.

The screen's text is read from xterm.js's own buffer (what the browser's terminal holds after
parsing the tutor's output): the test's copy of textual.js keeps a reference to its terminal.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import socket
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp
import pytest
from classroom_client import BROWSER_TITLE, LESSON_TITLE

from tutor.classroom.web_server import ClassroomWebServer

playwright_api = pytest.importorskip("playwright.async_api", reason="the Python package playwright is not installed")

BROWSER = next(
    (path for name in ("chromium", "chromium-browser", "google-chrome") if (path := shutil.which(name))), None
)
pytestmark = pytest.mark.skipif(
    BROWSER is None, reason="no Chromium on this machine (apt-get install chromium; .ci/run installs it)"
)
BROWSER_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WAIT_MS = 30_000  # a safety net: every wait ends as soon as the screen shows what it waits for
# The name page's box has the focus once Chromium has run autofocus (after "load", on a later frame).
NAME_BOX_FOCUSED = "() => document.activeElement && document.activeElement.name === 'user'"
TERMINAL_OPENED = "this.terminal.open(e),"  # in textual-serve 1.1.3's textual.js
SCREEN_TEXT = """() => {
  const terminal = window.__tutorTerminal;
  if (!terminal) return "";
  const lines = [];
  for (let i = 0; i < terminal.rows; i++) lines.push(terminal.buffer.active.getLine(i).translateToString(true));
  return lines.join("\\n");
}"""


def with_the_terminal_kept(script: str) -> str:
    """textual.js with one addition: its xterm.js terminal kept where the test can read it."""
    assert TERMINAL_OPENED in script, "textual-serve's textual.js has changed: update TERMINAL_OPENED"
    return script.replace(TERMINAL_OPENED, TERMINAL_OPENED + "window.__tutorTerminal=this.terminal,", 1)


async def keep_the_terminal(route) -> None:
    response = await route.fetch()
    await route.fulfill(response=response, body=with_the_terminal_kept(await response.text()))


class BrowserScreen:
    def __init__(self, page) -> None:
        self.page = page

    async def text(self) -> str:
        return await self.page.evaluate(SCREEN_TEXT)

    async def wait_for(self, *texts: str) -> str:
        """Until the terminal shows every one of `texts`; the screen's text."""
        try:
            await self.page.wait_for_function(
                f"texts => texts.every(t => ({SCREEN_TEXT})().includes(t))", arg=list(texts), timeout=WAIT_MS
            )
        except playwright_api.TimeoutError:
            raise AssertionError(f"the browser never showed {texts!r}; it shows:\n{await self.text()}") from None
        return await self.text()

    async def press(self, key: str, *then_shows: str) -> str:
        await self.page.keyboard.press(key)
        return await self.wait_for(*then_shows)


async def launch(playwright, *extra_args: str):
    return await playwright.chromium.launch(executable_path=BROWSER, args=BROWSER_ARGS + list(extra_args))


@pytest.fixture
async def web(tmp_path):
    server = ClassroomWebServer(tmp_path / "server", host="127.0.0.1", port=0)
    await server.start()
    yield server
    await server.close()


async def test_a_student_uses_the_tutor_in_a_browser_with_the_keyboard_alone(web):
    async with playwright_api.async_playwright() as playwright:
        browser = await launch(playwright)
        try:
            page = await browser.new_page(viewport={"width": 1100, "height": 700})
            await page.route("**/static/js/textual.js", keep_the_terminal)
            await page.goto(f"http://127.0.0.1:{web.port}/")
            await page.wait_for_function(NAME_BOX_FOCUSED)  # autofocus: the learner types at once
            await page.keyboard.type("Dora")
            await page.keyboard.press("Enter")  # Start
            screen = BrowserScreen(page)
            await screen.wait_for(BROWSER_TITLE)
            assert page.url.endswith("/?user=Dora")
            # No click from here on: the page gave the terminal the keys.
            await page.keyboard.press("j")  # down the lesson list to the chain rule, the third
            await page.keyboard.press("j")
            await screen.press("Enter", "The chain rule, node by node", LESSON_TITLE)
            await screen.press("n", "step 2/", "Forward pass")
            await screen.press("e", "step 2/", "L = d * f  data -8")  # the forward pass run to its end
            await screen.press("n", "step 3/", "What is ∂L/∂d?")
            await page.keyboard.type("-2")
            shown = await screen.press("Enter", "Right!")
            assert "∂(d·f)/∂d = f = -2" in shown
            await web.close()  # the teacher stops the server: the page says so
            ended = ".closed-dialog .message"
            await page.wait_for_function(
                f"document.querySelector('{ended}').textContent.includes('stopped the server')", timeout=WAIT_MS
            )
            assert await page.is_visible(ended)
        finally:
            await browser.close()
    saved = (web.data_dir / "users" / "dora" / "progress.json").read_text()
    assert '"solved": true' in saved and '"chain-rule"' in saved


# -- behind nginx, terminating TLS: the snippet of docs/teaching.md, as it is written there --

DOCS = Path(__file__).parents[2] / "docs" / "teaching.md"
NGINX = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)
PUBLIC_NAME = "tutor.example.org"


def nginx_config(folder: Path, tutor_port: int, public_port: int) -> Path:
    """The docs' nginx snippet, moved to loopback ports and a test certificate, in a config of its own."""
    (snippet,) = re.findall(r"```nginx\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.S)
    for old, new in (
        ("listen 443 ssl;", f"listen 127.0.0.1:{public_port} ssl;"),
        (f"/etc/ssl/certs/{PUBLIC_NAME}.pem", str(folder / "cert.pem")),
        (f"/etc/ssl/private/{PUBLIC_NAME}.key", str(folder / "key.pem")),
        ("proxy_pass http://127.0.0.1:8000;", f"proxy_pass http://127.0.0.1:{tutor_port};"),
    ):
        assert old in snippet, f"docs/teaching.md's nginx snippet no longer has {old!r}"
        snippet = snippet.replace(old, new)
    kinds = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    temp = "\n".join(f"  {kind}_temp_path {folder / kind};" for kind in kinds)
    config = folder / "nginx.conf"
    config.write_text(
        f"daemon off;\nmaster_process on;\nworker_processes 1;\npid {folder / 'nginx.pid'};\n"
        f"error_log stderr notice;\n{'user root;' if os.getuid() == 0 else ''}\n"
        f"events {{}}\nhttp {{\n  access_log off;\n{temp}\n{snippet}}}\n"
    )
    return config


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.skipif(NGINX is None, reason="nginx is not installed (apt-get install nginx-light)")
async def test_the_tutor_works_behind_an_https_proxy_as_the_docs_set_it_up(tmp_path):
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-subj", f"/CN={PUBLIC_NAME}", "-days", "1", "-keyout", str(tmp_path / "key.pem"),
         "-out", str(tmp_path / "cert.pem")],
        check=True, capture_output=True, timeout=30,
    )  # fmt: skip
    public_port = free_port()
    public = f"https://{PUBLIC_NAME}:{public_port}"
    web = ClassroomWebServer(tmp_path / "server", host="127.0.0.1", port=0, allowed_origins=[public])
    await web.start()
    nginx = await asyncio.create_subprocess_exec(
        NGINX, "-p", str(tmp_path), "-c", str(nginx_config(tmp_path, web.port, public_port)),
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip

    async def through_nginx(route) -> None:  # Playwright's own fetch would not know the test's name for 127.0.0.1
        path = urlsplit(route.request.url).path
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"https://127.0.0.1:{public_port}{path}", headers={"Host": PUBLIC_NAME}, ssl=False) as response,
        ):
            assert response.status == 200
            script = await response.text()
        await route.fulfill(body=with_the_terminal_kept(script), content_type="application/javascript")

    try:
        assert nginx.stderr is not None
        log = b""
        while b"start worker process" not in log:  # listening by then
            line = await asyncio.wait_for(nginx.stderr.readline(), 20)
            assert line, f"nginx did not start:\n{log.decode()}"
            log += line
        async with playwright_api.async_playwright() as playwright:
            browser = await launch(playwright, f"--host-resolver-rules=MAP {PUBLIC_NAME} 127.0.0.1")
            try:
                page = await (await browser.new_context(ignore_https_errors=True)).new_page()
                sockets: list[str] = []
                page.on("websocket", lambda ws: sockets.append(ws.url))
                problems: list[str] = []
                page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
                await page.route("**/static/js/textual.js", through_nginx)
                await page.goto(f"{public}/")
                await page.wait_for_function(NAME_BOX_FOCUSED)
                await page.keyboard.type("ana")
                await page.keyboard.press("Enter")
                screen = BrowserScreen(page)
                await screen.wait_for(BROWSER_TITLE)
                await screen.press("Enter", LESSON_TITLE)
            finally:
                await browser.close()
        assert sockets == [f"wss://{PUBLIC_NAME}:{public_port}/ws/ana?" + sockets[0].split("?", 1)[1]]
        assert not [p for p in problems if "Mixed Content" in p or "WebSocket" in p], problems
    finally:
        nginx.terminate()
        await nginx.wait()
        await web.close()
