"""Household rosters written with continuation rows: the household's cells (户主姓名, 户主身份证号, 保障类别,
审批日期 …: the extract's `household` columns in extracts.toml) filled on the household's first row only
and left blank on the member rows below it, as a clerk types them (not merged cells, which the reader
fills itself).

Members get their household's values only when the sheet shows that pattern unambiguously:
- a block is a row whose household key (户主身份证号, else 户主姓名) is filled, and the rows below it whose
  key is blank and that name a person (成员姓名 or 成员身份证号);
- every such blank row follows its block's first row directly (no blank, totals or note row between),
  in the same town and village, and does not itself say it is a head (与户主关系 户主/本人) unless it is
  the block's head's own other record (same ID: a 停保 record kept beside the current one);
- where a relation column exists, most blocks of several persons start with the head (户主/本人).
Anything else on a sheet and nothing is filled on it: the sheet's message names the rows that broke the
pattern. A filled household cell on a member row is kept (it says something of its own). A person's
own columns (成员姓名, 成员身份证号) are never filled: a head's ID is never a member's.
"""

from __future__ import annotations

import polars as pl

from connectors.catalog import ExtractSpec

HEAD_WORDS = ("户主", "本人", "户主本人")
# Share of a sheet's multi-person blocks that must start with the head's own row (with a relation column)
MIN_HEAD_FIRST = 0.8
_PLACE = ("town_raw", "village_raw", "village_code")
EXAMPLES = 3


def _blank(s: pl.Series) -> pl.Series:
    return s.cast(pl.String).str.strip_chars().fill_null("") == ""


