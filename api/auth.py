"""Who is calling: Argon2id credentials, rate-limited logins and short-lived bearer tokens.

Invariants:
- Passwords (officers) and PINs (members, issued by their union) are stored only as Argon2id
  hashes (argon2-cffi, RFC 9106 low-memory profile by default; the parameters live in each
  hash, so a hash made with other parameters still verifies).
- A login is refused without checking the secret once the account has `MAX_FAILURES` failed
  logins within `WINDOW` (HTTP 429 with Retry-After). The attempt is written *before* the
  secret is checked and the count read after, all in the database, so concurrent workers
  together never check more than `MAX_FAILURES` wrong secrets per window. A success clears
  the account's failures. Unknown accounts are counted and timed like known ones.
  The secret is checked inside the caller's gate (`login(gate=...)`): the server bounds how
  many checks run at once, and limits failed logins per client address before calling
  `login` at all (api.throttle, through api.deps.checked_login).
- A token is `v1.<payload>.<mac>`: base64url JSON {"sub": account, "gen", "iat", "auth",
  "exp"} and its HMAC-SHA256 under the server's token key, a random 32-byte secret created
  once in `ledger_secrets["api_token_key"]`, so every worker and restart accepts the same
  tokens. "auth" is when the person logged in (whole seconds; a token without it, issued
  before it existed, counts from its "iat"). Tokens live `TOKEN_TTL` (15 minutes) by the
  ledger clock (`ledger.clock`), never past `SESSION_MAX` (8 hours) after "auth". An API
  client gets no refresh: it logs in again. A web session slides (`Tokens.refreshed`, used by
  api.web.session): a page request made more than `REFRESH_AFTER` (a minute) after its
  token was issued gets a new token of the same login ("sub", "gen", "auth"), again
  `TOKEN_TTL` from now, capped at "auth" + `SESSION_MAX`. Nothing is written to the database
  for that: the token is the whole session. Deleting that secret row logs everybody out.
- Sessions can be ended before they expire. "gen" is the account's session generation
  (`api_credentials.session_generation`) when the token was issued; logging out
  (`end_sessions`) and every new password or PIN (`set_credential`) add one to it, and a
  token whose "gen" is not the account's current one is refused with `session_ended`
  (`check_session`, via api.deps.principal_for_token). This ends every session of the
  account at once (all browsers and API clients), not only the one that logged out.
  Revoking an officer's key ends the officer's sessions the same way, and erasing a member's
  personal data deletes the member's credential, both in the event's own transaction
  (ledger.sessions).
  A counter rather than a "sessions valid from" instant: "iat" is whole seconds, so an
  instant would either refuse a login made in the same second as the logout or accept the
  logged-out token for the rest of that second; a counter has no clock edge. Tokens issued
  before the generation existed carry no "gen" and are all refused (`session_ended`).
- An account is "officer:CODE" or "member:NUMBER". What the account may do is read from the
  ledger (api.deps), never from the token, and reused for at most a second.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import math
import secrets
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, Protocol

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Engine

from api.tables import api_credentials, api_login_attempts
from ledger import clock
from ledger.vault import Vault

TOKEN_TTL = timedelta(minutes=15)
# A web session slides (api.web.session): each page extends it by TOKEN_TTL, never past
# SESSION_MAX after the login, with a new cookie at most once every REFRESH_AFTER.
SESSION_MAX = timedelta(hours=8)
REFRESH_AFTER = timedelta(minutes=1)
MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)
TOKEN_KEY = "api_token_key"
MIN_PASSWORD = 10
PIN_DIGITS = 6

DEFAULT_HASHER = PasswordHasher()  # Argon2id, t=3, m=64 MiB, p=4

Kind = Literal["officer", "member"]


@dataclass(frozen=True)
class Account:
    kind: Kind
    subject: str

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.subject}"

    @classmethod
    def parse(cls, key: str) -> Account:
        kind, sep, subject = key.partition(":")
        if not sep or kind not in ("officer", "member") or not subject:
            raise ValueError(f"not an account: {key!r}")
        return cls(kind, subject)  # type: ignore[arg-type]


class AuthError(Exception):
    """A login or token refused; `code` is stable, messages are Vietnamese and English."""

    def __init__(self, code: str, vi: str, en: str, *, status: int = 401) -> None:
        super().__init__(en)
        self.code, self.vi, self.en, self.status = code, vi, en, status


class RateLimited(AuthError):
    """A login refused without checking the secret; answered with `Retry-After`. By default
    the account's limit; api.throttle words it for a client address or a busy server. The
    wait reads as people say it: "15 phút", never "894 giây"."""

    def __init__(
        self,
        retry_after: int,
        *,
        code: str = "too_many_attempts",
        vi: str = "Đăng nhập sai quá nhiều lần; thử lại sau {wait}",
        en: str = "Too many failed logins; try again in {wait}",
        status: int = 429,
    ) -> None:
        minutes = -(-retry_after // 60)  # rounded up
        vi_wait, en_wait = (
            (f"{retry_after} giây", f"{retry_after} seconds")
            if retry_after < 60
            else (f"{minutes} phút", f"{minutes} minute{'s' if minutes > 1 else ''}")
        )
        super().__init__(
            code,
            vi.format(s=retry_after, wait=vi_wait),
            en.format(s=retry_after, wait=en_wait),
            status=status,
        )
        self.retry_after = retry_after


class VerifyGate(Protocol):
    """Where password checks wait their turn (api.throttle.Gate): a context manager per check
    that may refuse with RateLimited instead of waiting."""

    def slot(self) -> AbstractContextManager[None]: ...


# --- credentials ------------------------------------------------------------------------------


def check_password(secret: str) -> None:
    """An officer's new password: at least `MIN_PASSWORD` characters."""
    if len(secret) < MIN_PASSWORD:
        raise ValueError(
            f"mật khẩu cần ít nhất {MIN_PASSWORD} ký tự / "
            f"the password needs at least {MIN_PASSWORD} characters"
        )
    if len(secret) > 200:
        raise ValueError("mật khẩu quá dài (tối đa 200) / the password is too long (max 200)")


