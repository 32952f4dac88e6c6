"""Reusing a laid-out document for the next one of the same shape (bulk certificates).

A thousand certificates of one template differ only in a few printed values (the
branch, its unit, the honour, the serial, the QR code). WeasyPrint's layout and styles
are two thirds of a certificate's CPU time, so each render worker keeps the documents
it laid out (by shape, see `_shape`) and, for a later job of the same template, fonts
and settings, swaps the new values into a kept layout and writes the PDF again — when,
and only when, the new document's layout is provably the same:

- the template, face, batch font and folders are the same (a template edit is a new
  key: laid out afresh);
- the new HTML is the old HTML with each changed value replaced, and the values occur
  only as text (title or body) or, for the QR code, as an image's `src` — nothing in a
  style, an attribute or another meta field;
- every text box holding a changed value is a whole single-line paragraph (nothing
  wrapped), and Pango measures the new text to exactly the old extent (width, height,
  ascent) in that box's own style, with the same extra fallback fonts — or, for a box
  that ends its start-aligned, undecorated line (the serial), only the width differs
  and the new text still fits: nothing follows it to move;
- a new QR image has the old one's pixel size (its box has the same size).
Then every box keeps its position and size, and the PDF written is byte for byte the
one a fresh layout gives (tested). Anything else is laid out afresh, and is kept in
turn. Only one-page documents are kept.
"""
from __future__ import annotations

import html as html_lib
import re
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache

#: The laid-out documents each key keeps (per worker process), by shape: the length and
#: the summed advance widths of every printed value (a cheap index; `_plan` is the proof).
_KEPT: dict = {}
_PER_KEY = 64
_MAX_KEYS = 2
#: Per key, the printed values whose width may change (each only at the end of its own
#: start-aligned line): left out of the shape, so e.g. serials of any width share layouts.
_FREE_WIDTH: dict = {}
#: Documents written from a kept layout and laid out afresh, in this process (tests, bench).
STATS = {"reused": 0, "laid_out": 0}
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.S | re.I)
_BODY = re.compile(r"<body[^>]*>(.*)</body>", re.S | re.I)
_TAGS = re.compile(r"<[^>]*>")


@dataclass
class Kept:
    document: object
    html: str
    context: dict
    extras: tuple
    fetcher: object


def key_of(job) -> tuple:
    return (job.source, job.face, job.charset, job.cache_dir, job.static_dir, job.max_pages)


def keep(job, html: str, context: dict, extras, fetcher, document) -> None:
    """Keep `document` (laid out from `html`) for the next jobs of the same key and shape."""
    STATS["laid_out"] += 1
    if job.contexts or len(document.pages) != 1:
        return
    key = key_of(job)
    if key not in _KEPT and len(_KEPT) >= _MAX_KEYS:
        _KEPT.pop(next(iter(_KEPT)))
    kept = _KEPT.setdefault(key, OrderedDict())
    _FREE_WIDTH[key] = _free_width(document, job, context)
    shape = _shape(job, context)
    kept[shape] = Kept(document, html, context, tuple(x.family for x in extras), fetcher)
    kept.move_to_end(shape, last=False)
    while len(kept) > _PER_KEY:
        kept.popitem()


def _shape(job, context: dict) -> tuple:
    """Each printed string value's length and summed advance widths in the main font
    (a character the font lacks counts as itself, so only the same one matches it)."""
    from pathlib import Path

    from core.documents import fonts

    widths = fonts.advances(fonts.main_font(job.face, Path(job.cache_dir), job.charset))
    return tuple((name, len(value), sum(widths.get(ord(c), 1_000_000 + ord(c)) for c in value))
                 for name, value in sorted(context.items())
                 if name != "qr" and isinstance(value, str) and name in _referenced(job.source)
                 and name not in _FREE_WIDTH.get(key_of(job), ()))


def forget() -> None:
    _KEPT.clear()
    _FREE_WIDTH.clear()


