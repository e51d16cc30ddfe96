"""The demo province's people: the union tree, officers and the member roster.

Invariants:
- Three levels at least: the province (LĐLĐ tỉnh), upper-level unions (công đoàn cấp trên
  trực tiếp cơ sở) and grassroots unions (CĐCS), each grassroots union in one employer.
- Every grassroots union has a finance officer (kế toán) and a chair (chủ tịch), who are
  also members of it; every upper-level union and the province have a finance officer and
  a chair (`upper_chairs`: who cosigns their spending above the approval threshold); the
  province has an inspector (Ủy ban kiểm tra). Roles are scoped to the officer's unit.
- About a quarter of the grassroots unions spend heavily on movement activities and
  administration (their welfare share ends under the 60% target); some collect dues late,
  incompletely or on declared salaries below the registered ones.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from ledger.demo import names
from ledger.demo.plan import DemoConfig, OfficerSpec, Person, Relative, UnitSpec
from ledger.privacy import MEMBER_MIN_AGE

MIN_WAGE = 4_960_000  # lương tối thiểu vùng I from 2024-07-01


def units(cfg: DemoConfig, rng: random.Random) -> list[UnitSpec]:
    province = UnitSpec(cfg.code("P"), "LĐLĐ tỉnh Bình Dương", "LĐLĐ tỉnh", cfg.parent)
    upper_names = [
        ("Công đoàn KCN VSIP", "Công đoàn các KCN"),
        ("LĐLĐ TP. Thủ Dầu Một", "LĐLĐ cấp huyện"),
        ("LĐLĐ TP. Dĩ An", "LĐLĐ cấp huyện"),
        ("Công đoàn KCN Mỹ Phước", "Công đoàn các KCN"),
        ("LĐLĐ TP. Thuận An", "LĐLĐ cấp huyện"),
        ("LĐLĐ TX. Bến Cát", "LĐLĐ cấp huyện"),
        ("Công đoàn ngành Giáo dục", "Công đoàn ngành"),
    ]
    out = [province]
    uppers = []
    for i in range(cfg.uppers):
        name, level = upper_names[i % len(upper_names)]
        if i >= len(upper_names):
            name = f"{name} {i // len(upper_names) + 1}"
        spec = UnitSpec(cfg.code(f"D{i + 1}"), name, level, province.code)
        uppers.append(spec)
        out.append(spec)
    used: set[str] = set()
    heavy = set(rng.sample(range(cfg.grassroots), max(1, cfg.grassroots // 4)))
    for i in range(cfg.grassroots):
        employer, _industry = names.company(rng, used)
        spec = UnitSpec(
            cfg.code(f"G{i + 1:02d}"),
            f"CĐCS {employer}",
            "Công đoàn cơ sở",
            uppers[i % len(uppers)].code,
            employer=employer,
            welfare_target=rng.uniform(0.42, 0.56) if i in heavy else rng.uniform(0.64, 0.84),
            compliance=rng.choice((0.995, 0.99, 0.97, 0.9, 0.82)),
            under_declares=rng.random() < 0.2,
            late=rng.random() < 0.15,
        )
        out.append(spec)
    return out


def roster(cfg: DemoConfig, rng: random.Random, grassroots: list[UnitSpec]) -> list[Person]:
    """Members per union (uneven sizes, 20 or more each), with relatives and households."""
    n = len(grassroots)
    weights = [rng.paretovariate(1.6) for _ in range(n)]
    floor = min(20, max(cfg.members // n, 2))  # a chair and a finance officer at least
    spare = max(cfg.members - floor * n, 0)
    sizes = [floor + int(spare * w / sum(weights)) for w in weights]
    sizes[0] += cfg.members - sum(sizes)
    people: list[Person] = []
    seen: dict[str, set[str]] = {"cid": set(), "hh": set()}
    for unit, size in zip(grassroots, sizes, strict=True):
        for i in range(size):
            people.append(distinct(person(cfg, rng, unit, i + 1), seen))
    return people


def distinct(p: Person, seen: dict[str, set[str]]) -> Person:
    """`p` with a citizen id and household no one in `seen` has (then added to it).

    Two people never share a CCCD, and two unrelated members a household book, only by a
    draw of the generator: a repeated one is moved to the next free serial, without drawing
    from the RNG, so a seed whose draws repeat nothing gives the same people as before.
    """
    while p.citizen_id in seen["cid"]:
        serial = (int(p.citizen_id[-6:]) + 1) % 10**6
        p.citizen_id = f"{p.citizen_id[:-6]}{serial:06d}"
    seen["cid"].add(p.citizen_id)
    while p.household is not None and p.household in seen["hh"]:
        p.household = f"HGD-{(int(p.household[4:]) + 1) % 10**7:07d}"
    if p.household is not None:
        seen["hh"].add(p.household)
    return p


def birthday(born: int) -> date:
    """A demo member's date of birth, from their year of birth."""
    return date(born, born % 12 + 1, born % 27 + 1)


