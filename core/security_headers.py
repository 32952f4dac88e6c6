"""Security headers on every response (issue #14).

The Content-Security-Policy forbids inline script: behaviour lives in
`static/app.js` and reads data attributes, so a value that slips into a page can be
text but never code. Styles may stay inline (the server-side SVG charts and a few
layout tweaks use `style`), which cannot run script. A response that sets its own
policy (attachment downloads: `sandbox`) keeps it.
"""
from __future__ import annotations

from flask import Flask

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def init_security_headers(app: Flask) -> None:
    @app.after_request
    def _add_security_headers(response):
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        return response