def _free_width(document, job, context: dict) -> frozenset[str]:
    """The printed string values whose every text box ends its single, start-aligned
    line (see `_trailing`; `_plan` still checks each new width fits)."""
    from weasyprint.formatting_structure.boxes import TextBox

    values = {name: value for name, value in context.items()
              if name != "qr" and isinstance(value, str) and value and name in _referenced(job.source)}
    holders: dict[str, list] = {name: [] for name in values}
    for box, block, parent in _boxes(document.pages[0]._page_box):
        if isinstance(box, TextBox):
            for name, value in values.items():
                if value in box.text:
                    holders[name].append((box, block, parent))
    free = set()
    for name, boxes in holders.items():
        if boxes and all(block is not None and len(block.children) == 1 and box.text.endswith(values[name])
                         and _trailing(box, block, parent, (0, 0, 0, 0), (0, 0, 0, 0)) for box, block, parent in boxes):
            free.add(name)
    return frozenset(free)


@lru_cache(maxsize=32)
def _referenced(source: str) -> frozenset[str]:
    """The variables the template prints (others may change freely)."""
    from jinja2 import Environment, meta

    return frozenset(meta.find_undeclared_variables(Environment().parse(source)))


def reused_pdf(job, html: str, context: dict, extras, pdf_options: dict) -> bytes | None:
    """The PDF of `job` written from the kept layout with the new values, or None when
    the layout cannot be shown to be the same (then the caller lays it out)."""
    if job.contexts:
        return None
    kept = _KEPT.get(key_of(job), {}).get(_shape(job, context))
    if kept is None or kept.extras != tuple(x.family for x in extras):
        return None
    try:
        plan = _plan(kept, job, html, context)
    except (AttributeError, KeyError, TypeError, IndexError):
        # The plan reads WeasyPrint's laid-out boxes (tested with WeasyPrint 70): should a
        # later version lay them out differently, the document is simply laid out afresh.
        plan = None
    if plan is None:
        return None
    texts, images, title = plan
    for box, text, widening in texts:
        box.text = box.pango_layout.text = text
        box.width += widening
    for box, image in images:
        box.replacement = image
    kept.document.metadata.title = title
    kept.html, kept.context = html, context
    kept.document.fonts = {}  # filled while drawing: only this PDF's glyphs are embedded
    STATS["reused"] += 1
    return kept.document.write_pdf(**pdf_options)


def _plan(kept: Kept, job, html: str, context: dict):
    """([(text box, new text)], [(image box, new image)], new title), or None."""
    changed = {}
    for name in _referenced(job.source) | {"qr"}:
        old, new = kept.context.get(name), context.get(name)
        if old == new:
            continue
        if not (isinstance(old, str) and isinstance(new, str) and old):
            return None
        changed[name] = (old, new)
    qr = changed.pop("qr", None)
    texts = dict(changed.values())
    expected = kept.html.replace(_escape(qr[0]), _escape(qr[1])) if qr else kept.html
    if texts:
        expected = _replacer({_escape(old): _escape(new) for old, new in texts.items()})(expected)
    if expected != html:
        return None  # the new HTML is not the old one with the values replaced
    title_m, body_m = _TITLE.search(kept.html), _BODY.search(kept.html)
    title_text = html_lib.unescape(title_m.group(1)) if title_m else ""
    body_text = html_lib.unescape(_TAGS.sub(" ", body_m.group(1))) if body_m else ""
    for old in texts:
        if kept.html.count(_escape(old)) != title_text.count(old) + body_text.count(old):
            return None  # the value is also in an attribute, a style or another meta field
    title = kept.document.metadata.title
    if any((title or "").count(old) != title_text.count(old) for old in texts):
        return None
    replace = _replacer(texts) if texts else None
    if title and texts:
        title = replace(title)
    text_plan = _text_swaps(kept.document, texts, replace, body_text)
    if text_plan is None:
        return None
    image_plan = _image_swaps(kept, qr) if qr else []
    if image_plan is None:
        return None
    return text_plan, image_plan, title


def _escape(value: str) -> str:
    """As the template's autoescaping writes the value into the HTML."""
    from markupsafe import escape

    return str(escape(value))


def _replacer(mapping: dict[str, str]):
    """A function replacing every key of `mapping` by its value in one pass (the
    longest key first where two start at the same place)."""
    pattern = re.compile("|".join(re.escape(k) for k in sorted(mapping, key=len, reverse=True)))
    return lambda text: pattern.sub(lambda m: mapping[m.group(0)], text)


