"""The demo officers' Ed25519 keys: derived from the seed, also written to the keystore.

Invariant: a key is SHA-256("phucloi-demo:<seed>:<officer>") used as the raw private key,
so the same seed gives the same keys (and signatures); the administrator's key comes from
`admin_seed` so several generated provinces can share one ledger and one administrator.
The keystore copy is encrypted with the printed demo passphrase, so `--as` works afterwards.
It goes into a keystore of its own: `keystore_problem` refuses, before anything is written,
one that holds a key this demo would not write (someone's own keys, another seed's).
A rotated officer signs with the seed key of another name ("kt.G03#2"): `officer_signer`
takes it as `key_name`, and the keystore holds each officer's current key.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from ledger.client import OfficerSigner
from ledger.demo.plan import DEMO_PASSPHRASE, DemoConfig
from ledger.keystore import Keystore, KeystoreError, signer_from_raw


def raw_key(cfg: DemoConfig, code: str) -> bytes:
    seed = cfg.admin_seed if code == "admin" and cfg.admin_seed is not None else cfg.seed
    return hashlib.sha256(f"phucloi-demo:{seed}:{code}".encode()).digest()


def officer_signer(cfg: DemoConfig, code: str, key_name: str | None = None) -> OfficerSigner:
    return OfficerSigner(code, signer_from_raw(raw_key(cfg, key_name or code)))


def _wanted(cfg: DemoConfig, codes: list[str], current: dict[str, str] | None) -> dict[str, bytes]:
    """The public key the demo stores under each officer code."""
    return {
        code: signer_from_raw(raw_key(cfg, (current or {}).get(code, code))).public_key
        for code in codes
    }


def keystore_problem(
    cfg: DemoConfig,
    codes: list[str],
    directory: Path,
    current: dict[str, str] | None = None,
) -> str | None:
    """Why the demo must not write its keys into `directory` (a key there that this demo
    would not write: the user's own, or another seed's), or None; reads only."""
    wanted = _wanted(cfg, codes, current)
    try:
        held = Keystore(directory).list()
    except KeystoreError as exc:  # a damaged key file
        return f"{directory}: {exc}"
    foreign = [info.name for info in held if wanted.get(info.name) != info.public_key]
    if not foreign:
        return None
    shown = ", ".join(foreign[:5]) + (", …" if len(foreign) > 5 else "")
    return (
        f"kho khóa {directory} đã có khóa không phải của demo này ({shown}); demo sẽ ghi "
        f"{len(codes)} khóa cán bộ vào đó: dùng một PHUCLOI_HOME riêng, ví dụ "
        f"PHUCLOI_HOME=./demo-home / the keystore {directory} holds keys that are not this "
        f"demo's ({shown}) and the demo would write its {len(codes)} officers' keys there: use "
        "a PHUCLOI_HOME of its own, e.g. PHUCLOI_HOME=./demo-home"
    )


def write_keystore(
    cfg: DemoConfig,
    codes: list[str],
    directory: Path,
    current: dict[str, str] | None = None,
) -> int:
    """Store each officer's current key under its code; keys already there must be the same."""
    ks = Keystore(directory)
    written = 0
    for code in codes:
        raw = raw_key(cfg, (current or {}).get(code, code))
        try:
            existing = ks.public(code)
        except KeystoreError:
            ks.import_private(code, raw, DEMO_PASSPHRASE)
            written += 1
            continue
        if existing.public_key != signer_from_raw(raw).public_key:
            raise KeystoreError(
                f"Khóa {code} đã có trong {directory} và khác khóa của demo / key {code} already "
                f"exists in {directory} with another key: use a fresh PHUCLOI_HOME"
            )
    return written
