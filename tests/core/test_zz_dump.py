import json
from collections import Counter, defaultdict
from tests.core import english_check
from tests.core.test_crawl import ROLES, demo, _crawl, log_in_speaking  # noqa
def test_dump(app, db, demo):
    ud = english_check.UserData.from_database(db)
    out = defaultdict(list)
    for u in ROLES:
        c = app.test_client(); log_in_speaking(c, u, "en")
        def check(url, html):
            f = english_check.leaks(html, ud)
            if f: out[url] += f
        _crawl(app, c, Counter(), [], [], on_page=check)
    json.dump(out, open("/tmp/english/dump.json", "w"), ensure_ascii=False, indent=1)
