"""Worker processes that end when the process that started them dies.

``tally run --workers``, ``verify --workers`` and ``serve --proof-workers`` start pools of
worker processes that open the board. Killed with ``kill -9``, a parent cannot shut its pool
down; its workers would live on under PID 1, holding the database (and SQLite's WAL) open.
So every pool is started with :func:`watch_parent` as its initializer: a daemon thread in
each worker checks every :data:`PERIOD` seconds that its parent is still the process that
started it, and ends the worker at once when it is not.

Why a thread rather than Linux's ``prctl(PR_SET_PDEATHSIG)``: that signal fires when the
*thread* that forked the worker ends, and a pool may start workers from a request thread of
the server that ends long before the server does; the thread works on every POSIX system.
"""

from __future__ import annotations

import os
import threading
import time
from typing import Final

#: Seconds between two looks at the parent.
PERIOD: Final = 0.5


def watch_parent(parent: int) -> None:
    """Pool initializer: end this process as soon as ``parent`` is no longer its parent."""
    if os.getppid() != parent:  # the parent died before this worker got here
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(PERIOD)
            if os.getppid() != parent:
                os._exit(1)  # no cleanup: the work belongs to a parent that is gone

    threading.Thread(target=watch, name="plebiscite-parent-watch", daemon=True).start()


__all__ = ["PERIOD", "watch_parent"]
