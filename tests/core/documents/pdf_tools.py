"""Reading the PDFs the tests issue: text (pdftotext), the QR code (pdftoppm + zbarimg)
and the glyphs the embedded fonts really draw for given characters (pypdf + fontTools:
the ToUnicode map gives the glyph id, the embedded TrueType font its outline)."""
from __future__ import annotations

import io
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

NEEDS_POPPLER = pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed (make test installs it)")


def pdf_text(pdf: bytes, layout: bool = False) -> str:
    """The PDF's text; `layout` keeps each printed line on one line (pdftotext -layout)."""
    args = ["pdftotext", "-enc", "UTF-8"] + (["-layout"] if layout else []) + ["-", "-"]
    out = subprocess.run(args, input=pdf, capture_output=True, check=True)
    return out.stdout.decode("utf-8")


def page_count(pdf: bytes) -> int:
    import pypdf
    return len(pypdf.PdfReader(io.BytesIO(pdf)).pages)


def qr_codes(pdf: bytes, page: int = 1) -> list[str]:
    """The QR codes zbarimg finds on `page` rendered at 200 dpi (as a phone camera would see the paper)."""
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "doc.pdf"
        src.write_bytes(pdf)
        subprocess.run(["pdftoppm", "-png", "-r", "200", "-f", str(page), "-l", str(page), str(src),
                        str(Path(tmp) / "page")], check=True)
        png = sorted(Path(tmp).glob("page*.png"))[0]
        out = subprocess.run(["zbarimg", "--quiet", "--raw", "-Sqrcode.enable", str(png)], capture_output=True)
        return [line for line in out.stdout.decode().splitlines() if line]


_BFCHAR = re.compile(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>")


def _unicode(hex_utf16: str) -> str:
    return bytes.fromhex(hex_utf16).decode("utf-16-be")


def drawn_glyphs(pdf: bytes) -> dict[str, list[tuple[str, int]]]:
    """character → [(embedded font name, number of contours of its glyph)] over every
    font embedded in the PDF."""
    import pypdf
    from fontTools.ttLib import TTFont

    out: dict[str, list[tuple[str, int]]] = {}
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    seen = set()
    for page in reader.pages:
        for _name, ref in (page["/Resources"].get("/Font") or {}).items():
            font = ref.get_object()
            base = str(font["/BaseFont"])
            if base in seen:
                continue
            seen.add(base)
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            data = descriptor["/FontFile2"].get_object().get_data()
            tt = TTFont(io.BytesIO(data))
            order = tt.getGlyphOrder()
            glyf = tt["glyf"]
            tounicode = font["/ToUnicode"].get_object().get_data().decode("latin-1")
            for gid_hex, uni_hex in _BFCHAR.findall(tounicode):
                gid = int(gid_hex, 16)
                if len(gid_hex) != 4 or gid >= len(order):
                    continue
                glyph = glyf[order[gid]]
                out.setdefault(_unicode(uni_hex), []).append((base, glyph.numberOfContours))
    return out


def has_real_glyph(pdf: bytes, char: str) -> bool:
    """True when an embedded font draws `char` with an outline (not an empty glyph, not
    .notdef — a tofu box has no ToUnicode entry for the character)."""
    return any(contours != 0 for _font, contours in drawn_glyphs(pdf).get(char, []))
