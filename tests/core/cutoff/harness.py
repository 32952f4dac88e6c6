"""The cut-off under load, shared by the tests here and bench/concurrency.py: the real
WSGI app served by Werkzeug's threaded server on 127.0.0.1 (a random free port), a
seeded world (a unit, branches with members and secretaries, reviewers, an admin, a
2026 rule set whose month indicators read the ledger and a manual item reviewers
verify), HTTP clients with their own cookies, and a `Timeline` that records — inside
the server, through SQLAlchemy session events — when each write committed and when
each close or recompute (试算) read its evidence."""
from __future__ import annotations

import html
import http.client
import itertools
import re
import socket
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import event, select
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

PASSWORD = "secret-pass"
WRITE_ACTIONS = {"ledger.record.create", "evaluation.verify"}
LOCKED_TEXT = "已结账锁定"


# ------------------------------------------------------------------ world

@dataclass
class World:
    admin: str
    admin2: str = "cut-admin2"   # a second admin (one login per user is kept)
    secretaries: list = field(default_factory=list)   # (username, branch_id, [member ids])
    reviewers: list = field(default_factory=list)     # (username, [branch ids])
    manual_indicator_id: int = 0


def seed_world(session: Session, *, secretaries: int, reviewers: int, members: int = 5, year: int = 2026) -> World:
    """Everything through models, committed. Passwords hashed cheaply."""
    from core.auth.models import User, UserUnit
    from core.indicators.models import DEFAULT_SETTINGS, IndexWeight, Indicator, RuleSet, StarBand
    from core.org.models import Branch, Member, OrgNode

    unit = OrgNode(code="UCUT", name="截止测试二级单位党委", kind="unit")
    session.add(unit)
    session.flush()
    unit.unit_id = unit.id
    weights = {"team": 20, "management": 20, "performance": 20, "brand": 20, "service": 20}
    # closes here never wait for reviewers: unverified manual items count 0
    rs = RuleSet(year=year, version=1, name=f"{year}细则", status="active",
                 settings={**DEFAULT_SETTINGS, "unverified_policy": "zero"})
    rs.weights = [IndexWeight(category="production", index_code=i, weight=w) for i, w in weights.items()]
    rs.bands = [StarBand(stars=s, min_score=Decimal(m)) for s, m in {5: 90, 4: 80, 3: 70, 2: 60, 1: 0}.items()]
    specs = [
        {"code": "CUT1", "index_code": "management", "points": Decimal("10"), "cycle": "month", "method": "ledger_count",
         "params": {"record_types": ["committee_meeting"], "min_count": 40}},
        {"code": "CUT2", "index_code": "team", "points": Decimal("10"), "cycle": "month", "method": "attendance",
         "params": {"record_types": ["committee_meeting"]}},
        {"code": "CUT3", "index_code": "service", "points": Decimal("10"), "cycle": "month", "method": "manual",
         "params": {}},
        {"code": "CUT4", "index_code": "performance", "points": Decimal("10"), "cycle": "quarter", "method": "ledger_count",
         "params": {"record_types": ["committee_meeting"], "min_count": 100}},
    ]
    rs.indicators = [Indicator(position=n, name=f"截止指标{n}", kind="basic", **s) for n, s in enumerate(specs)]
    session.add(rs)
    from werkzeug.security import generate_password_hash
    hashed = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")

    def user(username, role, **kw):
        u = User(username=username, display_name=username, role=role, password_hash=hashed, **kw)
        session.add(u)
        return u

    world = World(admin="cut-admin")
    user("cut-admin", "admin")
    user("cut-admin2", "admin")
    branches = []
    for i in range(secretaries):
        br = Branch(code=f"CUT{i:03d}", name=f"截止第{i}党支部", category="production", parent_id=unit.id,
                    unit_id=unit.id)
        session.add(br)
        session.flush()
        ms = [Member(branch_id=br.id, name=f"党员{i}-{n}", status="full" if n else "probationary", gender="male")
              for n in range(members)]
        session.add_all(ms)
        session.flush()
        user(f"cut-sec{i}", "secretary", branch_id=br.id)
        world.secretaries.append((f"cut-sec{i}", br.id, [m.id for m in ms]))
        branches.append(br.id)
    for r in range(reviewers):
        u = user(f"cut-rev{r}", "reviewer")
        u.units = [UserUnit(unit_id=unit.id)]
        world.reviewers.append((f"cut-rev{r}", branches[r::reviewers]))
    session.commit()
    world.manual_indicator_id = rs.indicators[2].id
    return world


