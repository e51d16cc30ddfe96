"""Officer (cán bộ): who may sign what, with which key, when.

Invariants:
- An officer's keys are Ed25519 public keys identified by `key_id`; a key is usable from the
  instant it was registered until it is retired by rotation (that instant) or revoked (from
  the revocation's effective date, which may be in the past: a stolen key's signatures after
  that date become findings).
- Roles are granted per scope (a unit code, covering its descendants, or "*" for the whole
  ledger) from the instant of the grant until revoked.
- An officer is a person through their own member record (`member`): given at registration
  or linked once later (`officer.link_member`); a link is never changed (self-dealing
  detection reads it, so changing it would re-judge the past silently).
- `ledger.genesis` registers the first administrator, self-signed, with scope "*": it is the
  root of authority that inspectors compare with the published fingerprint.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from eventsourcing.domain import Aggregate, event

from ledger.domain.base import LedgerAggregate, aggregate_id, command_of, recorded_at


@dataclass
class KeyRecord:
    key_id: str
    public_key: str  # base64 of the raw 32 bytes
    registered_at: datetime
    retired_at: datetime | None = None
    revoked_from: date | None = None

    def as_json(self) -> dict[str, Any]:
        """The key as the API, the CLI's --json and an export bundle show it."""
        return {
            "key_id": self.key_id,
            "public_key": self.public_key,
            "registered_at": self.registered_at.isoformat(),
            "retired_at": self.retired_at.isoformat() if self.retired_at else None,
            "revoked_from": self.revoked_from.isoformat() if self.revoked_from else None,
        }


@dataclass
class RoleGrant:
    role: str
    scope: str
    granted_at: datetime
    revoked_at: datetime | None = None


class Officer(LedgerAggregate):
    TOPIC = "phucloi:officer"

    class Event(LedgerAggregate.Event):
        TOPIC = "phucloi:officer.Event"

    class Created(Event, Aggregate.Created):
        TOPIC = "phucloi:officer.Created"

    @staticmethod
    def create_id(envelope: dict[str, Any]) -> Any:
        return aggregate_id("officer", command_of(envelope)["body"]["officer"])

    @event("Registered", topic="phucloi:officer.Registered")
    def __init__(self, envelope: dict[str, Any]) -> None:
        cmd = command_of(envelope)
        body = cmd["body"]
        self.code: str = body["officer"]
        self.name: str = body["name"]
        self.member: str | None = body.get("member")
        self.keys: dict[str, KeyRecord] = {}
        self.roles: list[RoleGrant] = []
        self._add_key(body["public_key"], recorded_at(envelope))
        if cmd["type"] == "ledger.genesis":
            self.roles.append(RoleGrant("admin", "*", recorded_at(envelope)))

    @event("MemberLinked", topic="phucloi:officer.MemberLinked")
    def link_member(self, envelope: dict[str, Any]) -> None:
        self.member = command_of(envelope)["body"]["member"]

    @event("RoleGranted", topic="phucloi:officer.RoleGranted")
    def grant(self, envelope: dict[str, Any]) -> None:
        body = command_of(envelope)["body"]
        self.roles.append(RoleGrant(body["role"], body["scope"], recorded_at(envelope)))

    @event("RoleRevoked", topic="phucloi:officer.RoleRevoked")
    def revoke_role(self, envelope: dict[str, Any]) -> None:
        body = command_of(envelope)["body"]
        for grant in self.roles:
            if (grant.role, grant.scope) == (body["role"], body["scope"]) and not grant.revoked_at:
                grant.revoked_at = recorded_at(envelope)

    @event("KeyRotated", topic="phucloi:officer.KeyRotated")
    def rotate_key(self, envelope: dict[str, Any]) -> None:
        at = recorded_at(envelope)
        for key in self.keys.values():
            if key.retired_at is None:
                key.retired_at = at
        self._add_key(command_of(envelope)["body"]["public_key"], at)

    @event("KeyRevoked", topic="phucloi:officer.KeyRevoked")
    def revoke_key(self, envelope: dict[str, Any]) -> None:
        cmd = command_of(envelope)
        key = self.keys[cmd["body"]["key_id"]]
        key.revoked_from = date.fromisoformat(cmd["effective_date"])
        if key.retired_at is None:
            key.retired_at = recorded_at(envelope)

    def _add_key(self, public_key_b64: str, at: datetime) -> None:
        from ledger.signing import decode_b64, key_id

        kid = key_id(decode_b64(public_key_b64))
        self.keys[kid] = KeyRecord(kid, public_key_b64, at)

    # --- queries used when verifying a signature ---

    def key_problem(self, key_id: str, *, at: datetime) -> str | None:
        """Why this key cannot sign a command recorded at instant `at`, or None."""
        from ledger.clock import local_date

        key = self.keys.get(key_id)
        if key is None:
            return "unknown_key"
        if key.revoked_from is not None and local_date(at) >= key.revoked_from:
            return "revoked_key"
        if at < key.registered_at:
            return "key_not_yet_valid"
        if key.retired_at is not None and at >= key.retired_at:
            return "retired_key"
        return None

    def scopes(self, role: str, *, at: datetime) -> list[str]:
        return [
            g.scope
            for g in self.roles
            if g.role == role and g.granted_at <= at and (g.revoked_at is None or at < g.revoked_at)
        ]