def new_pin() -> str:
    """A random PIN of `PIN_DIGITS` digits, shown once to the member and never stored."""
    return f"{secrets.randbelow(10**PIN_DIGITS):0{PIN_DIGITS}d}"


def set_credential(
    engine: Engine,
    account: Account,
    secret: str,
    *,
    issued_by: str | None = None,
    hasher: PasswordHasher = DEFAULT_HASHER,
) -> None:
    """Store the Argon2id hash of a new password or PIN, replacing any earlier one, and end
    every session of the account (its tokens were issued under the old secret)."""
    c = api_credentials.c
    row = {
        "secret_hash": hasher.hash(secret),
        "issued_by": issued_by,
        "updated_at": clock.now().isoformat(timespec="seconds"),
    }
    with engine.begin() as conn:
        # In place, so the session generation only ever grows (an old token never matches).
        replaced = conn.execute(
            update(api_credentials)
            .where(c.account == account.key)
            .values(**row, session_generation=c.session_generation + 1)
        ).rowcount
        if not replaced:
            conn.execute(
                insert(api_credentials).values(
                    **row,
                    account=account.key,
                    kind=account.kind,
                    subject=account.subject,
                    session_generation=0,
                )
            )
        conn.execute(delete(api_login_attempts).where(api_login_attempts.c.account == account.key))


def end_sessions(engine: Engine, account: Account) -> None:
    """Log the account out everywhere: every token issued so far is refused from now on."""
    c = api_credentials.c
    with engine.begin() as conn:
        conn.execute(
            update(api_credentials)
            .where(c.account == account.key)
            .values(session_generation=c.session_generation + 1)
        )


def session_generation(engine: Engine, account: Account) -> int | None:
    """The account's current session generation; None if it has no credential."""
    with engine.connect() as conn:
        value = conn.scalar(
            select(api_credentials.c.session_generation).where(
                api_credentials.c.account == account.key
            )
        )
    return None if value is None else int(value)


def check_session(engine: Engine, claims: TokenClaims) -> Account:
    """The token's account if its session was not ended since it was issued; AuthError
    `session_ended` if the account logged out, got a new password or PIN, or has none."""
    if session_generation(engine, claims.account) != claims.generation:
        raise session_ended()
    return claims.account


def stored_hash(engine: Engine, account: Account) -> str | None:
    credential = _stored(engine, account)
    return None if credential is None else credential[0]


