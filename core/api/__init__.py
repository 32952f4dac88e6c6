"""The read-only JSON API under /api/v1/ (session or `Authorization: Bearer` token)."""