def adult(born: int) -> date:
    """The day a demo member born in `born` turns 15 and may join a union."""
    day = birthday(born)
    return day.replace(year=born + MEMBER_MIN_AGE)


def person(cfg: DemoConfig, rng: random.Random, unit: UnitSpec, index: int) -> Person:
    female = rng.random() < 0.58  # garment, footwear and electronics employ mostly women
    born = rng.randint(1966, 2005)
    name = names.full_name(rng, female=female)
    family = name.split()[0]
    # nobody joins before 15, a worker's least age (ledger.privacy.MEMBER_MIN_AGE)
    joined = max(date(2015, 1, 1) + timedelta(days=rng.randrange(3600)), adult(born))
    salary = _salary(rng)
    number = f"{unit.code}-{index:04d}"
    person = Person(
        number=number,
        unit=unit.code,
        female=female,
        born=born,
        name=name,
        citizen_id=names.citizen_id(rng, female=female, born=born),
        salary=salary,
        joined=joined,
        bank=names.bank_account(rng) if rng.random() < 0.6 else None,
        spans=[(joined, unit.code)],
        salaries=[(joined, salary)],
    )
    if rng.random() < 0.12:
        person.household = f"HGD-{rng.randrange(10**7):07d}"
        person.poor = rng.random() < 0.5
    if born < 1998 and rng.random() < 0.35:
        for c in range(rng.choice((1, 1, 2))):
            child_female = rng.random() < 0.5
            person.relatives.append(
                Relative(
                    f"C{c + 1}",
                    "child",
                    names.full_name(rng, female=child_female, family=family),
                    rng.randint(max(born + 20, 2007), 2022),
                )
            )
    if rng.random() < 0.08:
        person.relatives.append(
            Relative("P1", "parent", names.full_name(rng, female=rng.random() < 0.5), born - 27)
        )
    return person


def _salary(rng: random.Random) -> int:
    """Social-insurance salary: mostly 5–12 million, a tail above the dues cap (23,4 million)."""
    if rng.random() < 0.06:
        return rng.randrange(24_000, 45_000) * 1000
    return rng.randrange(MIN_WAGE // 1000, 12_500) * 1000


def officers(
    cfg: DemoConfig, unit_specs: list[UnitSpec], people: list[Person]
) -> list[OfficerSpec]:
    by_unit: dict[str, list[Person]] = {}
    for p in people:
        by_unit.setdefault(p.unit, []).append(p)
    out = []
    if cfg.genesis:
        out.append(OfficerSpec("admin", "Quản trị viên hệ thống", "admin", "*"))
    province = unit_specs[0]
    out.append(
        OfficerSpec(cfg.code("kt.P"), "Đỗ Thị Thanh Hương", "finance_officer", province.code)
    )
    out.append(OfficerSpec(cfg.code("ubkt.P"), "Phạm Quốc Bảo", "inspector", province.code))
    for u in unit_specs[1:]:
        staff = by_unit.get(u.code)
        if staff is None:  # an upper-level union: its own finance officer
            out.append(
                OfficerSpec(
                    cfg.code(f"kt.{u.code[len(cfg.prefix) :]}"),
                    f"Kế toán {u.name}",
                    "finance_officer",
                    u.code,
                )
            )
            continue
        local = u.code[len(cfg.prefix) :]
        kt, ct = staff[0], staff[1]
        out.append(
            OfficerSpec(cfg.code(f"kt.{local}"), kt.name, "finance_officer", u.code, kt.number)
        )
        out.append(OfficerSpec(cfg.code(f"ct.{local}"), ct.name, "chair", u.code, ct.number))
    return out


def upper_chairs(cfg: DemoConfig, unit_specs: list[UnitSpec]) -> list[OfficerSpec]:
    """The chairs of the province and the upper-level unions (members of none of the demo's
    grassroots unions): they cosign their union's spending above the approval threshold."""
    return [
        OfficerSpec(
            cfg.code(f"ct.{u.code[len(cfg.prefix) :]}"), f"Chủ tịch {u.name}", "chair", u.code
        )
        for u in unit_specs
        if u.employer is None
    ]
