"""The web server: its page works offline and behind a proxy, its websocket runs a tutor under the
student's name, and its limits hold (origin, seats, window size, no tutor outliving the server)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pyte
import pytest
from classroom_client import BROWSER_TITLE, LESSON_TITLE, process_alive

from tutor.classroom.web_server import MAX_COLUMNS, MAX_ROWS, ClassroomWebServer


def tutors_of(data_dir: Path) -> list[int]:
    """Live tutor processes started for this server (their command line names its data folder, or, forked by the
    zygote, they run in a student's folder inside it)."""
    pids = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                cmdline = (proc / "cmdline").read_bytes().split(b"\0")
                cwd = os.readlink(proc / "cwd")
            except OSError:
                continue
            started = b"tutor" in cmdline and str(data_dir).encode() in b" ".join(cmdline)
            forked = b"tutor.classroom.zygote" in cmdline and cwd.startswith(str(data_dir / "users") + os.sep)
            if (started or forked) and b"serve" not in cmdline and process_alive(int(proc.name)):
                pids.append(int(proc.name))
    return pids


async def wait_exited(pid: int, timeout: float) -> None:
    """Until process `pid` (any process, not only a child) has ended: a pidfd becomes readable then."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return
    loop = asyncio.get_running_loop()
    ended = asyncio.Event()
    loop.add_reader(fd, ended.set)
    try:
        await asyncio.wait_for(ended.wait(), timeout)
    finally:
        loop.remove_reader(fd)
        os.close(fd)


class Tab:
    """A browser tab as the server sees it: a websocket, its bytes going through a terminal emulator."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse, cols: int, rows: int) -> None:
        self.ws = ws
        self.screen = pyte.Screen(cols, rows)
        self.stream = pyte.ByteStream(self.screen)
        self.closed: aiohttp.WSMessage | None = None

    def text(self) -> str:
        return "\n".join(line.rstrip() for line in self.screen.display)

    async def wait_for(self, text: str, timeout: float = 20) -> str:
        deadline = time.monotonic() + timeout
        while text not in self.text():
            message = await asyncio.wait_for(self.ws.receive(), max(deadline - time.monotonic(), 0.01))
            if message.type == aiohttp.WSMsgType.BINARY:
                self.stream.feed(message.data)
            elif message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
                raise AssertionError(f"websocket closed before {text!r}:\n" + self.text())
        return self.text()

    async def wait_closed(self, timeout: float = 10) -> aiohttp.WSMessage:
        """Until the server closes the websocket: its close message (code and reason)."""
        deadline = time.monotonic() + timeout
        while True:
            message = await asyncio.wait_for(self.ws.receive(), max(deadline - time.monotonic(), 0.01))
            if message.type == aiohttp.WSMsgType.BINARY:
                self.stream.feed(message.data)
            elif message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
                return message

    async def type(self, keys: str) -> None:
        await self.ws.send_json(["stdin", keys])


@contextlib.asynccontextmanager
async def open_tab(port: int, user: str = "ana", cols: int = 100, rows: int = 30, **headers) -> AsyncIterator[Tab]:
    url = f"ws://127.0.0.1:{port}/ws/{user}?width={cols}&height={rows}"
    async with aiohttp.ClientSession() as http, http.ws_connect(url, headers=headers or None) as ws:
        yield Tab(ws, cols, rows)


@pytest.fixture
async def web_factory(tmp_path):
    started: list[ClassroomWebServer] = []

    async def start(**options) -> ClassroomWebServer:
        server = ClassroomWebServer(tmp_path / "server", host="127.0.0.1", port=0, **options)
        await server.start()
        started.append(server)
        return server

    yield start
    for server in started:
        await server.close()
        assert tutors_of(server.data_dir) == []


@pytest.fixture
async def web(web_factory):
    return await web_factory()


async def test_the_page_asks_for_a_name_then_loads_only_from_this_server(web):
    base = f"http://127.0.0.1:{web.port}"
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{base}/") as response:
            assert response.status == 200
            assert 'name="user"' in await response.text()
        async with http.get(f"{base}/", params={"user": "../etc"}) as response:
            assert response.status == 400
            assert "is not a valid name" in await response.text()
        async with http.get(f"{base}/", params={"user": "Ana"}) as response:
            assert response.status == 200
            page = await response.text()
        assert 'data-session-websocket-url="ws/ana"' in page
        assert "googleapis" not in page
        loaded = [url for pair in re.findall(r'(?:src|href)="([^"]+)"|url\("([^"]+)"\)', page) for url in pair if url]
        assert loaded and all(url.startswith("static/") for url in loaded)
        # Every URL the page loads is on this server, and each of them is there.
        for path in ("js/textual.js", "css/xterm.css", "fonts/RobotoMono-VariableFont_wght.ttf"):
            assert f"static/{path}" in page
            async with http.get(f"{base}/static/{path}") as response:
                assert response.status == 200
                assert len(await response.read()) > 1000


async def test_behind_an_https_proxy_the_page_has_no_plain_http_or_ws_url(web):
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "tutor.example.org", "Host": "tutor.example.org"}
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"http://127.0.0.1:{web.port}/", params={"user": "ana"}, headers=headers) as response,
    ):
        assert response.status == 200
        page = await response.text()
    assert "textual.js" in page and "data-session-websocket-url" in page
    assert "http://" not in page and "ws://" not in page
    assert "127.0.0.1" not in page
    # The page itself makes the websocket's address from its own: wss: under https:.
    assert 'window.location.protocol === "https:" ? "wss:" : "ws:"' in page


