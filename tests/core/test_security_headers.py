"""Stored XSS through confirmation dialogs, and the headers that would stop the next one
(issue #14, item 1)."""
import html
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = "张三'+alert(document.domain)+'\"><script>alert(1)</script>"
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)


def test_hostile_member_name_is_only_text_in_the_confirm_attribute(client, make_user, login, make_branch,
                                                                     make_member):
    branch = make_branch()
    member = make_member(branch, name=HOSTILE)
    login(make_user("admin"))
    page = client.get(f"/org/members/{member.id}").get_data(as_text=True)
    assert not INLINE_HANDLER.search(page), "a page must carry no inline event handler"
    assert "<script>alert(1)" not in page
    form = re.search(r'<form[^>]*data-confirm="([^"]*)"', page)
    assert form, "the deactivate button asks through data-confirm"
    assert html.unescape(form.group(1)) == f"确定停用党员“{HOSTILE}”吗？"


def test_no_template_puts_script_in_an_attribute_or_inline():
    offenders = []
    for path in list(ROOT.glob("core/**/*.html")) + list(ROOT.glob("plugins/**/*.html")):
        text = path.read_text(encoding="utf-8")
        if INLINE_HANDLER.search(text) or re.search(r"<script(?![^>]*\ssrc=)", text) or "javascript:" in text:
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_every_page_forbids_inline_script_and_framing(client, make_user, login):
    login(make_user("admin"))
    for url in ("/", "/login", "/org/units", "/no-such-page"):
        r = client.get(url)
        csp = r.headers["Content-Security-Policy"]
        script_src = re.search(r"script-src ([^;]*)", csp).group(1)
        assert script_src.strip() == "'self'", (url, csp)
        assert "frame-ancestors 'none'" in csp
        assert r.headers["X-Frame-Options"] == "DENY"
        assert r.headers["X-Content-Type-Options"] == "nosniff"


def test_the_confirm_script_is_served_from_static(client):
    r = client.get("/static/app.js")
    assert r.status_code == 200
    assert "data-confirm" in r.get_data(as_text=True)


def test_a_text_download_names_its_charset_once(app, tmp_path):
    from core.ledger.storage import download_response

    path = tmp_path / "a.txt"
    path.write_text("会议记录", encoding="utf-8")
    with app.test_request_context():
        response = download_response(path, "记录.txt", "text/plain; charset=utf-8")
    assert response.headers["Content-Type"].count("charset") == 1
    response.close()
