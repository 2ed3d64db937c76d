"""The synthetic world: towns, villages, households and people, before any department sees them.

`build_town` makes the baseline of one town (households with consistent ages and relations,
cadres living in their village, payroll staff, assistance cases, disability and old-age
recipients, land contracts). Everything is drawn from per-village `random.Random` instances seeded
by (seed, village code), so a city is generated village by village and town by town.

The baseline is *clean*: it is built so that no rule of docs/rule_semantics.md fires on it. The
anomalies and near misses are added afterwards by `samplegen.inject`.

Long because the world's classes and the baseline steps that fill them (cadres, payroll, deaths, land,
assistance cases, disability) sit together: each step draws from the same per-village random stream and
relies on what earlier steps set, and the baseline's cleanliness can only be checked reading them in order.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from samplegen import names as N
from xuncha.idcard import check_char

D = dt.date
END = D(2024, 12, 31)
YEARS = (2022, 2023, 2024)
COUNTY_REGION = "611021"
COUNTY_NAME = "示例县"
# Neighbouring counties (same province) for spouses who married in.
OTHER_REGIONS = ("611022", "611023", "610425", "612526")
MINORITY_REGION = "650102"


def month_add(d: D, n: int) -> D:
    """First day of the month n months after d's month."""
    m = d.year * 12 + d.month - 1 + n
    return D(m // 12, m % 12 + 1, 1)


def month_end(d: D) -> D:
    return month_add(d, 1) - dt.timedelta(days=1)


def age_on(birth: D, day: D) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


class Allocator:
    """Unique IDs, accounts and household numbers across the whole county, in generation order."""

    def __init__(self) -> None:
        self._seq: dict[tuple[str, D, bool], int] = {}
        self._acct = 0

    def person_id(self, region: str, birth: D, male: bool) -> str:
        key = (region, birth, male)
        c = self._seq.get(key, 0)
        self._seq[key] = c + 1
        if c >= 499:
            raise ValueError("ID sequence exhausted")
        c0 = (birth.toordinal() * 131 + int(region)) % 499  # where this date's numbering starts
        seq = 2 * (((c + c0) * 97 + 17) % 499) + 1 + (1 if male else 0)  # 1..999, odd = male
        if male and seq % 2 == 0 or not male and seq % 2 == 1:
            seq -= 1
        body = f"{region}{birth:%Y%m%d}{seq:03d}"
        return body + check_char(body)

    def account(self, rng: random.Random) -> tuple[str, str]:
        bank, prefix, length = rng.choices(N.BANKS, weights=(5, 6, 3, 2, 1, 1))[0]
        self._acct += 1
        r = length - len(prefix) - 1
        mixed = (self._acct * 982_451_653_129_811 + 314_159_265_358_979) % (10**r)
        body = prefix + f"{mixed:0{r}d}"
        return body + _luhn(body), bank


def _luhn(body: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


@dataclass(eq=False)
class Person:
    pid: str
    name: str
    male: bool
    birth: D
    rel: str  # 与户主关系 as the household register writes it
    role: str  # self / spouse / child / parent / grandchild / child_spouse
    hh: Household
    status: str = "正常"
    death: D | None = None
    account: str | None = None
    bank: str | None = None
    disability: tuple[str, int] | None = None  # (category, grade 1..4)
    minority: bool = False
    # 2024 pay months of the old-age allowance (first-of-month dates); filled by build_town
    oldage_months: list[D] = field(default_factory=list)
    # disability subsidies: subsidy type -> list of months
    dis_months: dict[str, list[D]] = field(default_factory=dict)
    tags: set[str] = field(default_factory=set)

    def age(self, day: D = END) -> int:
        return age_on(self.birth, day)

    @property
    def village(self) -> Village:
        return self.hh.village

    def alive_on(self, day: D) -> bool:
        return self.birth <= day and (self.death is None or self.death >= day)


@dataclass(eq=False)
class Household:
    no: str
    village: Village
    group: int
    members: list[Person] = field(default_factory=list)
    contract_area: float | None = None
    plots: int = 0
    # subsidised area per year (farmland subsidy roster)
    subsidy_area: dict[int, float] = field(default_factory=dict)
    tags: set[str] = field(default_factory=set)

    @property
    def head(self) -> Person:
        return self.members[0]


@dataclass(eq=False)
class Case:
    """An assistance case (保障户): one roster household."""

    programme: str  # 农村低保 / A类 / B类 / C类 / 特困供养
    village: Village
    head: Person
    members: list[tuple[Person, str]]  # (person, 与户主关系 as the roster writes it)
    approval: D
    amount: float  # monthly, whole household
    status: str = "在保"
    stop: D | None = None
    # per-member overrides (status, stop date) e.g. a member who died
    member_stop: dict[str, tuple[str, D | None]] = field(default_factory=dict)
    extra_rows: list[tuple[Person, str]] = field(default_factory=list)  # duplicated rows

    @property
    def is_dibao(self) -> bool:
        return "低保" in self.programme or self.programme in ("A类", "B类", "C类")

    def active_on(self, day: D) -> bool:
        return self.approval <= day and (
            (self.status == "在保" and self.stop is None) or (self.stop is not None and self.stop >= day)
        )

    def paid_months_2024(self) -> list[D]:
        return [D(2024, m, 1) for m in range(1, 13) if self.active_on(D(2024, m, 1))]


@dataclass(eq=False)
class Village:
    code: str
    base: str  # 东岭
    town: Town
    index: int  # position in town
    rng: random.Random
    groups: int
    households: list[Household] = field(default_factory=list)
    cadres: list[tuple[Person, str]] = field(default_factory=list)  # (person, position)
    cases: list[Case] = field(default_factory=list)
    payroll: list[dict] = field(default_factory=list)
    filings: list[dict] = field(default_factory=list)
    # knobs set by the injection plan
    ledger_payments_target: int = 0
    dec_share_2024: float | None = None
    benford_skew: bool = False
    roles: set[str] = field(default_factory=set)

    @property
    def name(self) -> str:
        return self.base + "村"

    def people(self) -> list[Person]:
        return [p for h in self.households for p in h.members]


@dataclass(eq=False)
class Town:
    code: str  # 3 digits
    name: str
    index: int
    villages: list[Village] = field(default_factory=list)


GROUP_CN = "一二三四五六七八九十"


def _birth(rng: random.Random, age: int) -> D:
    """A birth date giving `age` on END."""
    year = END.year - age
    day = D(year, 1, 1) + dt.timedelta(days=rng.randrange(365))
    if day > END.replace(year=year):
        day = END.replace(year=year)
    return day


class _Namer:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def name(self, male: bool, born_year: int, surname: str | None = None) -> str:
        for _ in range(200):
            n = N.han_name(self.rng, male, born_year, surname)
            k = N.pinyin_key(n)
            if k not in self.used:
                self.used.add(k)
                return n
        raise RuntimeError("name pool exhausted")

    def reserve(self, n: str) -> bool:
        k = N.pinyin_key(n)
        if k in self.used:
            return False
        self.used.add(k)
        return True


def _add(alloc: Allocator, namer: _Namer, hh: Household, rel: str, role: str, male: bool, age: int,
         surname: str | None = None, region: str = COUNTY_REGION) -> Person:
    rng = namer.rng
    age = max(0, min(age, 99))
    birth = _birth(rng, age)
    p = Person(alloc.person_id(region, birth, male), namer.name(male, birth.year, surname), male, birth,
               rel, role, hh)
    hh.members.append(p)
    return p


def _household(alloc: Allocator, namer: _Namer, village: Village, no: str, group: int) -> Household:
    rng = village.rng
    hh = Household(no, village, group)
    t = rng.random()
    male_head = rng.random() < 0.85

    def spouse_of(head: Person, age_gap: int) -> Person:
        region = rng.choice(OTHER_REGIONS) if rng.random() < 0.15 else COUNTY_REGION
        rel = "妻" if head.male else "夫"
        rel = rng.choice((rel, "配偶"))
        return _add(alloc, namer, hh, rel, "spouse", not head.male, head.age() + age_gap, region=region)

    def child(parent_age: int, male: bool | None = None) -> Person:
        male = rng.random() < 0.52 if male is None else male
        age = max(0, parent_age - rng.randint(22, 34))
        rel = rng.choice(("子", "长子", "次子")) if male else rng.choice(("女", "长女", "次女"))
        return _add(alloc, namer, hh, rel, "child", male, age, surname=hh.head.name[0] if hh.head.male else None)

    if t < 0.08:  # single elderly
        _add(alloc, namer, hh, "户主", "self", male_head, rng.randint(66, 92))
    elif t < 0.25:  # elderly couple
        h = _add(alloc, namer, hh, "户主", "self", True, rng.randint(60, 86))
        spouse_of(h, -rng.randint(0, 5))
    elif t < 0.60:  # middle-aged head, children, maybe a parent
        h = _add(alloc, namer, hh, "户主", "self", male_head, rng.randint(40, 58))
        if rng.random() < 0.9:
            spouse_of(h, rng.randint(-4, 2))
        for _ in range(rng.choice((1, 1, 2, 2, 3))):
            if h.age() - 22 >= 0:
                child(h.age())
        if rng.random() < 0.45:
            male_p = rng.random() < 0.4
            _add(alloc, namer, hh, "父亲" if male_p else "母亲", "parent", male_p,
                 min(h.age() + rng.randint(22, 32), 97), surname=h.name[0] if male_p and h.male else None)
    elif t < 0.85:  # young family
        h = _add(alloc, namer, hh, "户主", "self", male_head, rng.randint(26, 40))
        spouse_of(h, rng.randint(-4, 2))
        for _ in range(rng.choice((0, 1, 1, 2))):
            child(h.age())
        if rng.random() < 0.35:
            male_p = rng.random() < 0.5
            _add(alloc, namer, hh, "父亲" if male_p else "母亲", "parent", male_p,
                 h.age() + rng.randint(22, 30), surname=h.name[0] if male_p and h.male else None)
    else:  # old head, son, daughter-in-law, grandchildren
        h = _add(alloc, namer, hh, "户主", "self", True, rng.randint(58, 78))
        if rng.random() < 0.85:
            spouse_of(h, -rng.randint(0, 4))
        son = child(h.age(), male=True)
        dil = _add(alloc, namer, hh, "儿媳", "child_spouse", False, son.age() + rng.randint(-4, 1))
        for _ in range(rng.choice((1, 1, 2))):
            age = min(son.age(), dil.age()) - rng.randint(22, 30)
            if age >= 0:
                male = rng.random() < 0.52
                _add(alloc, namer, hh, "孙子" if male else "孙女", "grandchild", male, age, surname=son.name[0])
    return hh


def build_village(alloc: Allocator, town: Town, index: int, seed: int, scale: float = 1.0) -> Village:
    code = f"{COUNTY_REGION}{town.code}{201 + index:03d}"
    rng = random.Random(f"xuncha-sample-{seed}-{code}")
    v = Village(code, "", town, index, rng, groups=rng.randint(4, 8))
    namer = _Namer(rng)
    v._namer = namer  # type: ignore[attr-defined]
    n_hh = int(rng.randint(95, 135) * scale)
    for i in range(n_hh):
        v.households.append(_household(alloc, namer, v, f"{code[6:]}{i + 1:04d}", rng.randint(1, v.groups)))
    # a few minority residents (married in), with their own region code
    if rng.random() < 0.25:
        hh = rng.choice([h for h in v.households if h.head.age() < 60 and len(h.members) >= 2])
        male = rng.random() < 0.5
        nm = N.minority_name(rng, male)
        if namer.reserve(nm):
            birth = _birth(rng, rng.randint(25, 50))
            p = Person(alloc.person_id(MINORITY_REGION, birth, male), nm, male, birth,
                       "其他", "other", hh, minority=True)
            hh.members.append(p)
    for p in v.people():
        p.account, p.bank = alloc.account(rng)
    return v


# ---------------------------------------------------------------------------------------------
# Baseline programmes
# ---------------------------------------------------------------------------------------------

EMPLOYERS = (
    ("{town}中心小学", "事业"), ("示例县第二中学", "事业"), ("示例县人民医院", "事业"), ("{town}人民政府", "行政"),
    ("示例县农业农村局", "行政"), ("{town}卫生院", "事业"), ("示例县自然资源局", "行政"), ("{town}综合执法队", "编外"),
)
DISABILITY_CATS = ("视力", "听力", "言语", "肢体", "智力", "精神", "多重")
OLDAGE_80 = 100.0
OLDAGE_90 = 140.0
TEKUN_AMOUNT = 720.0
LIVING_SUBSIDY = 80.0
CARE_SUBSIDY = {1: 100.0, 2: 80.0}


def _rand_date(rng: random.Random, lo: D, hi: D) -> D:
    return lo + dt.timedelta(days=rng.randrange((hi - lo).days + 1))


def oldage_amount(p: Person, month: D) -> float:
    return OLDAGE_90 if age_on(p.birth, month_end(month)) >= 90 else OLDAGE_80


def eligible_oldage_months(p: Person) -> list[D]:
    """Baseline: paid from the month after the month of the 80th birthday, while alive on day 1."""
    b80 = D(p.birth.year + 80, p.birth.month, 1)
    return [D(2024, m, 1) for m in range(1, 13)
            if D(2024, m, 1) > b80 and p.alive_on(D(2024, m, 1)) and p.status != "迁出"]


def _assign_cadres(v: Village) -> None:
    rng = v.rng
    pos = ["党支部书记、村委会主任"] if rng.random() < 0.5 else ["党支部书记", "村委会主任"]
    pos += ["会计", "村委委员", "监委会主任"] + [f"{GROUP_CN[g]}组组长" for g in range(min(v.groups, 4))]
    used: set[int] = set()
    adults = [p for h in v.households for p in h.members
              if 30 <= p.age() <= 62 and p.role in ("self", "spouse", "child") and not p.minority]
    rng.shuffle(adults)
    # one group leader is an adult son living in his father's household (a cadre who is not the head)
    sons = [p for p in adults if p.role == "child" and p.male and p.hh.head.male and p.hh.head.age() >= 55
            and len(p.hh.members) >= 3]
    for position in pos:
        pool = sons if position.endswith("组长") and sons and not any(
            c.role == "child" for c, _ in v.cadres) else adults
        for p in pool:
            if id(p.hh) not in used:
                used.add(id(p.hh))
                v.cadres.append((p, position))
                p.tags.add("cadre")
                p.hh.tags.add("cadre")
                break


def _assign_payroll(v: Village) -> None:
    rng = v.rng
    town = v.town.name
    cands = [p for h in v.households if "cadre" not in h.tags for p in h.members
             if 24 <= p.age() <= 58 and p.role in ("self", "spouse", "child") and not p.minority]
    rng.shuffle(cands)
    n = rng.randint(2, 4)
    for p in cands[:n]:
        emp, cat = rng.choice(EMPLOYERS)
        start = _rand_date(rng, D(p.birth.year + 22, 7, 1), D(p.birth.year + 24, 9, 1))
        v.payroll.append(dict(person=p, employer=emp.format(town=town), category=cat, start=start, end=None))
        p.tags.add("payroll")
        p.hh.tags.add("payroll")
    retirees = [p for h in v.households if not h.tags for p in h.members if 62 <= p.age() <= 80
                and p.role == "self" and p.death is None]
    if retirees:
        p = rng.choice(retirees)
        v.payroll.append(dict(person=p, employer=f"{town}中心小学", category="离退休",
                              start=D(p.birth.year + 20, 9, 1), end=None))
        p.tags.add("payroll")
        p.hh.tags.add("payroll")


def _deaths_and_moves(v: Village) -> None:
    rng = v.rng
    old = [p for h in v.households if "cadre" not in h.tags and "payroll" not in h.tags for p in h.members
           if p.age() >= 72 and (p.role in ("parent", "spouse") or len(h.members) == 1)]
    rng.shuffle(old)
    for p in old[: rng.randint(2, 5)]:
        p.death = _rand_date(rng, D(2022, 1, 5), D(2024, 11, 25))
        p.status = "注销"
    young = [p for h in v.households if "cadre" not in h.tags for p in h.members
             if 18 <= p.age() <= 35 and p.role == "child" and "payroll" not in p.tags]
    rng.shuffle(young)
    for p in young[: rng.randint(0, 2)]:
        p.status = "迁出"
        p.tags.add("moved")


def _land(v: Village) -> None:
    rng = v.rng
    for h in v.households:
        if h.head.death is None and h.head.status == "正常" and rng.random() < 0.9:
            h.contract_area = round(rng.uniform(2.0, 15.0), 2)
            h.plots = rng.randint(2, 8)
            area = round(h.contract_area * rng.uniform(0.85, 1.0), 2)
            h.subsidy_area = {y: area for y in YEARS}


def roster_relation(p: Person, style: int) -> str:
    if p.role == "self":
        return ("户主", "本人")[style % 2]
    if p.role == "spouse":
        return ("配偶", p.rel)[style % 2] if p.rel != "配偶" else "配偶"
    if p.role == "child":
        return ("子" if p.male else "女") if style % 2 else p.rel
    return p.rel


def _clean_for_cases(h: Household) -> bool:
    return not h.tags and all(not p.minority for p in h.members) and h.head.death is None \
        and h.head.status == "正常"


def _make_case(v: Village, programme: str, h: Household, approval: D, amount: float) -> Case:
    style = v.town.index
    members = [(p, roster_relation(p, style)) for p in h.members
               if p.status != "迁出" and (p.death is None or p.death > approval) and p.birth <= approval]
    c = Case(programme, v, h.head, members, approval, amount)
    for p, _ in members:
        if p.death is not None:
            stop = min(p.death + dt.timedelta(days=rng_days(p)), month_end(p.death))
            c.member_stop[p.pid] = ("停保", stop)
    for p, _ in members:
        p.tags.add("case")
    h.tags.add("case")
    v.cases.append(c)
    return c


def rng_days(p: Person) -> int:
    return int(p.pid[-4:-1]) % 5


def dibao_programme(v: Village, rng: random.Random) -> str:
    if v.town.index % 2 == 0:
        return "农村低保"
    return rng.choice(("A类", "B类", "B类", "C类"))


def _cases(v: Village, rate: float) -> None:
    rng = v.rng
    pop = [p for p in v.people() if p.status == "正常"]
    target = max(3, round(rate * len(pop)))
    cands = [h for h in v.households if _clean_for_cases(h)]
    # poorer-looking households first: elderly heads, disabled members, single parents
    rng.shuffle(cands)
    cands.sort(key=lambda h: -(h.head.age() >= 60) - any(p.disability for p in h.members))
    # 特困: single elderly
    singles = [h for h in cands if len(h.members) == 1 and h.head.age() >= 62]
    for h in singles[: rng.randint(1, 2)]:
        _make_case(v, "特困供养", h, _rand_date(rng, D(2015, 1, 1), D(2023, 6, 30)), TEKUN_AMOUNT)
    count = 0
    dibao: list[Case] = []
    for h in cands:
        if count >= target:
            break
        if "case" in h.tags or len(h.members) > 5:
            continue
        c = _make_case(v, dibao_programme(v, rng), h, _rand_date(rng, D(2014, 1, 1), D(2023, 10, 31)), 0.0)
        dibao.append(c)
        count += len(c.members)
    # a few historic cases that stopped (household improved)
    for h in cands:
        if len([c for c in dibao if c.status == "停保"]) >= 1 or rng.random() < 0.5:
            break
        if "case" in h.tags or len(h.members) > 4:
            continue
        c = _make_case(v, dibao_programme(v, rng), h, _rand_date(rng, D(2016, 1, 1), D(2020, 12, 31)), 0.0)
        c.status, c.stop = "停保", _rand_date(rng, D(2022, 3, 1), D(2024, 5, 31))
        dibao.append(c)
    set_dibao_amounts(v)


def set_dibao_amounts(v: Village) -> None:
    """Evenly spaced household amounts (by size), so that no amount is a robust outlier (B04)."""
    dibao = sorted((c for c in v.cases if c.is_dibao), key=lambda c: (len(c.members), c.head.pid))
    n = len(dibao)
    for i, c in enumerate(dibao):
        c.amount = float(round(380 + 520 * (i + 0.5) / max(n, 1)))


def _disability(v: Village) -> None:
    rng = v.rng
    full_year_dibao = {
        p.pid for c in v.cases if c.is_dibao and c.approval < D(2024, 1, 1) and c.status == "在保"
        and c.stop is None for p, _ in c.members if p.pid not in c.member_stop
    }
    tekun = {p.pid for c in v.cases if not c.is_dibao for p, _ in c.members}
    for p in v.people():
        if p.age() < 18 or p.minority or p.status == "迁出" or "cadre" in p.tags or "payroll" in p.tags:
            continue
        in_dibao = p.pid in full_year_dibao
        if rng.random() < (0.18 if in_dibao else 0.035):
            grade = rng.choice((1, 2, 2, 3, 3, 4, 4, 4))
            p.disability = (rng.choice(DISABILITY_CATS), grade)
            if p.pid in tekun:
                continue
            months = [D(2024, m, 1) for m in range(1, 13) if p.alive_on(D(2024, m, 1))]
            if in_dibao and p.death is None:
                p.dis_months["困难残疾人生活补贴"] = list(months)
            if grade <= 2:
                p.dis_months["重度残疾人护理补贴"] = list(months)


def _oldage(v: Village) -> None:
    for p in v.people():
        if p.age() >= 80 or (p.death and age_on(p.birth, p.death) >= 80):
            p.oldage_months = eligible_oldage_months(p)


def _filings(v: Village) -> None:
    rng = v.rng
    if rng.random() < 0.4 and v.cadres:
        cadre, position = v.cadres[0]
        rel = [p for p in cadre.hh.members if p is not cadre and p.age() >= 18]
        if rel:
            p = rng.choice(rel)
            v.filings.append(dict(applicant=p, related=cadre, position=position,
                                  relation=_relation_word(p, cadre),
                                  date=_rand_date(rng, D(2021, 3, 1), D(2023, 12, 31))))


def _relation_word(p: Person, cadre: Person) -> str:
    """How p is related to the cadre, in the words of the filing register."""
    if cadre.role == "self":
        return {"spouse": "配偶", "child": "子女", "parent": "父母", "grandchild": "孙子女",
                "child_spouse": "儿媳"}.get(p.role, "其他")
    if p.role == "self":
        return {"spouse": "配偶", "child": "父母", "parent": "子女"}.get(cadre.role, "其他")
    return "其他亲属"


def build_town(alloc: Allocator, town: Town, n_villages: int, seed: int, scale: float = 1.0) -> Town:
    for i in range(n_villages):
        town.villages.append(build_village(alloc, town, i, seed, scale))
    rng = random.Random(f"xuncha-sample-{seed}-town-{town.code}")
    # 低保 rates evenly spread over the town's villages (A09 baseline stays far from 2 × median)
    rates = [0.024 + 0.02 * (i + 0.5) / n_villages for i in range(n_villages)]
    rng.shuffle(rates)
    for v, rate in zip(town.villages, rates, strict=True):
        _assign_cadres(v)
        _assign_payroll(v)
        _deaths_and_moves(v)
        _land(v)
        v.rate = rate  # type: ignore[attr-defined]
        _cases(v, rate)
        _disability(v)
        _oldage(v)
        _filings(v)
    return town
