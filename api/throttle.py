"""Logins under load: password checks bounded per process, failed logins limited per client.

Why: a password check is Argon2id at 64 MiB and about a second (api.auth), and anyone may ask
for one, unknown accounts included (they are checked against a dummy hash so they take as
long). The account's own limit (api.auth.login) never applies to an attacker who names a new
account each time, so thirty anonymous requests took a server to 2 GB and its other routes
to seconds per answer; and member numbers are predictable, so six-digit PINs could be guessed
a few per member across every member.

Invariants:
- `Gate`: at most `LoginSettings.concurrency` password checks run at once in the process
  (memory ≤ that many × the hash's memory cost); up to `queue` more wait for a slot, each
  holding a thread of the server's pool; one more is refused at once with 503 `busy` and
  Retry-After, so waiting logins never take every thread from the other routes.
- `ClientLimit`: a client address with `client_failures` failed or unfinished logins within
  `client_window` seconds is refused with 429 and Retry-After before anything else is done
  (no database, no hashing). An attempt counts from the moment it is admitted, so
  concurrent requests cannot all slip in under the limit; a success removes its own attempt
  only, never the address's earlier failures (one valid account does not reset the count of
  an address that guesses others). A refusal for a busy server does not count.
  An IPv6 client counts by its /64 network (one subscriber's block), an IPv4 one by address.
  The counts live in the process's memory (per worker, lost at restart; at most
  `MAX_CLIENTS` addresses, the oldest forgotten first), which is what a limit answered
  "cheaply, before anything" needs; the account's limit in the database still holds across
  workers.
- The address is the ASGI client's (`request.client.host`): behind a reverse proxy it is
  the proxy's, and every user then shares one count, unless uvicorn is told to trust the
  proxy's X-Forwarded-For (`phucloi serve` leaves uvicorn's default: trusted from
  127.0.0.1 and ::1 only, more with uvicorn's FORWARDED_ALLOW_IPS). README "HTTP API".
- No global ceiling on failed logins: one that refuses would let a single attacker lock every
  member out, and one that delays does not slow an attacker who opens more connections;
  the gate already bounds how many secrets the whole process can check (README).
- `public_limit`: the public, login-free proof endpoints (`/web/receipt/checkpoint`,
  `/web/receipt/consistency`) count every request per client address the same way
  (`ClientLimit`, `PublicSettings.requests` within `PublicSettings.window` seconds) and refuse
  the next with 429 `too_many_requests` and Retry-After, before any database work.
"""

from __future__ import annotations

import bisect
import ipaddress
import math
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from api.auth import RateLimited
from ledger import clock

MAX_CLIENTS = 50_000
BUSY_RETRY_AFTER = 5  # seconds