def _boxes(box, block=None, parent=None):
    """(box, its block container of lines, its parent) for every box in tree order;
    absolutely positioned boxes are reached through the placeholders layout leaves."""
    from weasyprint.formatting_structure import boxes

    box = getattr(box, "_box", box)  # weasyprint.layout.absolute.AbsolutePlaceholder
    yield box, block, parent
    children = getattr(box, "children", None) or []
    if isinstance(box, boxes.BlockContainerBox) and children and isinstance(children[0], boxes.LineBox):
        block = box
    for child in children:
        yield from _boxes(child, block, box)


def _trailing(box, block, parent, old: tuple, new: tuple) -> bool:
    """Whether `box` may change width from `old` to `new` extent without moving anything:
    the last box of a start-aligned, left-to-right single line, undecorated, its height
    and ascent unchanged, still within the line (what follows it is only its own end)."""
    from weasyprint.formatting_structure.boxes import LineBox
    from weasyprint.text.ffi import FROM_UNITS

    style = box.style
    return (isinstance(parent, LineBox) and parent.children[-1] is box and old[:2] == new[:2]
            and old[3] == new[3] and style["direction"] == "ltr"
            and style["text_align_all"] in ("start", "left") and style["text_align_last"] in ("auto", "start", "left")
            and style["text_decoration_line"] == "none"
            and box.position_x + box.width + (new[2] - old[2]) * FROM_UNITS
            <= block.content_box_x() + block.width)


def _text_swaps(document, texts: dict[str, str], replace, body_text: str):
    """[(text box, new text, width change in px)], or None."""
    from weasyprint.formatting_structure.boxes import TextBox
    from weasyprint.text.ffi import FROM_UNITS

    if not texts:
        return []
    swaps, found = [], 0
    for box, block, parent in _boxes(document.pages[0]._page_box):
        if not isinstance(box, TextBox):
            continue
        hits = sum(box.text.count(old) for old in texts)
        if not hits:
            continue
        if block is None or len(block.children) != 1 or box.pango_layout.text != box.text:
            return None  # not a whole single-line paragraph
        new = replace(box.text)
        old_extent, new_extent = _extent(box, box.text), _extent(box, new)
        if new_extent != old_extent and not _trailing(box, block, parent, old_extent, new_extent):
            return None
        swaps.append((box, new, (new_extent[2] - old_extent[2]) * FROM_UNITS))
        found += hits
    if found != sum(body_text.count(old) for old in texts):
        return None  # a value split over boxes (or drawn elsewhere): not ours to swap
    return swaps


def _extent(box, text: str) -> tuple[int, int, int, int]:
    """The logical rectangle Pango gives `text` in `box`'s style (offsets, width and
    height — the ascent too, should a character come from another font), in Pango units."""
    from weasyprint.text.ffi import ffi, pango
    from weasyprint.text.line_break import Layout

    layout = Layout(box.style, getattr(box, "justification_spacing", 0))
    layout.set_text(text)
    line, _index = layout.get_first_line()
    rect = ffi.new("PangoRectangle *")
    pango.pango_layout_line_get_extents(line, ffi.NULL, rect)
    return rect.x, rect.y, rect.width, rect.height


def _image_swaps(kept: Kept, qr: tuple[str, str]):
    """The QR code's image boxes with the new image (same pixel size), or None."""
    from hashlib import md5

    from weasyprint import DEFAULT_OPTIONS
    from weasyprint.formatting_structure import boxes
    from weasyprint.images import RasterImage, get_image_from_uri

    old, new = qr
    in_src = kept.html.count(f'src="{_escape(old)}"')
    if kept.html.count(_escape(old)) != in_src:
        return None
    old_id = md5(old.encode(), usedforsecurity=False).hexdigest()
    swaps = []
    for box, _block, _parent in _boxes(kept.document.pages[0]._page_box):
        if isinstance(box, boxes.ReplacedBox) and getattr(box.replacement, "id", None) == old_id:
            image = get_image_from_uri({}, kept.fetcher, DEFAULT_OPTIONS, new,
                                       orientation=box.style["image_orientation"])
            if not (isinstance(image, RasterImage) and isinstance(box.replacement, RasterImage)
                    and (image.width, image.height) == (box.replacement.width, box.replacement.height)):
                return None
            swaps.append((box, image))
    if len(swaps) != in_src:
        return None
    return swaps