def fill_household(spec: ExtractSpec, texts: dict[str, pl.Series], sheet_of: pl.Series, row_no: pl.Series,
                   label_of: dict[str, str], row_word: str = "行") -> tuple[dict[str, pl.Series], dict[int, list[str]]]:
    """`texts` (canonical column -> cell texts of the data rows, in sheet order) with the household cells
    of continuation rows filled from their block's first row where the sheet's pattern is unambiguous,
    and per sheet (index in `sheet_of`) the messages saying what was filled, or why not."""
    cols = [c for c in spec.household if c in texts]
    key = next((c for c in ("head_id", "head_name") if c in texts), None)
    people = [c for c in ("member_name", "member_id") if c in texts]
    if key is None or not people or not cols:
        return texts, {}
    anchor = ~_blank(texts[key])
    person = ~_blank(texts[people[0]])
    for other in people[1:]:
        person = person | ~_blank(texts[other])
    frame = pl.DataFrame({"s": sheet_of, "row": row_no, "anchor": anchor, "person": person})
    frame = frame.with_columns(cont=~pl.col("anchor") & pl.col("person"))
    if not frame["cont"].any():
        return texts, {}
    frame = frame.with_columns(block=pl.col("anchor").cast(pl.Int32).cum_sum().over("s"),
                               step=(pl.col("row") - pl.col("row").shift(1)).over("s"))
    breaks: dict[str, pl.Expr] = {
        "在第一户之前": pl.col("block") == 0,
        "与上一行之间隔着空行、合计或说明行": ~pl.col("step").is_in([0, 1]).fill_null(False),
    }
    if "relation_to_head" in texts:
        frame = frame.with_columns(head=texts["relation_to_head"].cast(pl.String).str.strip_chars().is_in(HEAD_WORDS))
        # a row saying 户主/本人 is the block's head only when it is the same person (the head's own earlier
        # or later record: 停保 then 特困); anyone else's is a household of its own whose head cells are missing
        own = {"head_id": "member_id", "head_name": "member_name"}[key]
        if own in texts:
            frame = frame.with_columns(
                own=texts[own].cast(pl.String).str.strip_chars().str.to_uppercase(),
                key=texts[key].cast(pl.String).str.strip_chars().str.to_uppercase().replace("", None))
            first_key = pl.when(pl.col("anchor")).then(pl.col("key")).forward_fill().over("s", "block")
            breaks["写明是户主，却不是该户户主本人"] = pl.col("head") & (pl.col("own") != first_key).fill_null(True)
        else:
            breaks["写明是户主"] = pl.col("head")
    for place in _PLACE:
        if place in texts:
            frame = frame.with_columns(texts[place].cast(pl.String).str.strip_chars().replace("", None).alias(place))
            at_first = pl.when(pl.col("anchor")).then(pl.col(place)).forward_fill().over("s", "block")
            breaks[f"{label_of.get(place, place)}与户首行不同"] = pl.col(place).is_not_null() & (pl.col(place) != at_first)
    frame = frame.with_columns(**{f"b{i}": pl.col("cont") & e.fill_null(False) for i, e in enumerate(breaks.values())})
    reasons = list(breaks)
    messages: dict[int, list[str]] = {}
    fill_sheets: list[int] = []
    for (k,), part in frame.partition_by("s", as_dict=True, maintain_order=True).items():
        if not part["cont"].any():
            continue
        broken = [(reasons[i], part.filter(pl.col(f"b{i}"))["row"].to_list()) for i in range(len(reasons))]
        broken = [(why, rows) for why, rows in broken if rows]
        if "head" in part.columns:
            multi = part.filter(pl.col("anchor") & pl.col("block").is_in(part.filter(pl.col("cont"))["block"].implode()))
            if multi.height and multi["head"].sum() < MIN_HEAD_FIRST * multi.height:
                rows = multi.filter(~pl.col("head"))["row"].to_list()
                broken.append(("所在户的首行多数不是户主本人", rows))
        n_cont = int(part["cont"].sum())
        what = "、".join(f"“{label_of.get(c, c)}”" for c in cols)
        if broken:
            said = "；".join(f"{why}（{_rows(rows, row_word)}）" for why, rows in broken)
            messages[int(k)] = [f"注意：本表有{n_cont}{row_word}家庭成员的户级列（{what}）留空，但无法确定属于哪一户："
                                f"{said}；未向下补齐，这些{row_word}没有户主、审批日期等户级信息，请报送单位补填"]
        else:
            fill_sheets.append(int(k))
    if not fill_sheets:
        return texts, messages
    allowed = frame["cont"] & frame["s"].is_in(fill_sheets)
    out = dict(texts)
    filled: dict[str, pl.Series] = {}
    for c in cols:
        s = texts[c].cast(pl.String)
        mask = allowed & _blank(s)
        if not mask.any():
            continue
        from_first = pl.DataFrame({"v": s, "a": frame["anchor"], "s": frame["s"], "b": frame["block"]}).select(
            pl.when(pl.col("a")).then(pl.col("v")).forward_fill().over("s", "b"))["v"]
        out[c] = s.zip_with(~mask, from_first)
        filled[c] = mask & from_first.is_not_null()
    if not filled:
        return texts, messages
    any_filled = pl.select(pl.any_horizontal(list(filled.values()))).to_series()
    for k in fill_sheets:
        part = frame.filter((frame["s"] == k) & any_filled)
        if not part.height:
            continue
        which = "、".join(f"“{label_of.get(c, c)}”" for c, m in filled.items() if (m & (frame["s"] == k)).any())
        anchors = frame.filter((frame["s"] == k) & frame["anchor"]).select("block", "row")
        shown = []
        for (b,), members in part.partition_by("block", as_dict=True, maintain_order=True).items():
            head_row = anchors.filter(pl.col("block") == b)["row"].item(0)
            lo, hi = int(members["row"].min()), int(members["row"].max())  # type: ignore[arg-type]
            shown.append(f"第{lo}{row_word}" + (f"至第{hi}{row_word}" if hi != lo else "") + f"取自第{head_row}{row_word}")
            if len(shown) == EXAMPLES:
                break
        blocks = part["block"].n_unique()
        messages.setdefault(k, []).append(
            f"户级列{which}只写在每户第一行、家庭成员行留空（不是合并单元格）：按同一户第一行（户主行）的值补齐"
            f"{part.height}{row_word}（{blocks}户，如{'；'.join(shown)}）；成员本人的姓名、身份证号不补")
    return out, messages


def _rows(rows: list[int], word: str, limit: int = 5) -> str:
    shown = "、".join(f"第{r}{word}" for r in rows[:limit])
    return shown + (f"等{len(rows)}{word}" if len(rows) > limit else "")
