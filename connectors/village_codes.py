"""Places given only as statistical codes (统计用区划代码): a column holding 12-digit village codes is
the village code column whatever its header says (所在村代码, 村（居）区划代码, 行政区划代码 ...).

The national statistical division codes are positional: 6 digits county, 3 town, 3 village. A
9-digit value is a town code, which the village code already contains, so it is not needed.
"""

from __future__ import annotations

import re

VILLAGE_CODE = re.compile(r"^\d{12}$")
TOWN_CODE = re.compile(r"^\d{9}$")
# Header meanings under which a 12-digit value is certainly something else (an account, an ID).
NOT_A_PLACE = frozenset({"account", "id", "amount", "arrears"})


def code_shapes(s: str) -> set[str]:
    """"village_code" for a 12-digit statistical code, "town_code" for a 9-digit one."""
    if VILLAGE_CODE.match(s) and s[6:] != "000000":
        return {"village_code"}
    if TOWN_CODE.match(s) and s[6:] != "000":
        return {"town_code"}
    return set()


def village_code_by_values(meaning: str | None, share: float, free: list[tuple[str, str]],
                           agree: float) -> tuple[str, float, str] | None:
    """(column, confidence, how) when the values are village codes and village_code is still free."""
    if meaning in NOT_A_PLACE or share < agree or "village_code" not in [c for c, _ in free]:
        return None
    return "village_code", share, f"{share:.0%}的值为12位统计用村级区划代码"


def villageless_note(table: str, has_village: bool, unused: tuple[str, ...] | list[str],
                     data) -> tuple[list[str], list[str]]:
    """(messages, config lines) when a loaded table that has villages got no place on any row: no
    village code and no village name. Never silent: which columns were left unused, and the
    xuncha.toml line that would map one of them (a code column to village_code, a name to village_raw)."""
    if not has_village or data is None or not data.height:
        return [], []
    for col in ("village_code", "village_raw"):
        if col in data.columns and data[col].null_count() < data.height:
            return [], []
    coded = [h for h in unused if any(w in h for w in ("代码", "编码", "区划")) and "村" in h or "社区" in h and "代码" in h]
    named = [h for h in unused if any(w in h for w in ("村", "社区", "居委")) and h not in coded]
    if coded:
        col, header = "village_code", coded[0]
    elif named:
        col, header = "village_raw", named[0]
    else:
        col, header = "village_raw", "<村名列的表头>"
    line = f'[connectors.header_synonyms.{table}] {col} = ["{header}"]'
    cols = "、".join(unused) if unused else "无"
    msg = (f"注意：本表入库的{data.height}行全部没有村（既无村名也无村代码），按村的核对对这些行无法进行；"
           f"未使用的列：{cols}。若其中一列是村名或12位村级区划代码，在 xuncha.toml 中加一行：{line}")
    return [msg], [line]
