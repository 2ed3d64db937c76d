"""The optional extracts for choosing 重点村 (SOURCES.md 14-15): the petition register (信访件登记台账,
from the 纪委 信访室) and the organization department's list of 软弱涣散 village Party organizations.

Most villages get none to two petitions from different people: below the 重点村 thresholds of
rules.portrait. A petition hot spot gets several, one person writing again and again; a few
percent of villages are on the 软弱涣散 list. Rows come from a generator seeded by the town's code,
so the same county gives the same files.
"""

from __future__ import annotations

import datetime as dt
import random

from samplegen import render as R
from samplegen.backends import Sink, XBook, write_rows
from samplegen.layouts import NOTES, Names, _title

CATEGORIES = ("惠民资金", "集体三资", "工程项目", "换届选举", "作风", "其他")
SUMMARIES = {
    "惠民资金": "反映低保评定不公，优亲厚友",
    "集体三资": "反映村集体土地发包价格过低、收益去向不明",
    "工程项目": "反映村道硬化工程质量差、工程款结算不清",
    "换届选举": "反映换届选举中有拉票行为",
    "作风": "反映村干部办事推诿、态度生硬",
    "其他": "反映邻里土地边界纠纷处理不公",
}
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "建国秀英志强桂兰海燕文华玉梅德明春生淑珍永红"
# (town index, village index within its town): petition hot spots, and villages on the 软弱涣散 list
HOT_SPOTS = ((0, 2),)
WEAK_ORGS = ((0, 9),)
YEARS = (2022, 2023, 2024)
WEAK_PROBLEMS = ("班子不团结、战斗力不强", "带头人能力弱", "集体经济薄弱", "矛盾纠纷突出")


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)


def petition_rows(town) -> list[dict]:
    """One row per petition of this town's villages, in registration order."""
    rng = random.Random(f"petitions-{town.code}")
    rows = []
    for i, v in enumerate(town.villages):
        plan = [(_person(rng), rng.choice(CATEGORIES)) for _ in range(rng.randint(0, 2))]
        if (town.index, i) in HOT_SPOTS:
            repeat = _person(rng)
            plan += [(repeat, "惠民资金")] * 3 + [("匿名", "集体三资")]
        seen: set[str] = set()
        for who, category in plan:
            rows.append(dict(register_date=dt.date(rng.choice(YEARS), rng.randint(1, 12), rng.randint(1, 28)),
                             petitioner_name=who, category=category, summary=SUMMARIES[category],
                             status=rng.choice(("办结", "办结", "在办", "转办")),
                             is_repeat="是" if who in seen else "否", village_code=v.code))
            if who != "匿名":
                seen.add(who)
    rows.sort(key=lambda r: (r["register_date"], r["village_code"], r["petitioner_name"]))
    return rows


def weak_org_rows(town) -> list[dict]:
    rng = random.Random(f"weak-orgs-{town.code}")
    return [dict(year=2024, village_code=v.code, main_problem=rng.choice(WEAK_PROBLEMS),
                 measures="县级领导包抓，选派第一书记", rectify_status="整顿中")
            for i, v in enumerate(town.villages) if (town.index, i) in WEAK_ORGS]


class Petitions:
    """纪委信访室的登记台账：one sheet, every town, numbered 信访编号 per year."""

    rel = "信访/信访件登记台账2022-2024.xlsx"

    def __init__(self, sink: Sink, names: Names) -> None:
        self.sink, self.names, self.book = sink, names, XBook(sink, self.rel)
        self.s = self.book.sheet("登记台账")
        self.numbers: dict[int, int] = {}
        self.cols = [
            ("序号", None, lambda r: self.s.n - 1),
            ("登记日期", "register_date", lambda r: R.date_text(r["register_date"], "iso")),
            ("信访编号", "petition_no", lambda r: r["petition_no"]),
            ("信访人", "petitioner_name", lambda r: r["petitioner_name"]),
            ("乡镇", None, lambda r: self.names.town(r["village_code"])),
            ("村", None, lambda r: self.names.village(r["village_code"], "村")),
            ("问题类别", "category", lambda r: r["category"]),
            ("内容摘要", "summary", lambda r: r["summary"]),
            ("办理状态", "status", lambda r: r["status"]),
            ("是否重复信访", "is_repeat", lambda r: r["is_repeat"]),
        ]
        _title(self.s, "信访件登记台账（2022-2024年）", len(self.cols))
        self.s.row([c[0] for c in self.cols])

    def add(self, res) -> None:
        rows = petition_rows(res.town)
        for r in rows:
            y = r["register_date"].year
            self.numbers[y] = self.numbers.get(y, 0) + 1
            r["petition_no"] = f"XF{y}{res.town.code}{self.numbers[y]:04d}"
        write_rows(self.sink, self.rel, self.s, "petitions", self.cols, rows)

    def close(self) -> None:
        self.s.row([None])
        self.s.row([NOTES])
        self.book.close()


class WeakOrgs:
    """组织部的软弱涣散村党组织名单：a short list with a title row."""

    rel = "组织部/2024年软弱涣散村党组织名单.xlsx"

    def __init__(self, sink: Sink, names: Names) -> None:
        self.sink, self.names, self.book = sink, names, XBook(sink, self.rel)
        self.s = self.book.sheet("名单")
        self.cols = [
            ("序号", None, lambda r: self.s.n - 1),
            ("年度", "year", lambda r: r["year"]),
            ("乡镇", None, lambda r: self.names.town(r["village_code"])),
            ("村", None, lambda r: self.names.village(r["village_code"], "村委会")),
            ("主要问题", "main_problem", lambda r: r["main_problem"]),
            ("整顿措施", "measures", lambda r: r["measures"]),
            ("整顿状态", "rectify_status", lambda r: r["rectify_status"]),
        ]
        _title(self.s, "2024年度软弱涣散村党组织名单", len(self.cols))
        self.s.row([c[0] for c in self.cols])

    def add(self, res) -> None:
        write_rows(self.sink, self.rel, self.s, "weak_party_orgs", self.cols, weak_org_rows(res.town))

    def close(self) -> None:
        self.book.close()


# Appended to samplegen.layouts.WRITERS by samplegen.generate.
SELECTION_WRITERS = (Petitions, WeakOrgs)