def default_concurrency() -> int:
    """Half the CPUs, at least 1 and at most 4: a check with the default parameters runs
    four lanes, and each holds 64 MiB while it runs."""
    return max(1, min(4, (os.cpu_count() or 1) // 2))


class LoginSettings(BaseSettings):
    """How logins are limited; each from the environment (PHUCLOI_LOGIN_*) or the default."""

    model_config = SettingsConfigDict(env_prefix="PHUCLOI_LOGIN_", extra="ignore", frozen=True)

    concurrency: int = Field(default_factory=default_concurrency, ge=1, le=64)
    queue: int = Field(default=16, ge=0, le=1000)
    client_failures: int = Field(default=20, ge=1, le=1_000_000)
    client_window: int = Field(default=900, ge=1, le=86_400)  # seconds


class PublicSettings(BaseSettings):
    """How the public proof endpoints are limited per client address (PHUCLOI_PUBLIC_*).

    A receipt's check asks twice (the newest checkpoint, a consistency proof), a member's
    Kiểm tra once per entry; people behind one address (a factory's network) share a count."""

    model_config = SettingsConfigDict(env_prefix="PHUCLOI_PUBLIC_", extra="ignore", frozen=True)

    requests: int = Field(default=120, ge=1, le=1_000_000)
    window: int = Field(default=60, ge=1, le=86_400)  # seconds


def settings_problem(exc: Exception) -> str:
    """A pydantic ValidationError of `LoginSettings`, naming the environment variables."""
    errors: list[dict[str, Any]] = getattr(exc, "errors", lambda: [])()
    names = (
        ", ".join("PHUCLOI_LOGIN_" + str(e["loc"][0]).upper() for e in errors if e.get("loc"))
        or "PHUCLOI_LOGIN_*"
    )
    return (
        f"{names}: cần là số nguyên trong giới hạn (concurrency 1–64, queue 0–1000, "
        "client_failures 1–1000000, client_window 1–86400 giây) / must be an integer within "
        "bounds (concurrency 1–64, queue 0–1000, client_failures 1–1000000, client_window "
        "1–86400 seconds)"
    )


def public_settings_problem(exc: Exception) -> str:
    """A pydantic ValidationError of `PublicSettings`, naming the environment variables."""
    errors: list[dict[str, Any]] = getattr(exc, "errors", lambda: [])()
    names = (
        ", ".join("PHUCLOI_PUBLIC_" + str(e["loc"][0]).upper() for e in errors if e.get("loc"))
        or "PHUCLOI_PUBLIC_*"
    )
    return (
        f"{names}: cần là số nguyên trong giới hạn (requests 1–1000000, window 1–86400 giây) "
        "/ must be an integer within bounds (requests 1–1000000, window 1–86400 seconds)"
    )


class Gate:
    """At most `slots` password checks at once; `queue` more may wait; the next is refused."""

    def __init__(self, slots: int, queue: int) -> None:
        self._slots = threading.BoundedSemaphore(slots)
        self._lock = threading.Lock()
        self._waiting = 0
        self.queue = queue

    @property
    def waiting(self) -> int:
        """Checks waiting for a slot now."""
        return self._waiting

    @contextmanager
    def slot(self) -> Iterator[None]:
        if not self._slots.acquire(blocking=False):
            with self._lock:
                if self._waiting >= self.queue:
                    raise busy()
                self._waiting += 1
            try:
                self._slots.acquire()
            finally:
                with self._lock:
                    self._waiting -= 1
        try:
            yield
        finally:
            self._slots.release()


def busy() -> RateLimited:
    return RateLimited(
        BUSY_RETRY_AFTER,
        code="busy",
        vi="Máy chủ đang kiểm tra nhiều lần đăng nhập; thử lại sau {wait}",
        en="The server is checking many logins; try again in {wait}",
        status=503,
    )


def client_key(host: str | None) -> str:
    """The address a client is counted by: IPv4 as is, IPv6 by its /64 network."""
    if not host:
        return "unknown"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def _ms() -> int:
    return int(clock.now().timestamp() * 1000)


@dataclass
class Attempt:
    """One admitted login of a client; a failure unless `succeeded()` is called."""

    limit: ClientLimit
    key: str
    at_ms: int
    ok: bool = False

    def succeeded(self) -> None:
        self.ok = True

    def discard(self) -> None:
        """Not a failure: the server did not check the secret (busy)."""
        self.ok = True


LOGIN_REFUSAL = (
    "too_many_attempts",
    "Quá nhiều lần đăng nhập sai từ địa chỉ này; thử lại sau {wait}",
    "Too many failed logins from this address; try again in {wait}",
)
PUBLIC_REFUSAL = (
    "too_many_requests",
    "Quá nhiều yêu cầu từ địa chỉ này; thử lại sau {wait}",
    "Too many requests from this address; try again in {wait}",
)


class ClientLimit:
    """Attempts per client address within a window, in memory: failed (and unfinished)
    logins, or every request to a public endpoint (`refusal`: code, Vietnamese, English)."""

    def __init__(
        self, failures: int, window_seconds: int, refusal: tuple[str, str, str] = LOGIN_REFUSAL
    ) -> None:
        self.failures, self.window = failures, window_seconds * 1000
        self.refusal = refusal
        self._lock = threading.Lock()
        self._times: dict[str, list[int]] = {}  # key -> attempt times (ms), oldest first

    def admit(self, key: str) -> Attempt:
        """The client's attempt, counted from now; RateLimited if it has used its limit."""
        now = _ms()
        with self._lock:
            times = [t for t in self._times.get(key, ()) if t > now - self.window]
            if len(times) >= self.failures:
                self._times[key] = times
                retry = max(1, math.ceil((times[-self.failures] + self.window - now) / 1000))
                code, vi, en = self.refusal
                raise RateLimited(retry, code=code, vi=vi, en=en)
            bisect.insort(times, now)
            if key not in self._times and len(self._times) >= MAX_CLIENTS:
                self._forget(now)
            self._times[key] = times
        return Attempt(self, key, now)

    def settle(self, attempt: Attempt) -> None:
        """A successful attempt no longer counts; a failed one stays until the window ends."""
        if not attempt.ok:
            return
        with self._lock:
            times = self._times.get(attempt.key)
            if times is not None and attempt.at_ms in times:
                times.remove(attempt.at_ms)
                if not times:
                    del self._times[attempt.key]

    def count(self, key: str) -> int:
        """The client's attempts within the window (for tests and operators)."""
        now = _ms()
        with self._lock:
            return sum(1 for t in self._times.get(key, ()) if t > now - self.window)

    def _forget(self, now: int) -> None:
        """Make room: drop clients with nothing in the window, else the oldest one."""
        for key in [k for k, v in self._times.items() if not v or v[-1] <= now - self.window]:
            del self._times[key]
        if len(self._times) >= MAX_CLIENTS:
            del self._times[next(iter(self._times))]


@dataclass
class LoginGuard:
    """The process's gate and client limit, built from `LoginSettings`."""

    settings: LoginSettings = field(default_factory=LoginSettings)
    gate: Gate = field(init=False)
    clients: ClientLimit = field(init=False)

    def __post_init__(self) -> None:
        self.gate = Gate(self.settings.concurrency, self.settings.queue)
        self.clients = ClientLimit(self.settings.client_failures, self.settings.client_window)

    @contextmanager
    def attempt(self, host: str | None) -> Iterator[Attempt]:
        """Admit a login from `host` (RateLimited if its address has used its limit) and count
        it as failed unless the body calls `succeeded()`, or the server was too busy to check
        it (the user's retry should not cost them)."""
        attempt = self.clients.admit(client_key(host))
        try:
            yield attempt
        except RateLimited as exc:
            if exc.code == "busy":
                attempt.discard()
            raise
        finally:
            self.clients.settle(attempt)


def public_limit(limit: ClientLimit, host: str | None) -> None:
    """Count a request to a public endpoint from `host`; RateLimited (429
    `too_many_requests`, Retry-After) once its address has used its limit."""
    limit.admit(client_key(host))
