"""Optional log-in against the group's directory (LDAP), through `ldap3`.

Off unless `LDAP_URL` is set (STARBRANCH_LDAP_URL); with it off nothing here runs.
Decisions (README, "Log-in with the group's directory (LDAP)"):
- The directory only checks passwords. Who may log in, with which role and scope, is
  still the starbranch account of the same username: a directory user without one is
  refused (an administrator creates it first). No account is ever made from the
  directory, so nobody gains access just by being in the group's directory.
- A person the directory knows logs in with the directory password only. At her first
  directory log-in her local password is made unusable (`DIRECTORY_PASSWORD`), so an
  initial password handed out by an administrator is no second key.
- Usernames the directory does not know (the break-glass administrator, service
  accounts) log in with their local password, and so does anyone with a usable local
  password while the directory cannot be reached.
- The search runs as the configured bind DN (or anonymously), then the password is
  checked by binding as the entry found. An empty password is refused before any bind:
  LDAP treats it as an anonymous bind, which "succeeds".
"""
from __future__ import annotations

import enum
import logging
from dataclasses import dataclass

from ldap3 import NONE, SYNC, Connection, Server
from ldap3.core.exceptions import LDAPException
from ldap3.utils.conv import escape_filter_chars

log = logging.getLogger(__name__)

#: The password hash of an account whose password is the directory's: no local
#: password matches it (werkzeug's check fails on a hash without a method).
DIRECTORY_PASSWORD = "!directory"


class DirectoryAnswer(enum.Enum):
    """What the directory said about a username and password."""

    OK = "ok"                     # the entry exists and the password binds
    WRONG_PASSWORD = "wrong"      # the entry exists, the password does not bind
    NOT_FOUND = "not_found"       # no (unique) entry for that username
    UNREACHABLE = "unreachable"   # no answer: server down, timeout, service bind refused


@dataclass
class Directory:
    """One configured directory. `strategy` is ldap3's client strategy (SYNC in use;
    tests pass MOCK_SYNC and fill `server`'s entries)."""

    server: Server
    base_dn: str
    user_attribute: str = "uid"
    user_filter: str = "(objectClass=person)"
    bind_dn: str | None = None
    bind_password: str | None = None
    timeout: int = 5
    strategy: str = SYNC

    @classmethod
    def from_config(cls, config: dict) -> Directory | None:
        url = config.get("LDAP_URL")
        if not url:
            return None
        timeout = int(config.get("LDAP_TIMEOUT") or 5)
        return cls(server=Server(url, get_info=NONE, connect_timeout=timeout),
                   base_dn=config.get("LDAP_BASE_DN") or "",
                   user_attribute=config.get("LDAP_USER_ATTRIBUTE") or "uid",
                   user_filter=config.get("LDAP_USER_FILTER") or "(objectClass=person)",
                   bind_dn=config.get("LDAP_BIND_DN") or None,
                   bind_password=config.get("LDAP_BIND_PASSWORD") or None,
                   timeout=timeout)

    def _connection(self, user=None, password=None) -> Connection:
        return Connection(self.server, user=user, password=password, client_strategy=self.strategy,
                          raise_exceptions=False, read_only=True, receive_timeout=self.timeout)

    def _find_dn(self, username: str) -> str | None | DirectoryAnswer:
        """The DN of the one entry for `username`, None when there is none (or several),
        UNREACHABLE when the service account cannot search."""
        conn = self._connection(self.bind_dn, self.bind_password)
        try:
            if not conn.bind():
                log.warning("LDAP service bind refused: %s", conn.result.get("description"))
                return DirectoryAnswer.UNREACHABLE
            query = f"(&{self.user_filter}({self.user_attribute}={escape_filter_chars(username)}))"
            conn.search(self.base_dn, query, attributes=[self.user_attribute], size_limit=2)
            entries = [e for e in conn.response or [] if e.get("type", "searchResEntry") == "searchResEntry"]
            return entries[0]["dn"] if len(entries) == 1 else None
        finally:
            conn.unbind()

    def check(self, username: str, password: str) -> DirectoryAnswer:
        """Does the directory accept this username and password?"""
        try:
            dn = self._find_dn(username)
            if dn is DirectoryAnswer.UNREACHABLE:
                return dn
            if dn is None:
                return DirectoryAnswer.NOT_FOUND
            if not password:
                return DirectoryAnswer.WRONG_PASSWORD
            conn = self._connection(dn, password)
            try:
                return DirectoryAnswer.OK if conn.bind() else DirectoryAnswer.WRONG_PASSWORD
            finally:
                conn.unbind()
        except LDAPException as exc:
            log.warning("LDAP directory unreachable: %s", exc)
            return DirectoryAnswer.UNREACHABLE
        except (KeyError, IndexError, ValueError, TypeError) as exc:
            # Something that is not an LDAP server answered (measured: a proxy on port
            # 389 made ldap3's decoder raise KeyError): as unreachable, never a 500.
            log.warning("LDAP directory gave an answer ldap3 cannot decode: %r", exc)
            return DirectoryAnswer.UNREACHABLE


def init_directory(app) -> None:
    """`app.extensions["starbranch.directory"]`: the Directory, or None when off."""
    app.extensions["starbranch.directory"] = Directory.from_config(app.config)
