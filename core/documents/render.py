"""Turning a document template and its data into a PDF: the sandboxed Jinja step, the
fonts, the restricted URL fetcher and WeasyPrint. Runs inside a render worker process
(`core.documents.pool`), so a runaway render can be stopped from outside.

Decisions (README, "Documents"):
- Templates are rendered by a sandboxed, immutable Jinja environment with no loader
  (no include/import/extends), StrictUndefined (an unknown variable is an error, with
  its line), autoescaping, `range` capped by the sandbox and `*`/`**` on strings and
  lists refused beyond MAX_ITEMS. The template sees only the document's own data.
- Output bounds: template source ≤ MAX_SOURCE, generated HTML ≤ MAX_HTML (checked while
  it streams), laid-out pages ≤ the job's max_pages; the whole render is bounded in time
  by the worker pool's timeout.
- The URL fetcher resolves only `data:` URLs and the two pseudo-origin folders
  `https://starbranch.invalid/static/` (the app's static files) and
  `https://starbranch.invalid/fonts/` (the prepared fonts). Everything else — file://,
  http(s) to anywhere, any other scheme — stops the render with `UrlRefused`; no socket
  is ever opened, so there is nothing to redirect. (`.invalid` is a reserved TLD.)
- A document's fonts: the face's GB2312 subset plus small extra fonts for the other
  characters it holds (core.documents.fonts); a character no font has refuses it.
"""
from __future__ import annotations

import base64
import gc
import html as html_lib
import re
import time
import traceback
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote

from core.documents import fonts, reuse

ORIGIN = "https://starbranch.invalid/"
#: Replaced in the HTML by the document's font stack (SVG charts name their fonts).
FONT_TOKEN = "__DOCUMENT_FONTS__"
MAX_SOURCE = 200_000
MAX_HTML = 8_000_000
MAX_ITEMS = 100_000
#: Seconds Jinja may spend on one document (also checked while the output streams).
JINJA_SECONDS = 10.0
_TAGS = re.compile(r"<[^>]*>")


@dataclass
class RenderJob:
    """Everything a worker needs to render one PDF; plain data, so it crosses processes."""

    source: str
    context: dict
    face: str
    cache_dir: str
    static_dir: str
    #: The URL the QR code encodes; None = no QR code.
    qr_url: str | None = None
    max_pages: int = 50
    #: The characters of the whole batch this job belongs to (None for a single
    #: document): the main face is then embedded from a font cut down to them.
    charset: str | None = None
    #: Several documents as one PDF (merged bulk issue): contexts rendered one after another.
    contexts: list[dict] = field(default_factory=list)


class RenderProblem(Exception):
    """A render that must not produce a PDF. `kind`: template / glyph / url / size /
    font; `line`: the template line when known."""

    def __init__(self, kind: str, message: str, line: int | None = None, char: str | None = None):
        super().__init__(kind, message, line, char)
        self.kind, self.message, self.line, self.char = kind, message, line, char

    def __str__(self):
        return self.message


class UrlRefused(Exception):
    """The document asked for a URL the fetcher does not serve."""


# ------------------------------------------------------------------ sandboxed Jinja

def _env():
    from jinja2 import StrictUndefined
    from jinja2.sandbox import ImmutableSandboxedEnvironment, safe_range

    class DocumentSandbox(ImmutableSandboxedEnvironment):
        intercepted_binops = frozenset(["*", "**"])

        def call_binop(self, context, operator, left, right):
            if operator == "**":
                if isinstance(right, (int, float)) and abs(right) > 64:
                    raise OverflowError("exponent too large")
                return left ** right
            for seq, n in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(n, int) and len(seq) * n > MAX_ITEMS:
                    raise OverflowError("repetition too large")
            return left * right

    env = DocumentSandbox(autoescape=True, undefined=StrictUndefined, loader=None)
    env.globals = {"range": safe_range}
    return env


_ENV = None


def _template_line(exc: BaseException) -> int | None:
    line = getattr(exc, "lineno", None)
    if line:
        return line
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename == "<template>":
            return frame.lineno
    return None


_COMPILED: dict = {}


