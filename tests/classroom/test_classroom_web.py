"""The web server: its page works offline, and its websocket runs a tutor under the student's name."""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path

import aiohttp
import pyte
import pytest
from classroom_client import BROWSER_TITLE, LESSON_TITLE, process_alive

from tutor.classroom.web_server import ClassroomWebServer


def tutors_of(server: ClassroomWebServer) -> list[int]:
    """Live tutor processes started for this server (their command line names its data folder)."""
    pids = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                cmdline = (proc / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if (
                b"tutor" in cmdline
                and str(server.data_dir).encode() in b" ".join(cmdline)
                and process_alive(int(proc.name))
            ):
                pids.append(int(proc.name))
    return pids


@pytest.fixture
async def web(tmp_path):
    server = ClassroomWebServer(tmp_path / "server", host="127.0.0.1", port=0)
    await server.start()
    yield server
    await server.close()


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
        assert f'data-session-websocket-url="ws://127.0.0.1:{web.port}/ws/ana"' in page
        assert "googleapis" not in page
        loaded = re.findall(r'(?:src|href)="([^"]+)"|url\("([^"]+)"\)', page)
        assert loaded and all(url.startswith(f"{base}/static/") for pair in loaded for url in pair if url)
        # Every URL the page loads is on this server, and each of them is there.
        for path in ("js/textual.js", "css/xterm.css", "fonts/RobotoMono-VariableFont_wght.ttf"):
            assert f"{base}/static/{path}" in page
            async with http.get(f"{base}/static/{path}") as response:
                assert response.status == 200
                assert len(await response.read()) > 1000


async def test_the_websocket_runs_a_tutor_for_the_student(web):
    screen = pyte.Screen(100, 30)
    stream = pyte.ByteStream(screen)

    async def wait_for(ws: aiohttp.ClientWebSocketResponse, text: str, timeout: float = 20) -> str:
        deadline = time.monotonic() + timeout
        while text not in "\n".join(screen.display):
            message = await asyncio.wait_for(ws.receive(), max(deadline - time.monotonic(), 0.01))
            if message.type == aiohttp.WSMsgType.BINARY:
                stream.feed(message.data)
            elif message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
                raise AssertionError(f"websocket closed before {text!r}:\n" + "\n".join(screen.display))
        return "\n".join(screen.display)

    url = f"ws://127.0.0.1:{web.port}/ws/ana?width=100&height=30"
    async with aiohttp.ClientSession() as http, http.ws_connect(url) as ws:
        await wait_for(ws, BROWSER_TITLE)
        assert web.tabs == 1
        assert len(tutors_of(web)) == 1
        await ws.send_json(["stdin", "\r"])
        await wait_for(ws, LESSON_TITLE)
    for _ in range(200):  # closing the tab ends its tutor
        if web.tabs == 0:
            break
        await asyncio.sleep(0.05)
    assert web.tabs == 0
    assert tutors_of(web) == []
    assert (web.data_dir / "users" / "ana").is_dir()


async def test_the_websocket_refuses_a_bad_name(web):
    async with aiohttp.ClientSession() as http:
        with pytest.raises(aiohttp.WSServerHandshakeError):
            await http.ws_connect(f"ws://127.0.0.1:{web.port}/ws/..%2Fetc?width=80&height=24")
    assert not any((web.data_dir / "users").iterdir())
