"""County styles for `xuncha sample --style NAME`: the same kind of world, rendered as the departments
of another county would export it.

A style changes *rendering* (which files, sheets, header rows, header wordings, how villages, periods
and voucher numbers are written) and a few world facts that only rendering can show (villages of the
same name in two towns, a merged village known by its former name, compensation paid through the
village ledger instead of a roster). The injected anomalies, the oracle and therefore ground_truth.csv,
near_misses.csv and expected_quarantine.csv are computed by the same machinery for every style.

Styles: `default` (示例县, today's layouts, byte-for-byte unchanged), `beishan` (北山县), `nanhe`
(南河县), `dongling` (东陵县), `xishan` (西山县),
`qingshui` (清水县), `jiangkou` (江口县), `baishui` (白水县), `lianhua` (莲花县) and `hekou` (河口县); each
module's docstring lists its layout features.
"""

from __future__ import annotations

from dataclasses import dataclass, field

DEFAULT = "default"


@dataclass(frozen=True)
class Style:
    name: str
    county: str  # the county's name as its files write it
    summary: str  # one line in Chinese (CLI help, README)
    writers: tuple
    # one-card item -> period kind (samplegen.styles.periods) for items not written as their exact month
    periods: dict[str, str] = field(default_factory=dict)
    shared_village_names: bool = False  # village 4 of every later town has the name of village 4 of town 1
    former_names: bool = False  # village 6 of every town was merged and some files still use its old name
    compensation_in_ledger: bool = False  # no compensation roster: paid through the village ledger
    voucher_words: bool = False  # vouchers numbered 收/付/转 per word and month instead of 记


def _styles() -> dict[str, Style]:
    from samplegen import layouts
    from samplegen.styles import baishui, beishan, dongling, hekou, jiangkou, lianhua, nanhe, qingshui, xishan

    return {s.name: s for s in (
        Style(DEFAULT, layouts.COUNTY_NAME, "示例县：原有样式", layouts.WRITERS),
        Style("beishan", "北山县", "北山县：户主/家庭成员两行表头、年份只在文件名或标题、凭证号按月重编、青苗补偿走村账、"
              "同名村、合并村曾用名", beishan.WRITERS, beishan.PERIODS, shared_village_names=True,
              former_names=True, compensation_in_ledger=True),
        Style("nanhe", "南河县", "南河县：申请人/共同生活成员两行表头、年份只在工作表名、凭证字号分两列按月重编、"
              "未收录的表头写法", nanhe.WRITERS, nanhe.PERIODS),
        Style("dongling", "东陵县", "东陵县：救助对象/户主/家庭成员三行表头、年份只在文件夹名、期间写作上半年和季度、"
              "村名带县镇全称或不带“村”、村小计和乡镇合计行、凭证号写作记字第017号且日期分年月日三列",
              dongling.WRITERS, dongling.PERIODS),
        Style("xishan", "西山县", "西山县：多行表名与表尾、表头含单位和换行、同列日期写法混杂、金额为带千分位的文本、"
              "按镇分表、确权按村分表（村名只在工作表名）、一卡通GBK列序不同", xishan.WRITERS, xishan.PERIODS),
        Style("qingshui", "清水县", "清水县：两个部门用旧版.xls、户籍为制表符分隔的.txt、表头下有栏次行且表头带编号、"
              "乡镇和村单元格纵向合并、一张表内按镇（项目）分块、村写作村村委会/行政村/社区居委会、收入以万元计、"
              "月份写作2024年03月、日期为“2024-3-5 0:00:00”文本", qingshui.WRITERS, qingshui.PERIODS),
        Style("jiangkou", "江口县", "江口县：低保花名册户主信息纵向合并到成员行、首个工作表为填表说明或汇总、一卡通按月分列的宽表"
              "（1月…12月、合计）、姓名含全角空格或字间空格、个别身份证号为全角或带空格、金额写作1,350.00元、"
              "按部门和年份分文件夹、村名写作县镇村全称/不带“村”/村委会", jiangkou.WRITERS, jiangkou.PERIODS),
        Style("baishui", "白水县", "白水县：低保花名册一户一行（家庭成员姓名、身份证号在同一单元格）且在保/已退出分表、"
              "年份写两位（24年3月、24.03.05）、系统导出表头上方有字段代码行（XM、GMSFHM）、村级统计转置（指标为行、"
              "各村为列）、凭证按收/付/转分字每月编号、两委花名册家庭成员写在一个单元格", baishui.WRITERS, baishui.PERIODS,
              voucher_words=True),
        Style("lianhua", "莲花县", "莲花县：民政各表合成一个数据包（一表一个工作表，如“表3 高龄补贴”）、低保名册按页重复表头并有"
              "本页小计、高龄补贴姓名和身份证号在同一单元格、死亡人员只有乡镇9位和村12位区划代码、两委干部为一人一卡"
              "（“姓名：…”逐行）、一卡通CSV表头前有多行说明且每行末尾多一个逗号", lianhua.WRITERS, lianhua.PERIODS),
        Style("hekou", "河口县", "河口县：低保花名册户主信息只写在每户首行（后续成员行留空、不合并）、残疾人两项补贴按月分表"
              "（年份只在文件名）、一卡通为GB18030分号分隔CSV且表头混用拼音字段代码（XM、SFZH、FFJE）、村级财务为单一金额列加"
              "借贷方向列、集体合同金额以万元计、日期写作2024年3月5日或文本2024-3-5", hekou.WRITERS, hekou.PERIODS),
    )}


STYLE_NAMES = (DEFAULT, "beishan", "nanhe", "dongling", "xishan", "qingshui", "jiangkou", "baishui", "lianhua", "hekou")


def get_style(name: str) -> Style:
    styles = _styles()
    if name not in styles:
        raise ValueError(f"没有名为“{name}”的模拟数据样式；可选：{'、'.join(styles)}")
    return styles[name]