# ------------------------------------------------------------------ server

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """The WSGI app on 127.0.0.1, one thread per request (Werkzeug)."""

    def __init__(self, app):
        self.app = app
        self.httpd = make_server("127.0.0.1", 0, app, threaded=True)
        self.port = self.httpd.server_port
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.thread.join(timeout=10)


_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class Client:
    """One user's browser: a cookie, form posts (with the CSRF token of a form page when
    `csrf_page` is given, as with CSRF protection on), and the flashes a redirect carried.
    `server` needs `.app` (for the session cookie's signature) and `.port`."""

    def __init__(self, server, username: str, csrf_page: str | None = None):
        self.server, self.cookies, self.csrf = server, {}, None
        self.serializer = server.app.session_interface.get_signing_serializer(server.app)
        if csrf_page:
            self._take_csrf("/login")
        status, _body, _h = self.request("POST", "/login", {"username": username, "password": PASSWORD})
        if status != 302:
            raise AssertionError(f"login of {username} failed: {status}")
        if csrf_page:
            self._take_csrf(csrf_page)   # the login starts a fresh session, with a new token

    def _take_csrf(self, path):
        status, body, _h = self.request("GET", path)
        found = _CSRF.search(body)
        if status != 200 or not found:
            raise AssertionError(f"no CSRF token on {path} ({status})")
        self.csrf = html.unescape(found.group(1))

    def request(self, method, path, form=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=60)
        headers = {}
        body = None
        if form is not None:
            if self.csrf:
                form = {**form, "csrf_token": self.csrf}
            body = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        conn.request(method, path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read().decode("utf-8", "replace")
        for k, v in resp.getheaders():
            if k.lower() == "set-cookie":
                name, _, rest = v.partition("=")
                self.cookies[name] = rest.split(";")[0]
        conn.close()
        return resp.status, data, resp.getheaders()

    def post(self, path, form):
        return self.request("POST", path, form)

    def flashes(self) -> list[tuple[str, str]]:
        """The flash messages waiting in the session cookie (read, not consumed)."""
        raw = self.cookies.get(self.server.app.config.get("SESSION_COOKIE_NAME", "session"))
        if not raw:
            return []
        return [tuple(f) for f in self.serializer.loads(raw).get("_flashes", [])]


# ------------------------------------------------------------------ the writers' and closers' requests

def record_form(member_ids, held_on: date, topic: str) -> dict:
    form = {"type": "committee_meeting", "held_on": held_on.isoformat(), "topic": topic, "location": "会议室",
            "minutes": "会议记录"}
    for n, mid in enumerate(member_ids):
        if n % 4:
            form[f"present_{mid}"] = "1"
        else:
            form[f"reason_{mid}"] = "出差"
    return form


def post_record(client: Client, branch_id: int, member_ids, held_on: date, topic: str) -> str:
    """'ok' (302: saved) or 'locked' (the form again with the lock message)."""
    status, body, _h = client.post(f"/ledger/branch/{branch_id}/new", record_form(member_ids, held_on, topic))
    if status == 302:
        return "ok"
    if status == 200 and LOCKED_TEXT in body:
        return "locked"
    raise AssertionError(f"ledger POST answered {status}: {body[:300]}")


def post_verify(client: Client, branch_id: int, period_id: int, indicator_id: int, version: int, earned, reason) -> str:
    """'ok', 'locked' or 'stale' (someone saved meanwhile: nothing written)."""
    status, body, _h = client.post(f"/scoring/sheet/{branch_id}/items/{period_id}/{indicator_id}/verify",
                                   {"earned": str(earned), "reason": reason, "version": str(version)})
    if status != 302:
        raise AssertionError(f"verify POST answered {status}: {body[:300]}")
    messages = [m for _c, m in client.flashes()]
    last = messages[-1] if messages else ""
    if "审核结果已保存" in last:
        outcome = "ok"
    elif LOCKED_TEXT in last:
        outcome = "locked"
    elif "已被他人修改" in last:
        outcome = "stale"
    else:
        raise AssertionError(f"verify POST: unexpected flash {messages!r}")
    _drop_flashes(client)
    return outcome


def _drop_flashes(client: Client):
    """Forget the flashes (as a page view would), so the next answer is read alone."""
    name = client.server.app.config.get("SESSION_COOKIE_NAME", "session")
    data = client.serializer.loads(client.cookies[name])
    data.pop("_flashes", None)
    client.cookies[name] = client.serializer.dumps(data)


def post_period(client: Client, key: str, action: str = "close") -> list:
    """POST a period action (close, recompute) as the 期间结账 page does; the flashes."""
    status, body, _h = client.post(f"/scoring/periods/{key}/{action}", {})
    if status != 302:
        raise AssertionError(f"{action} POST answered {status}: {body[:300]}")
    out = client.flashes()
    _drop_flashes(client)
    return out


# ------------------------------------------------------------------ what happened inside the server, in order

class Timeline:
    """Session events of every session in this process: a committed write (an audit
    entry of WRITE_ACTIONS in the transaction), stamped when its commit began (it
    still held its locks then); a close or recompute, stamped from when its
    evidence was first read (compute_window entered) to when its commit began."""

    def __init__(self):
        self.lock = threading.Lock()
        self.writes: list[tuple[float, str]] = []
        self.runs: list[tuple[str, str, float, float]] = []   # (what, key, start, end)

    def install(self, monkeypatch):
        import core.scoring.close as close_mod
        original = close_mod.compute_window

        def compute_window(session, window, *args, **kwargs):
            session.info.setdefault("cutoff.run", (window.key, time.monotonic()))
            return original(session, window, *args, **kwargs)

        monkeypatch.setattr(close_mod, "compute_window", compute_window)
        listeners = [(Session, "after_flush", self._after_flush), (Session, "before_commit", self._before_commit),
                     (Session, "after_commit", self._after_commit), (Session, "after_rollback", self._forget)]
        for target, name, fn in listeners:
            event.listen(target, name, fn)
        return lambda: [event.remove(t, n, f) for t, n, f in listeners]

    @staticmethod
    def _actions(session, objs):
        from core.audit.models import AuditEntry
        return {o.action for o in objs if isinstance(o, AuditEntry)}

    def _after_flush(self, session, _ctx):
        session.info.setdefault("cutoff.actions", set()).update(self._actions(session, session.new))

    def _before_commit(self, session):
        actions = session.info.pop("cutoff.actions", set()) | self._actions(session, session.new)
        session.info["cutoff.pending"] = (time.monotonic(), actions, session.info.pop("cutoff.run", None))

    def _after_commit(self, session):
        pending = session.info.pop("cutoff.pending", None)
        if pending is None:
            return
        t, actions, run = pending
        with self.lock:
            self.writes.extend((t, a) for a in actions & WRITE_ACTIONS)
            if run is not None:
                what = "close" if "period.close" in actions else "recompute"
                self.runs.append((what, run[0], run[1], t))

    @staticmethod
    def _forget(session):
        for k in ("cutoff.actions", "cutoff.pending", "cutoff.run"):
            session.info.pop(k, None)

    def take(self):
        with self.lock:
            writes, runs = self.writes, self.runs
            self.writes, self.runs = [], []
        return writes, runs


_topics = itertools.count(1)


def next_topic(prefix: str) -> str:
    return f"{prefix}-{next(_topics)}"


def current_version(session_factory, period_id, branch_id, indicator_id) -> int:
    from core.scoring.models import Evaluation
    with session_factory() as s:
        return s.scalar(select(Evaluation.version).where(Evaluation.period_id == period_id,
                                                         Evaluation.branch_id == branch_id,
                                                         Evaluation.indicator_id == indicator_id))
