"""Optional password encryption of team workbooks (real ECMA-376 encryption, not sheet protection).

The password comes from `XUNCHA_REPORT_PASSWORD` or `[reports] password` in xuncha.toml. It is
never logged, printed or written anywhere; only the encrypted workbook reaches the disk.
"""

from __future__ import annotations

import io
import os

from xuncha.config import ReportsConfig
from xuncha.config_file import PASSWORD_ENV  # noqa: F401  (protect.PASSWORD_ENV)


class ReportError(Exception):
    """A problem writing reports, with a message in Chinese for the user."""


def team_password(cfg: ReportsConfig) -> str | None:
    """The password for team workbooks, or None when they are not to be encrypted.

    The environment variable wins over the file, so a password need not be kept in xuncha.toml.
    """
    if not cfg.encrypt_team_workbooks:
        return None
    password = os.environ.get(PASSWORD_ENV) or cfg.password
    if not password:
        raise ReportError(
            "已开启巡察组清单加密（xuncha.toml 中 [reports] encrypt_team_workbooks = true），但没有设置密码。"
            f"请设置环境变量 {PASSWORD_ENV}，或在 xuncha.toml 的 [reports] 中填写 password；"
            "也可以关闭加密后再运行。"
        )
    return password


def encrypt(xlsx_bytes: bytes, password: str) -> bytes:
    """The workbook encrypted with `password`; Excel and WPS ask for it on opening."""
    from msoffcrypto.format.ooxml import OOXMLFile  # here: the no-change answer reads PASSWORD_ENV only

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(xlsx_bytes)).encrypt(password, out)
    return out.getvalue()
