"""A small Python client of the HTTP API for programs: log in, sign, post (httpx).

    client = ApiClient("http://127.0.0.1:8000")
    client.login_officer("kt.g1", password)
    receipt = client.record(
        "payout.record", by=signer, unit="G1", effective_date="2025-01-20",
        body={"member": "DV001", "kind": "tet_support", "amount": 1_500_000,
              "occasion": "Tết Ất Tỵ"},
    )

Invariants:
- Commands are signed on the client, with the officer's own key, by `ledger.client.build`
  (the same code as the command line), so the server verifies them byte for byte; the
  private key never travels.
- A retry of the same signed item (same command id, same bytes) is safe: the server answers
  with the original receipt. `record` signs a new command each call; keep the item from
  `sign` and `post_signed` it again to retry.
- A refusal raises `ApiRefused` carrying the status and the JSON error body.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import httpx

from ledger.client import OfficerSigner, build, cosign

PATHS = {
    "collection.dues": "/collections/dues",
    "collection.union_fee": "/collections/union-fee",
    "union_fee.relief": "/collections/union-fee-reliefs",
    "collection.other": "/collections/other",
    "payout.record": "/payouts",
    "expense.record": "/expenses",
    "remittance.record": "/remittances",
    "loan.disburse": "/loans/disbursements",
    "loan.repay": "/loans/repayments",
    "loan.write_off": "/loans/write-offs",
    "reversal.record": "/reversals",
    "approval.decide": "/approvals",
    "unit.register": "/units",
    "unit.rename": "/units",
    "unit.move": "/units",
    "unit.dissolve": "/units",
    "officer.register": "/officers",
    "officer.link_member": "/officers",
    "officer.grant": "/officers",
    "officer.revoke_role": "/officers",
    "officer.rotate_key": "/officers",
    "officer.revoke_key": "/officers",
    "member.join": "/members",
    "member.transfer": "/members",
    "member.leave": "/members",
    "member.death": "/members",
    "member.household": "/members",
    "member.relative": "/members",
    "member.salary": "/members",
    "member.erase": "/members",
    "member.erase_relative": "/members",
    "policy.adopt": "/policies",
}


def refusal_text(body: Any) -> str:
    """An error body as a program's author reads it: the message in Vietnamese and English,
    then each problem's field, code and reason, one per line (as the command line prints)."""
    if not isinstance(body, dict):
        return str(body)
    vi, en = body.get("message_vi"), body.get("message_en")
    lines = [" / ".join(m for m in (vi, en) if m) or str(body.get("code") or body)]
    for p in body.get("problems") or []:
        if not isinstance(p, dict):
            continue
        where = f"{p.get('field')}: " if p.get("field") else ""
        reason = " / ".join(m for m in (p.get("message_vi"), p.get("message_en")) if m)
        lines.append(f"  - {where}{reason} ({p.get('code')})")
    return "\n".join(lines)


class ApiRefused(Exception):
    """The server refused a request: `status` and the error `body` (code, messages, problems)."""

    def __init__(self, status: int, body: Any) -> None:
        self.status, self.body = status, body
        super().__init__(f"HTTP {status}: {refusal_text(body)}")

    @property
    def code(self) -> str | None:
        return self.body.get("code") if isinstance(self.body, dict) else None


class ApiClient:
    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=timeout, transport=transport)
        self.token: str | None = None

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- session ---

    def login_officer(self, code: str, password: str) -> dict[str, Any]:
        return self._login("officer", code, password)

    def login_member(self, number: str, pin: str) -> dict[str, Any]:
        return self._login("member", number, pin)

    def _login(self, kind: str, username: str, secret: str) -> dict[str, Any]:
        data = self._send(
            "POST", "/auth/login", json={"kind": kind, "username": username, "secret": secret}
        )
        self.token = data["access_token"]
        return data

    # --- requests ---

    def get(self, path: str, **params: Any) -> Any:
        return self._send("GET", path, params={k: v for k, v in params.items() if v is not None})

    def post(self, path: str, payload: dict[str, Any]) -> Any:
        return self._send("POST", path, json=payload)

    def post_signed(self, item: dict[str, Any], *, path: str | None = None) -> dict[str, Any]:
        """Send a signed item to the route of its command type; the receipt."""
        type_ = item["command"]["type"]
        target = path or PATHS.get(type_)
        if target is None:
            raise ValueError(f"no route records {type_!r}; pass path=")
        result: dict[str, Any] = self.post(target, item)
        return result

    def sign(
        self,
        type_: str,
        *,
        by: OfficerSigner,
        body: dict[str, Any],
        unit: str | None = None,
        effective_date: date | str | None = None,
        personal: dict[str, str] | None = None,
        cosigners: Sequence[OfficerSigner] = (),
        command_id: str | None = None,
    ) -> dict[str, Any]:
        item = build(
            type_,
            by=by,
            body=body,
            unit=unit,
            effective_date=effective_date,
            personal=personal,
            command_id=command_id,
        )
        for cosigner in cosigners:
            item = cosign(item, by=cosigner)
        return item

    def record(self, type_: str, **kwargs: Any) -> dict[str, Any]:
        """Sign a command with `by` (and `cosigners`) and record it."""
        return self.post_signed(self.sign(type_, **kwargs))

    def _send(self, method: str, path: str, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        response = self.http.request(method, path, headers=headers, **kwargs)
        if response.status_code >= 400:
            try:
                body: Any = response.json()
            except ValueError:
                body = response.text
            raise ApiRefused(response.status_code, body)
        if response.headers.get("content-type", "").startswith("application/json"):
            return response.json()
        return response.text
