"""Who may knock, and how often: the server's limits before anyone has logged in.

Anyone who can reach the port can open connections and guess passwords, so:

- connections not yet logged in are capped, in total and per source address. A
  new one over the per-address cap is refused; one over the total cap pushes out
  the oldest waiting connection (so idle connections cannot lock the class out:
  a real student logs in within a second, long before their turn comes);
- after a failed login, an address waits longer and longer before it hears the
  answer (1 s, 2 s, 4 s ... at most `most_delay`), forgotten after a quiet while;
- every connection costs a file descriptor, so the server raises its open-file
  limit to the most it may (`raise_open_file_limit`), keeps some for itself, and
  refuses what does not fit quietly, saying so in the log once a minute at most.
"""

from __future__ import annotations

import logging
import resource
import time
from collections import OrderedDict
from collections.abc import Hashable

__all__ = ["FD_RESERVE", "FailedLogins", "OncePerInterval", "PreLoginGate", "raise_open_file_limit"]

FD_RESERVE = 64  # file descriptors kept for the server itself (log files, host key, starting a tutor)


def raise_open_file_limit() -> int:
    """Raise this process's soft limit on open files to its hard limit; the limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY:
        hard = max(soft, 65536) if soft != resource.RLIM_INFINITY else soft
    if soft != resource.RLIM_INFINITY and soft < hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
        except (ValueError, OSError):
            pass
    return soft


class OncePerInterval:
    """Log a recurring complaint at most once per `interval` seconds, with how often it happened meanwhile."""

    def __init__(self, log: logging.Logger, interval: float = 60.0) -> None:
        self.log = log
        self.interval = interval
        self._last: dict[str, float] = {}
        self._count: dict[str, int] = {}

    def warning(self, message: str) -> None:
        now = time.monotonic()
        self._count[message] = self._count.get(message, 0) + 1
        last = self._last.get(message)
        if last is None or now - last >= self.interval:
            count = self._count.pop(message)
            self._last[message] = now
            self.log.warning("%s%s", message, f" ({count} times since the last report)" if count > 1 else "")


class PreLoginGate:
    """The connections that have not logged in yet: admitted, counted, and the oldest let go when full."""

    def __init__(self, total: int, per_address: int) -> None:
        self.total = total
        self.per_address = per_address
        self._waiting: OrderedDict[Hashable, str] = OrderedDict()  # connection -> address, oldest first
        self._per_address: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self._waiting)

    def admit(self, conn: Hashable, address: str) -> tuple[bool, Hashable | None]:
        """Whether `conn` may go on to log in, and a waiting connection to close to make room (or None)."""
        if self._per_address.get(address, 0) >= self.per_address:
            return False, None
        evicted = None
        if len(self._waiting) >= self.total:
            evicted = self.oldest()
            self.leave(evicted)
        self._waiting[conn] = address
        self._per_address[address] = self._per_address.get(address, 0) + 1
        return True, evicted

    def oldest(self) -> Hashable | None:
        """The connection that has waited longest to log in, if any."""
        return next(iter(self._waiting), None)

    def leave(self, conn: Hashable) -> None:
        """`conn` logged in or went away."""
        address = self._waiting.pop(conn, None)
        if address is not None:
            left = self._per_address[address] - 1
            if left:
                self._per_address[address] = left
            else:
                del self._per_address[address]


class FailedLogins:
    """Failed logins per source address, and how long the next answer to that address waits."""

    def __init__(self, first_delay: float = 1.0, most_delay: float = 16.0, forget_after: float = 300.0) -> None:
        self.first_delay = first_delay
        self.most_delay = most_delay
        self.forget_after = forget_after
        self._failures: dict[str, tuple[int, float]] = {}  # address -> (count, time of the last)

    def failed(self, address: str) -> float:
        """Note one failure from `address`; the seconds to wait before answering it."""
        now = time.monotonic()
        count, last = self._failures.get(address, (0, now))
        if now - last > self.forget_after:
            count = 0
        count += 1
        self._failures[address] = (count, now)
        if len(self._failures) > 10000:  # many addresses: drop the ones gone quiet
            self._failures = {a: v for a, v in self._failures.items() if now - v[1] <= self.forget_after}
        return min(self.first_delay * 2 ** (count - 1), self.most_delay)
