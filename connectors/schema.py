"""The canonical warehouse schema: every table and column, declared once.

Connectors write these tables, rules read them, and the DuckDB DDL is generated from here
(`ddl()`), so a column exists in exactly one place. Column names carry their unit or role
(`*_id`, `*_code`, `*_date`, `*_month`, `*_yuan`, `*_mu`, `is_*`).

This file is long because every canonical table is declared here, once, beside its columns.
"""

from __future__ import annotations

from dataclasses import dataclass

# Column kinds drive both the DuckDB type and the normaliser a connector applies.
#   id      18-character resident ID (validated, 15→18 converted)       VARCHAR
#   name    a person's name (spaces and middle dots normalised)         VARCHAR
#   text    free text, trimmed; "无", "/", "-" mean empty                VARCHAR
#   code    digits kept as text (accounts, voucher numbers, 户号)        VARCHAR
#   date    a calendar date                                              DATE
#   month   a pay month, stored as the first day of that month           DATE
#           (tables with a pay month also carry period_start / period_end: the months a payment
#           covers, from periods such as 2024年度 or 2024年第二季度; see connectors/periods.py)
#   yuan    an amount of money in yuan                                   DOUBLE
#   mu      an area in mu                                                DOUBLE
#   int     a count                                                      INTEGER
#   village a village name as the department wrote it (matched to village_code)
KIND_TYPES = {
    "id": "VARCHAR",
    "name": "VARCHAR",
    "text": "VARCHAR",
    "code": "VARCHAR",
    "date": "DATE",
    "month": "DATE",
    "yuan": "DOUBLE",
    "mu": "DOUBLE",
    "int": "INTEGER",
    "village": "VARCHAR",
}


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    label: str  # Chinese label, used in messages and reports


@dataclass(frozen=True)
class Table:
    name: str
    label: str
    columns: tuple[Column, ...]
    # Whether rows carry a village that connectors map to the 12-digit statistics code.
    has_village: bool = True

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name} has no column {name}")


def _cols(*specs: tuple[str, str, str]) -> tuple[Column, ...]:
    return tuple(Column(n, k, lab) for n, k, lab in specs)


# Every data table also gets these, filled by the connector, never by a header.
PROVENANCE = _cols(
    ("source_file", "text", "来源文件"),
    ("source_sheet", "text", "工作表"),
    ("source_row", "int", "行号"),
)
# Tables with has_village also get these: the names as written and the matched code.
VILLAGE_KEYS = _cols(
    ("town_raw", "text", "乡镇(原文)"),
    ("village_raw", "village", "村(原文)"),
    ("village_code", "code", "村代码"),
    ("village_match", "text", "村名匹配方式"),  # code / exact / alias / fuzzy:<score>
)

