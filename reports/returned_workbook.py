"""A team's returned village workbook, opened once for both imports (核查结果 in feedback.py, 整改销号
in rectification_feedback.py) with the reader department files go through (connectors.readers): the
reading limits are checked before anything is read, the sheets are read by python-calamine (Rust)
a row at a time, and whatever is wrong inside the file (broken or hostile XML, a reader's panic)
is a Chinese message.

openpyxl's streaming reader, used before, parsed ~1,500-3,000 rows a second of a 15-column 问题清单
on a busy 2-core machine, and each of the two imports opened the workbook again, which for a
workbook without a declared size (<dimension>) meant parsing every sheet once more just to size
it. The price: calamine holds the cells of the sheet being read in memory (Rust values, about a
quarter of what the same cells cost as Python objects), bounded by the reading limits.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from connectors.readers import ReadError, StreamedWorkbook, open_streamed
from reports import signing
from reports.feedback_words import FeedbackError

# A document-properties part larger than this is no Excel's: refused before it is parsed.
MAX_PROPERTIES_BYTES = 1 << 20


@dataclass
class ReturnedWorkbook:
    path: Path
    village: str | None  # the village it was issued for, when signed by this workspace
    book: StreamedWorkbook | None  # None: not read (not signed by this workspace)

    @property
    def names(self) -> list[str]:
        return self.book.names if self.book is not None else []

    def rows(self, name: str) -> Iterator[list]:
        """The sheet's rows from Excel row 1 (cells from column A); FeedbackError (Chinese) when
        reading them fails."""
        if self.book is None:
            return
        try:
            yield from self.book.rows(name)
        except ReadError as e:
            raise FeedbackError(f"读取 {self.path} 时出错：{e}") from None


def cell_text(v: object) -> str:
    """A cell as the text a team wrote: dates as 2024-03-01, whole numbers without ".0"."""
    if isinstance(v, (dt.date, dt.datetime)):
        return v.strftime("%Y-%m-%d")
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return "" if v is None else str(v).strip()


def read_returned(path: Path, key: bytes | None) -> ReturnedWorkbook:
    """The workbook's sheets and, with `key`, the village its signature names (None: not signed by
    this workspace). FeedbackError (Chinese) when it cannot be read."""
    try:
        data = path.read_bytes()
    except OSError as e:
        raise FeedbackError(f"无法读取 {path}（{e.strerror or type(e).__name__}）") from None
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise FeedbackError(f"无法打开 {path}：不是完好的 .xlsx 工作簿；如果工作簿设置了打开密码，请先去掉密码再导入")
    village = None
    if key is not None:
        try:
            village = signing.signed_village_of(_custom_properties(data), key)
        except Exception as e:  # noqa: BLE001 - broken properties: not a workbook issued here
            raise FeedbackError(f"读取 {path} 的文件属性时出错（{type(e).__name__}）："
                                "文件内容已损坏或不是 Excel/WPS 保存的工作簿") from None
        if village is None:  # refused before its sheets are read
            return ReturnedWorkbook(path, None, None)
    try:
        book = open_streamed(data)
    except ReadError as e:
        raise FeedbackError(f"读取 {path} 时出错：{e}") from None
    return ReturnedWorkbook(path, village, book)


def _custom_properties(data: bytes) -> bytes | None:
    """The custom document properties part (where signing.sign puts the signature), or None."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        names = set(z.namelist())
        part = "docProps/custom.xml"
        if part not in names:  # another program may name it otherwise: the package relationship says
            from xml.etree import ElementTree

            small = "_rels/.rels" in names and z.getinfo("_rels/.rels").file_size <= MAX_PROPERTIES_BYTES
            rels = z.read("_rels/.rels") if small else b""
            targets = [r.get("Target", "") for r in ElementTree.fromstring(rels or b"<r/>")
                       if r.get("Type", "").endswith("/custom-properties")]
            part = targets[0].lstrip("/") if targets else ""
            if part not in names:
                return None
        if z.getinfo(part).file_size > MAX_PROPERTIES_BYTES:
            raise ValueError("document properties too large")
        return z.read(part)
