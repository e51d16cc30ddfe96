"""Build the demo `Plan`: organisation, roster and the year, all from one seeded RNG.

Invariant: `generate(cfg)` touches nothing outside memory and draws from `random.Random(seed)`
in a fixed order (see `ledger.demo.plan`); with `plant_fraud`, the planter draws from its own
RNG (`ledger.demo.fraud`) and the plan carries the answer key.
"""

from __future__ import annotations

import random
from datetime import date

from ledger.demo import organisation
from ledger.demo.fraud import Planter
from ledger.demo.keys import officer_signer
from ledger.demo.plan import DemoConfig, Plan
from ledger.demo.year import Year, at
from ledger.domain.policy import load_default_book
from ledger.signing import encode_b64

SETUP_DAY = date(2024, 12, 2)


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
