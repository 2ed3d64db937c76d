"""A table given as a polars frame (the office's sheets of ~200,000 evidence rows), serialised
column by column in polars into the XML `xlsx_fast.RowStream` writes row by row: the same bytes, a
fraction of the time. Part of the fenced fast path (see xlsx_fast); a test checks the two agree."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import polars as pl
from openpyxl.styles import PatternFill

from reports.xlsx_fast import RowStream, register_style
from reports.xlsx_layout import CLIP_TAIL, MAX_CELL_CHARS, display_width, line_count, line_limit, lines_height, number_text
from xuncha.text import UNWRITABLE_PATTERN


class ColumnFill:
    """A row_fill colouring one column's cell by its value, e.g. the severity cell: what a polars
    frame's rows can be coloured by (`table_sheet`)."""

    def __init__(self, index: int, fills: Mapping[Any, PatternFill]) -> None:
        self.index = index
        self.fills = fills

    def __call__(self, row: Sequence[object]) -> dict[int, PatternFill]:
        f = self.fills.get(row[self.index])  # type: ignore[arg-type]
        return {self.index: f} if f else {}




# Python's str.isspace() characters: openpyxl marks a text with white space at either end (but not
# only white space) xml:space="preserve". A test checks the list.
PY_WHITESPACE = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
                 "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")
_ILLEGAL_RE = UNWRITABLE_PATTERN  # characters a workbook cannot hold: the row-by-row path replaces them
_WIDE_RE = r"[\x{2E80}-\x{10FFFF}]"  # xlsx_layout._WIDE
# Characters a workbook cannot hold, and those neither ASCII nor 3 bytes wide in UTF-8 and CJK: a text
# with none has (bytes - characters) / 2 wide characters (as _wide_count) and needs no closer look.
_ODD_RE = r"[\x00-\x08\x0B\x0C\x0E-\x1F\x{80}-\x{2E7F}\x{FFFE}\x{FFFF}\x{10000}-\x{10FFFF}]"
# Rows serialised per polars query: a bound on the memory the XML of a big sheet takes at once.
_FRAME_CHUNK = 32768


