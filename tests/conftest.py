"""Fixtures for the whole suite.

The test database is real PostGIS. The real Yunnan regions are loaded once per
session and committed, so ordinary ``db`` tests (rolled back per test) and the
live server used by browser tests both see them. Tests must therefore not use
``transactional_db``, whose flush would wipe the regions.
"""

import os
from pathlib import Path

import pytest
from django.core.management import call_command

# Playwright's sync API runs an event loop in the main thread; Django's ORM
# then refuses to run there unless told the loop is not ours.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
CHROMIUM = os.environ.get("GIRREPO_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(autouse=True)
def english_messages():
    """Messages raised directly (not through a request) come in English, so tests
    can read them; pages still follow the request's language."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("load_regions", verbosity=0)


@pytest.fixture(scope="session")
def app_server(django_db_setup, django_db_blocker):
    """A live server over the test database, sharing its committed data (no flush)."""
    from pytest_django.live_server_helper import LiveServer

    with django_db_blocker.unblock():
        server = LiveServer("127.0.0.1:0")
        yield server
        server.stop()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class PageWatch:
    """What a page did: console errors and requests to hosts other than the app."""

    def __init__(self, page, app_origin: str):
        self.page = page
        self.console_errors: list[str] = []
        self.foreign_requests: list[str] = []
        page.on(
            "console",
            lambda msg: msg.type == "error" and self.console_errors.append(msg.text),
        )
        page.on("pageerror", lambda exc: self.console_errors.append(str(exc)))

        def on_request(request):
            url = request.url
            if not (url.startswith(app_origin) or url.startswith(("data:", "blob:", "about:"))):
                self.foreign_requests.append(url)

        page.on("request", on_request)


@pytest.fixture
def page(browser, app_server, request):
    """A fresh browser page; a screenshot is saved to artifacts/ after each test."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    pg = context.new_page()
    pg.watch = PageWatch(pg, app_server.url)
    yield pg
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        pg.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    finally:
        context.close()