def _stored(engine: Engine, account: Account) -> tuple[str, int] | None:
    """The account's hash and session generation, read together."""
    c = api_credentials.c
    with engine.connect() as conn:
        row = conn.execute(
            select(c.secret_hash, c.session_generation).where(c.account == account.key)
        ).first()
    return None if row is None else (str(row.secret_hash), int(row.session_generation))


_DUMMY: dict[tuple[int, int, int], str] = {}


def _dummy_hash(hasher: PasswordHasher) -> str:
    """A hash to check unknown accounts against, so they take as long as known ones."""
    key = (hasher.time_cost, hasher.memory_cost, hasher.parallelism)
    if key not in _DUMMY:
        _DUMMY[key] = hasher.hash(secrets.token_hex(16))
    return _DUMMY[key]


def _ms(instant: datetime) -> int:
    return int(instant.timestamp() * 1000)


def login(
    engine: Engine,
    account: Account,
    secret: str,
    *,
    hasher: PasswordHasher = DEFAULT_HASHER,
    gate: VerifyGate | None = None,
) -> int:
    """Check the secret of an account, rate-limited; raise AuthError or RateLimited.

    Returns the account's session generation, read with the hash it was checked against:
    the number to issue its token with (`Tokens.issue`).

    `hasher` checks the secret and gives the cost of checking an account that has no
    credential (it should be the one credentials are made with); stored hashes are checked
    with their own parameters. The check (Argon2id: 64 MiB and about a second by default)
    runs inside `gate.slot()`, which bounds how many run at once in the process
    (api.throttle); the account's limit is read before it, so a locked account costs none.
    """
    now = _ms(clock.now())
    window = int(WINDOW.total_seconds() * 1000)
    t = api_login_attempts
    with engine.begin() as conn:
        conn.execute(delete(t).where(t.c.account == account.key, t.c.attempted_ms <= now - window))
        attempt = conn.execute(
            insert(t).values(account=account.key, attempted_ms=now).returning(t.c.id)
        ).scalar_one()
    with engine.begin() as conn:
        times = (
            conn.execute(
                select(t.c.attempted_ms)
                .where(t.c.account == account.key, t.c.attempted_ms > now - window)
                .order_by(t.c.attempted_ms, t.c.id)
            )
            .scalars()
            .all()
        )
        if len(times) > MAX_FAILURES:
            conn.execute(delete(t).where(t.c.id == attempt))
            oldest = times[-(MAX_FAILURES + 1)]
            raise RateLimited(max(1, math.ceil((oldest + window - now) / 1000)))
    credential = _stored(engine, account)
    with gate.slot() if gate is not None else nullcontext():
        ok = _verify(hasher, credential[0] if credential else _dummy_hash(hasher), secret)
    if credential is None or not ok:
        raise AuthError(
            "login_failed",
            "Sai tên đăng nhập hoặc mật khẩu/PIN",
            "Wrong account or password/PIN",
        )
    with engine.begin() as conn:
        conn.execute(delete(t).where(t.c.account == account.key))
    return credential[1]


def failures(engine: Engine, account: Account) -> int:
    """Failed logins of the account in the current window (for tests and operators)."""
    now = _ms(clock.now())
    window = int(WINDOW.total_seconds() * 1000)
    t = api_login_attempts
    with engine.connect() as conn:
        return int(
            conn.scalar(
                select(func.count())
                .select_from(t)
                .where(t.c.account == account.key, t.c.attempted_ms > now - window)
            )
            or 0
        )


def _verify(hasher: PasswordHasher, hashed: str, secret: str) -> bool:
    try:
        return hasher.verify(hashed, secret)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


# --- tokens -------------------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class TokenClaims:
    """What a valid token says: its account, the session generation it was issued in, and
    when it was issued, its login was made and it expires. Whether that session is still
    open is for `check_session` to say."""

    account: Account
    generation: int
    issued_at: datetime | None = None
    authenticated_at: datetime | None = None
    expires_at: datetime | None = None