def _compiled(source: str):
    template = _COMPILED.get(source)
    if template is None:
        if len(_COMPILED) > 32:
            _COMPILED.clear()
        template = _COMPILED[source] = _ENV.from_string(source)
    return template


def render_html(source: str, context: dict, *, deadline: float | None = None) -> str:
    """The template's HTML for `context`. Raises RenderProblem('template'|'size', …)."""
    global _ENV
    from jinja2 import TemplateError

    if len(source) > MAX_SOURCE:
        raise RenderProblem("size", f"模板过长（超过 {MAX_SOURCE // 1000} KB）。")
    if _ENV is None:
        _ENV = _env()
    deadline = deadline or time.monotonic() + JINJA_SECONDS
    try:
        template = _compiled(source)
        out, size = [], 0
        for chunk in template.generate(**context):
            size += len(chunk)
            out.append(chunk)
            if size > MAX_HTML:
                raise RenderProblem("size", f"生成的内容过大（超过 {MAX_HTML // 1_000_000} MB），已停止。")
            if time.monotonic() > deadline:
                raise RenderProblem("size", "模板渲染超时，已停止。")
        return "".join(out)
    except RenderProblem:
        raise
    except (TemplateError, OverflowError, TypeError, ValueError, AttributeError, KeyError,
            IndexError, ZeroDivisionError, RecursionError) as exc:
        raise RenderProblem("template", _describe(exc), _template_line(exc)) from None


def _describe(exc: BaseException) -> str:
    from jinja2 import TemplateSyntaxError, UndefinedError
    from jinja2.exceptions import SecurityError

    if isinstance(exc, TemplateSyntaxError):
        return f"模板语法错误：{exc.message}"
    if isinstance(exc, UndefinedError):
        return f"模板使用了未定义的变量：{exc.message}"
    if isinstance(exc, SecurityError):
        return f"模板使用了不允许的操作：{exc}"
    return f"模板错误：{type(exc).__name__}: {exc}"


# ------------------------------------------------------------------ URL fetcher

_FETCHERS: dict = {}


def _fetcher(static_dir: str, font_dir: str):
    """The restricted fetcher for these folders, one per process: it holds no state
    between documents, and building one (urllib's handlers) cost a millisecond each."""
    key = (static_dir, font_dir)
    if key not in _FETCHERS:
        if len(_FETCHERS) > 16:
            _FETCHERS.clear()
        _FETCHERS[key] = _fetcher_class()(static_dir=static_dir, font_dir=font_dir)
    return _FETCHERS[key]


@lru_cache(maxsize=1)
def _fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class RestrictedFetcher(URLFetcher):
        """data: URLs and the app's own static and font folders; nothing else."""

        def __init__(self, static_dir: str, font_dir: str):
            super().__init__(fail_on_errors=True, allowed_protocols=("data", "https"), allow_redirects=False)
            self.roots = {ORIGIN + "static/": Path(static_dir).resolve(), ORIGIN + "fonts/": Path(font_dir).resolve()}

        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return _data_url(url, URLFetcherResponse)
            for prefix, root in self.roots.items():
                if url.startswith(prefix):
                    rel = unquote(url[len(prefix):].split("?")[0].split("#")[0])
                    path = (root / rel).resolve()
                    if path.is_relative_to(root) and path.is_file():
                        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": _mime(path)})
                    raise UrlRefused(url)
            raise UrlRefused(url)

    return RestrictedFetcher


def _mime(path: Path) -> str:
    return {".css": "text/css", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
            ".svg": "image/svg+xml", ".ttf": "font/ttf"}.get(path.suffix.lower(), "application/octet-stream")


def _data_url(url: str, response_cls):
    head, _, payload = url[5:].partition(",")
    mime = head.split(";")[0] or "text/plain"
    body = base64.b64decode(payload) if head.endswith(";base64") else unquote(payload).encode()
    return response_cls(url, body, {"Content-Type": mime})


def data_url(body: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(body).decode()}"


