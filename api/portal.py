"""The members' portal: the server's own signing identity for what members say.

Invariants:
- The portal is an officer-like identity registered in the ledger (code `portal` by
  default) holding only the `portal` role, which can sign nothing but `member.dispute` and
  `member.confirm_receipt` (ledger.domain.commands). It is a service key, not a person's:
  officers' keys are never on the server.
- Its private key lives in the server's keystore (`$PHUCLOI_HOME/keys/<code>.pem`, encrypted
  with `PHUCLOI_PORTAL_PASSPHRASE`), created and registered by `phucloi portal init`.
- A portal key that the ledger does not know (or no longer accepts) is not loaded: members'
  statements are then refused with 503 rather than signed with a key the ledger would refuse.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from ledger import clock
from ledger.bootstrap import Context
from ledger.client import OfficerSigner
from ledger.keystore import Keystore, KeystoreError, default_keystore_dir

PORTAL_CODE = "portal"
PASSPHRASE_ENV = "PHUCLOI_PORTAL_PASSPHRASE"
CODE_ENV = "PHUCLOI_PORTAL"


class PortalError(Exception):
    """The portal key cannot be used (the message is bilingual)."""


@dataclass(frozen=True)
class PortalStatus:
    code: str
    key_id: str | None
    registered: bool
    has_role: bool


def status(ctx: Context, code: str, key_id: str | None) -> PortalStatus:
    officer = ctx.ledger.get_officer(code)
    now = clock.now()
    registered = (
        officer is not None and key_id is not None and officer.key_problem(key_id, at=now) is None
    )
    has_role = officer is not None and bool(officer.scopes("portal", at=now))
    return PortalStatus(code, key_id, registered, has_role)


def unlock(code: str, passphrase: str, *, keystore: Keystore | None = None) -> OfficerSigner:
    ks = keystore or Keystore(default_keystore_dir())
    try:
        return OfficerSigner(code, ks.load_signer(code, passphrase))
    except KeystoreError as exc:
        raise PortalError(str(exc)) from None


def load_portal(
    ctx: Context, *, code: str | None = None, passphrase: str | None = None, prompt: bool = False
) -> OfficerSigner | None:
    """The portal signer if its key is in the keystore and the ledger accepts it, else None.

    The passphrase comes from the argument, else `PHUCLOI_PORTAL_PASSPHRASE`; with neither
    the portal stays off (a prompt is the caller's business: `phucloi serve`).
    """
    code = code or os.environ.get(CODE_ENV) or PORTAL_CODE
    ks = Keystore(default_keystore_dir())
    try:
        ks.public(code)
    except KeystoreError:
        return None
    secret = passphrase or os.environ.get(PASSPHRASE_ENV)
    if not secret:
        if prompt:
            raise PortalError(f"cần mật khẩu khóa cổng / passphrase needed ({PASSPHRASE_ENV})")
        return None
    signer = unlock(code, secret, keystore=ks)
    state = status(ctx, code, signer.key_id)
    if not (state.registered and state.has_role):
        raise PortalError(
            f"khóa {code} chưa được đăng ký với vai trò portal trong sổ cái (phucloi portal init) / "
            f"key {code} is not registered with the portal role in this ledger"
        )
    return signer
