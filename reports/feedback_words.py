"""The words a team writes in a returned workbook's 核查结果 column, and the error for a returned
file that cannot be used. Shared by the verdict import (feedback.py) and the 整改销号 import
(rectification_feedback.py), which otherwise would import each other."""

from __future__ import annotations

# Checked in order: "不属实" must win over "属实".
_STATUS_WORDS = (
    (("排除", "不属实", "不存在问题", "无问题"), "排除"),
    (("已整改", "整改完毕", "整改完成", "已销号"), "已整改"),
    (("整改中", "正在整改"), "整改中"),
    (("属实", "已核实", "核实"), "已核实"),
)


class FeedbackError(Exception):
    """The file is not a returned village workbook of this workspace; the message is Chinese."""


def status_of(text: str) -> str | None:
    for words, status in _STATUS_WORDS:
        if any(w in text for w in words):
            return status
    return None