def qr_data_url(url: str) -> str:
    """The QR code of `url` as a PNG data: URL, one pixel per module (drawn without
    smoothing: `image-rendering: pixelated`). Mask 0 is fixed: any mask is a valid
    code, and choosing the "best" of eight was a tenth of a certificate's time."""
    import io

    import segno

    buf = io.BytesIO()
    segno.make(url, error="m", micro=False, mask=0).save(buf, kind="png", border=4, scale=1)
    return data_url(buf.getvalue(), "image/png")


# ------------------------------------------------------------------ fonts as CSS

def _families(face: str, cache_dir: Path, charset: str | None) -> dict[str, tuple[str, Path]]:
    """face → (CSS family, font file): the base subsets, and for the document's main
    face the batch font when a charset is given (its own family name: two files under
    one family would let fontconfig pick either)."""
    out = {}
    for code, (family, _file, _index) in fonts.FACES.items():
        if code == face and charset is not None:
            out[code] = (f"{family} {fonts.batch_key(charset)}", fonts.batch_font(code, cache_dir, charset))
        else:
            out[code] = (family, fonts.base_font(code, cache_dir))
    return out


def _stack(names) -> str:
    return ", ".join(f'"{n}"' for n in names)


def font_stacks(face: str, families, extras) -> dict[str, str]:
    """CSS font-family stacks: the document's main face, `kai` and `ming`; each falls
    back to the other face and then to the extra fonts."""
    kai, ming = families["kai"][0], families["ming"][0]
    tail = [x.family for x in extras]
    return {"main": _stack(([kai, ming] if face == "kai" else [ming, kai]) + tail),
            "kai": _stack([kai, ming] + tail), "ming": _stack([ming, kai] + tail)}


_CSS_CACHE: dict = {}
_FONT_CONFIG = {}


def _font_css(face: str, cache_dir: Path, extras, charset: str | None):
    """(FontConfiguration, CSS, stacks) for the face with these extras; cached per process."""
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    key = (face, str(cache_dir), tuple(x.family for x in extras), charset and fonts.batch_key(charset))
    if key in _CSS_CACHE:
        return _CSS_CACHE[key]
    fc = _FONT_CONFIG.setdefault(str(cache_dir), FontConfiguration())
    families = _families(face, cache_dir, charset)
    rules = [f'@font-face {{ font-family: "{family}"; src: url({ORIGIN}fonts/{path.name}); }}'
             for family, path in families.values()]
    rules += [f'@font-face {{ font-family: "{x.family}"; src: url({ORIGIN}fonts/{x.path.name}); }}' for x in extras]
    stacks = font_stacks(face, families, extras)
    rules += [f"html {{ font-family: {stacks['main']}; }}", f".kai {{ font-family: {stacks['kai']}; }}",
              f".ming {{ font-family: {stacks['ming']}; }}"]
    fetcher = _fetcher(str(cache_dir), str(cache_dir))
    css = CSS(string="\n".join(rules), font_config=fc, url_fetcher=fetcher)
    if len(_CSS_CACHE) > 256:
        _CSS_CACHE.clear()
    _CSS_CACHE[key] = (fc, css, stacks)
    return _CSS_CACHE[key]


# ------------------------------------------------------------------ the render

def page_text(html: str) -> str:
    """The text a page shows (tags dropped, entities decoded): what needs glyphs."""
    return html_lib.unescape(_TAGS.sub(" ", html))


def render(job: RenderJob) -> bytes:
    """The PDF of `job`. Raises RenderProblem; never returns a partial PDF.

    The cyclic garbage collector is paused while WeasyPrint runs: a render allocates
    tens of thousands of short-lived objects (boxes, styles), and the collections they
    set off were about a tenth of a certificate's CPU time. The garbage is collected as
    usual once the collector is back on (nothing is lost; one render's worth at most)."""
    paused = gc.isenabled()
    gc.disable()
    try:
        return _render(job)
    finally:
        if paused:
            gc.enable()


