"""A ledger with one amount column and a debit/credit direction column (connectors/direction_amounts.py):
the direction column is found by its values (only 借/贷), the amount is split into 借方金额 and 贷方金额,
and a row whose direction is neither is quarantined with its reason, never dropped nor guessed.
Wordings deliberately unlike the generated hekou county's (方向 and 发生额 instead of 借贷方向 and 金额)."""

from __future__ import annotations

from fixtures.connectors.workbooks import write_xlsx

from connectors.catalog import load_catalog
from connectors.direction_amounts import find
from connectors.extract import extract_file

HEAD = ["核算单位", "记账日期", "凭证编号", "摘要", "科目名称", "方向", "发生额", "余额", "往来单位"]


def _rows() -> list[list]:
    return [["某县某镇沙坪村 2024年凭证明细"], HEAD,
            ["沙坪村", "2024-03-05", "记-1", "支付修路款", "公益支出", "借", 1200, 5000, "某公司"],
            ["沙坪村", "2024-03-05", "记-1", "支付修路款", "银行存款", "贷", 1200, 3800, "某公司"],
            ["沙坪村", "2024-03-08", "记-2", "收取租金", "银行存款", "借方", "2,000.00", 5800, "张三"],
            ["沙坪村", "2024-03-08", "记-2", "收取租金", "租赁收入", "贷方", "2,000.00", 5800, "张三"],
            ["沙坪村", "2024-03-09", "记-3", "调整", "应付款", "平", 300, 5800, ""],
            ["沙坪村", "2024-03-10", "记-4", "支付招待费", "管理费用", "借", 450, 5350, "某饭店"],
            ["沙坪村", "2024-03-10", "记-4", "支付招待费", "库存现金", "贷", 450, 5350, "某饭店"],
            ["合  计", None, None, None, None, None, 5600, None, None],  # no direction: a totals row, skipped
            ["制表：李四"]]


def test_one_amount_with_a_direction_is_read_as_debit_and_credit(tmp_path) -> None:
    path = write_xlsx(tmp_path / "村账" / "沙坪村凭证.xlsx", {"凭证": _rows()})
    (s,) = extract_file(path, tmp_path, load_catalog()).sheets
    assert s.extract == "village_ledger", s.message
    assert s.data["debit_yuan"].to_list() == [1200.0, None, 2000.0, None, 450.0, None]
    assert s.data["credit_yuan"].to_list() == [None, 1200.0, None, 2000.0, None, 450.0]
    assert s.data["source_row"].to_list() == [3, 4, 5, 6, 8, 9]
    # the row whose direction is 平 is quarantined with a reason naming row and column, never dropped
    assert (s.rows_read, s.rows_loaded, s.rows_quarantined) == (7, 6, 1), s.message
    q = s.quarantine
    assert q is not None and q["source_row"].to_list() == [7]
    assert q["reason_code"].to_list() == ["direction_unknown"]
    reason = q["reason"].item()
    assert reason.startswith("第7行“发生额（借方）”列：有金额但借贷方向既不是“借”也不是“贷”"), reason
    assert "方向为“平”，发生额为“300”" in reason
    assert q["source_sheet"].to_list() == ["凭证"] and q["source_file"].item().endswith("沙坪村凭证.xlsx")
    assert "本表只有一个金额列“发生额”，按“方向”列（借/贷）拆分为“借方金额”和“贷方金额”读取" in s.message
    assert "第7行有金额但“方向”既不是“借”也不是“贷”" in s.message and "第10行" not in s.message
    assert "合计行1行" in s.message
    assert "未使用的列：余额" in s.message  # a balance is not the line's amount; the direction column is used
    assert s.columns_found["debit_yuan"] == "发生额（借方）" and s.columns_found["credit_yuan"] == "发生额（贷方）"


