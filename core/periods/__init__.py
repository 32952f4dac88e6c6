"""Assessment windows: months, quarters, years; their keys, bounds, and close/lock state.

The cut-off rule (core/periods/locks.py) is importable from here, for the core and for
plugins (through the plugin surface, core.plugins): a window-bound write calls
`ensure_open(session, day)` — or `ensure_windows_open(session, keys)` — in its own
transaction before changing anything, and catches `PeriodLocked`."""
from core.periods.locks import (PeriodLocked, ensure_open, ensure_windows_open, hold_windows, lock_windows,
                                windows_of)

__all__ = ["PeriodLocked", "ensure_open", "ensure_windows_open", "lock_windows", "hold_windows", "windows_of"]
