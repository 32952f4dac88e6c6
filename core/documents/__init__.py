"""Documents (文书): PDF honour certificates, commendation decisions, printable score
sheets and the annual star report, with a register, public verification by QR code,
admin-edited templates and bulk issue. Plugins add their own types through the hook
`starbranch_document_types`.

Where things are: types.py (what a type is, the builder contract), papers/ (the core's
four types), defaults/ (their default templates), fonts.py (font choice, pre-subsetting,
fallback), render.py (sandboxed Jinja + restricted fetcher + WeasyPrint, in a worker),
pool.py (the render worker processes, time limits), service.py (the register: issue,
revoke, verify), bulk.py (bulk jobs: ZIP or merged PDF, progress), templates_admin.py
(template settings, seal upload, preview), views.py, commands.py, demo_previous_year.py.
The README's "Documents" section records the decisions.
"""
