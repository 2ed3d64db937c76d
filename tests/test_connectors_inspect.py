"""`xuncha inspect`: a dry run that loads nothing and explains, per sheet, what a run would do."""

from __future__ import annotations

import tomllib

from fixtures.connectors.workbooks import BASICS, make_id, write_xlsx
from typer.testing import CliRunner

from connectors.inspect import inspect_inbox
from connectors.inspect_output import findings_html, proposed_config
from pipelines.cli import app
from xuncha.config import WorkspaceConfig

ID1, ID2 = make_id("19600101", "011"), make_id("19900101", "021")


def _inbox(tmp_path):
    inbox = tmp_path / "inbox"
    write_xlsx(inbox / "统计" / "村基本情况.xlsx", {"村": BASICS})
    # a two-level roster whose groups nothing decides between
    write_xlsx(inbox / "民政" / "低保.xlsx", {"s": [
        ["乡镇", "村", "甲栏", None, "乙栏", None, "保障类别"],
        [None, None, "姓名", "身份证号", "姓名", "身份证号", None],
        ["城关镇", "东岭村", "张大", ID1, "张二", ID2, "农村低保"]]},
        {"s": ["A1:A2", "B1:B2", "C1:D1", "E1:F1", "G1:G2"]})
    # an annual one-card list, year and period in the title, a village name nobody lists
    write_xlsx(inbox / "财政" / "一卡通.xlsx", {"2024": [
        ["2024年度惠民惠农补贴发放明细"],
        ["乡镇", "村", "补贴项目", "姓名", "身份证号", "一卡通账号", "发放金额"],
        ["城关镇", "东林村", "耕地补贴", "李四", ID2, "6217000011112222333", 80],
        ["城关镇", "[red]新村<b>", "耕地补贴", "赵六", ID2, "6217000011112222335", 80],
        ["城关镇", "东岭村", "耕地补贴", "王五", ID1, "6217000011112222334", 80],
        ["城关镇", "东岭村", "耕地补贴", "钱七", ID1, "6217000011112222336", -80]]})
    return inbox


def test_inspect_explains_every_sheet_and_loads_nothing(tmp_path) -> None:
    inbox = _inbox(tmp_path)
    findings = inspect_inbox(inbox, WorkspaceConfig())
    by_file = {f.file: f for f in findings}
    roster = by_file["民政/低保.xlsx"]
    assert roster.extract is None and "表头有歧义" in roster.message
    card = by_file["财政/一卡通.xlsx"]
    assert card.extract == "onecard_payments" and card.score is not None and card.runner_up is not None
    assert card.context["期间"][0] == "2024年度" and "表头上方" in card.context["期间"][1]
    assert any(v.startswith("城关镇东林村（最接近：城关镇东岭村") for v in card.villages_unmatched)
    assert ("城关镇东岭村", "611021104203", "exact") in card.villages_matched
    # a data check's quarantine (not the reader's) is counted as a run would count it
    assert ("金额或面积为负数", 1) in card.quarantine_reasons
    assert card.rows_quarantined >= 1 and card.rows_read == card.rows_loaded + card.rows_quarantined
    assert not list(tmp_path.rglob("*.duckdb"))

    fragment = proposed_config(findings)
    tomllib.loads(fragment)  # a valid TOML fragment
    # a choice between two columns is proposed commented out: copied whole, it settles nothing by guess
    chosen = [line for line in fragment.splitlines() if line.startswith("# member_id = ")]
    assert len(chosen) == 1
    confirmed = tomllib.loads("[connectors.header_synonyms.assistance_roster]\n" + chosen[0][2:])
    assert confirmed["connectors"]["header_synonyms"]["assistance_roster"]["member_id"] == ["乙栏/身份证号"]
    assert all("#" in line for line in fragment.splitlines() if "=" in line)  # every proposal says why
    assert "城关镇东林村" in fragment
    page = findings_html(findings)
    assert "[red]新村&lt;b&gt;" in page and "<b>" not in page  # data is escaped, never markup