TABLES: dict[str, Table] = {
    t.name: t
    for t in [
        Table(
            "assistance_roster",
            "低保/特困保障对象花名册",
            _cols(
                ("county", "text", "县(市区)"),
                ("head_name", "name", "户主姓名"),
                ("head_id", "id", "户主身份证号"),
                ("member_name", "name", "成员姓名"),
                ("member_id", "id", "成员身份证号"),
                ("relation_to_head", "text", "与户主关系"),
                ("programme", "text", "保障类别"),  # 城市低保 / 农村低保 / 特困供养 / A类…
                ("household_size", "int", "保障人数"),
                ("monthly_amount_yuan", "yuan", "月保障金(元)"),
                ("approval_date", "date", "审批日期"),
                ("status", "text", "状态"),  # 在保 / 停保 / 退保
                ("stop_date", "date", "停保日期"),
            ),
        ),
        Table(
            "disability_payments",
            "残疾人两项补贴发放名册",
            _cols(
                ("person_name", "name", "姓名"),
                ("person_id", "id", "身份证号"),
                ("disability_cert_no", "code", "残疾证号"),
                ("disability_category", "text", "残疾类别"),
                ("disability_grade", "int", "残疾等级"),  # 1..4 from 一级..四级
                ("subsidy_type", "text", "补贴类型"),
                ("pay_month", "month", "发放月份"),
                ("period_start", "month", "期间起始月"),  # connectors/periods.py: first month paid for
                ("period_end", "month", "期间截止月"),  # last month paid for (== start for a monthly item)
                ("amount_yuan", "yuan", "金额(元)"),
            ),
        ),
        Table(
            "old_age_payments",
            "高龄补贴发放名册",
            _cols(
                ("person_name", "name", "姓名"),
                ("person_id", "id", "身份证号"),
                ("age", "int", "年龄"),
                ("standard_yuan", "yuan", "发放标准(元)"),
                ("pay_month", "month", "发放月份"),
                ("period_start", "month", "期间起始月"),  # connectors/periods.py: first month paid for
                ("period_end", "month", "期间截止月"),  # last month paid for (== start for a monthly item)
                ("amount_yuan", "yuan", "金额(元)"),
            ),
        ),
        Table(
            "deaths",
            "死亡人员信息",
            _cols(
                ("person_name", "name", "姓名"),
                ("person_id", "id", "身份证号"),
                ("death_date", "date", "死亡(注销)日期"),
                ("reason", "text", "注销原因"),
            ),
        ),
        Table(
            "cadre_roster",
            "村(居)民委员会成员名册",
            _cols(
                ("person_name", "name", "姓名"),
                ("person_id", "id", "身份证号"),
                ("position", "text", "职务"),  # 书记 / 主任 / 会计 / 委员 / 监委会主任 / 组长
                ("term_start_date", "date", "任职日期"),
                ("term_end_date", "date", "离任日期"),
            ),
        ),
        Table(
            "relative_filings",
            "低保经办人员和村干部近亲属备案台账",
            _cols(
                ("applicant_name", "name", "申请人姓名"),
                ("applicant_id", "id", "申请人身份证号"),
                ("related_name", "name", "关联人员姓名"),
                ("related_position", "text", "关联人员职务"),
                ("relation", "text", "关系"),
                ("filing_date", "date", "备案日期"),
            ),
        ),
        Table(
            "payroll",
            "财政供养人员名册",
            _cols(
                ("person_name", "name", "姓名"),
                ("person_id", "id", "身份证号"),
                ("employer", "text", "单位名称"),
                ("staff_category", "text", "人员类别"),  # 行政 / 事业 / 离退休 / 编外
                ("start_date", "date", "入编日期"),
                ("end_date", "date", "离岗日期"),
            ),
            has_village=False,
        ),
        Table(
            "onecard_payments",
            "惠民惠农补贴一卡通发放明细",
            _cols(
                ("item", "text", "补贴项目"),
                ("pay_month", "month", "发放年月"),
                ("period_start", "month", "期间起始月"),  # connectors/periods.py: first month paid for
                ("period_end", "month", "期间截止月"),  # last month paid for (== start for a monthly item)
                ("person_name", "name", "补贴对象姓名"),
                ("person_id", "id", "补贴对象身份证号"),
                ("head_name", "name", "户主姓名"),
                ("account_no", "code", "一卡通账号"),
                ("account_holder", "name", "账户户名"),
                ("bank", "text", "开户银行"),
                ("amount_yuan", "yuan", "发放金额(元)"),
                ("pay_date", "date", "发放日期"),
            ),
        ),
        Table(
            "farmland_subsidy",
            "耕地地力保护补贴发放清册",
            _cols(
                ("year", "int", "年度"),
                ("group_name", "text", "组"),
                ("head_name", "name", "户主姓名"),
                ("person_id", "id", "身份证号"),
                ("contract_area_mu", "mu", "承包面积(亩)"),
                ("subsidy_area_mu", "mu", "补贴面积(亩)"),
                ("rate_yuan_per_mu", "yuan", "补贴标准(元/亩)"),
                ("amount_yuan", "yuan", "补贴金额(元)"),
                ("account_no", "code", "账号"),
            ),
        ),
        Table(
            "land_contracts",
            "农村土地承包经营权确权登记",
            _cols(
                ("contractor_name", "name", "承包方代表姓名"),
                ("person_id", "id", "身份证号"),
                ("group_name", "text", "组"),
                ("plot_count", "int", "承包地块数"),
                ("contract_area_mu", "mu", "确权面积(亩)"),
            ),
        ),
        Table(
            "village_ledger",
            "村级财务明细账",
            _cols(
                ("voucher_date", "date", "凭证日期"),
                ("voucher_no", "code", "凭证号"),
                # 记/收/付 when the export gives the voucher word in a column of its own (凭证字 | 凭证号)
                ("voucher_word", "text", "凭证字"),
                ("summary", "text", "摘要"),
                ("subject_code", "code", "科目编码"),
                ("subject_name", "text", "科目名称"),
                ("debit_yuan", "yuan", "借方金额"),
                ("credit_yuan", "yuan", "贷方金额"),
                ("settlement_method", "text", "结算方式"),
                ("payee", "text", "往来单位(收款人)"),
                ("attachment_count", "int", "附件张数"),
                ("receipt_type", "text", "票据类型"),
            ),
        ),
        Table(
            "collective_contracts",
            "集体资产资源合同台账",
            _cols(
                ("contract_no", "code", "合同编号"),
                ("asset_name", "text", "资产资源名称"),
                ("asset_kind", "text", "类别"),  # 土地 / 林地 / 水面 / 房屋 / 设备
                ("lessee_name", "name", "承包(租赁)方"),
                ("lessee_id", "id", "承包方身份证号"),
                ("area_mu", "mu", "面积(亩)"),
                ("annual_rent_yuan", "yuan", "年租金(元)"),
                ("start_date", "date", "起始日期"),
                ("end_date", "date", "终止日期"),
                ("received_yuan", "yuan", "已收金额(元)"),
                ("arrears_yuan", "yuan", "欠缴金额(元)"),
            ),
        ),
        Table(
            "village_basics",
            "村基本情况表",
            _cols(
                ("year", "int", "年度"),
                ("county", "text", "县"),
                ("households", "int", "户籍户数"),
                ("registered_population", "int", "户籍人口"),
                ("resident_population", "int", "常住人口"),
                ("farmland_mu", "mu", "耕地面积(亩)"),
                ("income_per_capita_yuan", "yuan", "农村居民人均可支配收入(元)"),
                # former names after mergers (曾用名/原村名), several separated by 、: villages.py matches them
                ("former_names", "text", "曾用名"),
            ),
        ),
        Table(
            "household_register",
            "户籍人口信息",
            _cols(
                ("household_no", "code", "户号"),
                ("person_name", "name", "姓名"),
                ("person_id", "id", "身份证号"),
                ("sex", "text", "性别"),
                ("birth_date", "date", "出生日期"),
                ("relation_to_head", "text", "与户主关系"),
                ("group_name", "text", "组"),
                ("register_status", "text", "户籍状态"),  # 正常 / 注销 / 迁出
                ("cancel_date", "date", "注销日期"),
            ),
        ),
        Table(
            # Not in SOURCES.md's list of 13, but rule D09 needs it: 青苗及地上附着物补偿发放表,
            # one row per compensated person per project.
            "compensation_roster",
            "青苗及地上附着物补偿发放表",
            _cols(
                ("project_name", "text", "项目名称"),
                ("group_name", "text", "组"),
                ("person_name", "name", "姓名"),
                ("person_id", "id", "身份证号"),
                ("area_mu", "mu", "补偿面积(亩)"),
                ("amount_yuan", "yuan", "补偿金额(元)"),
                ("pay_date", "date", "发放日期"),
                ("account_no", "code", "账号"),
            ),
        ),
        Table(
            # optional, for choosing 重点村: one row per petition (信访件); the same matter may come
            # several times under different numbers.
            "petitions",
            "信访件登记台账",
            _cols(
                ("register_date", "date", "登记日期"),
                ("petition_no", "code", "信访编号"),
                ("petitioner_name", "name", "信访人"),  # often masked or blank (anonymous letters)
                ("target", "text", "反映对象"),
                ("category", "text", "问题类别"),  # 惠民资金/集体三资/工程项目/换届选举/作风/其他
                ("summary", "text", "内容摘要"),
                ("status", "text", "办理状态"),  # 办结 / 在办 / 转办
                ("is_repeat", "text", "是否重复信访"),
            ),
        ),
        Table(
            # optional, for choosing 重点村: the organization department's yearly list.
            "weak_party_orgs",
            "软弱涣散村党组织名单",
            _cols(
                ("year", "int", "年度"),
                ("main_problem", "text", "主要问题"),
                ("measures", "text", "整顿措施"),
                ("rectify_status", "text", "整顿状态"),  # 整顿中 / 已销号
            ),
        ),
    ]
}