async def test_the_websocket_runs_a_tutor_for_the_student(web):
    async with open_tab(web.port) as tab:
        await tab.wait_for(BROWSER_TITLE)
        assert web.tabs == 1
        assert len(tutors_of(web.data_dir)) == 1
        await tab.type("\r")
        await tab.wait_for(LESSON_TITLE)
    await asyncio.wait_for(web.wait_for_tabs(0), 10)  # closing the tab ends its tutor
    assert tutors_of(web.data_dir) == []
    assert (web.data_dir / "users" / "ana").is_dir()


async def test_the_websocket_refuses_a_bad_name(web):
    async with aiohttp.ClientSession() as http:
        with pytest.raises(aiohttp.WSServerHandshakeError):
            await http.ws_connect(f"ws://127.0.0.1:{web.port}/ws/..%2Fetc?width=80&height=24")
    assert not any((web.data_dir / "users").iterdir())


async def test_only_the_pages_own_origin_or_an_allowed_one_opens_a_tutor(web_factory):
    web = await web_factory(allowed_origins=["https://tutor.example.org"])
    own = f"http://127.0.0.1:{web.port}"
    refused = [
        {"Origin": "http://evil.example"},  # another page open in the teacher's browser
        {"Origin": own.replace("127.0.0.1", "localhost")},  # not the page's own address
        {"Origin": "null"},
        # DNS rebinding: a name of the attacker's pointed at 127.0.0.1; Origin and Host agree, but are not loopback
        {"Origin": f"http://evil.example:{web.port}", "Host": f"evil.example:{web.port}"},
    ]
    async with aiohttp.ClientSession() as http:
        for headers in refused:
            with pytest.raises(aiohttp.WSServerHandshakeError) as refusal:
                await http.ws_connect(f"ws://127.0.0.1:{web.port}/ws/ana", headers=headers)
            assert refusal.value.status == 403, headers
    assert web.tabs == 0 and not any((web.data_dir / "users").iterdir())
    for headers in ({"Origin": own}, {"Origin": "https://tutor.example.org"}):
        async with open_tab(web.port, **headers) as tab:
            await tab.wait_for(BROWSER_TITLE)


async def test_a_tab_beyond_max_sessions_is_told_the_class_is_full(web_factory):
    web = await web_factory(max_sessions=1)
    async with open_tab(web.port, "ana") as first:
        await first.wait_for(BROWSER_TITLE)
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"http://127.0.0.1:{web.port}/", params={"user": "ben"}) as response,
        ):
            assert response.status == 503
            assert "class is full" in await response.text()
        async with open_tab(web.port, "ben") as second:
            closed = await second.wait_closed()
            assert closed.type == aiohttp.WSMsgType.CLOSE and closed.data == 1013
            assert "class is full" in closed.extra
        assert web.tabs == 1 and len(tutors_of(web.data_dir)) == 1
    await asyncio.wait_for(web.wait_for_tabs(0), 10)
    async with open_tab(web.port, "ben") as again:  # the seat is free again
        await again.wait_for(BROWSER_TITLE)


