"""Imports the way users live in Excel and WPS: files as office programs write them
(reader), a preview of what an import would change before anything is written (plan),
and the uploaded file kept server-side between preview and apply (pending).

Decisions (README "Excel 导入与导出"):
- .xlsx and .csv (UTF-8 with or without BOM, else GB18030, which includes GBK) are read;
  .xls and .et are refused with how to save as .xlsx.
- Limits (rows, columns, sheets, cells, uncompressed size, shared strings) are checked
  before the work they guard, so a hostile file is refused fast in bounded memory.
- Every row has a stable identity; an import never deletes; re-importing an unchanged
  export changes nothing; every error of a file is reported in one pass."""
