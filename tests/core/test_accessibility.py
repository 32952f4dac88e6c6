"""Accessibility of the server's HTML (issue #19; the browser's axe crawl is
tests/browser/test_axe.py): like controls on one page are named by their object, a refused
save is summarised and tied to its fields, stars have words, names in English pages carry
lang="zh-CN", charts tell series apart without colour and carry their data as a table."""
from __future__ import annotations

import re
from collections import Counter
from html.parser import HTMLParser

import pytest

from core.analysis import charts
from tests.core.test_crawl import ROLES, demo  # noqa: F401  (the crawl's demo fixture)

CONTROLS = {"input", "select", "textarea", "button"}


class _Names(HTMLParser):
    """The accessible names of the form controls inside <main>: aria-label, else the
    label[for] or the wrapping <label>, else the button's text, else the placeholder."""

    def __init__(self):
        super().__init__()
        self.in_main = False
        self.labels_for, self.controls, self.stack = {}, [], []
        self._label = None
        self._button = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "main":
            self.in_main = True
        if not self.in_main:
            return
        if tag == "label":
            self._label = {"for": a.get("for"), "text": "", "controls": []}
        elif tag in CONTROLS and a.get("type") != "hidden":
            control = {"tag": tag, "aria": a.get("aria-label"), "id": a.get("id"), "text": "",
                       "placeholder": a.get("placeholder") or a.get("title")}
            self.controls.append(control)
            if self._label is not None:
                self._label["controls"].append(control)
            if tag == "button":
                self._button = control

    def handle_endtag(self, tag):
        if tag == "main":
            self.in_main = False
        elif tag == "label" and self._label is not None:
            text = self._label["text"].strip()
            if self._label["for"]:
                self.labels_for[self._label["for"]] = text
            for c in self._label["controls"]:
                c.setdefault("wrapped", text)
            self._label = None
        elif tag == "button":
            self._button = None

    def handle_data(self, data):
        if self._label is not None:
            self._label["text"] += data
        if self._button is not None:
            self._button["text"] += data

    def names(self) -> list[str]:
        out = []
        for c in self.controls:
            out.append((c["aria"] or self.labels_for.get(c["id"]) or c.get("wrapped") or c["text"].strip()
                        or c["placeholder"] or "").strip())
        return out


def control_names(html: str) -> list[str]:
    parser = _Names()
    parser.feed(html)
    return parser.names()


def _log_in(client, username):
    r = client.post("/login", data={"username": username, "password": ROLES[username]})
    assert r.status_code == 302


@pytest.mark.database_independent  # judges the HTML of five pages the crawl renders on PostgreSQL too
def test_no_two_controls_share_a_name_on_the_pages_of_many_like_rows(app, client, db, demo):  # noqa: F811
    from sqlalchemy import select

    from core.indicators.models import RuleSet
    from core.org.models import Branch

    branch = db.scalars(select(Branch).order_by(Branch.id)).first()
    draft = db.scalars(select(RuleSet).order_by(RuleSet.year.desc())).first()
    _log_in(client, "admin")
    pages = [f"/ledger/branch/{branch.id}/new", f"/scoring/sheet/{branch.id}", "/scoring/periods",
             "/admin/plugins/", f"/catalogue/{draft.id}"]
    seen = {}
    for url in pages:
        r = client.get(url)
        assert r.status_code == 200, url
        names = control_names(r.get_data(as_text=True))
        assert len(names) >= 3, (url, names)
        assert "" not in names, f"{url}: a control without a name"
        repeated = {n: c for n, c in Counter(names).items() if c > 1}
        assert repeated == {}, f"{url}: controls sharing a name {repeated}"
        seen[url] = len(names)
    # the names say their object
    html = client.get(f"/ledger/branch/{branch.id}/new").get_data(as_text=True)
    assert re.search(r'aria-label="缺席原因：[^"]+"', html)
    assert re.search(r'aria-label="删除：[^"]+"', client.get(f"/catalogue/{draft.id}").get_data(as_text=True))
    assert re.search(r'aria-label="(启用|停用)：[^"]+ · [^"]+"', client.get("/admin/plugins/").get_data(as_text=True))


