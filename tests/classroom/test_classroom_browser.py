"""`serve web` in a real browser: headless Chromium, driven through Playwright, with the keyboard only.

The screen's text is read from xterm.js's own buffer (what the browser's terminal holds after
parsing the tutor's output): the test's copy of textual.js keeps a reference to its terminal.
"""

from __future__ import annotations

import shutil

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
TERMINAL_OPENED = "this.terminal.open(e),"  # in textual-serve 1.1.3's textual.js
SCREEN_TEXT = """() => {
  const terminal = window.__tutorTerminal;
  if (!terminal) return "";
  const lines = [];
  for (let i = 0; i < terminal.rows; i++) lines.push(terminal.buffer.active.getLine(i).translateToString(true));
  return lines.join("\\n");
}"""


async def keep_the_terminal(route) -> None:
    """Serve textual.js with one addition: its xterm.js terminal kept where the test can read it."""
    response = await route.fetch()
    script = await response.text()
    assert TERMINAL_OPENED in script, "textual-serve's textual.js has changed: update TERMINAL_OPENED"
    script = script.replace(TERMINAL_OPENED, TERMINAL_OPENED + "window.__tutorTerminal=this.terminal,", 1)
    await route.fulfill(response=response, body=script)


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


@pytest.fixture
async def web(tmp_path):
    server = ClassroomWebServer(tmp_path / "server", host="127.0.0.1", port=0)
    await server.start()
    yield server
    await server.close()


async def test_a_student_uses_the_tutor_in_a_browser_with_the_keyboard_alone(web):
    async with playwright_api.async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=BROWSER, args=BROWSER_ARGS)
        try:
            page = await browser.new_page(viewport={"width": 1100, "height": 700})
            await page.route("**/static/js/textual.js", keep_the_terminal)
            await page.goto(f"http://127.0.0.1:{web.port}/")
            await page.keyboard.type("Dora")  # the name box has the focus
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
        finally:
            await browser.close()
    saved = (web.data_dir / "users" / "dora" / "progress.json").read_text()
    assert '"solved": true' in saved and '"chain-rule"' in saved
