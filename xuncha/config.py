"""The workspace configuration file (`WORKSPACE/xuncha.toml`): one strict model, unknown keys rejected.

A county is onboarded by configuration alone: extra header synonyms, village aliases, rule
parameters, scoring. Every key has a documented default (see docs/configuration.md); a key we do
not know is an error that names the key and the file, so a typo never silently does nothing.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from xuncha.config_file import CONFIG_FILE_NAME, ConfigError  # noqa: F401  (xuncha.config.ConfigError)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CountyConfig(Strict):
    name: str = Field("", description="县(市、区)名称，用于报告标题，也作为村名前缀在匹配村名时去掉")
    # 6-digit region codes (行政区划代码) of this county, used to judge ID region codes.
    region_codes: list[str] = Field(default_factory=list, description="本县身份证地区码（6位）")


class ReadingLimits(Strict):
    """Checked before a workbook is read, so that a small hostile file cannot exhaust memory."""

    # Cells of one sheet, counted from A1 to its last cell (readers allocate that rectangle).
    max_cells: int = Field(30_000_000, gt=0)
    # Decompressed size of one part of an .xlsx (a sheet's XML, the shared strings), and of all parts.
    max_part_bytes: int = Field(1 << 30, gt=0)
    max_total_bytes: int = Field(2 << 30, gt=0)
    # .xls/.ods/.xlsb (which no scan bounds) are read in a child process; it is given up after this long.
    isolated_read_seconds: float = Field(300.0, gt=0)


class ConnectorsConfig(Strict):
    # extract name -> canonical column -> extra header wordings seen in this county
    header_synonyms: dict[str, dict[str, list[str]]] = Field(default_factory=dict)
    # village name as some department writes it -> 12-digit statistics code
    village_aliases: dict[str, str] = Field(default_factory=dict)
    # rapidfuzz score (0-100) below which a village name is reported instead of guessed
    village_match_threshold: float = 88.0
    # file glob (relative to the inbox, e.g. "民政/*一卡通*.csv") -> extract kind: the file is read as
    # that kind only (recognition still finds the header; see docs/configuration.md)
    pin: dict[str, str] = Field(default_factory=dict)
    # points by which the recognised extract kind must beat the best other kind; closer is reported
    recognition_margin: float = 1.0
    # file glob -> the header (as written) of the amount column a ledger's 借/贷 direction column splits,
    # when the header row has several amount columns (connectors/direction_amounts.py)
    split_amount: dict[str, str] = Field(default_factory=dict)
    # group-row wordings of two-row headers, per role ("head": the household head's / applicant's
    # columns, "member": each member's), added to the catalogue's [roles]
    group_roles: dict[str, list[str]] = Field(default_factory=dict)
    # sizes and extents above which an input workbook is refused before reading (docs/configuration.md)
    reading_limits: ReadingLimits = Field(default_factory=ReadingLimits)


class RuleDataConfig(Strict):
    # A rule's needed fields (rules.model.Rule.needs) measured per source before it runs: when fewer
    # than `partial_below` of a source's rows have them, the rule runs on the rows that do and is
    # reported 部分运行; below `not_run_below` the source is not used (未运行 when the rule has no other).
    partial_below: float = Field(0.9, ge=0, le=1)
    not_run_below: float = Field(0.2, ge=0, le=1)


class KinshipConfig(Strict):
    # Relations counted as close relatives (近亲属). Default: 民法典 1045 plus 子女的配偶, 配偶的父母.
    relations: list[str] = Field(
        default_factory=lambda: [
            "配偶", "父母", "子女", "兄弟姐妹", "祖父母", "外祖父母", "孙子女", "外孙子女",
            "子女的配偶", "配偶的父母",
        ]
    )


class ScoringConfig(Strict):
    severity_points: dict[str, float] = Field(default_factory=lambda: {"高": 10.0, "中": 5.0, "低": 2.0})
    # one point per this many yuan involved, capped per flag
    yuan_per_point: float = 10000.0
    money_points_cap: float = 10.0
    # points per distinct rule that fired in the village
    distinct_rule_points: float = 3.0
    # The 数据异常 criterion of 重点村 (rules.portrait): top share by score, or (when set) any 高 flag
    key_village_top_share: float = 0.1
    key_village_if_high: bool = False
    # 共性问题: a rule firing in at least this share of a town's villages
    town_common_share: float = 0.3


class KeyVillagesConfig(Strict):
    """重点村 = any of these criteria of the village portrait (rules.portrait); 数据异常 is [scoring]."""

    # 经济规模: top share of villages by collective income + spending of the latest ledger year
    economy_top_share: float = Field(0.1, ge=0, le=1)
    # 项目和专项资金: top share by spending on 工程/项目/专项 in the ledger
    projects_top_share: float = Field(0.1, ge=0, le=1)
    project_keywords: list[str] = Field(default_factory=lambda: ["工程", "项目", "专项", "修建", "硬化", "改造"])
    # 信访: at least this many petitions in the last `petition_years` years, or this many repeat petitioners
    petitions_min: int = Field(3, ge=1)
    repeat_petitioners_min: int = Field(1, ge=1)
    petition_years: int = Field(3, ge=1)
    # 软弱涣散: on the organization department's list in the last `weak_org_years` years
    weak_org: bool = True
    weak_org_years: int = Field(2, ge=1)


class ReportsConfig(Strict):
    # Encrypt team workbooks. The password comes from here or XUNCHA_REPORT_PASSWORD; never logged.
    encrypt_team_workbooks: bool = False
    password: str | None = None


class NightlyConfig(Strict):
    cron: str = "30 2 * * *"
    timezone: str = "Asia/Shanghai"
    inbox: str = "inbox"


class WorkspaceConfig(Strict):
    county: CountyConfig = Field(default_factory=CountyConfig)
    connectors: ConnectorsConfig = Field(default_factory=ConnectorsConfig)
    # rule id -> parameter -> value; validated by the rule engine, which knows each rule's parameters
    rules: dict[str, dict[str, Any]] = Field(default_factory=dict)
    rule_data: RuleDataConfig = Field(default_factory=RuleDataConfig)
    kinship: KinshipConfig = Field(default_factory=KinshipConfig)
    scoring: ScoringConfig = Field(default_factory=ScoringConfig)
    key_villages: KeyVillagesConfig = Field(default_factory=KeyVillagesConfig)
    reports: ReportsConfig = Field(default_factory=ReportsConfig)
    nightly: NightlyConfig = Field(default_factory=NightlyConfig)


def _describe(err: ValidationError, path: Path) -> str:
    lines = []
    for e in err.errors():
        loc = ".".join(str(p) for p in e["loc"])
        if e["type"] == "extra_forbidden":
            lines.append(f"配置文件 {path} 中有未知的配置项“{loc}”，请检查拼写（可用配置项见 docs/configuration.md）")
        else:
            lines.append(f"配置文件 {path} 中“{loc}”的值不正确：{e['msg']}")
    return "\n".join(lines)


def load_config(path: Path | None) -> WorkspaceConfig:
    """Read a config file; a missing file means all defaults."""
    if path is None or not path.exists():
        return WorkspaceConfig()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"配置文件 {path} 格式错误（TOML）：{e}") from e
    try:
        return WorkspaceConfig.model_validate(data)
    except ValidationError as e:
        raise ConfigError(_describe(e, path)) from e


def workspace_config(workspace: Path) -> WorkspaceConfig:
    return load_config(workspace / CONFIG_FILE_NAME)