def test_a_refused_save_focuses_a_summary_linking_to_marked_fields(client, db, make_branch, make_member, make_user,
                                                                    login):
    branch = make_branch()
    make_member(branch, name="王强")
    login(make_user(role="secretary", branch=branch))
    r = client.post(f"/ledger/branch/{branch.id}/new", data={"type": "party_lecture", "held_on": "", "topic": ""})
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    summary = re.search(r'<div class="[^"]*error-summary"[^>]*>.*?</div>', html, re.S).group(0)
    assert 'role="alert"' in summary and 'tabindex="-1"' in summary and "data-error-summary" in summary
    for name in ("held_on", "topic"):
        assert f'href="#{name}"' in summary
        tag = re.search(rf'<input[^>]*\bid="{name}"[^>]*>', html).group(0)
        assert 'aria-invalid="true"' in tag
        # described by its error, after its field help (#16)
        assert re.search(r'aria-describedby="([^"]*)"', tag).group(1).split() == [f"{name}-hint", f"{name}-error"]
        assert f'id="{name}-error"' in html
    # a field that is fine is not marked
    assert 'aria-invalid' not in re.search(r'<input[^>]*\bid="location"[^>]*>', html).group(0)


def test_refused_absence_reason_is_linked_and_marked(client, db, make_branch, make_member, make_user, login):
    branch = make_branch()
    member = make_member(branch, name="王强")
    login(make_user(role="secretary", branch=branch))
    r = client.post(f"/ledger/branch/{branch.id}/new",
                    data={"type": "party_lecture", "held_on": "2026-01-05", "topic": "党课"})  # absent, no reason
    html = r.get_data(as_text=True)
    assert "王强" in re.search(r'data-error-summary.*?</div>', html, re.S).group(0)
    assert f'href="#reason_{member.id}"' in html
    tag = re.search(rf'<input[^>]*name="reason_{member.id}"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in tag and 'aria-describedby="form-error-extra"' in tag
    assert 'aria-label="缺席原因：王强"' in tag


def test_stars_have_words_and_names_carry_lang_in_english(app):
    from core.formatting import stars, zh

    with app.test_request_context():
        assert str(stars(3)) == '<span role="img" aria-label="三星">★★★☆☆</span>'
        assert zh("万庆亮") == "万庆亮"            # a Chinese page: unchanged
    with app.test_request_context():
        from flask import session
        from flask_babel import refresh

        session["locale"] = "en"
        refresh()
        assert 'aria-label="3 stars"' in str(stars(3))
        assert str(zh("万庆亮")) == '<span lang="zh-CN">万庆亮</span>'
        assert zh("Smith") == "Smith"              # no Han characters: no lang


def test_trend_series_differ_by_dash_and_marker_and_text_is_at_least_12px():
    svg = str(charts.line_chart("t", ["1月", "2月", "3月"],
                                [("总分", [80, 85, 90]), ("指数一", [70, 75, 72]), ("指数二", [60, 65, None])],
                                title="趋势", desc="三条线"))
    series = re.findall(r'<g class="series".*?</g>', svg, re.S)
    dashes = [re.search(r'stroke-dasharray="([^"]+)"', g) for g in series]
    assert [d.group(1) if d else "" for d in dashes] == ["", "6 3", "2 3"]
    assert "<circle" in series[0] and "<rect" in series[1] and "<polygon" in series[2]   # one marker shape each
    sizes = [int(x) for x in re.findall(r'font-size="(\d+)"', svg)]
    assert sizes and min(sizes) >= 12
    assert "#777777" not in svg
    table = str(charts.data_table("趋势", ["期间", "总分"], [["1月", "80.00"], ["2月", None]]))
    assert table.startswith('<details class="chart-data">') and "<caption>趋势</caption>" in table and "—" in table


@pytest.mark.database_independent  # judges the HTML of the crawl, which runs on PostgreSQL too
def test_no_page_of_the_crawl_has_two_controls_with_one_name(app, db, demo):  # noqa: F811
    """Every page each demo role reaches (tests/core/test_crawl.py's crawl), in Chinese:
    no two controls in <main> share an accessible name, and none has no name."""
    from tests.core.test_crawl import _crawl

    problems = {}

    def check(url, html):
        names = control_names(html)
        repeated = {n: c for n, c in Counter(names).items() if c > 1 or not n}
        if repeated:
            problems[url] = repeated

    for username in ROLES:
        client = app.test_client()
        _log_in(client, username)
        _crawl(app, client, Counter(), [], [], on_page=check)
    assert problems == {}, "\n".join(f"{url}: {names}" for url, names in sorted(problems.items()))