@dataclass(frozen=True)
class Tokens:
    """Issues and reads bearer tokens under one HMAC key."""

    key: bytes
    ttl: timedelta = TOKEN_TTL
    max_age: timedelta = SESSION_MAX
    refresh_after: timedelta = REFRESH_AFTER

    @classmethod
    def for_ledger(cls, engine: Engine, *, ttl: timedelta = TOKEN_TTL) -> Tokens:
        key = Vault(engine).secret(TOKEN_KEY, note="HMAC key of the HTTP API's bearer tokens")
        return cls(key, ttl)

    def issue(
        self, account: Account, generation: int, *, authenticated_at: datetime | None = None
    ) -> tuple[str, datetime]:
        """A token for `account` in its session `generation` (what `login` returned), of a
        login made now or at `authenticated_at` (a refreshed web session)."""
        now = clock.now()
        auth = int((authenticated_at or now).timestamp())
        expires = min(now + self.ttl, datetime.fromtimestamp(auth, tz=UTC) + self.max_age)
        payload = {
            "sub": account.key,
            "gen": generation,
            "iat": int(now.timestamp()),
            "auth": auth,
            "exp": _ms(expires) // 1000,
        }
        body = "v1." + _b64(json.dumps(payload, separators=(",", ":")).encode())
        return f"{body}.{_b64(self._mac(body))}", expires

    def refreshed(self, claims: TokenClaims) -> tuple[str, datetime] | None:
        """A sliding web session's next token: the same login, `ttl` from now (never past
        `max_age` after the login), when the token was issued more than `refresh_after` ago
        and the new one would last longer; else None (keep the token: no new cookie)."""
        if claims.issued_at is None or claims.authenticated_at is None:
            return None
        now = clock.now()
        if now - claims.issued_at < self.refresh_after:
            return None
        until = min(now + self.ttl, claims.authenticated_at + self.max_age)
        if claims.expires_at is not None and until <= claims.expires_at:
            return None
        return self.issue(
            claims.account, claims.generation, authenticated_at=claims.authenticated_at
        )

    def _payload(self, token: str) -> dict[str, Any]:
        """The payload of a token this server signed (expired or not); AuthError otherwise."""
        parts = token.split(".")
        if len(parts) != 3 or parts[0] != "v1" or len(token) > 1000:
            raise _bad_token()
        body = f"{parts[0]}.{parts[1]}"
        try:
            mac = _unb64(parts[2])
            payload = json.loads(_unb64(parts[1]))
        except (binascii.Error, ValueError, UnicodeDecodeError):
            raise _bad_token() from None
        if not hmac.compare_digest(mac, self._mac(body)) or not isinstance(payload, dict):
            raise _bad_token()
        return payload

    def login_of(self, token: str) -> str | None:
        """What stays the same across a sliding session's tokens: "account:generation:login
        instant" of a token this server signed (expired or not), or None. The web pages'
        CSRF tokens are bound to it, so a refreshed cookie keeps the forms already shown
        valid."""
        try:
            p = self._payload(token)
            return f"{p['sub']}:{int(p['gen'])}:{int(p.get('auth', p['iat']))}"
        except (AuthError, KeyError, TypeError, ValueError):
            return None

    def read(self, token: str) -> TokenClaims:
        """The claims of a genuine, unexpired token; AuthError otherwise. The session may
        still have been ended since: check it with `check_session` before trusting it."""
        payload = self._payload(token)
        try:
            exp = int(payload["exp"])
            account = Account.parse(str(payload["sub"]))
            iat = int(payload.get("iat", exp))
            auth = int(payload.get("auth", iat))
        except (KeyError, TypeError, ValueError):
            raise _bad_token() from None
        expires = datetime.fromtimestamp(exp, tz=UTC)
        if clock.now() >= expires:
            raise AuthError(
                "token_expired",
                "Phiên đăng nhập đã hết hạn; hãy đăng nhập lại",
                "The token has expired; log in again",
            )
        generation = payload.get("gen")
        if type(generation) is not int:  # issued before sessions could be ended: refused
            raise session_ended()
        return TokenClaims(
            account,
            generation,
            issued_at=datetime.fromtimestamp(iat, tz=UTC),
            authenticated_at=datetime.fromtimestamp(auth, tz=UTC),
            expires_at=expires,
        )

    def _mac(self, body: str) -> bytes:
        return hmac.new(self.key, body.encode("ascii"), hashlib.sha256).digest()


def _bad_token() -> AuthError:
    return AuthError("bad_token", "Mã đăng nhập không hợp lệ", "The bearer token is not valid")


def session_ended() -> AuthError:
    return AuthError(
        "session_ended",
        "Phiên đăng nhập đã kết thúc (đã đăng xuất hoặc đổi mật khẩu/PIN); hãy đăng nhập lại",
        "The session has ended (logged out, or the password/PIN was changed); log in again",
    )