def test_the_command_writes_the_report_and_the_fragment(tmp_path, monkeypatch) -> None:
    inbox = _inbox(tmp_path)
    ws = tmp_path / "ws"
    ws.mkdir()
    result = CliRunner().invoke(app, ["inspect", str(inbox), "--workspace", str(ws)])
    assert result.exit_code == 0, result.output
    assert "表头有歧义" in result.output
    assert "[red]新村<b>" in result.output  # printed as text, not read as rich markup
    assert (ws / "inspect_report.html").stat().st_mode & 0o077 == 0  # owner-only
    assert (ws / "xuncha.proposed.toml").exists()
    assert not (ws / "warehouse.duckdb").exists()


def test_the_fragment_is_valid_toml_when_many_sheets_propose_the_same_key(tmp_path) -> None:
    """One sheet per village, each with the same never-seen header (written over two lines): one line,
    its sheets counted."""
    inbox = tmp_path / "inbox"
    write_xlsx(inbox / "统计" / "村基本情况.xlsx", {"村": BASICS})
    sheets = {}
    for n in range(3):
        rows = [["乡镇", "村", "补贴项目", "发放年月", "姓名", "身份证号", "社保卡\n卡号（新）", "金额"]]
        rows += [["城关镇", "东岭村", "耕地补贴", "2024-03", f"张{i}", make_id("19600101", f"{n}{i:02d}"),
                  f"621700001111{n}2{i:05d}", 50] for i in range(5)]
        sheets[f"第{n + 1}批"] = rows
    write_xlsx(inbox / "财政" / "一卡通.xlsx", sheets)
    fragment = proposed_config(inspect_inbox(inbox, WorkspaceConfig()))
    tomllib.loads(fragment)
    lines = [line for line in fragment.splitlines() if "account_no = " in line]
    assert len(lines) == 1 and "等3个工作表" in lines[0], fragment


def test_file_names_cannot_write_settings_into_the_proposed_fragment(tmp_path) -> None:
    # quotes, a line break that would start a setting of its own, a control character (not TOML)
    inbox = _inbox(tmp_path)
    hostile = 'a"b\n[county]\nname = "x"\x07低保.xlsx'
    (inbox / "民政" / "低保.xlsx").rename(inbox / "民政" / hostile)
    fragment = proposed_config(inspect_inbox(inbox, WorkspaceConfig()))
    assert "county" not in tomllib.loads(fragment), fragment
    assert '民政/a"b [county] name = "x"\ufffd低保.xlsx / s' in fragment  # the name, on one line


def test_without_a_workspace_the_results_go_beside_the_inbox_never_into_the_current_directory(tmp_path, monkeypatch) -> None:
    inbox = _inbox(tmp_path)
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    result = CliRunner().invoke(app, ["inspect", str(inbox)])
    assert result.exit_code == 0, result.output
    assert list(cwd.iterdir()) == []
    beside = tmp_path / f"{inbox.name}_检查结果"
    assert (beside / "inspect_report.html").is_file() and (beside / "xuncha.proposed.toml").is_file()
    assert not (inbox / "inspect_report.html").exists()
    assert "检查结果已写入目录" in result.output and f"{inbox.name}_检查结果" in result.output.replace("\n", "")
    # a named output directory wins over the workspace
    ws, out = tmp_path / "ws", tmp_path / "out" / "first"
    ws.mkdir()
    result = CliRunner().invoke(app, ["inspect", str(inbox), "--workspace", str(ws), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "xuncha.proposed.toml").is_file() and not (ws / "xuncha.proposed.toml").exists()
    assert list(cwd.iterdir()) == []


def test_the_help_says_where_the_results_go() -> None:
    result = CliRunner().invoke(app, ["inspect", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    text = "".join(result.output.split())
    assert "--out" in text and "_检查结果" in text and "从不写入当前目录" in text
