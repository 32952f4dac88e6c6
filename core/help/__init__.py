"""操作手册: what each role does each month, quarter and year, with links to the pages,
and the year's rule set in words."""