def test_a_semicolon_csv_ledger_is_split_the_same_way(tmp_path) -> None:
    rows = [r for r in _rows()[1:-1] if r[5] != "平"]
    text = "\r\n".join(";".join(str(v) for v in r) for r in rows) + "\r\n"
    path = tmp_path / "村账.csv"
    path.write_bytes(text.encode("gb18030"))
    (s,) = extract_file(path, tmp_path, load_catalog()).sheets
    assert s.extract == "village_ledger", s.message
    assert s.data["debit_yuan"].to_list() == [1200.0, None, 2000.0, None, 450.0, None]
    assert (s.rows_read, s.rows_loaded, s.rows_quarantined) == (6, 6, 0), s.message


def test_two_amount_columns_beside_a_direction_are_not_guessed(tmp_path) -> None:
    head = ["记账日期", "凭证编号", "摘要", "科目名称", "方向", "金额", "发生额"]
    rows = [head] + [["2024-03-05", f"记-{i}", "支付", "公益支出", "借贷"[i % 2], 100 * i, 100 * i] for i in range(1, 6)]
    assert find(rows) is None  # which of 金额 and 发生额 is the line's amount is not for us to guess
    assert find(rows, "发生额") == (0, 4, 6)  # unless the county says ([connectors.split_amount])
    path = write_xlsx(tmp_path / "村账.xlsx", {"凭证": rows})
    (s,) = extract_file(path, tmp_path, load_catalog()).sheets
    assert s.extract is None and "不确定按方向拆分哪一列，本表未读取" in s.message


def test_a_column_of_mixed_words_is_no_direction() -> None:
    rows = [["日期", "摘要", "说明", "金额"]] + [["2024-03-05", "支付", w, 10] for w in ("借", "贷", "付款", "收款", "借")]
    assert find(rows) is None


def test_two_amount_columns_beside_a_direction_are_not_guessed_and_a_config_line_settles_it(tmp_path) -> None:
    """方向 beside 发生额 and 本币金额: which one the direction splits is not guessed. The sheet is not read,
    its reason names both and the [connectors.split_amount] line; with that line it is read like one amount."""
    rows = [[*r[:7], r[6] if len(r) > 6 else None, *r[7:]] if i > 0 and len(r) > 6 else r
            for i, r in enumerate(_rows())]
    rows[1] = ["核算单位", "记账日期", "凭证编号", "摘要", "科目名称", "方向", "发生额", "本币金额", "余额", "往来单位"]
    rows = [r for r in rows if len(r) < 6 or r[5] != "平"]
    path = write_xlsx(tmp_path / "村账" / "沙坪村凭证.xlsx", {"凭证": rows})
    (s,) = extract_file(path, tmp_path, load_catalog()).sheets
    assert s.extract is None and s.data is None
    assert "“方向”列写借/贷方向，但有2个金额列（“发生额”、“本币金额”），不确定按方向拆分哪一列，本表未读取" in s.message
    assert '[connectors.split_amount] "村账/沙坪村凭证.xlsx" = "发生额"  # 或 "本币金额"' in s.config_lines[0]

    # `xuncha inspect` proposes the line, to be chosen (commented), its value a string as a pin's
    from connectors.inspect import inspect_inbox
    from connectors.inspect_output import proposed_config
    from xuncha.config import WorkspaceConfig

    fragment = proposed_config(inspect_inbox(tmp_path, WorkspaceConfig()))
    assert '[connectors.split_amount]\n# "村账/沙坪村凭证.xlsx" = "发生额"  # ' in fragment, fragment

    settled = load_catalog(split_amount={"村账/沙坪村凭证.xlsx": "本币金额"})
    (s,) = extract_file(path, tmp_path, settled).sheets
    assert s.extract == "village_ledger", s.message
    assert s.data["debit_yuan"].to_list() == [1200.0, None, 2000.0, None, 450.0, None]
    assert s.data["credit_yuan"].to_list() == [None, 1200.0, None, 2000.0, None, 450.0]
    assert "按配置（[connectors.split_amount]）金额列“本币金额”，按“方向”列（借/贷）拆分为“借方金额”和“贷方金额”读取" \
        in s.message, s.message
