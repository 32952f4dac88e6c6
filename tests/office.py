"""Files as office programs write them, for import tests: xlsx with a merged title row,
percent and date formats, formula results cached with many decimals, extra empty sheets
(Sheet2/Sheet3) and a 说明 sheet; CSV in GBK/GB18030 or UTF-8 with/without BOM."""
from __future__ import annotations

import csv
import io
import re

from openpyxl import Workbook


def xlsx(sheets: dict, *, title_row: str | None = None, formats: dict | None = None,
         extra_sheets=(), formulas: dict | None = None) -> io.BytesIO:
    """sheets: {title: [header, row, …]}; formats: {(title, 'B3'): '0.00%'};
    formulas: {(title, 'E2'): ('=D2/3', cached value)} — written as a formula with the
    cached result, as Excel and WPS save it (openpyxl cannot, so the XML is patched)."""
    wb = Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        if title_row:
            ws.append([title_row])
            ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=max(len(rows[0]), 2))
        for row in rows:
            ws.append(row)
    for (title, ref), fmt in (formats or {}).items():
        wb[title][ref].number_format = fmt
    for title in extra_sheets:
        ws = wb.create_sheet(title)
        if "说明" in title:
            ws.append(["填写说明：每行一条记录"])
    out = io.BytesIO()
    wb.save(out)
    if formulas:
        out = _with_formulas(out.getvalue(), wb, formulas)
    out.seek(0)
    return out


def _with_formulas(data: bytes, wb, formulas) -> io.BytesIO:
    import zipfile
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            body = src.read(item.filename)
            for (title, ref), (formula, cached) in formulas.items():
                index = wb.sheetnames.index(title) + 1
                if item.filename == f"xl/worksheets/sheet{index}.xml":
                    text = body.decode()
                    # replace the cell (whatever it held) by a formula with its cached value
                    text = re.sub(rf'<c r="{ref}"[^>]*?(/>|>.*?</c>)',
                                  f'<c r="{ref}"><f>{formula.lstrip("=")}</f><v>{cached}</v></c>', text, count=1)
                    body = text.encode()
            dst.writestr(item, body)
    return out


def csv_bytes(rows, encoding="gbk", bom=False) -> io.BytesIO:
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    data = text.getvalue().encode(encoding)
    if bom:
        data = b"\xef\xbb\xbf" + data
    return io.BytesIO(data)


def token_of(html: str) -> str | None:
    m = re.search(r'name="token" type="hidden" value="([^"]+)"', html) or \
        re.search(r'id="token" name="token" type="hidden" value="([^"]+)"', html)
    if m:
        return m.group(1)
    m = re.search(r'name="token"[^>]*value="([^"]+)"', html)
    return m.group(1) if m else None


def preview(client, url, stream, filename="导入.xlsx"):
    return client.post(url + "?step=preview", data={"file": (stream, filename)}, content_type="multipart/form-data")


def apply(client, url, html):
    token = token_of(html)
    assert token, "the preview offers an apply button"
    return client.post(url + "?step=apply", data={"token": token})


def cancel(client, url, html):
    return client.post(url + "?step=cancel", data={"token": token_of(html)})
