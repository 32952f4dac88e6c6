"""Fonts for PDF documents: which installed fonts are used, the pre-subset copies that
make rendering fast, and the fallback that gives every character a real glyph.

Decisions (README, "Documents"):
- Only fonts with TrueType (glyf) outlines are used: WeasyPrint re-subsets every font it
  embeds, and CFF CJK fonts (Noto CJK) cost seconds per PDF there.
- Two faces: 楷体 `kai` = AR PL UKai CN (fonts-arphic-ukai) for certificates, 宋体/明体
  `ming` = AR PL UMing CN (fonts-arphic-uming) for decisions, sheets and reports. Both
  are free (Arphic Public License), cover GB2312 and most of GB 18030's BMP.
- Each face is pre-subset once to GB2312 + ASCII + the punctuation documents use
  (`BASE_EXTRA`) and cached under the instance folder (`instance/fonts/`), keyed by the
  source file's size and mtime, so a changed font rebuilds it.
- Fallback chain for any other character: the face's full font, WenQuanYi Micro Hei,
  HanaMinA (CJK Extension A), HanaMinB (Extension B) — fonts-hanazono. The characters a
  document needs beyond the base subset are subset from the first font of the chain
  that has them into small "extra" fonts (cached by character set). A character no font
  of the chain has refuses the document with a message naming it (`MissingGlyph`).
"""
from __future__ import annotations

import hashlib
import io
import os
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

#: Debian packages that provide the fonts (installed by `make run` / `make test`).
PACKAGES = ("fonts-arphic-ukai", "fonts-arphic-uming", "fonts-hanazono", "fonts-wqy-microhei")

#: face code → (CSS family of the pre-subset copy, font file name, index in a .ttc).
FACES = {
    "kai": ("SB Kai", "ukai.ttc", 0),
    "ming": ("SB Ming", "uming.ttc", 0),
}
#: The fallback chain after the face's own full font: (label, file name, index).
FALLBACKS = (
    ("wqy", "wqy-microhei.ttc", 0),
    ("hana-a", "HanaMinA.ttf", 0),
    ("hana-b", "HanaMinB.ttf", 0),
)
FONT_ROOTS = ("/usr/share/fonts", "/usr/local/share/fonts")
#: Characters outside GB2312 that documents print themselves (〇 of Chinese dates, ★,
#: 〔〕 of document numbers, quotes and dashes).
BASE_EXTRA = "〇★☆〔〕【】“”‘’—…·•●○◎※№、。，；：？！（）《》「」『』　×÷±≤≥％"
#: Bump when the subsetting below changes, so cached files are rebuilt.
CACHE_VERSION = "2"


class FontError(RuntimeError):
    """A font needed for documents is not installed."""


class MissingGlyph(FontError):
    """No installed font of the chain has a glyph for `char`."""

    def __init__(self, char: str):
        self.char = char
        super().__init__(f"U+{ord(char):04X}")


@lru_cache(maxsize=None)
def find_font(file_name: str) -> Path | None:
    """The installed font file called `file_name` under the usual font folders."""
    override = os.environ.get("STARBRANCH_FONT_DIR")
    roots = ((override,) if override else ()) + FONT_ROOTS
    for root in roots:
        for path in sorted(Path(root).rglob(file_name)) if Path(root).is_dir() else ():
            return path
    return None


def _open(path: Path, index: int, lazy: bool = True):
    from fontTools.ttLib import TTFont

    return TTFont(str(path), fontNumber=index, lazy=lazy)


@lru_cache(maxsize=None)
def _cmap(path: Path, index: int) -> frozenset[int]:
    """The code points the font really draws: mapped in its cmap to a glyph with an
    outline. (AR PL UKai maps 䶮 to an empty glyph: a cmap entry alone proves nothing.)"""
    font = _open(path, index)
    cmap = font.getBestCmap()
    if "glyf" not in font:
        return frozenset(cmap)
    offsets = font["loca"].locations
    order = font.getGlyphOrder()
    drawn = {order[i] for i in range(min(len(order), len(offsets) - 1)) if offsets[i + 1] > offsets[i]}
    return frozenset(cp for cp, name in cmap.items() if name in drawn)


@lru_cache(maxsize=1)
def gb2312() -> frozenset[int]:
    out = set(range(0x20, 0x7F))
    for b1 in range(0xA1, 0xF8):
        for b2 in range(0xA1, 0xFF):
            try:
                out.add(ord(bytes((b1, b2)).decode("gb2312")))
            except UnicodeDecodeError:
                pass
    out.update(ord(c) for c in BASE_EXTRA)
    return frozenset(out)


#: Unicode categories that draw nothing: controls, format characters (joiners,
#: variation selectors are Mn and are drawn with their base), separators.
_INVISIBLE = {"Cc", "Cf", "Zs", "Zl", "Zp"}


def needs_glyph(char: str) -> bool:
    """Characters a font must draw: everything but ASCII and invisible characters —
    unassigned and private-use code points too (no font of ours has them: refused)."""
    return ord(char) >= 0x80 and unicodedata.category(char) not in _INVISIBLE


def face_source(face: str) -> tuple[Path, int]:
    _family, file_name, index = FACES[face]
    path = find_font(file_name)
    if path is None:
        raise FontError(f"{file_name}")
    return path, index


