"""Anomalies (ground truth) and near misses, injected town by town.

Every town of ≥ 12 villages gets the same plan: each rule A01–E02 is injected at least once (the
person and voucher rules twice, D10 once per sub-condition, A08/D09 once per sub-condition) and each
near miss of docs/rule_semantics.md is planted at least once. Villages are addressed by their
position in the town (V0…V11, modulo the town size), so roles never collide in a 12-village town.

Two phases: `world_phase` changes people and cases before the tables are materialised (deaths,
cases, payroll, disability, areas); `row_phase` edits rows afterwards (one-card payments, ledger
vouchers, contracts, compensation, unusable IDs). Every injection records its ground-truth row(s);
subjects that are vouchers are kept as voucher dicts and turned into numbers after numbering.

Long because the injections run in sequence on one random stream and one set of village positions: moving
one to another file would hide which people and villages earlier injections have already used.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from samplegen import names as N
from samplegen.assets import RENT_PER_MU, comp_row, contract, lessee_pool
from samplegen.ledger import new_voucher
from samplegen.tables import name_in
from samplegen.world import (
    COUNTY_REGION,
    Allocator,
    Case,
    D,
    Household,
    Person,
    Town,
    Village,
    _make_case,
    eligible_oldage_months,
    set_dibao_amounts,
)
from xuncha.idcard import check_char


@dataclass
class Book:
    """Ground truth and near misses of one town."""

    gt: list[list] = field(default_factory=list)  # [rule, village_code, subject (str | list[voucher]), note]
    nm: list[list] = field(default_factory=list)

    def add(self, rule: str, v: Village | str, subject, note: str) -> None:
        self.gt.append([rule, v if isinstance(v, str) else v.code, subject, note])

    def near(self, rule: str, v: Village | str, subject, note: str) -> None:
        self.nm.append([rule, v if isinstance(v, str) else v.code, subject, note])

    def resolved(self, rows: list[list]) -> list[tuple[str, str, str, str]]:
        out = []
        for rule, code, subj, note in rows:
            if isinstance(subj, list):
                # a voucher is its accounting period, word and number (rules.sqlparts.voucher_key)
                subj = ";".join(sorted(f"{x['date']:%Y-%m}/{x['no']}" for x in subj))
            out.append((rule, code, subj, note))
        return out


class Injector:
    def __init__(self, town: Town, alloc: Allocator, seed: int) -> None:
        self.town = town
        self.V = town.villages
        self.alloc = alloc
        self.rng = random.Random(f"xuncha-sample-{seed}-inject-{town.code}")
        self.book = Book()
        self.used: set[str] = set()

    # ---------------------------------------------------------------- helpers
    def v(self, i: int) -> Village:
        return self.V[i % len(self.V)]

    def find(self, i: int, pred, *, alt=None) -> tuple[Village, Person]:
        """A person satisfying pred in village i (else the next villages), not used before."""
        for test in (pred, alt):
            if test is None:
                continue
            for k in range(len(self.V)):
                v = self.v(i + k)
                cands = [p for p in v.people() if p.pid not in self.used and test(p)]
                if cands:
                    p = self.rng.choice(cands)
                    self.used.add(p.pid)
                    return v, p
        raise LookupError(f"no person for an injection in town {self.town.name} (village {i})")

    def case_of(self, p: Person, dibao: bool | None = None) -> Case | None:
        for c in p.village.cases:
            if any(m is p for m, _ in c.members) and (dibao is None or c.is_dibao == dibao):
                return c
        return None

    @staticmethod
    def kill(p: Person, day: D) -> None:
        p.death, p.status = day, "注销"
        p.dis_months = {k: [m for m in ms if p.alive_on(m)] for k, ms in p.dis_months.items()}
        p.oldage_months = [m for m in p.oldage_months if p.alive_on(m)]

    @staticmethod
    def plain(p: Person) -> bool:
        return (not p.tags - {"case"} and not p.minority and p.death is None and p.status == "正常"
                and "cadre" not in p.hh.tags and "payroll" not in p.hh.tags)

    def full_year_dibao_member(self, p: Person, head: bool | None = None) -> bool:
        c = self.case_of(p, dibao=True)
        return (c is not None and c.status == "在保" and c.stop is None and c.approval < D(2024, 1, 1)
                and p.pid not in c.member_stop and (head is None or (c.head is p) == head) and p.death is None)

    def fresh_household(self, v: Village) -> Household | None:
        cands = [h for h in v.households if not h.tags and h.head.death is None and h.head.status == "正常"
                 and all(self.plain(p) and p.pid not in self.used for p in h.members) and len(h.members) <= 4]
        return self.rng.choice(cands) if cands else None

    # ================================================================ world phase
    def world_phase(self) -> None:
        rng, b = self.rng, self.book
        # --- A01 已故人员仍在保或仍领取
        v, p = self.find(1, lambda p: self.full_year_dibao_member(p, head=False) and not p.dis_months
                         and p.age() >= 50 and not p.oldage_months)
        self.kill(p, D(2024, 4, rng.randint(3, 25)))
        self.case_of(p).member_stop.pop(p.pid, None)
        b.add("A01", v, p.pid, f"{p.name}于{p.death:%Y年%m月%d日}死亡，低保花名册中仍为在保（未停保）")
        v, p = self.find(2, lambda p: self.plain(p) and p.age() >= 82 and len(p.oldage_months) == 12
                         and "case" not in p.tags and p.role != "self")
        self.kill(p, D(2024, 5, rng.randint(3, 25)))
        p.oldage_months = [D(2024, m, 1) for m in range(1, 9)]
        b.add("A01", v, p.pid, f"{p.name}于{p.death:%Y年%m月%d日}死亡，高龄补贴仍发放至2024年8月")
        v, p = self.find(3, lambda p: self.plain(p) and p.age() >= 82 and len(p.oldage_months) == 12
                         and "case" not in p.tags and p.role != "self")
        self.kill(p, D(2024, 6, 20))
        p.oldage_months = eligible_oldage_months(p)
        b.near("A01", v, p.pid, "2024年6月20日死亡，高龄补贴发放至死亡当月（6月）为止")
        v, p = self.find(4, lambda p: self.full_year_dibao_member(p, head=False) and not p.dis_months
                         and not p.oldage_months and p.age() >= 40)
        self.kill(p, D(2024, 3, 8))
        self.case_of(p).member_stop[p.pid] = ("停保", D(2024, 3, 26))
        b.near("A01", v, p.pid, "2024年3月8日死亡，同月26日停保")

        # --- A02 互斥待遇重复享受
        v, p = self.find(5, lambda p: self.full_year_dibao_member(p, head=False) and p.age() >= 55
                         and not p.dis_months)
        c = Case("特困供养", v, p, [(p, "本人")], D(2023, 3, 1), 720.0)
        v.cases.append(c)
        b.add("A02", v, p.pid, f"{p.name}为低保户成员，2023年3月起又纳入特困供养，两项待遇重叠")
        v, p = self.find(6, lambda p: (c := self.case_of(p, dibao=False)) is not None and c.status == "在保"
                         and p.death is None)
        p.disability = ("肢体", 1)
        p.dis_months = {"重度残疾人护理补贴": [D(2024, m, 1) for m in range(1, 13)]}
        b.add("A02", v, p.pid, f"特困供养人员{p.name}同时领取重度残疾人护理补贴（一级）")
        v, p = self.find(7, lambda p: self.plain(p) and p.age() >= 65 and "case" not in p.hh.tags
                         and not p.oldage_months and not p.dis_months)
        old = Case(self.dibao_prog(v), v, p, [(p, "户主" if p.role == "self" else "本人")], D(2018, 5, 1), 520.0,
                   status="停保", stop=D(2022, 12, 31))
        new = Case("特困供养", v, p, [(p, "本人")], D(2023, 1, 1), 720.0)
        v.cases += [old, new]
        p.tags.add("case")
        b.near("A02", v, p.pid, "2022年12月31日停低保，2023年1月1日起转为特困供养，期间不重叠")

        # --- A03 重复享受
        v8, p = self.find(8, lambda p: self.full_year_dibao_member(p, head=False) and p.age() >= 20
                          and not p.dis_months)
        target = next((c for k in range(1, len(self.V)) for c in self.v(8 + k).cases
                       if c.is_dibao and c.status == "在保" and c.stop is None), None)
        target.members.append((p, "儿媳" if not p.male else "女婿"))
        b.add("A03", v8, p.pid, f"{p.name}同时在{v8.name}和{target.village.name}两个低保户中保障")
        b.add("A03", target.village, p.pid, f"{p.name}同时在{v8.name}和{target.village.name}两个低保户中保障")
        v, p = self.find(10, lambda p: self.full_year_dibao_member(p, head=False) and not p.dis_months)
        c = self.case_of(p, dibao=True)
        c.extra_rows.append((p, next(r for m, r in c.members if m is p)))
        b.add("A03", v, p.pid, f"{p.name}在同一低保户中登记两次（重复行）")
        v, p = self.find(11, lambda p: self.full_year_dibao_member(p, head=True))
        c = self.case_of(p, dibao=True)
        hist = Case(c.programme, v, c.head, list(c.members), D(2016, 4, 1), c.amount, status="停保",
                    stop=D(2021, 6, 30))
        c.approval = D(2021, 9, 1)
        v.cases.append(hist)
        for m, _ in c.members:
            self.used.add(m.pid)
        b.near("A03", v, p.pid, "旧低保记录2021年6月30日停保，新记录2021年9月1日批准，不重叠")

        # --- A04 财政供养人员家庭享受低保
        v, p = self.find(0, lambda p: self.full_year_dibao_member(p, head=False) and 24 <= p.age() <= 50
                         and not p.dis_months)
        v.payroll.append(dict(person=p, employer=f"{self.town.name}中心小学", category="事业",
                              start=D(2012, 9, 1), end=None))
        p.tags.add("payroll")
        b.add("A04", v, p.pid, f"低保户成员{p.name}为{self.town.name}中心小学在编人员（事业）")
        v, p = self.find(1, lambda p: self.full_year_dibao_member(p, head=True) and p.age() >= 45)
        v.payroll.append(dict(person=p, employer=f"{self.town.name}综合执法队", category="编外",
                              start=D(2023, 3, 1), end=None))
        p.tags.add("payroll")
        b.add("A04", v, p.pid, f"低保户主{p.name}2023年3月起为{self.town.name}综合执法队编外人员")
        v, p = self.find(2, lambda p: self.full_year_dibao_member(p) and 30 <= p.age() <= 55 and not p.dis_months)
        c = self.case_of(p, dibao=True)
        c.approval = max(c.approval, D(2017, 3, 1))
        v.payroll.append(dict(person=p, employer="示例县自然资源局", category="编外", start=D(2010, 3, 1),
                              end=D(2015, 6, 30)))
        b.near("A04", v, p.pid, "编外人员2015年6月30日离岗，低保2017年以后才批准")

        # --- A05 村干部及近亲属享受低保未备案
        v, cadre, m = self.cadre_relative(3, roles=("spouse", "parent"))
        self.single_case(v, m)
        b.add("A05", v, m.pid, f"村干部{cadre.name}的{m.rel}{m.name}单独纳入低保，未备案")
        for k in range(len(self.V)):
            v4 = self.v(4 + k)
            filed = {f["applicant"].pid for f in v4.filings}
            ok = [(p, pos) for p, pos in v4.cadres if p.role == "self" and p.pid not in self.used
                  and not any(m.pid in filed or m.pid in self.used or m.death for m in p.hh.members)]
            if ok:
                break
        cad = next((c for c in ok if "会计" in c[1] or "委员" in c[1]), None) or ok[0]
        h = cad[0].hh
        _make_case(v4, self.dibao_prog(v4), h, D(2022, 6, 1), 0.0)
        set_dibao_amounts(v4)
        for p in h.members:
            self.used.add(p.pid)
        b.add("A05", v4, h.head.pid, f"村干部（{cad[1]}）{cad[0].name}本人家庭纳入低保，未备案")
        v, cadre, m = self.cadre_relative(5, roles=("spouse", "parent", "child"))
        self.single_case(v, m)
        v.filings.append(dict(applicant=m, related=cadre, position=dict((c.pid, pos) for c, pos in v.cadres)[cadre.pid],
                              relation=_rel(m, cadre), date=D(2022, 5, 10)))
        b.near("A05", v, m.pid, f"村干部{cadre.name}的亲属{m.name}享受低保，已在近亲属备案台账登记")
        v6, cadre, m = self.cadre_relative(6, roles=("child",), adult=True, avoid=self.v(7))
        v7 = self.v(7)
        c7 = next(c for c in v7.cases if c.is_dibao and c.status == "在保" and c.stop is None
                  and c.head.pid not in self.used)
        c7.members.append((m, "儿媳" if not m.male else "女婿"))
        self.used.add(c7.head.pid)
        b.near("A05", v7, c7.head.pid, f"{v6.name}村干部{cadre.name}的子女{m.name}在{v7.name}低保户中（非本村干部亲属）")

        # --- A07 高龄补贴年龄不符
        v, p = self.find(8, lambda p: self.plain(p) and 77 <= p.age() <= 78 and not p.oldage_months)
        p.oldage_months = [D(2024, m, 1) for m in range(1, 13)]
        b.add("A07", v, p.pid, f"{p.name}（{p.birth:%Y年%m月}出生）2024年未满80周岁即领取高龄补贴")
        v, p = self.find(9, lambda p: self.plain(p) and p.birth.year == 1944 and p.birth.month >= 3
                         and p.birth.day < 28, alt=lambda p: self.plain(p) and p.age() == 79)
        p.oldage_months = [D(2024, m, 1) for m in range(1, 13)]
        b.add("A07", v, p.pid, f"{p.name}{p.birth:%Y年%m月%d日}出生，年满80周岁前各月已领取高龄补贴")
        v, p = self.find(10, lambda p: self.plain(p) and p.birth.year == 1944 and 2 <= p.birth.month <= 11
                         and p.birth.day >= 2 and p.pid not in self.used)
        p.oldage_months = [D(2024, m, 1) for m in range(p.birth.month, 13)]
        b.near("A07", v, p.pid, f"{p.birth:%Y年%m月%d日}出生，从满80周岁当月起发放")

        # --- A08 两项补贴对象不符
        v, p = self.find(11, lambda p: self.plain(p) and "case" not in p.hh.tags and 30 <= p.age() <= 70
                         and not p.dis_months)
        p.disability = p.disability or ("肢体", 3)
        p.dis_months = {"困难残疾人生活补贴": [D(2024, m, 1) for m in range(1, 13)]}
        b.add("A08", v, p.pid, f"{p.name}家庭不是低保户，却领取困难残疾人生活补贴")
        v, p = self.find(0, lambda p: self.plain(p) and "case" not in p.hh.tags and 30 <= p.age() <= 70
                         and not p.dis_months)
        p.disability = ("视力", 3)
        p.dis_months = {"重度残疾人护理补贴": [D(2024, m, 1) for m in range(1, 13)]}
        b.add("A08", v, p.pid, f"{p.name}残疾等级为三级，却领取重度残疾人护理补贴")
        v, p = self.find(1, lambda p: self.full_year_dibao_member(p, head=False) and p.age() >= 18
                         and not p.oldage_months)
        p.disability = p.disability or ("肢体", 4)
        p.dis_months = {"困难残疾人生活补贴": [D(2024, m, 1) for m in range(1, 13)]}
        b.near("A08", v, p.pid, "低保户成员（非户主）领取困难残疾人生活补贴")
        v, p = self.find(2, lambda p: self.plain(p) and "case" not in p.hh.tags and 30 <= p.age() <= 70
                         and not p.dis_months)
        p.disability = ("肢体", 2)
        p.dis_months = {"重度残疾人护理补贴": [D(2024, m, 1) for m in range(1, 13)]}
        b.near("A08", v, p.pid, "二级残疾领取重度残疾人护理补贴")

        # --- A09 村低保覆盖率异常
        median_rate = sorted(v.rate for v in self.V)[len(self.V) // 2]
        self.raise_rate(self.v(0), 2.7 * median_rate)
        b.add("A09", self.v(0), self.v(0).code, f"{self.v(0).name}低保覆盖率约为全镇中位数的2.7倍")
        self.raise_rate(self.v(6), 1.6 * median_rate)
        b.near("A09", self.v(6), self.v(6).code, "低保覆盖率约为全镇中位数的1.6倍（低于2倍）")

        # --- C01 / C03 (areas)
        v, h = self.land_household(5)
        h.subsidy_area[2024] = round(h.contract_area * 1.5, 2)
        b.add("C01", v, h.head.pid, f"{h.head.name}2024年补贴面积{h.subsidy_area[2024]}亩，确权面积仅{h.contract_area}亩")
        v6 = self.v(6)
        h = next(h for h in v6.households if h.contract_area is None and not h.tags and h.head.death is None
                 and h.head.status == "正常" and h.head.pid not in self.used)
        self.used.add(h.head.pid)
        h.subsidy_area = {2024: 6.5}
        b.add("C01", v6, h.head.pid, f"{h.head.name}无土地确权登记，2024年领取6.5亩耕地地力补贴")
        v, h = self.land_household(7)
        h.subsidy_area[2024] = round(h.contract_area * 1.04, 2)
        b.near("C01", v, h.head.pid, "补贴面积超确权面积4%（容差5%以内）")
        self.cadre_growth(8, 1.20, "C03", head_is_cadre=True)
        self.cadre_growth(9, 1.15, "C03", head_is_cadre=False)
        self.cadre_growth(10, 1.08, "near")
        v11 = self.v(11)
        self.cadre_growth(11, 1.15, "near2")
        total = sum(h.subsidy_area.get(2023, 0) for h in v11.households)
        grow = [h for h in v11.households if h.subsidy_area and "cadre" not in h.tags]
        added = 0.0
        for h in sorted(grow, key=lambda h: h.no):
            if added >= 0.055 * total:
                break
            new = round(h.contract_area * 1.0, 2)
            added += new - h.subsidy_area[2024]
            h.subsidy_area[2024] = new

        # --- village-level knobs
        self.v(1).farmland_factor = 0.85  # C02
        b.add("C02", self.v(1), self.v(1).code, "统计表耕地面积小于全村补贴面积合计（超约24%）")
        self.v(2).farmland_factor = 1 / 1.04
        b.near("C02", self.v(2), self.v(2).code, "全村补贴面积合计为耕地面积的1.04倍（容差5%以内）")
        self.v(2).dec_share_2024 = 0.30
        b.add("D07", self.v(2), self.v(2).code, "2024年12月非生产性支出占全年约30%，为往年12月占比的4倍左右")
        self.v(3).dec_share_2024 = "near"
        b.near("D07", self.v(3), self.v(3).code, "2024年12月占比为往年平均的1.8倍（低于2倍）")
        self.v(4).ledger_payments_target, self.v(4).benford_skew = 340, True
        b.add("D08", self.v(4), self.v(4).code, "三年付款约340笔，首位数字集中于4-9，MAD超过0.015")
        self.v(5).ledger_payments_target = 330
        b.near("D08", self.v(5), self.v(5).code, "三年付款约330笔，首位数字符合本福特分布")
        # tuigeng (退耕还林) in a few villages; never in V6 (B05 ghost) or V8 (B01 near miss)
        for k, v in enumerate(self.V):
            if k % 4 == 1 and k not in (6, 8):
                heads = [h for h in v.households if h.subsidy_area and h.head.death is None]
                v.tuigeng = sorted(heads, key=lambda h: h.no)[: 6 + k % 5]

    def dibao_prog(self, v: Village) -> str:
        return "农村低保" if v.town.index % 2 == 0 else "B类"

    def cadre_relative(self, i: int, roles: tuple[str, ...], adult: bool = False, avoid: Village | None = None):
        for k in range(len(self.V)):
            v = self.v(i + k)
            if v is avoid:
                continue
            for cadre, _pos in v.cadres:
                if cadre.role != "self" or cadre.pid in self.used:
                    continue
                filed = {f["applicant"].pid for f in v.filings}
                rel = [m for m in cadre.hh.members if m.role in roles and m.death is None and m.status == "正常"
                       and m.pid not in filed
                       and m.pid not in self.used and (not adult or m.age() >= 20) and not m.dis_months
                       and not m.oldage_months]
                if rel:
                    m = rel[0]
                    self.used |= {cadre.pid, m.pid}
                    return v, cadre, m
        raise LookupError("no cadre relative")

    def single_case(self, v: Village, m: Person) -> Case:
        c = Case(self.dibao_prog(v), v, m, [(m, "户主")], D(2021, 7, 1), 0.0)
        v.cases.append(c)
        set_dibao_amounts(v)
        return c

    def raise_rate(self, v: Village, rate: float) -> None:
        pop = len([p for p in v.people() if p.status == "正常" and p.death is None])
        count = sum(len(c.members) for c in v.cases if c.is_dibao and c.status == "在保")
        while count < rate * pop:
            h = self.fresh_household(v)
            if h is None:
                break
            c = _make_case(v, self.dibao_prog(v), h, D(2022, 1, 1) + dt.timedelta(days=self.rng.randrange(600)), 0.0)
            count += len(c.members)
            for p in h.members:
                self.used.add(p.pid)
        set_dibao_amounts(v)

    def land_household(self, i: int) -> tuple[Village, Household]:
        v, p = self.find(i, lambda p: p.role == "self" and p.hh.subsidy_area and "cadre" not in p.hh.tags
                         and p.death is None and 4 <= p.hh.contract_area <= 8)
        return v, p.hh

    def cadre_growth(self, i: int, factor: float, kind: str, head_is_cadre: bool = True) -> None:
        v = self.v(i)
        hh = None
        for cadre, pos in v.cadres:
            h = cadre.hh
            if not h.subsidy_area or h.head.pid in self.used or h.subsidy_area[2023] > 10:
                continue
            if head_is_cadre == (cadre.role == "self"):
                hh = (h, cadre, pos)
                break
        if hh is None:
            for cadre, pos in v.cadres:
                if cadre.hh.subsidy_area and cadre.hh.head.pid not in self.used:
                    hh = (cadre.hh, cadre, pos)
                    break
        h, cadre, pos = hh
        self.used.add(h.head.pid)
        new = round(h.subsidy_area[2023] * factor, 2)
        h.subsidy_area[2024] = new
        h.contract_area = max(h.contract_area, round(new * 1.02, 2))
        who = f"村干部（{pos}）{cadre.name}" + ("本人" if cadre is h.head else f"的父亲/户主{h.head.name}")
        if kind == "C03":
            self.book.add("C03", v, h.head.pid,
                          f"{who}家庭2024年补贴面积比上年增长{round((factor - 1) * 100)}%，全村总面积基本持平")
        elif kind == "near":
            self.book.near("C03", v, h.head.pid, "村干部家庭补贴面积增长8%（低于10%）")
        else:
            self.book.near("C03", v, h.head.pid, "村干部家庭增长15%，但全村补贴总面积同期增长约5%")

    # ================================================================ row phase
    def row_phase(self, t: dict, ledgers: dict[str, list[dict]], contracts: dict[str, list[dict]]) -> None:
        self._onecard(t)
        self._ids(t)
        self._ledger(ledgers)
        self._contracts(contracts)
        self._compensation(t)

    def _rows(self, t: dict, table: str, **match) -> list[dict]:
        return [r for r in t[table] if all(r.get(k) == val for k, val in match.items())]

    def _onecard(self, t: dict) -> None:
        b, rng, pay = self.book, self.rng, t["onecard_payments"]
        oa = lambda p: len(p.oldage_months) == 12 and self.plain(p) and "case" not in p.tags  # noqa: E731
        # B01 shared account
        v = self.v(6)
        olds = [p for p in v.people() if oa(p) and p.pid not in self.used]
        olds = [p for k, p in enumerate(olds) if p.hh not in [q.hh for q in olds[:k]]][:3]
        acct, _bank = self.alloc.account(rng)
        for p in olds:
            self.used.add(p.pid)
            for r in self._rows(t, "onecard_payments", person_id=p.pid, item="高龄补贴"):
                r["account_no"] = acct
        b.add("B01", v, acct, f"{'、'.join(p.name for p in olds)}三户老人的高龄补贴发放至同一账户")
        v = self.v(7)
        heads = [h.head for h in v.households if h.subsidy_area.get(2024) and h.head.pid not in self.used
                 and not h.tags][:2]
        for p in heads:
            self.used.add(p.pid)
        for r in self._rows(t, "onecard_payments", person_id=heads[1].pid, item="耕地地力保护补贴"):
            r["account_no"] = heads[0].account
        b.add("B01", v, heads[0].account, f"{heads[0].name}、{heads[1].name}两户的耕地地力补贴发放至同一账户")
        v8 = self.v(8)
        h = next(h for h in v8.households if h.head.death is None and h.head.status == "正常" and not h.tags
                 and any(m.role == "spouse" and m.death is None for m in h.members) and h.head.pid not in self.used)
        wife = next(m for m in h.members if m.role == "spouse")
        self.used |= {h.head.pid, wife.pid}
        v8.forest_person = {h.no: wife}
        b.near("B01", v8, h.head.account, "夫妻二人（同一户）的补贴均发放至户主账户")
        # B02
        v, p = self.find(9, lambda p: oa(p) and p.role == "parent" and p.hh.head.death is None)
        for r in self._rows(t, "onecard_payments", person_id=p.pid, item="高龄补贴"):
            head = p.hh.head
            r["account_no"], r["account_holder"], r["bank"] = head.account, name_in(head, "onecard_payments"), head.bank
        b.add("B02", v, p.pid, f"{p.name}的高龄补贴发放到户主{p.hh.head.name}的账户（户名不一致）")
        v10 = self.v(10)
        h = next(h for h in v10.households if h.subsidy_area.get(2024) and not h.tags and h.head.pid not in self.used
                 and any(m.role == "spouse" and m.death is None for m in h.members))
        wife = next(m for m in h.members if m.role == "spouse")
        self.used |= {h.head.pid, wife.pid}
        for r in self._rows(t, "onecard_payments", person_id=h.head.pid, item="耕地地力保护补贴"):
            r["account_no"], r["account_holder"], r["bank"] = wife.account, name_in(wife, "onecard_payments"), wife.bank
        b.add("B02", v10, h.head.pid, f"户主{h.head.name}的耕地地力补贴发放至配偶{wife.name}账户")
        v, p = self.find(11, lambda p: oa(p) and N.homophone_of(p.name) is not None)
        for r in self._rows(t, "onecard_payments", person_id=p.pid, item="高龄补贴"):
            r["account_holder"] = N.homophone_of(p.name)
        b.near("B02", v, p.pid, f"账户户名写作同音字“{N.homophone_of(p.name)}”（{p.name}）")
        # B03
        v, p = self.find(0, oa)
        r = self._rows(t, "onecard_payments", person_id=p.pid, item="高龄补贴")[4]
        pay.append(dict(r))
        b.add("B03", v, p.pid, f"{p.name}2024年5月高龄补贴重复发放两次")
        v, p = self.find(1, lambda p: p.role == "self" and p.hh.subsidy_area.get(2024) and self.plain(p)
                         and "case" not in p.tags)
        r = dict(self._rows(t, "onecard_payments", person_id=p.pid, item="耕地地力保护补贴")[0])
        r["pay_date"] = D(2024, 6, 28)
        pay.append(r)
        b.add("B03", v, p.pid, f"{p.name}2024年耕地地力保护补贴在6月发放两次")
        v, p = self.find(2, lambda p: len(p.oldage_months) >= 2 and self.plain(p))
        b.near("B03", v, p.pid, "高龄补贴按月连续发放（相邻月份各一次）")
        # B04
        v, p = self.find(3, oa)
        self._rows(t, "onecard_payments", person_id=p.pid, item="高龄补贴")[7]["amount_yuan"] = 500.0
        b.add("B04", v, p.pid, f"{p.name}2024年8月高龄补贴发放500元，远超标准")
        v, p = self.find(4, lambda p: p.role == "self" and p.hh.subsidy_area.get(2024) and self.plain(p))
        self._rows(t, "onecard_payments", person_id=p.pid, item="耕地地力保护补贴")[0]["amount_yuan"] = 8000.0
        b.add("B04", v, p.pid, f"{p.name}耕地地力补贴一卡通发放8000元，远高于本村中位数")
        v, p = self.find(5, lambda p: oa(p) and p.age() < 90)
        self._rows(t, "onecard_payments", person_id=p.pid, item="高龄补贴")[2]["amount_yuan"] = 120.0
        b.near("B04", v, p.pid, "某月高龄补贴120元（为标准的1.2倍）")
        # B05
        v = self.v(6)
        birth = D(1976, 3, 14)
        ghost_id = self.alloc.person_id(COUNTY_REGION, birth, True)
        acct, bank = self.alloc.account(rng)
        gname = v._namer.name(True, 1976)
        pay.append(dict(village_code=v.code, item="耕地地力保护补贴", pay_month=D(2024, 6, 1), person_name=gname,
                        person_id=ghost_id, head_name=gname, account_no=acct, account_holder=gname, bank=bank,
                        amount_yuan=1026.0, pay_date=D(2024, 6, 18)))
        b.add("B05", v, ghost_id, f"补贴对象{gname}不在本村户籍人口中（查无此人）")
        v7, p = self.find(7, oa)
        v8 = self.V[(self.V.index(v7) + 1) % len(self.V)]
        for table in ("onecard_payments", "old_age_payments"):
            for r in self._rows(t, table, person_id=p.pid):
                r["village_code"] = v8.code
        b.add("B05", v8, p.pid, f"{p.name}户籍在{v7.name}，高龄补贴却由{v8.name}发放")
        v, p = self.find(9, lambda p: p.role == "self" and p.hh.subsidy_area.get(2024) and self.plain(p))
        for r in self._rows(t, "farmland_subsidy", person_id=p.pid):
            r["group_name"] = p.hh.group % v.groups + 1
        b.near("B05", v, p.pid, "本村户籍人员，但补贴清册中的组别与户籍登记的组别不同")

    def _ids(self, t: dict) -> None:
        """Unusable IDs (quarantine), A06 bad IDs, A06 name mismatch, and near-miss spellings."""
        b, rng = self.book, self.rng
        odd = self.town.index % 2 == 1
        # A06 checksum: a roster member row
        v, p = self.find(2, lambda p: self.full_year_dibao_member(p, head=False) and not p.dis_months
                         and p.age() < 30)
        r = self._rows(t, "assistance_roster", member_id=p.pid)[0]
        bad = p.pid[:17] + "0123456789X"[("0123456789X".index(p.pid[17]) + 3) % 11]
        r["member_id"], r["_q"] = bad, ("member_id", "id_checksum", bad)
        b.add("A06", v, bad, f"低保花名册中{p.name}的身份证号校验位错误（{bad}）")
        # A06 birth date: ghost disability payments
        v = self.v(3)
        body = f"{COUNTY_REGION}19{'80' if not odd else '75'}0230{(rng.randrange(100, 999) | 1):03d}"
        bad = body + check_char(body)
        gname = v._namer.name(True, 1980)
        for m in (11, 12):
            t["disability_payments"].append(dict(
                village_code=v.code, person_name=gname, person_id=bad, disability_cert_no=bad + "42",
                disability_category="肢体残疾", disability_grade=2, subsidy_type="重度残疾人护理补贴",
                pay_month=D(2024, m, 1), amount_yuan=80.0, _q=("person_id", "id_birth_date", bad)))
        b.add("A06", v, bad, f"残疾人补贴名册中{gname}的身份证号出生日期不存在（2月30日）")
        # A06 region: a child's register row
        v, p = self.find(4, lambda p: p.age() < 14 and self.plain(p) and "case" not in p.tags)
        region = "990102" if odd else "610000"
        body = region + p.pid[6:17]
        bad = body + check_char(body)
        r = self._rows(t, "household_register", person_id=p.pid)[0]
        r["person_id"], r["_q"] = bad, ("person_id", "id_region", bad)
        b.add("A06", v, bad, f"户籍信息中{p.name}的身份证号地区码{region}不存在")
        # A06 one ID, two names
        v, p = self.find(5, lambda p: p.role == "self" and p.hh.subsidy_area.get(2024) and self.plain(p)
                         and not p.minority)
        other = v._namer.name(p.male, p.birth.year, surname=p.name[0])
        table = "farmland_subsidy" if not odd else "land_contracts"
        col = "head_name" if table == "farmland_subsidy" else "contractor_name"
        for r in self._rows(t, table, person_id=p.pid):
            if table == "land_contracts" or r["year"] == 2024:
                r[col] = other
        b.add("A06", v, p.pid, f"同一身份证号在户籍中为{p.name}，在{'耕地补贴清册' if not odd else '确权登记'}中为{other}")
        v, p = self.find(6, lambda p: p.role == "self" and p.hh.contract_area is not None and self.plain(p)
                         and N.homophone_of(p.name) is not None)
        for r in self._rows(t, "land_contracts", person_id=p.pid):
            r["contractor_name"] = N.homophone_of(p.name)
        b.near("A06", v, p.pid, f"确权登记中姓名写作同音字“{N.homophone_of(p.name)}”（户籍为{p.name}）")
        # spellings of valid IDs (near misses of A06), set on rows and listed once each
        self._spell(t, "assistance_roster", "member_id", "fullwidth", 7, "花名册中身份证号为全角数字")
        self._spell(t, "onecard_payments", "person_id", "lower_x", 8, "一卡通中身份证号末位为小写x")
        self._spell(t, "old_age_payments", "person_id", "id15", 9, "高龄补贴名册中为15位旧身份证号")
        self._spell(t, "household_register", "person_id", "spaces", 10, "户籍信息中身份证号含空格")
        self._spell(t, "land_contracts", "person_id", "apostrophe", 11, "确权登记中身份证号前有英文单引号")
        self._spell(t, "farmland_subsidy", "person_id", "tab", 0, "补贴清册中身份证号末尾带制表符")
        for v in self.V:
            for p in v.people():
                if p.minority:
                    b.near("A06", v, p.pid, f"少数民族姓名{p.name}在各部门中间点写法不同（·•・.）")
                    break
        # unusable IDs (quarantine only, not ground truth)
        v = self.v(1)
        pr = [r for r in t["payroll"] if r["_vcode"] == v.code and r["staff_category"] != "离退休"
              and r["person_id"][17] != "X" and r["person_id"] not in self.used]
        if pr:
            r = pr[0]
            r["_q"] = ("person_id", "id_numeric", float(int(r["person_id"][:15]) * 1000))
        _v, p = self.find(3, lambda p: p.age() < 14 and self.plain(p) and "case" not in p.tags and p.pid[-1] != "X")
        r = self._rows(t, "household_register", person_id=p.pid)[0]
        r["_q"] = ("person_id", "id_scientific", sci(p.pid))
        deaths = [r for r in t["deaths"] if r["death_date"].year == 2022 and r["person_id"] not in self.used
                  and r["person_id"][-1] != "X"]
        if deaths:
            deaths[0]["_q"] = ("person_id", "id_scientific", sci(deaths[0]["person_id"]))
        olds = [r for r in t["old_age_payments"] if r["person_id"].endswith("X") and r["person_id"] not in self.used]
        if olds:
            dup = dict(olds[0])
            dup["_q"] = ("person_id", "id_format", dup["person_id"][:17])
            t["old_age_payments"].insert(t["old_age_payments"].index(olds[0]) + 1, dup)

    def _spell(self, t: dict, table: str, col: str, style: str, i: int, note: str) -> None:
        code = self.v(i).code
        cands = [r for r in t[table] if r.get("village_code") == code and "_q" not in r and r.get(col)]
        if style == "lower_x":
            cands = [r for r in cands if r[col].endswith("X")]
        if style == "id15":
            cands = [r for r in cands if r[col][6:8] == "19"]
        if style == "fullwidth":
            cands = [r for r in cands if r[col] == r.get("member_id")]
        if not cands:
            cands = [r for r in t[table] if "_q" not in r and r.get(col) and (style != "lower_x" or r[col].endswith("X"))
                     and (style != "id15" or r[col][6:8] == "19")]
        if not cands:
            return
        pid = cands[len(cands) // 2][col]
        for r in t[table]:
            if r.get(col) == pid and "_q" not in r:
                r.setdefault("_ids", {})[col] = style
        code = next(r["village_code"] for r in t[table] if r.get(col) == pid)
        self.book.near("A06", code, pid, note)

    def _ledger(self, ledgers: dict[str, list[dict]]) -> None:
        b = self.book
        n = [0]

        def pay(i: int, date: D, key: str, summary: str, amount: float, payee: str | None = None, **kw) -> dict:
            v = self.v(i)
            if payee is None:
                n[0] += 1
                payee = f"示例县{N.COMPANY_CORE[(n[0] * 7 + self.town.index) % len(N.COMPANY_CORE)]}" \
                        f"{['商贸有限公司', '建筑劳务有限公司', '物资供应站', '工程队'][n[0] % 4]}"
                while any(x["payee"] == payee for x in ledgers[v.code]):
                    payee = payee.replace("示例县", "示例县城关", 1)
            x = new_voucher(date, key, summary, amount, payee, **kw)
            ledgers[v.code].append(x)
            return x

        v = self.v
        x = pay(0, D(2023, 7, 12), "其他支出", "购买防汛物资（编织袋、铁锹）", 3560.0, cash=True, attachments=2)
        b.add("D01", v(0), [x], "现金支付3560元，超过1000元限额")
        x = pay(6, D(2024, 4, 18), "公益", "支付村道边沟清理零工费", 2180.0, cash=True, receipt="收据", attachments=1)
        b.add("D01", v(6), [x], "现金支付2180元，超过1000元限额")
        x = pay(7, D(2024, 5, 9), "办公费", "购买会议室桌椅", 1000.0, cash=True)
        b.near("D01", v(7), [x], "现金支付恰好1000元（未超过限额）")
        x = pay(8, D(2023, 8, 21), "公益", "支付文化广场护栏款", 5000.0)
        b.near("D01", v(8), [x], "5000元通过银行转账支付")
        a = pay(1, D(2024, 3, 4), "公益", "村组道路修补材料款（一）", 6000.0)
        c = pay(1, D(2024, 3, 7), "公益", "村组道路修补材料款（二）", 5500.0, payee=a["payee"])
        b.add("D02", v(1), [a, c], f"3天内向{a['payee']}分两次支付共11500元，单笔均低于1万元审批额度")
        a = pay(9, D(2023, 10, 9), "公益", "排水渠维修款", 4000.0)
        c = pay(9, D(2023, 10, 12), "公益", "排水渠维修款", 3800.0, payee=a["payee"])
        e = pay(9, D(2023, 10, 15), "公益", "排水渠维修尾款", 3500.0, payee=a["payee"])
        b.add("D02", v(9), [a, c, e], f"6天内向{a['payee']}分三次支付共11300元")
        a = pay(10, D(2024, 6, 3), "公益", "路灯维修款", 5000.0)
        c = pay(10, D(2024, 6, 5), "公益", "路灯维修材料款", 4800.0, payee=a["payee"])
        b.near("D02", v(10), [a, c], "两笔合计9800元（未达1万元）")
        a = pay(11, D(2024, 7, 1), "公益", "饮水管网维修款", 6000.0)
        c = pay(11, D(2024, 7, 11), "公益", "饮水管网维修二期款", 6500.0, payee=a["payee"])
        b.near("D02", v(11), [a, c], "两笔合计12500元但相隔10天（超过7天窗口）")
        a = pay(11, D(2023, 5, 16), "公益", "环境整治工程款", 2350.0)
        c = pay(11, D(2023, 5, 18), "公益", "环境整治工程款", 2350.0, payee=a["payee"])
        b.add("D03", v(11), [a, c], f"两天内向{a['payee']}重复支付2350元")
        a = pay(0, D(2024, 9, 3), "办公费", "购买打印机墨盒", 860.0, cash=True)
        c = pay(0, D(2024, 9, 4), "办公费", "购买打印机墨盒", 860.0, cash=True, payee=a["payee"])
        b.add("D03", v(0), [a, c], f"相邻两天向{a['payee']}各支付860元")
        a = pay(1, D(2023, 4, 10), "公益", "绿化带养护费", 1200.0)
        c = pay(1, D(2023, 5, 10), "公益", "绿化带养护费", 1200.0, payee=a["payee"])
        b.near("D03", v(1), [a, c], "同一收款人同一金额，但相隔一个月")
        x = pay(6, D(2024, 2, 5), "招待费", "接待镇检查组工作餐", 680.0, cash=True)
        b.add("D04", v(6), [x], "春节前5天列支招待费（工作餐）680元")
        x = pay(7, D(2023, 9, 25), "其他支出", "中秋节购买礼品", 1960.0)
        b.add("D04", v(7), [x], "中秋节前4天购买礼品1960元")
        x = pay(8, D(2024, 2, 2), "其他支出", "春节慰问困难群众（米面油）", 900.0, cash=True, receipt="收据")
        b.near("D04", v(8), [x], "春节慰问困难群众，摘要不含招待、烟酒、礼品等词")
        v9 = v(9)
        order = sorted(v9.cadres, key=lambda c: "书记" not in c[1])
        rel = next(m for c, _ in order for m in clear_relatives(c) if m.age() >= 20 and m.death is None)
        x = pay(9, D(2024, 8, 14), "公益", "支付村道护栏材料款", 8600.0, payee=rel.name)
        b.add("D05", v9, [x], f"向村干部亲属{rel.name}支付材料款8600元")
        v10 = v(10)
        acc = next((p for p, pos in v10.cadres if pos == "会计"), v10.cadres[0][0])
        x = pay(10, D(2023, 11, 6), "其他管理", "报销外出学习车费", 460.0, payee=acc.name, cash=True, receipt="收据")
        b.add("D05", v10, [x], f"向村干部{acc.name}付款（非工资类科目）")
        v11 = v(11)
        wage = next(x for x in ledgers[v11.code] if x["subject_name"] == "管理费用-误工补贴")
        b.near("D05", v11, [wage], "向组长支付误工补贴（工资类科目）")
        from samplegen.oracle import same_name
        circle_names = [m.name for p, _ in v(0).cadres for m in p.hh.members]
        other = next(p.name for p, _ in v(1).cadres if not any(same_name(p.name, n) for n in circle_names)
                     and not any(same_name(p.name, q.name) for q in v(0).people()))
        x = pay(0, D(2023, 6, 20), "公益", "支付临时用工劳务费", 600.0, payee=other, cash=True, receipt="收据")
        b.near("D05", v(0), [x], f"收款人与{v(1).name}村干部同名（{other}），非本村干部")
        x = pay(1, D(2024, 10, 22), "其他支出", "购买防疫消杀用品", 600.0, cash=True, receipt="白条")
        b.add("D06", v(1), [x], "600元支出以白条入账")
        x = pay(6, D(2023, 3, 28), "公益", "支付河道清淤机械费", 1500.0, receipt="收据", attachments=0)
        b.add("D06", v(6), [x], "1500元支出无任何附件")
        x = pay(7, D(2024, 1, 15), "办公费", "购买扫帚、簸箕", 150.0, cash=True, receipt="白条")
        b.near("D06", v(7), [x], "白条150元（低于200元）")

    def _contracts(self, contracts: dict[str, list[dict]]) -> None:
        b, rng = self.book, self.rng

        def add(i: int, kind: str, lessee: Person | None, **kw) -> dict:
            v = self.v(i)
            rows = contracts[v.code]
            r = contract(v, len(rows) + 1, kind, rng, lessee, **kw)
            rows.append(r)
            return r

        def land_median(v: Village) -> float:
            rates = sorted(r["annual_rent_yuan"] / r["area_mu"] for r in contracts[v.code] if r["asset_kind"] == "土地")
            return rates[len(rates) // 2] if rates else RENT_PER_MU["土地"]

        v8 = self.v(8)
        cadre = v8.cadres[0][0]
        spouse = next((m for m in cadre.hh.members if m.role in ("spouse", "self") and m is not cadre), cadre)
        r = add(8, "土地", spouse)
        b.add("D10", v8, r["contract_no"], f"集体土地由村干部{cadre.name}的家属{spouse.name}承包")
        v9 = self.v(9)
        med = land_median(v9)
        r = add(9, "土地", None, coop=v9.base + "绿源种植专业合作社")
        r["annual_rent_yuan"] = round(r["area_mu"] * med * 0.3, -1)
        b.add("D10", v9, r["contract_no"], "土地年租金每亩仅为本村同类合同中位数的约30%")
        r = add(10, "林地", None, coop=self.v(10).base + "林业开发有限公司", start=D(2008, 3, 1), years=40)
        b.add("D10", self.v(10), r["contract_no"], "林地承包期40年，超过30年上限")
        pool = [p for p in lessee_pool(self.v(11)) if p.pid not in self.used]
        r = add(11, "土地", pool[0], start=D(2020, 4, 1), years=10, arrears=8400.0)
        self.used.add(pool[0].pid)
        b.add("D10", self.v(11), r["contract_no"], "欠缴租金8400元，逾期超过60天")
        med = land_median(self.v(0))
        r = add(0, "土地", None, coop=self.v(0).base + "农业开发有限公司")
        r["annual_rent_yuan"] = round(r["area_mu"] * med * 0.62, -1)
        b.near("D10", self.v(0), r["contract_no"], "每亩租金为中位数的约62%（高于50%）")
        r = add(1, "林地", None, coop=self.v(1).base + "生态农业有限公司", start=D(2010, 1, 1), years=30)
        r["end_date"] = D(2039, 12, 31)
        b.near("D10", self.v(1), r["contract_no"], "承包期2010-01-01至2039-12-31，恰好30年（未超过）")
        pool = [p for p in lessee_pool(self.v(2)) if p.pid not in self.used]
        r = add(2, "土地", pool[0], start=D(2019, 11, 20), years=10, arrears=3200.0)
        self.used.add(pool[0].pid)
        b.near("D10", self.v(2), r["contract_no"], "有欠缴，但最近一期租金到期日2024-11-20距今未满60天")
        from samplegen.oracle import same_name
        v3 = self.v(3)
        names3 = [m.name for p, _ in v3.cadres for m in p.hh.members]
        other = next(p.name for k in range(4, 4 + len(self.V)) for p, _ in self.v(k).cadres
                     if not any(same_name(p.name, n) for n in names3))
        r = add(3, "水面", None, coop=other)
        b.near("D10", v3, r["contract_no"], f"承包方与外村村干部同名（{other}），无身份证号，非本村干部亲属")

    def _compensation(self, t: dict) -> None:
        b, rng = self.book, self.rng
        rows = t["compensation_roster"]
        v0 = self.v(0)
        project = rows[0]["project_name"] if rows else "示例县道路工程"
        h = next(h for h in v0.households if h.contract_area is not None and len(h.members) >= 2
                 and not h.tags and h.members[1].pid not in self.used and h.members[1].death is None)
        p = h.members[1]
        self.used.add(p.pid)
        rows.append(comp_row(v0, project, h, rng, person=p))
        b.add("D09", v0, p.pid, f"{p.name}无土地承包经营权，却领取青苗补偿")
        v1 = self.v(1)
        mine = [r for r in rows if r["village_code"] == v1.code]
        second = f"{v1.name}组道路拓宽工程"
        dup = mine[0]
        h_dup = next(h for h in v1.households if h.head.pid == dup["person_id"])
        rows.append(comp_row(v1, second, h_dup, rng))
        b.add("D09", v1, dup["person_id"], f"{dup['person_name']}同时出现在两个项目的补偿名单中")
        others = [h for h in v1.households if h.contract_area is not None and h.head.pid not in
                  {r["person_id"] for r in mine}][:2]
        for h in others:
            rows.append(comp_row(v1, second, h, rng))
        v2 = self.v(2)
        r2 = next((r for r in rows if r["village_code"] == v2.code), None)
        if r2:
            b.near("D09", v2, r2["person_id"], "承包户仅在一个项目中领取一次补偿")


def clear_relatives(c: Person) -> list[Person]:
    """Members of the cadre's household whose kinship to the cadre is unambiguous."""
    if c.role == "self":
        return [m for m in c.hh.members if m.role in ("spouse", "child", "parent")]
    if c.role in ("child", "spouse"):
        return [c.hh.head]
    return []


def _rel(m: Person, cadre: Person) -> str:
    return {"spouse": "配偶", "parent": "父母", "child": "子女"}.get(m.role, "其他")


def sci(pid: str) -> str:
    """How Excel shows an 18-digit number in a General cell: 6.11021E+17."""
    mant, exp = f"{float(pid):.5E}".split("E")
    return f"{mant.rstrip('0').rstrip('.')}E{exp}"
