"""Build the demo `Plan`: organisation, roster and the year, all from one seeded RNG.

Invariant: `generate(cfg)` touches nothing outside memory and draws from `random.Random(seed)`
in a fixed order (see `ledger.demo.plan`); with `plant_fraud`, the planter draws from its own
RNG (`ledger.demo.fraud`) and the plan carries the answer key.
"""

from __future__ import annotations

import hashlib
import random
import uuid
from datetime import date

from ledger.demo import organisation
from ledger.demo.fraud import Planter
from ledger.demo.keys import officer_signer
from ledger.demo.plan import DemoConfig, OfficerSpec, Plan
from ledger.demo.year import Year, at
from ledger.domain.policy import load_default_book
from ledger.signing import encode_b64

SETUP_DAY = date(2024, 12, 2)


def _fixed_id(cfg: DemoConfig, code: str, type_: str) -> str:
    digest = hashlib.sha256(f"phucloi-demo:{cfg.seed}:{code}:{type_}".encode()).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


def generate(cfg: DemoConfig, *, plant_fraud: bool = False) -> Plan:
    rng = random.Random(cfg.seed)
    units = organisation.units(cfg, rng)
    grassroots = [u for u in units if u.employer is not None]
    people = organisation.roster(cfg, rng, grassroots)
    officers = organisation.officers(cfg, units, people)
    year = Year(cfg, rng, units, officers, people)
    planter = Planter(cfg) if plant_fraud else None
    if planter is not None:
        year.planter = planter
        planter.identities(year)
    admin = "admin"
    when = at(SETUP_DAY, 8)
    if cfg.genesis:
        year.op(
            when,
            "ledger.genesis",
            admin,
            {
                "officer": admin,
                "name": "Quản trị viên hệ thống",
                "public_key": encode_b64(officer_signer(cfg, admin).signer.public_key),
            },
        )
    for u in units:
        year.op(
            when,
            "unit.register",
            admin,
            {"code": u.code, "name": u.name, "level": u.level, "parent": u.parent},
        )
    for version in load_default_book().to_dict()["versions"]:
        year.op(
            when,
            "policy.adopt",
            admin,
            {"policy": version},
            unit=units[0].code,
            effective=date.fromisoformat(version["effective_from"]),
        )
    for o in officers:
        if o.code == admin:
            continue
        body = {
            "officer": o.code,
            "name": o.name,
            "public_key": encode_b64(officer_signer(cfg, o.code).signer.public_key),
        }
        if o.member:
            body["member"] = o.member
        year.op(when, "officer.register", admin, body)
        year.op(when, "officer.grant", admin, {"officer": o.code, "role": o.role, "scope": o.scope})
    # The upper levels' chairs came later: their command ids come from the seed and their
    # code, not from `rng`, so a seed still gives every other op it gave before them.
    # The members' portal (`phucloi serve` signs members' disputes with it) likewise, unless
    # the planter already registered it for the disputes it plants.
    later = organisation.upper_chairs(cfg, units)
    if all(o.code != cfg.code("portal") for o in officers):
        later.append(OfficerSpec(cfg.code("portal"), "Cổng thông tin đoàn viên", "portal", "*"))
    for o in later:
        officers.append(o)
        body = {
            "officer": o.code,
            "name": o.name,
            "public_key": encode_b64(officer_signer(cfg, o.code).signer.public_key),
        }
        grant = {"officer": o.code, "role": o.role, "scope": o.scope}
        for type_, body_ in (("officer.register", body), ("officer.grant", grant)):
            year.op(when, type_, admin, body_, command_id=_fixed_id(cfg, o.code, type_))
    for i, u in enumerate(grassroots):
        join_at = at(date(2024, 12, 3 + i % 20), 9)
        for p in people:
            if p.unit == u.code:
                year.join_ops(p, join_at)
    ops = year.write()
    if planter is None:
        return Plan(cfg, units, officers, year.people, ops)
    return Plan(
        cfg,
        units,
        officers,
        year.people,
        ops,
        key=planter.key,
        current_keys=dict(planter.current_keys),
    )