def chain(face: str) -> list[tuple[str, Path, int]]:
    """The fallback chain of `face` as installed: (label, path, index)."""
    path, index = face_source(face)
    out = [(face, path, index)]
    for label, file_name, idx in FALLBACKS:
        found = find_font(file_name)
        if found is not None:
            out.append((label, found, idx))
    return out


def missing_packages() -> list[str]:
    """Debian packages whose fonts are not found (empty when all are installed)."""
    wanted = {"fonts-arphic-ukai": "ukai.ttc", "fonts-arphic-uming": "uming.ttc",
              "fonts-hanazono": "HanaMinB.ttf", "fonts-wqy-microhei": "wqy-microhei.ttc"}
    return [pkg for pkg, name in wanted.items() if find_font(name) is None]


def _stamp(path: Path) -> str:
    st = path.stat()
    return f"{path}:{st.st_size}:{int(st.st_mtime)}:{CACHE_VERSION}"


def _digest(*parts: str) -> str:
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def _subset_to(path: Path, index: int, codepoints, target: Path) -> Path:
    """Write a TrueType subset of `path` holding `codepoints` to `target` (atomically)."""
    from fontTools import subset

    font = _open(path, index)
    options = subset.Options()
    options.hinting = False
    options.layout_features = []
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.drop_tables += ["GSUB", "GPOS", "EBDT", "EBLC", "EBSC", "FFTM", "BDF "]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(codepoints))
    import logging
    logging.getLogger("fontTools.subset").setLevel(logging.ERROR)
    subsetter.subset(font)
    buf = io.BytesIO()
    font.save(buf)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_bytes(buf.getvalue())
    os.replace(tmp, target)
    return target


@lru_cache(maxsize=None)
def base_codepoints(face: str) -> frozenset[int]:
    """What the face's base subset holds: GB2312 + BASE_EXTRA, as far as the face has them."""
    path, index = face_source(face)
    return gb2312() & _cmap(path, index)


def base_font(face: str, cache_dir: Path) -> Path:
    """The face pre-subset to GB2312 + BASE_EXTRA, built once and cached."""
    path, index = face_source(face)
    target = Path(cache_dir) / f"{face}-gb2312-{_digest(_stamp(path))}.ttf"
    if not target.exists():
        _subset_to(path, index, base_codepoints(face), target)
    return target


def batch_codepoints(face: str, charset: str) -> frozenset[int]:
    """What a batch font of `charset` holds: ASCII and the charset's characters of the
    face's base subset."""
    return frozenset(range(0x20, 0x7F)) | (frozenset(ord(c) for c in charset) & base_codepoints(face))


def batch_key(charset: str) -> str:
    return _digest(CACHE_VERSION, "".join(sorted(set(charset))))


def batch_font(face: str, cache_dir: Path, charset: str) -> Path:
    """The face's base subset cut down to the characters of one batch of documents
    (cached by character set). Embedding a font costs in proportion to its size, so a
    bulk job's documents render about a third faster with it than with the GB2312 one."""
    target = Path(cache_dir) / f"{face}-batch-{batch_key(charset)}.ttf"
    if not target.exists():
        _subset_to(base_font(face, cache_dir), 0, batch_codepoints(face, charset), target)
    return target


@lru_cache(maxsize=8)
def advances(path: Path) -> dict[int, int]:
    """code point → advance width (font units) of the font at `path`."""
    font = _open(path, 0)
    metrics = font["hmtx"].metrics
    return {cp: metrics[name][0] for cp, name in font.getBestCmap().items()}


def main_font(face: str, cache_dir: Path, charset: str | None) -> Path:
    """The file a document's main face is embedded from: the batch font or the base subset."""
    return batch_font(face, cache_dir, charset) if charset is not None else base_font(face, cache_dir)


def prepare(cache_dir: Path) -> list[Path]:
    """Build (or find cached) every face's base subset; `make run` calls this."""
    return [base_font(face, cache_dir) for face in FACES]


@dataclass(frozen=True)
class ExtraFont:
    """A small subset holding the characters a document needs beyond the base subset."""

    family: str
    path: Path


def extras_for(face: str, text: str, cache_dir: Path, charset: str | None = None) -> list[ExtraFont]:
    """The extra fonts `text` needs with `face` beyond its base (or batch) font (cached
    by character set), in fallback order. Raises MissingGlyph naming the first
    character no installed font has."""
    covered = batch_codepoints(face, charset) if charset is not None else base_codepoints(face)
    needed = sorted({ord(c) for c in text if needs_glyph(c)} - covered)
    if not needed:
        return []
    fonts = chain(face)
    by_font: dict[int, list[int]] = {}
    for cp in needed:
        for i, (_label, path, index) in enumerate(fonts):
            if cp in _cmap(path, index):
                by_font.setdefault(i, []).append(cp)
                break
        else:
            raise MissingGlyph(chr(cp))
    out = []
    for i in sorted(by_font):
        label, path, index = fonts[i]
        key = _digest(_stamp(path), ",".join(map(str, by_font[i])))
        target = Path(cache_dir) / f"x-{label}-{key}.ttf"
        if not target.exists():
            _subset_to(path, index, by_font[i], target)
        out.append(ExtraFont(family=f"SBX {label} {key}", path=target))
    return out
