"""The reader: files as office programs write them, and hostile files refused fast in
bounded memory (#14 item 3)."""
import io
import re
import time
import tracemalloc
import zipfile

import pytest
from openpyxl import Workbook

from core.imports.reader import LIMITS, Limits, Percent, _is_percent, open_book
from core.imports.table import Problems, read_table
from core.xlsx import Column, ImportFileError, parse_text
from tests.office import csv_bytes, xlsx

COLUMNS = [Column("编码", "code", parse_text(10)), Column("名称", "name", parse_text(10), required=False)]


def _rows(book, i=0):
    return list(book.sheets[i].rows())


def _patched(data: bytes, sheet_xml) -> bytes:
    """Rewrite xl/worksheets/sheet1.xml of an xlsx through `sheet_xml(text) -> text`."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            body = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                body = sheet_xml(body.decode()).encode()
            dst.writestr(item.filename, body)
    return out.getvalue()


def _small_xlsx() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["编码", "名称"])
    ws.append(["A1", "甲"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _bounded(fn, seconds=3.0, megabytes=40):
    tracemalloc.start()
    start = time.process_time()  # CPU seconds: the bound holds on a busy machine too
    try:
        fn()
    finally:
        elapsed = time.process_time() - start
        peak = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
    assert elapsed < seconds, f"took {elapsed:.2f} s"
    assert peak < megabytes, f"peak {peak:.1f} MB"


def test_percent_and_date_cells_arrive_typed():
    data = xlsx({"S": [["a", "b", "c"], [0.9875, 5, "2026-01-01"]]},
                formats={("S", "A2"): "0.00%", ("S", "B2"): '0.00"%"'}).getvalue()
    rows = _rows(open_book(data, "a.xlsx"))
    assert rows[1][1][0] == Percent(0.9875) and rows[1][1][0].shown == 98.75
    assert rows[1][1][1] == 5, "a quoted % is literal text in the format, not a percent"
    assert _is_percent("0%") and not _is_percent('0"%"') and not _is_percent("0\\%")


def test_csv_encodings_and_escape_apostrophes():
    rows = [["编码", "名称"], ["A1", "'=1+1"], ["A2", "'普通撇号"]]
    for enc, bom in (("gbk", False), ("gb18030", False), ("utf-8", True), ("utf-8", False), ("utf-16", False)):
        got = _rows(open_book(csv_bytes(rows, enc, bom).getvalue(), "x.csv"))
        assert got[1][1] == ("A1", "=1+1") and got[2][1] == ("A2", "'普通撇号"), enc
    semicolons = open_book("编码;名称\nA1;甲\n".encode(), "x.csv")
    assert _rows(semicolons)[1][1] == ("A1", "甲")


def test_header_under_a_merged_title_row_and_a_missing_header():
    problems = Problems()
    book = open_book(xlsx({"S": [["编码", "名称"], ["A1", "甲"]]}, title_row="名册").getvalue(), "a.xlsx")
    assert [r["code"] for r in read_table(book.sheets[0], COLUMNS, problems)] == ["A1"] and problems.ok
    book = open_book(xlsx({"S": [["标题"], ["编号", "名"], ["A1", "甲"]]}).getvalue(), "a.xlsx")
    assert read_table(book.sheets[0], COLUMNS, problems) == []
    assert problems.errors[0].message.startswith("第 1 行不是表头：请删除标题行")


def test_a_declared_dimension_of_a1_xfd10000_costs_nothing():
    data = _patched(_small_xlsx(), lambda t: re.sub(r'<dimension ref="[^"]+"/>', '<dimension ref="A1:XFD10000"/>', t))

    def read():
        rows = _rows(open_book(data, "a.xlsx"))
        assert rows == [(1, ("编码", "名称")), (2, ("A1", "甲"))]
    _bounded(read, seconds=1, megabytes=10)


def test_a_value_beyond_the_column_limit_is_refused():
    data = _patched(_small_xlsx(), lambda t: t.replace("</row></sheetData>",
                                                      '<c r="XFD2"><v>1</v></c></row></sheetData>'))
    with pytest.raises(ImportFileError, match="超出第 60 列"):
        _rows(open_book(data, "a.xlsx"))


def test_a_row_number_beyond_the_limit_is_refused_without_padding():
    data = _patched(_small_xlsx(), lambda t: t.replace(
        "</sheetData>", '<row r="1048576"><c r="A1048576"><v>1</v></c></row></sheetData>'))
    with pytest.raises(ImportFileError, match="行数超过上限"):
        _bounded(lambda: _rows(open_book(data, "a.xlsx")), seconds=1, megabytes=10)


def test_a_huge_shared_strings_part_in_a_small_zip_is_refused_before_parsing():
    src = zipfile.ZipFile(io.BytesIO(_small_xlsx()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as dst:
        for item in src.infolist():
            dst.writestr(item.filename, src.read(item.filename))
        with dst.open("xl/sharedStrings.xml", "w") as fh:  # streamed: the test stays small too
            fh.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
            chunk = b"<si><t>a</t></si>" * 65536
            for _ in range((LIMITS.max_shared_strings + len(chunk)) // len(chunk) + 1):
                fh.write(chunk)
            fh.write(b"</sst>")
    data = out.getvalue()
    assert len(data) < 1_000_000, "a small file"
    with pytest.raises(ImportFileError, match="共享字符串超过上限"):
        _bounded(lambda: open_book(data, "a.xlsx"), seconds=1, megabytes=10)


def test_limits_on_cells_sheets_entries_and_size():
    data = xlsx({f"S{i}": [["编码"]] for i in range(5)}).getvalue()
    with pytest.raises(ImportFileError, match="工作表过多"):
        open_book(data, "a.xlsx", Limits(max_sheets=4))
    with pytest.raises(ImportFileError, match="部件过多"):
        open_book(data, "a.xlsx", Limits(max_zip_entries=5))
    with pytest.raises(ImportFileError, match="解压后过大"):
        open_book(data, "a.xlsx", Limits(max_uncompressed=1000))
    with pytest.raises(ImportFileError, match="文件过大"):
        open_book(data, "a.xlsx", Limits(max_bytes=100))
    many = csv_bytes([["编码", "名称"]] + [["A", "B"]] * 100, "utf-8").getvalue()
    with pytest.raises(ImportFileError, match="单元格过多"):
        _rows(open_book(many, "a.csv", Limits(max_cells=50)))


def test_errors_are_counted_linearly_and_kept_bounded():
    rows = [["编码", "名称"]] + [["太长了太长了太长了太长了", "x"]] * 50_000
    book = open_book(csv_bytes(rows, "utf-8").getvalue(), "a.csv")
    problems = Problems()
    start = time.process_time()  # CPU, not wall: a busy machine must not fail it, a quadratic count does
    assert len(list(read_table(book.sheets[0], COLUMNS, problems))) == 50_000
    assert time.process_time() - start < 5
    assert problems.error_count == 50_000 and len(problems.errors) == problems.cap


def test_xls_and_et_are_refused_with_how_to_save_as_xlsx():
    for name, data in (("a.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100)), ("b.et", b"whatever")):
        with pytest.raises(ImportFileError, match="另存为"):
            open_book(data, name)


def test_a_part_with_a_dtd_is_refused():
    bomb = ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            '<row r="1"><c r="A1" t="inlineStr"><is><t>&b;</t></is></c></row></sheetData></worksheet>')
    data = _patched(_small_xlsx(), lambda t: bomb)
    with pytest.raises(ImportFileError, match="DTD"):
        _rows(open_book(data, "a.xlsx"))