def frame_rows(out: RowStream, frame: pl.DataFrame, widths: Sequence[float], letters: Sequence[str],
                row_fill: Callable | None, style_of: Callable, row_cells: Callable) -> int | None:
    """Write a frame's rows to `out` as `table_sheet` writes them row by row (`row_cells`, then
    RowStream.append): the same XML, styles registered in the same order, the same row heights;
    the number of rows, or None having written nothing when the frame is not for this path (columns
    other than text and numbers, a row_fill other than a ColumnFill, an XML writer other than
    et_xmlfile's). Rows holding what the row-by-row path writes apart (characters
    a workbook cannot hold, numbers %.16g prints otherwise) are written by `row_cells`."""
    dtypes = frame.dtypes
    if out._raw is None or len(dtypes) != len(widths):
        return None
    if not all(d == pl.String or d == pl.Null or d.is_integer() or d.is_float() for d in dtypes):
        return None
    fill_at = None
    if row_fill is not None:
        if not isinstance(row_fill, ColumnFill) or not 0 <= row_fill.index < len(dtypes) \
                or dtypes[row_fill.index] not in (pl.String, pl.Null):
            return None
        fill_at = row_fill.index
    n = frame.height
    if n == 0:
        return 0
    ws = out._ws
    names = [f"c{i}" for i in range(len(dtypes))]
    data = frame.rename(dict(zip(frame.columns, names, strict=True)))

    # styles: made and registered in the order the row-by-row path first meets them
    firsts: dict[tuple, tuple[int, int, object, PatternFill | None]] = {}  # variant -> (row, column, value, fill)
    fill_values: list[tuple[object, PatternFill | None]] = []
    for i, name in enumerate(names):
        col = data[name]
        if i == fill_at:
            seen = data.select(pl.int_range(n).alias("row"), pl.col(name)).group_by(name, maintain_order=True).first()
            for v, row in seen.iter_rows():
                fill = row_fill.fills.get(v)  # type: ignore[union-attr]
                fill_values.append((v, fill))
                key = (i, id(fill) if fill else None, isinstance(v, str))
                if key not in firsts or row < firsts[key][0]:
                    firsts[key] = (row, i, v, fill or None)
            continue
        if dtypes[i] == pl.String:
            present = col.is_not_null()
            if col.null_count() < n:
                row = present.arg_max() or 0
                firsts[(i, None, True)] = (row, i, col[row], None)
            if col.null_count():
                row = present.not_().arg_max() or 0
                firsts[(i, None, False)] = (row, i, None, None)
        else:
            firsts[(i, None, False)] = (0, i, col[0], None)
    for _row, i, v, fill in sorted(firsts.values(), key=lambda x: (x[0], x[1])):
        if register_style(ws, style_of(i, v, fill)) < 0:
            return None  # an unstyled cell: openpyxl writes those (not made by table_sheet)

    def sid(i: int, v: object, fill: PatternFill | None = None) -> str:
        return str(style_of(i, v, fill)[1])

    limit = line_limit(10)
    # the row XML is one concat_str of pieces: text constant over the frame, or a column of `parts`
    parts: dict[str, pl.Series] = {
        "_r": pl.int_range(out.rows + 1, out.rows + 1 + n, dtype=pl.Int64, eager=True).cast(pl.String)}
    pieces: list[pl.Expr] = [pl.lit('<row r="'), pl.col("_r"), pl.lit("")]  # the last one: the row's height
    lines: list[pl.Series] = []
    special: list[pl.Series] = []

    def piece(name: str, options: Sequence[str], choice: pl.Series | None) -> pl.Expr:
        """options[choice] of each row; `choice` None or one value for all: a constant."""
        if choice is None or choice.n_unique() == 1:
            return pl.lit(options[choice[0] if choice is not None else 0])
        parts[name] = pl.Series(list(options), dtype=pl.String).gather(choice).alias(name)
        return pl.col(name)

    def column(name: str, values: pl.Series) -> pl.Expr:
        parts[name] = values.alias(name)
        return pl.col(name)

    for i, name in enumerate(names):
        values = data[name]
        usable = int(max(widths[i] - 1.0, 1.0))
        pieces += [pl.lit(f'<c r="{letters[i]}'), pl.col("_r"), pl.lit('" s="')]
        missing = values.is_null()
        if dtypes[i] == pl.String:
            text_lines, text_special, kind, text = _text_cells(values, usable, limit)
            lines.append(text_lines)
            special.append(text_special)
            tags = ['" t="inlineStr"><is><t>', '" t="inlineStr"><is><t xml:space="preserve">', '" t="inlineStr" />',
                    '" t="n" />']
            ends = ["</t></is></c>", "</t></is></c>", "", ""]
        else:
            number_lines, number_special, text = _number_cells(values, widths[i], limit)
            lines.append(number_lines)
            special.append(number_special)
            kind = missing.cast(pl.UInt32)  # 0 number, 1 null
            tags, ends = ['" t="n"><v>', '" t="n" />'], ["</v></c>", ""]
        if i == fill_at:
            # the fill column's style follows its value
            sids = {v: sid(i, v, fill or None) for v, fill in fill_values}
            null_sid = sids.pop(None, "")
            mapped = values.replace_strict(pl.Series(list(sids), dtype=dtypes[i]),
                                           pl.Series(list(sids.values()), dtype=pl.String),
                                           default=None, return_dtype=pl.String) if sids else None
            pieces.append(column(f"_s{i}", mapped.fill_null(null_sid) if mapped is not None
                                 else pl.Series([null_sid] * n, dtype=pl.String)))
        else:
            text_sid = sid(i, "") if (i, None, True) in firsts else ""
            other_sid = sid(i, None) if (i, None, False) in firsts else ""
            if dtypes[i] == pl.String:
                pieces.append(piece(f"_s{i}", [text_sid, other_sid], missing.cast(pl.UInt32)))
            else:
                pieces.append(pl.lit(other_sid))
        pieces += [piece(f"_k{i}", tags, kind), column(f"_t{i}", text), piece(f"_e{i}", ends, kind)]
    pieces.append(pl.lit("</row>"))

    row_lines = pl.select(pl.max_horizontal(lines).clip(upper_bound=limit)).to_series() if lines \
        else pl.Series([1] * n, dtype=pl.Int64)
    heights = ['">', '">', *(f'" ht="{number_text(lines_height(k, 10))}" customHeight="1">' for k in range(2, limit + 1))]
    pieces[2] = piece("_ht", heights, row_lines.cast(pl.UInt32))
    table = pl.DataFrame(parts)
    row_xml = pl.concat_str(pieces).str.join("").cast(pl.Binary)

    start = out.rows
    done = 0
    specials = pl.select(pl.any_horizontal(special)).to_series().arg_true().to_list() if special else []
    for stop in [*specials, n]:
        for a in range(done, stop, _FRAME_CHUNK):
            b = min(a + _FRAME_CHUNK, stop)
            out.write_serialised(table.slice(a, b - a).select(row_xml).item(), b - a)
        if stop < n:
            out.rows = start + stop
            row, row_lines_ = row_cells(frame.row(stop))
            out.append(row, lines_height(row_lines_, 10) if row_lines_ > 1 else None, letters)
        done = stop + 1
    out.rows = start + n
    return n


