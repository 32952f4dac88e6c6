"""Safety of rendering: the URL fetcher serves only data: URLs and the app's own static
and font folders; the sandbox keeps templates to their data; size and time limits."""
from __future__ import annotations

import http.server
import threading
from pathlib import Path

import pytest

from core.documents import pool
from core.documents.render import RenderJob, RenderProblem, render_html
from core.documents.service import RenderSettings

PAGE = "<html><body><p>测试</p>{}</body></html>"


@pytest.fixture
def job(app):
    settings = RenderSettings.from_app(app, "http://verify.test/")

    def make(body: str, **kw):
        return RenderJob(source=PAGE.format(body), context={}, face="ming", cache_dir=settings.cache_dir,
                         static_dir=settings.static_dir, **kw)

    return make


@pytest.fixture
def http_server():
    """A local server that counts requests and redirects everything to /target."""
    hits = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(302)
            self.send_header("Location", "/target.png")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", hits
    server.shutdown()


@pytest.mark.parametrize("url", ["file:///etc/passwd", "https://example.com/x.png", "ftp://example.com/x.png",
                                 "https://starbranch.invalid/static/../../../../etc/passwd",
                                 "https://starbranch.invalid/elsewhere/x.png"])
def test_fetcher_refuses_files_and_the_network(job, url):
    with pytest.raises(RenderProblem) as info:
        pool.render_one(job(f'<img src="{url}">'))
    assert info.value.kind == "url" and "不允许的地址" in info.value.message


def test_fetcher_refuses_http_and_its_redirects_without_connecting(job, http_server):
    base, hits = http_server
    for body in (f'<img src="{base}/start.png">', f'<link rel="stylesheet" href="{base}/x.css">'):
        with pytest.raises(RenderProblem) as info:
            pool.render_one(job(body))
        assert info.value.kind == "url"
    assert hits == []  # never contacted, so no redirect could be followed


def test_fetcher_serves_data_urls_and_the_apps_static_files(job):
    from core.documents.render import data_url

    png = Path(__file__).with_name("seal.png")
    pdf = pool.render_one(job(f'<img src="{data_url(png.read_bytes(), "image/png")}">'
                              '<link rel="stylesheet" href="app.css">'))
    assert pdf.startswith(b"%PDF")


def test_sandbox_refuses_reaching_outside_the_data():
    with pytest.raises(RenderProblem) as info:
        render_html("{{ ''.__class__.__mro__[1].__subclasses__() }}", {})
    assert info.value.kind == "template" and "不允许" in info.value.message


def test_unknown_variable_is_an_error_with_its_line():
    with pytest.raises(RenderProblem) as info:
        render_html("<p>一</p>\n<p>二</p>\n<p>{{ no_such_thing }}</p>", {})
    assert info.value.line == 3 and "no_such_thing" in info.value.message


def test_syntax_error_is_reported_with_its_line():
    with pytest.raises(RenderProblem) as info:
        render_html("<p>一</p>\n{% for x in %}\n", {})
    assert info.value.line == 2 and "语法错误" in info.value.message


def test_huge_output_is_stopped():
    with pytest.raises(RenderProblem) as info:
        render_html("{% for i in range(100000) %}{% for j in range(100) %}{{ '很长的文字' }}{% endfor %}{% endfor %}", {})
    assert info.value.kind == "size"


def test_string_repetition_bomb_is_refused():
    with pytest.raises(RenderProblem) as info:
        render_html("{{ 'x' * 100000000 }}", {})
    assert info.value.kind == "template"


def test_page_limit(job):
    body = "".join('<p style="break-after: page">页</p>' for _ in range(5))
    with pytest.raises(RenderProblem) as info:
        pool.render_one(job(body, max_pages=3))
    assert info.value.kind == "size" and "3 页" in info.value.message


def test_a_render_past_its_time_limit_is_stopped_and_the_pool_recovers(job):
    slow = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"
    with pytest.raises(RenderProblem) as info:
        pool.render_one(job(slow), timeout=3)
    assert info.value.kind == "timeout" and "时限" in info.value.message
    assert pool.render_one(job("<p>之后</p>")).startswith(b"%PDF")


@pytest.mark.parametrize("body", ["", '<img src="file:///etc/passwd">'])
def test_a_render_leaves_the_garbage_collector_on(job, body):
    """The collector is paused during a render (speed) and back on afterwards, whether
    the render succeeded or was refused, and stays off if the caller had it off."""
    import gc

    from core.documents.render import render

    def attempt():
        try:
            render(job(body))
        except RenderProblem:
            pass

    assert gc.isenabled()
    attempt()
    assert gc.isenabled()
    gc.disable()
    try:
        attempt()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_restricted_fetcher_is_shared_and_still_refuses_after_serving(job):
    """One fetcher per process and folders: serving a static file does not open the way
    for a refused URL in the next document."""
    from core.documents.render import _fetcher, render

    assert render(job('<link rel="stylesheet" href="app.css">')).startswith(b"%PDF")
    with pytest.raises(RenderProblem) as info:
        render(job('<img src="file:///etc/passwd">'))
    assert info.value.kind == "url"
    settings = job("").static_dir, job("").cache_dir
    assert _fetcher(*settings) is _fetcher(*settings)
