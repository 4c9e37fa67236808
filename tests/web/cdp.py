"""A tiny headless-Chromium driver over the DevTools protocol (websockets only, no
Selenium or Playwright): open a page, wait for load, evaluate JavaScript, screenshot."""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import shutil
import subprocess
import tempfile
import urllib.request
from pathlib import Path
from typing import Any

import websockets

__all__ = ["CHROMIUM", "Browser", "chromium_missing_reason"]

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def chromium_missing_reason() -> str | None:
    if CHROMIUM is None:
        return "chromium is not installed (Debian: apt-get install chromium); .ci/run installs it"
    return None


class Page:
    def __init__(self, ws) -> None:
        self._ws = ws
        self._ids = itertools.count(1)
        self._events: list[dict] = []

    async def send(self, method: str, params: dict | None = None, timeout: float = 15.0) -> dict:
        call_id = next(self._ids)
        await self._ws.send(json.dumps({"id": call_id, "method": method, "params": params or {}}))
        async with asyncio.timeout(timeout):
            while True:
                message = json.loads(await self._ws.recv())
                if message.get("id") == call_id:
                    if "error" in message:
                        raise RuntimeError(f"{method}: {message['error']}")
                    return message.get("result", {})
                self._events.append(message)

    async def wait_event(self, method: str, timeout: float = 15.0) -> dict:
        async with asyncio.timeout(timeout):
            while True:
                for i, event in enumerate(self._events):
                    if event.get("method") == method:
                        return self._events.pop(i)
                self._events.append(json.loads(await self._ws.recv()))

    async def goto(self, url: str) -> None:
        self._events.clear()
        await self.send("Page.navigate", {"url": url})
        await self.wait_event("Page.loadEventFired")

    async def evaluate(self, expression: str) -> Any:
        result = await self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                      "awaitPromise": True})
        if "exceptionDetails" in result:
            raise RuntimeError(result["exceptionDetails"])
        return result["result"].get("value")

    async def run_and_wait(self, expression: str) -> None:
        """Run JavaScript that navigates (a click, a form submit) and wait for the new page."""
        self._events.clear()
        await self.evaluate(expression)
        await self.wait_event("Page.loadEventFired")

    async def click_and_wait(self, selector: str) -> None:
        await self.run_and_wait(f"document.querySelector({json.dumps(selector)}).click()")

    async def screenshot(self, path: Path) -> Path:
        data = (await self.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True}))["data"]
        path.write_bytes(base64.b64decode(data))
        return path


class Browser:
    """``async with Browser() as browser: page = await browser.new_page()``"""

    def __init__(self, width: int = 1000, height: int = 900) -> None:
        self._size = (width, height)
        self._profile = tempfile.mkdtemp(prefix="nd-chromium-")
        self._proc: subprocess.Popen | None = None
        self._sockets: list = []
        self._port = 0

    async def __aenter__(self) -> Browser:
        self._proc = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--disable-extensions", "--disable-dev-shm-usage", f"--user-data-dir={self._profile}",
             f"--window-size={self._size[0]},{self._size[1]}", "--remote-debugging-port=0", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        port_file = Path(self._profile) / "DevToolsActivePort"
        for _ in range(300):  # Chromium writes its port here once it listens
            if port_file.exists() and port_file.read_text().strip():
                self._port = int(port_file.read_text().split()[0])
                break
            if self._proc.poll() is not None:
                raise RuntimeError(f"chromium exited with {self._proc.returncode}")
            await asyncio.sleep(0.05)
        else:
            raise RuntimeError("chromium did not start its DevTools server")
        return self

    async def new_page(self) -> Page:
        request = urllib.request.Request(f"http://127.0.0.1:{self._port}/json/new?about:blank", method="PUT")
        target = await asyncio.to_thread(lambda: json.loads(urllib.request.urlopen(request, timeout=10).read()))
        ws = await websockets.connect(target["webSocketDebuggerUrl"], max_size=64 * 1024 * 1024)
        self._sockets.append(ws)
        page = Page(ws)
        await page.send("Page.enable")
        await page.send("Runtime.enable")
        return page

    async def __aexit__(self, *exc) -> None:
        for ws in self._sockets:
            await ws.close()
        if self._proc is not None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        shutil.rmtree(self._profile, ignore_errors=True)
