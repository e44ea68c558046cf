"""/docs and /redoc in a real browser with no other host in reach: they render, log in, call.

Headless Chromium (the system's, never one Playwright would download) opens the pages of a
real server. Every request the pages make is routed through the test: those for the server
go on, any other is refused and recorded, and fails the test.
"""

import re
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.async_api import Browser, BrowserContext, Page, Route, async_playwright

from shop.container import Container
from tests.plugins.processes import LiveServer

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
EMAIL, PASSWORD = "docs-reader@example.com", "docs-reader-password"
WAIT_MS = 30_000  # a loaded machine renders Swagger UI's 1.5 MB bundle slowly

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def chromium() -> Path:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: `make test` installs it (apt-get install chromium)",
            pytrace=False,
        )
    return CHROMIUM


@pytest.fixture(scope="module")
async def browser(chromium: Path) -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(chromium), headless=True, args=CHROMIUM_FLAGS
        )
        yield browser
        await browser.close()


class OfflineContext:
    """A browser context in which only the server under test answers."""

    def __init__(self, context: BrowserContext, origin: str) -> None:
        self.context = context
        self.origin = origin
        self.refused: list[str] = []
        self.served: list[str] = []

    async def gate(self, route: Route) -> None:
        url = urlsplit(route.request.url)
        if f"{url.scheme}://{url.netloc}" == self.origin:
            self.served.append(route.request.url)
            await route.continue_()
        else:
            self.refused.append(route.request.url)
            await route.abort("blockedbyclient")


@pytest.fixture
async def offline(browser: Browser, live_server: LiveServer) -> AsyncIterator[OfflineContext]:
    context = await browser.new_context()
    offline = OfflineContext(context, live_server.base_url)
    await context.route("**/*", offline.gate)
    yield offline
    await context.close()


async def open_page(offline: OfflineContext, path: str) -> Page:
    page = await offline.context.new_page()
    page.set_default_timeout(WAIT_MS)
    response = await page.goto(f"{offline.origin}{path}")
    assert response is not None
    assert response.status == 200
    return page


async def test_swagger_ui_logs_in_and_tries_an_operation_offline(
    offline: OfflineContext, container: Container
) -> None:
    try:
        await container.user_service().register_user(EMAIL, "docs_reader", PASSWORD)
    finally:
        await container.engine().dispose()
    page = await open_page(offline, "/docs")
    await page.wait_for_selector(".opblock")  # not a blank page: the operations are drawn
    assert await page.locator(".opblock").count() >= 15

    await page.click("button.authorize")
    await page.fill("#oauth_username", EMAIL)
    await page.fill("#oauth_password", PASSWORD)
    await page.click(".auth-btn-wrapper button.authorize")
    modal = page.locator(".modal-ux")
    await modal.locator("button", has_text="Logout").wait_for()  # a token was issued
    assert "Authorized" in await modal.inner_text()
    await modal.locator("button", has_text="Close").click()

    operation = page.locator("#operations-users-getCurrentUser")
    await operation.locator(".opblock-summary").click()
    await operation.locator(".try-out__btn").click()
    await operation.locator(".execute").click()
    status = operation.locator(".live-responses-table .response .response-col_status").first
    await status.wait_for()
    assert (await status.inner_text()).strip() == "200"
    body = operation.locator(".live-responses-table .response-col_description .microlight").first
    assert EMAIL in await body.inner_text()

    assert any(url.endswith("/auth/token") for url in offline.served)
    assert offline.refused == []


async def test_redoc_renders_the_api_offline(offline: OfflineContext) -> None:
    page = await open_page(offline, "/redoc")

    await page.wait_for_selector("h1:has-text('Shop')")
    await page.wait_for_selector("[data-section-id='operation/placeOrder']", state="attached")
    assert re.search(r"Products", await page.inner_text("body"))
    assert offline.refused == []