def _number_cells(values: pl.Series, width: float, limit: int) -> tuple[pl.Series, pl.Series, pl.Series]:
    """For a column of numbers (or nulls only) `width` wide: the lines of each cell (`line_count`, at
    most `limit`), whether openpyxl writes it (what "%.16g" does not print as Python's int or a
    finite float) and its text as written ("" for null)."""
    n = len(values)
    if values.dtype == pl.Null:
        return pl.Series([1] * n, dtype=pl.Int64), pl.Series([False] * n), pl.Series([""] * n, dtype=pl.String)
    usable = int(max(width - 1.0, 1.0))
    if values.dtype.is_integer():
        text = values.cast(pl.String)
        digits = text.str.len_chars()
        lines = pl.select(pl.when(values.is_null() | (digits <= usable)).then(1)
                          .otherwise((digits + usable - 1) // usable).cast(pl.Int64)).to_series()
        if values.dtype in (pl.Int64, pl.UInt64, pl.Int128, pl.UInt128):
            big = ((values >= 10**16) | (values <= -(10**16))).fill_null(False)
        else:  # narrower integers are below 10**16
            big = pl.Series([False] * n)
        return lines, big, text.fill_null("")
    floats = values.to_list()  # floats print through Python, which lines and "%.16g" are defined by
    lines = pl.Series([1 if v is None else min(line_count(v, width, limit), limit) for v in floats], dtype=pl.Int64)
    text = pl.Series([number_text(v) if v is not None and math.isfinite(v) else "" for v in floats], dtype=pl.String)
    return lines, (~values.is_finite()).fill_null(False), text


def _text_cells(values: pl.Series, usable: int, limit: int) -> tuple[pl.Series, pl.Series, pl.Series, pl.Series]:
    """For a text column `usable` units wide: the lines of each cell (`line_count`, at most `limit`),
    whether the row-by-row path writes it (a character a workbook cannot hold), its kind (0 text, 1 text
    keeping its white space, 2 empty, 3 null) and its text as written (clipped, escaped, "" for null).
    Worked out once per distinct text where texts repeat (names, files, sheets)."""
    if len(values) >= 64:
        distinct = values.unique()
        if len(distinct) * 8 <= len(values):
            at = values.to_frame("v").join(distinct.to_frame("v").with_row_index("i"), on="v", how="left",
                                            nulls_equal=True, maintain_order="left")["i"]
            return tuple(x.gather(at) for x in _text_cells(distinct, usable, limit))  # type: ignore[return-value]
    chars = values.str.len_chars()
    odd = values.str.contains(_ODD_RE).fill_null(False)
    lines = _text_lines(values, chars, usable, limit, odd)
    illegal = odd
    if odd.any():
        at = odd.arg_true()
        illegal = odd.scatter(at, values.gather(at).str.contains(_ILLEGAL_RE))
    special = illegal.fill_null(False)
    text = values
    if (chars > MAX_CELL_CHARS).any():
        text = pl.select(pl.when(chars > MAX_CELL_CHARS).then(pl.concat_str(
            values.str.slice(0, MAX_CELL_CHARS - 20), pl.lit(CLIP_TAIL))).otherwise(values)).to_series()
    # openpyxl keeps white space at either end (of a text not all white space)
    preserve = ((text.str.head(1).is_in(list(PY_WHITESPACE)) | text.str.tail(1).is_in(list(PY_WHITESPACE)))
                & (text.str.strip_chars(PY_WHITESPACE) != "")).fill_null(False)
    if text.str.contains_any(["&", "<", ">"]).any():
        text = text.str.replace_all("&", "&amp;", literal=True).str.replace_all("<", "&lt;", literal=True) \
            .str.replace_all(">", "&gt;", literal=True)
    kind = pl.select(pl.when(values.is_null()).then(3).when(values == "").then(2).when(preserve).then(1).otherwise(0)
                     .cast(pl.UInt32)).to_series()
    return lines, special, kind, text.fill_null("")


def _text_lines(texts: pl.Series, chars: pl.Series, usable: int, limit: int, odd: pl.Series) -> pl.Series:
    """`line_count` of every text of a column `usable` units wide, at most `limit`; 1 for null. `chars`:
    the texts' lengths; `odd`: whether each holds a character matching _ODD_RE."""
    nbytes = texts.str.len_bytes()
    one = (((2 * chars) <= usable) | ((chars <= usable) & (nbytes == chars))) & ~texts.str.contains("\n", literal=True)
    long = (~one.fill_null(True)).arg_true()
    result = pl.Series("lines", [1] * len(texts), dtype=pl.Int64)
    if long.is_empty():
        return result
    parts = pl.DataFrame({"cell": long, "part": texts.gather(long).str.split("\n"), "odd": odd.gather(long)}).explode("part")
    parts = parts.with_columns(chars=pl.col("part").str.len_chars().cast(pl.Int64),
                               wide=((pl.col("part").str.len_bytes() - pl.col("part").str.len_chars()) // 2).cast(pl.Int64))
    at = parts["odd"].arg_true()
    if not at.is_empty():
        parts = parts.with_columns(parts["wide"].scatter(at, parts["part"].gather(at).str.count_matches(_WIDE_RE)))
    # display_width(part, 1.9), truncated: whole when there are no wide characters; otherwise
    # (chars - wide) + 1.9 * wide as display_width works it out, but where wide is a multiple of 10
    # display_width adds the weights one by one, and the sum may fall a hair short of the whole
    # number: that case is left to display_width itself where it changes the line count
    chars_col, wide_col = pl.col("chars"), pl.col("wide")
    parts = parts.with_columns(exact=chars_col - wide_col + (wide_col * 19) // 10)
    exact = pl.col("exact")
    parts = parts.with_columns(
        width=pl.when(wide_col == 0).then(chars_col)
        .when(wide_col % 10 != 0).then(((chars_col - wide_col).cast(pl.Float64) + 1.9 * wide_col.cast(pl.Float64)).cast(pl.Int64))
        .otherwise(exact),
        unsure=(wide_col > 0) & (wide_col % 10 == 0) & ((exact - 1) % usable == 0),
    )
    unsure = parts["unsure"].arg_true()
    if not unsure.is_empty():
        widths = pl.Series([int(display_width(p, 1.9)) for p in parts["part"].gather(unsure).to_list()], dtype=pl.Int64)
        parts = parts.with_columns(parts["width"].scatter(unsure, widths))
    per_cell = parts.group_by("cell").agg(
        pl.max_horizontal(pl.lit(1), (pl.col("width") + usable - 1) // usable).sum().clip(upper_bound=limit).alias("lines")
    )
    return result.scatter(per_cell["cell"], per_cell["lines"])