def _render(job: RenderJob) -> bytes:
    from weasyprint import HTML
    from weasyprint.urls import FatalURLFetchingError

    contexts = job.contexts or [job.context]
    parts, filled = [], []
    for ctx in contexts:
        ctx = dict(ctx)
        if job.qr_url is not None or ctx.get("qr_url"):
            ctx["qr"] = qr_data_url(ctx.get("qr_url") or job.qr_url)
        filled.append(ctx)
        parts.append(render_html(job.source, ctx))
    html = parts[0] if len(parts) == 1 else _merge(parts)
    cache_dir = Path(job.cache_dir)
    try:
        extras = fonts.extras_for(job.face, page_text(html), cache_dir, job.charset)
        fc, css, stacks = _font_css(job.face, cache_dir, extras, job.charset)
        html = html.replace(FONT_TOKEN, stacks["main"].replace('"', "'"))
    except fonts.MissingGlyph as exc:
        raise RenderProblem("glyph", f"字符“{exc.char}”（U+{ord(exc.char):04X}）在已安装的字体中都没有字形，"
                                     "不能出具文书。", char=exc.char) from None
    except fonts.FontError as exc:
        raise RenderProblem("font", f"缺少文书所需的字体文件 {exc}：请运行 make run（或安装 "
                                    f"{' '.join(fonts.PACKAGES)}）。") from None
    pdf = reuse.reused_pdf(job, html, filled[0], extras, _PDF_OPTIONS)
    if pdf is not None:
        return pdf
    fetcher = _fetcher(job.static_dir, str(cache_dir))
    try:
        body, styles = _split_styles(html, fc, fetcher)
        document = HTML(string=body, base_url=ORIGIN + "static/", url_fetcher=fetcher).render(
            stylesheets=[css, *styles], font_config=fc)
    except FatalURLFetchingError as exc:
        url = getattr(exc.__cause__, "args", [""])[0] if exc.__cause__ else str(exc)
        raise RenderProblem("url", f"文书引用了不允许的地址：{url}（只允许本系统的静态文件和 data: 地址）。") from None
    if len(document.pages) > job.max_pages * len(contexts):
        raise RenderProblem("size", f"文书超过 {job.max_pages * len(contexts)} 页，已停止。")
    pdf = document.write_pdf(**_PDF_OPTIONS)
    reuse.keep(job, html, filled[0], extras, fetcher, document)
    return pdf


_STYLE = re.compile(r"<style[^>]*>(.*?)</style>", re.S | re.I)
_STYLE_CACHE: dict = {}
_PDF_OPTIONS: dict = {}


def _split_styles(html: str, fc, fetcher):
    """Take the <style> blocks out of `html` and return them parsed, from a per-process
    cache: a template's style text rarely changes, and parsing it was a tenth of a
    certificate's time. The order of the cascade is kept (author sheets after fonts)."""
    from weasyprint import CSS

    styles = []
    for text in _STYLE.findall(html):
        css = _STYLE_CACHE.get(text)
        if css is None:
            if len(_STYLE_CACHE) > 64:
                _STYLE_CACHE.clear()
            css = _STYLE_CACHE[text] = CSS(string=text, font_config=fc, url_fetcher=fetcher,
                                           base_url=ORIGIN + "static/")
        styles.append(css)
    return _STYLE.sub("", html), styles


def _merge(parts: list[str]) -> str:
    """Several rendered documents of one template as one HTML: the first one's head and
    each one's body, each starting on a new page."""
    head_end = parts[0].find("<body")
    head = parts[0][:head_end] if head_end >= 0 else ""
    bodies = []
    for part in parts:
        start = part.find(">", part.find("<body")) + 1 if "<body" in part else 0
        end = part.rfind("</body>") if "</body>" in part else len(part)
        bodies.append(f'<section style="break-before: page">{part[start:end]}</section>')
    return f"{head}<body>{''.join(bodies)}</body></html>"


def render_safe(job: RenderJob):
    """`render` for the pool: ("ok", pdf) or ("error", kind, message, line, char)."""
    try:
        return ("ok", render(job))
    except RenderProblem as exc:
        return ("error", exc.kind, exc.message, exc.line, exc.char)


def render_chunk(jobs: list[RenderJob]) -> list:
    """`render_safe` over several jobs (one round trip to a worker)."""
    return [render_safe(job) for job in jobs]


def warm_up() -> None:
    """Pool initializer: import the heavy modules before the first job arrives."""
    import weasyprint  # noqa: F401
    from fontTools import subset  # noqa: F401
    import segno  # noqa: F401
    _env()
