"""The synthetic county generator: determinism, completeness, oracle == ground truth, ID validity,
and expected-quarantine rows pointing at real cells."""

from __future__ import annotations

import csv
import filecmp
from pathlib import Path

import openpyxl
import pytest
import xlrd

from rules.catalog import RULES_BY_ID
from samplegen import EXPECTED_QUARANTINE, GROUND_TRUTH, NEAR_MISSES, generate
from xuncha.idcard import problem, upgrade_15

ALL_RULES = sorted(RULES_BY_ID)  # the catalogue: every rule has injected anomalies and near misses
FULLWIDTH = str.maketrans("０１２３４５６７８９Ｘｘ", "0123456789XX")


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    out = tmp_path_factory.mktemp("county")
    summary = generate(out, villages=12, seed=7)
    return out, summary


def _read_csv(path: Path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _raw(path: Path) -> list[list[str]]:
    data = path.read_bytes()
    for enc in ("utf-8-sig", "gbk"):
        try:
            text = data.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    return list(csv.reader(text.splitlines()))


def clean_id(s: str) -> str:
    s = str(s).translate(FULLWIDTH).replace("'", "").replace(" ", "").strip().upper()
    return upgrade_15(s) if len(s) == 15 and s.isdigit() else s


def test_deterministic(county, tmp_path):
    out, _ = county
    generate(tmp_path, villages=12, seed=7)
    cmp = filecmp.dircmp(out, tmp_path)

    def same(c) -> bool:
        _, mismatch, errors = filecmp.cmpfiles(c.left, c.right, c.common_files, shallow=False)
        return not (mismatch or errors or c.left_only or c.right_only) and all(same(s) for s in c.subdirs.values())
    assert same(cmp)


def test_every_extract_present(county):
    out, summary = county
    tables = {r["table"] for r in _read_csv(out / EXPECTED_QUARANTINE)}
    assert tables  # quarantine spans several extracts
    expected = ["低保特困对象花名册", "残疾人两项补贴", "高龄补贴", "死亡人员", "两委成员", "近亲属备案", "财政供养",
                "一卡通", "耕地地力", "确权登记", "财务明细账", "合同台账", "青苗", "村基本情况表2023",
                "村基本情况表2024", "户籍人口"]
    for word in expected:
        assert any(word in f for f in summary.files), word
    assert any(f.endswith(".xls") for f in summary.files)
    for f in summary.files:
        assert summary.rows.get(f, 0) > 0 or "近亲属" in f, f


def test_every_rule_has_ground_truth_and_near_miss(county):
    out, summary = county
    gt = _read_csv(out / GROUND_TRUTH)
    nm = _read_csv(out / NEAR_MISSES)
    assert {r["rule_id"] for r in gt} == set(ALL_RULES)
    assert {r["rule_id"] for r in nm} == set(ALL_RULES)
    assert not ({(r["rule_id"], r["village_code"], r["subject_key"]) for r in gt}
                & {(r["rule_id"], r["village_code"], r["subject_key"]) for r in nm})
    per = summary.per_rule
    for rule in ALL_RULES:
        if rule not in ("A09", "C02", "D07", "D08", "E01", "E02"):
            assert per[rule][0] >= 2, rule
    assert per["D10"][0] >= 4 and per["A08"][0] >= 2 and per["D09"][0] >= 2


def test_oracle_equals_ground_truth(county):
    _, summary = county
    assert summary.anomalies > 50
    assert summary.oracle_mismatches == []


def test_baseline_is_clean(tmp_path):
    """A town too small for the injection plan: the oracle must find nothing at all."""
    summary = generate(tmp_path, villages=6, seed=3)
    assert summary.anomalies == 0
    assert summary.oracle_mismatches == []


def test_ids_valid_or_listed(county):
    out, _ = county
    gt = _read_csv(out / GROUND_TRUTH)
    quarantined = {(q["file"], int(q["row"])) for q in _read_csv(out / EXPECTED_QUARANTINE)}
    rows = _raw(out / "公安/户籍人口信息.csv")
    header = rows[0]
    col = header.index("公民身份号码")
    for n, r in enumerate(rows[1:], start=2):
        if ("公安/户籍人口信息.csv", n) in quarantined:
            assert problem(clean_id(r[col])) is not None or "E+" in r[col]
        else:
            assert problem(clean_id(r[col])) is None, (n, r[col])
    bad = [r["subject_key"] for r in gt if r["rule_id"] == "A06" and problem(r["subject_key"])]
    assert bad and all(problem(k) in ("checksum", "birth_date", "region") for k in bad)
    for r in gt:
        if r["rule_id"] in ("A01", "A02", "A03", "A04", "A05", "A07", "A08", "B02", "B03", "B04", "B05", "C01", "C03",
                            "D09"):
            assert problem(r["subject_key"]) is None, r


def _find_col(rows: list[list], label: str) -> int:
    for r in rows[:6]:
        if label in r:
            return r.index(label)
    raise AssertionError(label)


def test_expected_quarantine_points_at_cells(county):
    out, _ = county
    q = _read_csv(out / EXPECTED_QUARANTINE)
    assert {r["reason_code"] for r in q} >= {"id_numeric", "id_scientific", "id_checksum", "id_birth_date",
                                             "id_region", "id_format"}
    for r in q:
        path = out / r["file"]
        row = int(r["row"])
        if path.suffix == ".csv":
            rows = _raw(path)
            value = rows[row - 1][_find_col(rows, r["column"])]
        elif path.suffix == ".xls":
            sh = xlrd.open_workbook(path).sheet_by_name(r["sheet"])
            rows = [sh.row_values(i) for i in range(sh.nrows)]
            value = rows[row - 1][_find_col(rows, r["column"])]
        else:
            ws = openpyxl.load_workbook(path, read_only=True)[r["sheet"]]
            rows = [list(x) for x in ws.iter_rows(values_only=True)]
            value = rows[row - 1][_find_col(rows, r["column"])]
        if r["reason_code"] == "id_numeric":
            assert isinstance(value, float) and value == float(r["raw_value"])
        else:
            assert value == r["raw_value"], (r, value)
        if r["reason_code"] in ("id_checksum", "id_birth_date", "id_region"):
            assert clean_id(value) == r["cleaned_value"]