async def test_huge_window_sizes_are_clamped_never_refused(web):
    async with open_tab(web.port, cols=9999, rows=9999) as tab:
        tab.screen.resize(MAX_ROWS + 20, MAX_COLUMNS + 40)
        first = (await tab.wait_for(BROWSER_TITLE)).splitlines()  # drawn at 300x100 from the start
        assert max(len(line) for line in first) <= MAX_COLUMNS and any(len(line) > 200 for line in first)
        assert not any(line.strip() for line in first[MAX_ROWS:])
        # A resize to 5000x5000 is drawn at 300x100 too: nothing beyond the 300th column or 100th row.
        await tab.ws.send_json(["resize", {"width": 5000, "height": 5000}])
        await tab.ws.send_json(["resize", {"width": "many", "height": None}])  # ignored, no harm
        await tab.type("\r")
        screen = await tab.wait_for(LESSON_TITLE)
        lines = screen.splitlines()
        assert max(len(line) for line in lines) <= MAX_COLUMNS
        assert not any(line.strip() for line in lines[MAX_ROWS:])
        assert any(len(line) > 200 for line in lines[:MAX_ROWS])  # it did draw at the large size


# -- the server as the teacher runs it: a process of its own --


@contextlib.asynccontextmanager
async def serve_web(data_dir: Path) -> AsyncIterator[tuple[asyncio.subprocess.Process, int]]:
    """`python -m tutor serve web --port 0`; its process and the port it announced."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tutor",
        "serve",
        "web",
        "--port",
        "0",
        "--data-dir",
        str(data_dir),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        assert process.stdout is not None
        while True:
            line = (await asyncio.wait_for(process.stdout.readline(), 30)).decode()
            assert line, "the server ended before it listened"
            if match := re.search(r"listening on\s+127\.0\.0\.1:(\d+)", line):
                break
        yield process, int(match.group(1))
    finally:
        if process.returncode is None:
            process.kill()
        await process.wait()
        for pid in tutors_of(data_dir):  # only if a test failed: leave nothing running
            os.kill(pid, signal.SIGKILL)


async def _step_into_a_lesson(tab: Tab) -> None:
    await tab.wait_for(BROWSER_TITLE)
    await tab.type("\r")
    await tab.wait_for(LESSON_TITLE)
    await tab.type("n")
    await tab.wait_for("step 2/")


def _saved_step(data_dir: Path, user: str) -> int:
    progress = json.loads((data_dir / "users" / user / "progress.json").read_text())
    return progress["lessons"][progress["last_lesson"]]["step"]


async def test_every_tutor_dies_with_the_server_even_by_sigkill(tmp_path):
    data_dir = tmp_path / "server"
    async with serve_web(data_dir) as (server, port), open_tab(port) as tab:
        await _step_into_a_lesson(tab)
        (tutor,) = tutors_of(data_dir)
        server.kill()  # SIGKILL: the server cleans up nothing
        await wait_exited(tutor, 10)
    assert tutors_of(data_dir) == []
    assert _saved_step(data_dir, "ana") == 1  # saved as the learner went


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "ctrl+c"])
async def test_stopping_the_server_ends_every_tab_within_5_s_with_progress_saved(tmp_path, stop):
    data_dir = tmp_path / "server"
    async with serve_web(data_dir) as (server, port), open_tab(port, "ana") as ana, open_tab(port, "ben") as ben:
        await _step_into_a_lesson(ana)
        await ben.wait_for(BROWSER_TITLE)
        assert len(tutors_of(data_dir)) == 2
        started = time.monotonic()
        server.send_signal(stop)
        assert await asyncio.wait_for(server.wait(), 5) == 0
        assert time.monotonic() - started < 5
        for tab in (ana, ben):
            closed = await tab.wait_closed(1)
            assert closed.type == aiohttp.WSMsgType.CLOSE and "stopped the server" in (closed.extra or "")
    assert tutors_of(data_dir) == []
    assert _saved_step(data_dir, "ana") == 1
