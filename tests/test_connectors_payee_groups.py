"""Payee groups: 补贴对象 / 姓名 beside 收款人信息 / 姓名 on a payment list. A group whose words mean a
payee or an account is the account holder's side; the other group is the person paid. Decided by what
the group's words mean, so wordings no list holds are read too."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixtures.connectors.workbooks import make_id, write_csv, write_xlsx

from connectors.catalog import load_catalog
from connectors.extract import extract_file

CHILD, MOTHER = make_id("20100101", "011"), make_id("19800101", "022")


def _extract(path: Path):
    (sheet,) = extract_file(path, path.parent, load_catalog()).sheets
    return sheet


@pytest.mark.parametrize(("person", "payee", "details"), [
    ("补贴对象", "收款人信息", "补贴信息"),    # as 东陵县 writes it
    ("享受人员", "领款账户", "发放情况"),      # worded otherwise: an account group, another subject wording
    ("发放对象", "代领人", "资金信息"),
])
def test_the_payee_group_is_the_account_holder_not_the_person(tmp_path, person, payee, details) -> None:
    rows = [
        ["乡镇", "村", person, None, payee, None, None, details, None, None],
        [None, None, "姓名", "身份证号", "姓名", "银行卡号", "开户行", "补贴项目", "发放年月", "发放金额（元）"],
    ]
    for i in range(4):
        rows.append(["城关镇", "东岭村", f"王小{i}", make_id("20100101", f"{i:03d}"), "李秀英",
                     f"62170000111122{i:05d}", "农商银行", "孤儿基本生活费", "2024-03", 1200])
    merges = ["A1:A2", "B1:B2", "C1:D1", "E1:G1", "H1:J1"]
    s = _extract(write_xlsx(tmp_path / "c.xlsx", {"s": rows}, {"s": merges}))
    assert s.extract == "onecard_payments", s.message
    assert s.columns_found["person_name"] == f"{person}/姓名"
    assert s.columns_found["account_holder"] == f"{payee}/姓名"
    assert s.data["person_name"].to_list()[0] == "王小0"
    assert s.data["account_holder"].to_list()[0] == "李秀英"
    assert "表头有歧义" not in s.message


def test_a_payee_id_is_not_the_person_paid(tmp_path) -> None:
    rows = [
        ["补贴对象", None, "收款人", None, None, "补贴项目", "发放月份", "金额"],
        ["姓名", "身份证号", "姓名", "身份证号", "一卡通账号", None, None, None],
        ["王小一", CHILD, "李秀英", MOTHER, "6217000011112222333", "孤儿基本生活费", "2024-03", 1200],
    ]
    s = _extract(write_csv(tmp_path / "c.csv", rows, "utf-8"))
    assert s.extract == "onecard_payments", s.message
    assert s.data["person_id"].to_list() == [CHILD]
    assert s.data["account_holder"].to_list() == ["李秀英"]


def test_a_payee_on_a_list_without_holder_column_is_nobody_of_the_row(tmp_path) -> None:
    """A compensation list has no account holder: 领款人 / 姓名 is someone else's, never the compensated."""
    rows = [
        ["项目名称", "被补偿人", None, "领款人", None, "补偿金额（元）"],
        [None, "姓名", "身份证号", "姓名", "身份证号", None],
        ["东环路拓宽工程", "王小一", CHILD, "李秀英", MOTHER, 3000],
    ]
    merges = ["A1:A2", "B1:C1", "D1:E1", "F1:F2"]
    s = _extract(write_xlsx(tmp_path / "p.xlsx", {"s": rows}, {"s": merges}))
    assert s.extract == "compensation_roster", s.message
    assert s.data["person_name"].to_list() == ["王小一"] and s.data["person_id"].to_list() == [CHILD]
