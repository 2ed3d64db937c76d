"""Masking rules, and real encryption of team workbooks with a password that is never written."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import msoffcrypto
import msoffcrypto.exceptions
import openpyxl
import pytest
from openpyxl.utils.exceptions import InvalidFileException
from test_reports_county import build_county

import reports
from reports import protect
from reports.masking import Masker, mask_text
from xuncha.config import WorkspaceConfig

PASSWORD = "巡察-2024-Secret!"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("611021194001010011", "611021********0011"),
        ("身份证61102119400101001X，", "身份证611021********001X，"),
        ("611021400101001", "611021*****1001"),
        ("账户6217000011112222333（户名王五）", "账户***************2333（户名王五）"),
        ("村代码611021100201，电话13800138000，凭证20240301", "村代码611021100201，电话13800138000，凭证20240301"),
        ("金额1,250.00元", "金额1,250.00元"),
    ],
)
def test_mask_text(text: str, expected: str) -> None:
    assert mask_text(text) == expected


def test_known_short_accounts_are_masked_too() -> None:
    mask = Masker({"620110203344"})
    assert mask("账号620110203344，") == "账号********3344，"
    assert mask(611021194001010011) == "611021********0011"


def test_the_masker_answers_other_values_as_mask_cell_does() -> None:
    """Masker's fast paths (nulls, integers that cannot be IDs or accounts) answer as mask_cell: at
    the bounds of each, for bools (an int subclass), floats, dates, and an int subclass."""
    import datetime as dt
    import enum

    from reports.masking import mask_cell

    class Code(enum.IntEnum):
        BIG = 611021194001010011

    mask = Masker({"620110203344"})
    values = [None, 0, 7, -7, 10**8 - 1, 10**8, -(10**8) + 1, -(10**8), 611021194001010011, True, False, 1.5,
              1e12, 611021194001010011.0, dt.date(2024, 3, 1), Code.BIG]
    for v in values:
        assert mask(v) == mask_cell(v) and type(mask(v)) is type(mask_cell(v)), v
    assert mask(10**8) == "100000000" and mask(10**8 - 1) == 10**8 - 1


def _config(**reports_cfg) -> WorkspaceConfig:
    return WorkspaceConfig.model_validate({"county": {"name": "示例县"}, "reports": reports_cfg})


def test_encrypted_team_workbooks_need_the_password(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv(protect.PASSWORD_ENV, raising=False)
    config = _config(encrypt_team_workbooks=True, password=PASSWORD)
    county = build_county(tmp_path, config)
    paths = reports.write_all(county.con, tmp_path, config, "20241201-093000")
    assert paths.encrypted
    path = paths.village_workbooks["611021100201"]
    with open(path, "rb") as f:
        office = msoffcrypto.OfficeFile(f)
        assert office.is_encrypted()
        with pytest.raises(msoffcrypto.exceptions.InvalidKeyError):
            bad = io.BytesIO()
            office.load_key(password="wrong")
            office.decrypt(bad)
    with pytest.raises((InvalidFileException, zipfile.BadZipFile)):
        openpyxl.load_workbook(path)
    with open(path, "rb") as f:
        office = msoffcrypto.OfficeFile(f)
        office.load_key(password=PASSWORD)
        plain = io.BytesIO()
        office.decrypt(plain)
    wb = openpyxl.load_workbook(plain)
    assert "问题清单" in wb.sheetnames
    # the office's own files stay readable; the password is nowhere on disk or in the result
    openpyxl.load_workbook(paths.office_workbook, read_only=True).close()
    assert PASSWORD not in repr(paths)
    secret = PASSWORD.encode("utf-8")
    for file in tmp_path.rglob("*"):
        if file.is_file() and file.suffix != ".toml":
            assert secret not in file.read_bytes(), file


def test_the_environment_password_wins(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv(protect.PASSWORD_ENV, "from-env")
    assert protect.team_password(_config(encrypt_team_workbooks=True, password="from-file").reports) == "from-env"
    assert protect.team_password(_config(encrypt_team_workbooks=False, password="x").reports) is None


def test_encryption_without_a_password_is_a_clear_error_and_writes_nothing(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv(protect.PASSWORD_ENV, raising=False)
    config = _config(encrypt_team_workbooks=True)
    county = build_county(tmp_path, config)
    with pytest.raises(reports.ReportError, match="没有设置密码.*XUNCHA_REPORT_PASSWORD"):
        reports.write_all(county.con, tmp_path, config, "20241201-093000")
    assert not (tmp_path / "reports").exists()
