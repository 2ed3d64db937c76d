"""Pieces the county styles share: two-row headers with group cells, meta lines, voucher numbers as
a clerk writes them when numbering restarts every month."""

from __future__ import annotations


def group_header(sheet, labels: list[str]) -> None:
    """Two header rows. A label "组/子" puts 子 under the group cell 组 (one merged cell over the run of
    its children, so children such as 姓名 and 身份证号 repeat under different groups); any other label
    fills both rows as one vertically merged cell."""
    top: list[str | None] = []
    bottom: list[str | None] = []
    for i, label in enumerate(labels):
        group, _, child = label.partition("/")
        if child:
            top.append(group if i == 0 or not labels[i - 1].startswith(group + "/") else None)
            bottom.append(child)
        else:
            top.append(label)
            bottom.append(None)
    r1 = sheet.row(top)
    sheet.row(bottom)
    i = 0
    while i < len(labels):
        group, _, child = labels[i].partition("/")
        if not child:
            sheet.merge(r1, i + 1, r1 + 1, i + 1)
            i += 1
            continue
        j = i
        while j + 1 < len(labels) and labels[j + 1].startswith(group + "/"):
            j += 1
        if j > i:
            sheet.merge(r1, i + 1, r1, j + 1)
        i = j + 1


def title(sheet, text: str, width: int) -> None:
    n = sheet.row([text] + [None] * (width - 1))
    sheet.merge(n, 1, n, width)


def voucher_parts(voucher_no: str) -> tuple[str, str, int]:
    """记-202403-017 (the generator's identity: word, accounting period, number in that month) ->
    ("记", "202403", 17)."""
    word, period, number = voucher_no.split("-")
    return word, period, int(number)


def voucher_in_month(voucher_no: str) -> str:
    """记-17: the number as a ledger shows it when numbering restarts every month."""
    word, _, number = voucher_parts(voucher_no)
    return f"{word}-{number}"


def seq():
    n = [0]

    def f(_r):
        n[0] += 1
        return n[0]
    return f
