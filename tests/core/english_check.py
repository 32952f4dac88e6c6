"""The English sweep's judge (issue #16): which Chinese an English page shows that is not
user data. Shared by the crawl (tests/core/test_crawl.py) and the browser sweep
(tests/browser/test_english.py).

What counts as user data, so may stay Chinese on an English page:
- anything inside an element marked lang="zh-CN" (the `zh` filter marks names so, the
  a11y work needs it for screen readers; the language switch's "中文" too), and the same
  text where markup cannot go (the <title>, an aria-label) on that page;
- text equal to a value stored in the database (names of branches, units, members, users,
  rule sets and indicators, free text people typed): text-only places (attributes,
  <title>, <option>) cannot carry markup, and many names are shown in table cells.
  Every stored string of two or more characters is removed from the text before it is
  judged, longest first, so "Score sheet：炼铁厂党委" still fails on its "：" (a
  one-character value such as the unit 吨 only as a whole run of Chinese, "(吨)");
- the content of a <textarea> (what a user typed, or a stored document's source).
Everything else — words, full-width punctuation (，：（）、；。 and the ideographic
space) — must come from the catalog. Words run together ("Tier 3Management",
"Q3 2026Total") are reported too."""
from __future__ import annotations

import re
from html.parser import HTMLParser

#: Han, CJK punctuation (、。「」 and U+3000) and full-width forms (，：（）；).
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
ASCII_SPACE = re.compile(r"[ \t\n\r\f\v]+")
CJK_RUN = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]+")
#: A digit or lowercase word glued to a capitalised English word: "Tier 3Management",
#: "Q3 2026Total", "ProductionStar" (camel case in codes like "iPhone" is not English UI).
RUN_TOGETHER = re.compile(r"(?<![A-Za-z0-9-])(?:\d+|[a-z]{2,})[A-Z][a-z]{2,}")
#: Attributes people read or hear.
SHOWN_ATTRIBUTES = ("title", "aria-label", "placeholder", "alt", "aria-description", "data-confirm")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
        "track", "wbr"}
NOT_SHOWN = {"script", "style", "template"}
#: What a user typed or a stored document holds, being edited (a document template's source).
USER_TEXT = {"textarea"}


class UserData:
    """The stored strings a page may show in Chinese, matched longest first."""

    def __init__(self, values):
        stored = {v.strip() for v in values if v and CJK.search(v)}
        self._whole = stored
        self._pattern = _alternation(sorted((t for t in stored if len(t) >= 2), key=len, reverse=True))

    def strip(self, text: str) -> str:
        """The text without its user data: stored values of two or more characters
        wherever they occur, then any Chinese run that is itself a stored value (a
        one-character unit such as 吨 only so, or it would excuse any word containing it)."""
        text = text.strip(" \t\n\r\f\v")
        if not text or text in self._whole:
            return ""
        if self._pattern is not None:
            text = self._pattern.sub("\x00", text)
        return CJK_RUN.sub(lambda m: "\x00" if m.group(0) in self._whole else m.group(0), text)

    @classmethod
    def from_database(cls, session) -> "UserData":
        """Every string (and JSON string leaf) stored in the database's tables."""
        from sqlalchemy import JSON, String, Text, select

        from core.db import Base, import_all_models

        import_all_models()
        values = []
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, (String, Text, JSON))]
            if not columns:
                continue
            for row in session.execute(select(*columns)):
                for value in row:
                    values.extend(_leaves(value))
        return cls(values)


def _leaves(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _leaves(k)
            yield from _leaves(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _leaves(v)


def _alternation(texts):
    """One regex of all texts as a trie (Python's re tries alternatives one by one, so a
    flat alternation of thousands of names would be slow)."""
    if not texts:
        return None
    trie: dict = {}
    for t in texts:
        node = trie
        for ch in t:
            node = node.setdefault(ch, {})
        node[""] = True

    def build(node) -> str:
        ends = "" in node
        branches = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch != ""]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if ends else body

    return re.compile(build(trie))


class _Page(HTMLParser):
    """Collects the texts shown outside marked user data, and the marked texts: a name
    marked in the body (a search query, a branch) may recur where no markup can go (the
    <title>, an aria-label), and counts as user data there too."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []     # (tag, exempt)
        self.shown: list[tuple[str, str]] = []      # (where, text)
        self.marked: set[str] = set()

    def _exempt(self) -> bool:
        return bool(self.stack) and self.stack[-1][1]

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        lang = (a.get("lang") or "").lower()
        exempt = self._exempt() or tag in NOT_SHOWN or tag in USER_TEXT or lang.startswith("zh")
        if not exempt:
            for name in SHOWN_ATTRIBUTES:
                if a.get(name):
                    self.shown.append((f"[{name}]", a[name]))
            if tag == "input" and (a.get("type") or "") in ("submit", "button", "reset") and a.get("value"):
                self.shown.append(("[value]", a["value"]))
        if tag not in VOID:
            self.stack.append((tag, exempt))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        # pop to the matching tag (HTML allows unclosed <p>, <li>, <option>)
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        if not self._exempt():
            self.shown.append(("<title>" if self.stack and self.stack[-1][0] == "title" else "", data))
        elif CJK.search(data) and self.stack[-1][0] not in NOT_SHOWN:
            self.marked.add(data.strip(" \t\n\r\f\v"))


def _judge(where: str, text: str, user_data: UserData, marked: list[str]) -> str | None:
    # ASCII whitespace only: str.split() would take the ideographic space for a blank
    rest = user_data.strip(ASCII_SPACE.sub(" ", text))
    for name in marked:
        if CJK.search(rest) is None:
            break
        rest = rest.replace(name, "\x00")
    prefix = f"{where} " if where else ""
    if CJK.search(rest):
        return f"{prefix}{_shown(text)!r}"
    if RUN_TOGETHER.search(rest):
        return f"{prefix}run together: {_shown(text)!r}"
    return None


def _shown(text: str) -> str:
    return ASCII_SPACE.sub(" ", text).strip(" ")[:120]


def leaks(html: str, user_data: UserData) -> list[str]:
    """The texts of an English page that show Chinese outside user data, or words run together."""
    page = _Page()
    page.feed(html)
    page.close()
    marked = sorted((m for m in page.marked if m), key=len, reverse=True)
    found = (_judge(where, text, user_data, marked) for where, text in page.shown if text.strip())
    return [f for f in found if f]
