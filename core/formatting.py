"""How values look to users: 2026年11月24日, 2026年第一季度, points with two places."""
from __future__ import annotations

import re
from datetime import date, datetime, timezone
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context, has_request_context

#: Times are stored in UTC and shown in the group's zone (STARBRANCH_TIME_ZONE).
DEFAULT_TIME_ZONE = "Asia/Shanghai"

QUARTER_NAMES = {1: "一", 2: "二", 3: "三", 4: "四"}


def local_time(value: datetime) -> datetime:
    """A stored time (naive UTC, core.db.utcnow) in the group's time zone (config
    TIME_ZONE, default Asia/Shanghai) — what every page and export shows."""
    zone = DEFAULT_TIME_ZONE
    if has_app_context():
        zone = current_app.config.get("TIME_ZONE") or DEFAULT_TIME_ZONE
    aware = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    return aware.astimezone(_zone(zone))


def utc_of_local(value: datetime) -> datetime:
    """A wall-clock time in the group's zone as the naive UTC the database stores
    (e.g. a date filter's midnight)."""
    zone = current_app.config.get("TIME_ZONE") if has_app_context() else None
    aware = value.replace(tzinfo=_zone(zone or DEFAULT_TIME_ZONE))
    return aware.astimezone(timezone.utc).replace(tzinfo=None)


@lru_cache(maxsize=8)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _english() -> bool:
    """True while serving a request in English (dates and periods follow the UI language;
    CLI output, jobs and stored texts stay Chinese, the source language)."""
    if not has_request_context():
        return False
    from flask_babel import get_locale

    return str(get_locale()) == "en"


def cn_date(value) -> str:
    """2026年11月24日 (English UI: 24 Nov 2026); times in the group's zone."""
    if value is None:
        return ""
    english = _english()
    if isinstance(value, datetime):
        value = local_time(value)
        if english:
            return f"{value.day} {MONTHS_EN[value.month - 1]} {value.year} {value:%H:%M}"
        return f"{value.year}年{value.month}月{value.day}日 {value:%H:%M}"
    if isinstance(value, date):
        if english:
            return f"{value.day} {MONTHS_EN[value.month - 1]} {value.year}"
        return f"{value.year}年{value.month}月{value.day}日"
    return str(value)


def cn_period(kind: str, year: int, number: int | None = None) -> str:
    """month → 2026年3月, quarter → 2026年第一季度, year → 2026年度
    (English UI: Mar 2026, Q1 2026, Year 2026)."""
    if _english():
        if kind == "month":
            return f"{MONTHS_EN[number - 1]} {year}"
        if kind == "quarter":
            return f"Q{number} {year}"
        return f"Year {year}"
    if kind == "month":
        return f"{year}年{number}月"
    if kind == "quarter":
        return f"{year}年第{QUARTER_NAMES[number]}季度"
    return f"{year}年度"


def fmt_points(value) -> str:
    if value is None:
        return "—"
    return f"{Decimal(value):.2f}"


#: A star rating in words: what a screen reader says instead of "black star, black star…".
STAR_WORDS = {1: "一星", 2: "二星", 3: "三星", 4: "四星", 5: "五星"}


def star_words(n) -> str:
    from flask_babel import gettext

    return gettext(STAR_WORDS[int(n)]) if n and int(n) in STAR_WORDS else "—"


def stars(n):
    """★★★☆☆ for the eye with its words ("三星" / "3 stars") as the text alternative."""
    from markupsafe import Markup

    if not n:
        return "—"
    glyphs = "★" * int(n) + "☆" * (5 - int(n))
    return Markup('<span role="img" aria-label="{}">{}</span>').format(star_words(n), glyphs)


_HAN = re.compile(r"[\u3400-\u9fff]")


def zh(text):
    """User data (a branch, unit or member name) inside an English page carries
    lang="zh-CN", so a screen reader reads it with Chinese rules; on Chinese pages and for
    text without Han characters it is returned unchanged."""
    from flask_babel import get_locale
    from markupsafe import Markup, escape

    if text is None or not _HAN.search(str(text)) or str(get_locale() or "zh_CN") != "en":
        return text
    return Markup('<span lang="zh-CN">{}</span>').format(escape(text))


#: Punctuation templates put between words: full-width in Chinese, ASCII with spaces in
#: English ("编码：LT-01" / "Code: LT-01"; "生产类（58）" / "Production (58)"); templates write
#: {{ sep('colon') }} where the Chinese page had "：".
PUNCTUATION = {
    "colon": ("：", ": "),
    "list": ("、", ", "),
    "semicolon": ("；", "; "),
    "comma": ("，", ", "),
    "gap": ("\u3000", "\u2003"),      # the ideographic space between label–value pairs
    "open": ("（", " ("),
    "close": ("）", ")"),
}


def N_(text: str) -> str:
    """Marks a constant label for the catalog (babel extracts N_ by default) without
    translating it where it is defined: templates and views translate it when shown."""
    return text


def sep(name: str) -> str:
    """The punctuation mark `name` in the UI language."""
    chinese, english = PUNCTUATION[name]
    return english if _english() else chinese


def with_code(name: str, code: str) -> str:
    """"炼铁厂党委（LT）" / "炼铁厂党委 (LT)": a name with its code, as select options show it."""
    return f"{name}{sep('open')}{code}{sep('close')}"


def zh_lang(text):
    """The attribute lang="zh-CN" for an element whose whole text is user data (an
    <option> or a <title>, which cannot hold the span of `zh`), on English pages only."""
    from markupsafe import Markup

    if text is None or not _HAN.search(str(text)) or not _english():
        return ""
    return Markup(' lang="zh-CN"')


def register(app) -> None:
    app.add_template_global(sep, "sep")
    app.add_template_global(zh_lang, "zh_lang")
    app.add_template_filter(cn_date, "cn_date")
    app.add_template_filter(fmt_points, "points")
    app.add_template_filter(stars, "stars")
    app.add_template_filter(star_words, "star_words")
    app.add_template_filter(zh, "zh")
    app.add_template_global(cn_period, "cn_period")

    from flask_babel import get_locale
    app.add_template_global(get_locale, "get_locale")

    @app.context_processor
    def _nav():
        from core.web import navigation
        return {"navigation": navigation}
