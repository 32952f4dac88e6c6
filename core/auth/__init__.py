"""Users, roles, login, and the one scoping layer every query goes through."""
