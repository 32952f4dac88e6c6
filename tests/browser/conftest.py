"""Browser journeys: the real app on a werkzeug server (127.0.0.1, free port) over a temp
SQLite file, driven by Playwright on Debian's chromium (never `playwright install`).
A failing test leaves a screenshot in test-artifacts/."""
from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from tests import compiled_once

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PASSWORD = "browser-pass-1"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser" in str(item.fspath) and not os.path.exists(CHROMIUM):
            item.add_marker(pytest.mark.skip(reason=f"{CHROMIUM} not installed"))


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, f"rep_{rep.when}", rep)


@pytest.fixture
def live_app(tmp_path):
    """The app with CSRF on, a file DB, served in a thread; yields (app, base_url)."""
    from werkzeug.serving import make_server

    from core.app import create_app

    app = create_app({"ENV": "testing", "SECRET_KEY": "browser-secret", "DATABASE_URL": f"sqlite:///{tmp_path / 'b.sqlite'}",
                      "UPLOAD_DIR": str(tmp_path / "uploads"), "CELERY_BROKER_URL": None,
                      "PLUGINS": {"production": "plugins.production", "brands": "plugins.brands",
                                  "typical_staff": "plugins.typical_staff"}},
                     instance_path=str(tmp_path / "instance"))
    compiled_once.share_templates(app)  # each template compiled once for all the journeys
    app.extensions["starbranch.db"].create_all()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    app.extensions["starbranch.db"].engine.dispose()


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        yield browser
        browser.close()


@pytest.fixture
def new_page(request, chromium):
    """Pages in fresh contexts (one per user), zh-CN; screenshots of all on failure."""
    contexts = []

    def make():
        ctx = chromium.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
        contexts.append(ctx)
        page = ctx.new_page()
        page.set_default_timeout(10_000)
        return page

    yield make
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    if failed:
        ARTIFACTS.mkdir(exist_ok=True)
        for i, ctx in enumerate(contexts):
            for j, page in enumerate(ctx.pages):
                page.screenshot(path=str(ARTIFACTS / f"{request.node.name}-{i}-{j}.png"), full_page=True)
    for ctx in contexts:
        ctx.close()


def log_in(page, base_url, username):
    page.goto(f"{base_url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click(".login-card button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


def unit_with_two_branches(s):
    """炼铁厂党委 with two production branches, B001 高炉作业区 and B002 烧结作业区 (flushed)."""
    from core.org.models import Branch, OrgNode

    unit = OrgNode(code="U01", name="炼铁厂党委", kind="unit")
    s.add(unit)
    s.flush()
    unit.unit_id = unit.id
    b1 = Branch(code="B001", name="高炉作业区党支部", category="production", parent_id=unit.id, unit_id=unit.id)
    b2 = Branch(code="B002", name="烧结作业区党支部", category="production", parent_id=unit.id, unit_id=unit.id)
    s.add_all([b1, b2])
    s.flush()
    return unit, b1, b2