# Tables the pipeline keeps about itself, declared as data like the canonical ones: each column
# with its DuckDB type, so code that needs the column list (the quarantine writers, test fixtures)
# reads it from here instead of parsing DDL text.
@dataclass(frozen=True)
class SystemTable:
    name: str
    label: str
    columns: tuple[tuple[str, str], ...]  # (column name, DuckDB type)

    @property
    def column_names(self) -> list[str]:
        return [name for name, _ in self.columns]

    def ddl(self) -> str:
        cols = ", ".join(f"{name} {sql_type}" for name, sql_type in self.columns)
        return f"CREATE TABLE IF NOT EXISTS {self.name} ({cols})"


SYSTEM_TABLES: dict[str, SystemTable] = {
    t.name: t
    for t in [
        # Every row that could not be loaded, with its raw values (JSON) and a reason in Chinese.
        # cleaned_value and village_code serve rule A06: the value as cleaned before it failed (e.g.
        # the 18-character ID whose check digit is wrong) and the row's matched village, when known.
        SystemTable(
            "quarantine",
            "隔离表（无法入库的行）",
            (
                ("source_file", "VARCHAR"), ("source_sheet", "VARCHAR"), ("source_row", "INTEGER"),
                ("extract", "VARCHAR"), ("table_name", "VARCHAR"), ("column_name", "VARCHAR"),
                ("reason_code", "VARCHAR"), ("reason", "VARCHAR"), ("raw_json", "VARCHAR"),
                ("cleaned_value", "VARCHAR"), ("village_code", "VARCHAR"),
            ),
        ),
        # One row per file load: the file's content hash and its row accounting.
        SystemTable(
            "load_log",
            "读取记录",
            (
                ("load_id", "VARCHAR"), ("source_file", "VARCHAR"), ("file_hash", "VARCHAR"),
                ("loaded_at", "TIMESTAMP"), ("extract", "VARCHAR"), ("table_name", "VARCHAR"),
                ("sheets", "INTEGER"), ("rows_read", "INTEGER"), ("rows_loaded", "INTEGER"),
                ("rows_quarantined", "INTEGER"), ("rows_skipped", "INTEGER"), ("message", "VARCHAR"),
            ),
        ),
        # Village reference: statistics' codes plus every alias seen or configured.
        SystemTable("village_alias", "村名对照表", (("alias", "VARCHAR"), ("village_code", "VARCHAR"), ("origin", "VARCHAR"))),
        # Data checks (connectors/validation*): per file and sheet, its row accounting and one row per
        # check evaluated (check_name NULL for a sheet or file that could not be checked).
        SystemTable(
            "validation_results",
            "数据质量检查结果",
            (
                ("source_file", "VARCHAR"), ("file_hash", "VARCHAR"), ("source_sheet", "VARCHAR"),
                ("extract", "VARCHAR"), ("validated_at", "TIMESTAMP"), ("rows_read", "INTEGER"),
                ("rows_loaded", "INTEGER"), ("rows_quarantined", "INTEGER"), ("rows_skipped", "INTEGER"),
                ("check_name", "VARCHAR"), ("expectation", "VARCHAR"), ("column_name", "VARCHAR"),
                ("label", "VARCHAR"), ("action", "VARCHAR"), ("evaluated", "INTEGER"),
                ("failed", "INTEGER"), ("failed_before", "INTEGER"), ("failed_share", "DOUBLE"),
                ("reject_share", "DOUBLE"), ("outcome", "VARCHAR"), ("sample_rows", "VARCHAR"),
                ("message", "VARCHAR"), ("seconds", "DOUBLE"),
            ),
        ),
    ]
}

# Column order of the quarantine table, for every writer of quarantine frames.
QUARANTINE_COLUMNS: list[str] = SYSTEM_TABLES["quarantine"].column_names

# Chinese names of the system tables, for messages and the rules reference.
SYSTEM_LABELS = {name: t.label for name, t in SYSTEM_TABLES.items()}


def table_label(name: str) -> str:
    return TABLES[name].label if name in TABLES else SYSTEM_LABELS.get(name, name)


def data_columns(table: Table) -> tuple[Column, ...]:
    """All columns of a canonical table as stored: data, village keys, provenance."""
    village = VILLAGE_KEYS if table.has_village else ()
    return table.columns + village + PROVENANCE


def ddl(table: Table) -> str:
    cols = ", ".join(f"{c.name} {KIND_TYPES[c.kind]}" for c in data_columns(table))
    return f"CREATE TABLE IF NOT EXISTS {table.name} ({cols})"


def all_ddl() -> list[str]:
    stmts = [ddl(t) for t in TABLES.values()]
    stmts += [t.ddl() for t in SYSTEM_TABLES.values()]
    return stmts
