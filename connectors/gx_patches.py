"""The patches of Great Expectations internals, fenced here and nowhere else (applied by
connectors.gx_adapter when it sets GX up): three after GX is imported (apply), and one while it is
imported (import_without_spark). Each is explained where it is made; none changes a result, only
GX's speed, and each leaves GX as it is when the internal it patches is not there (a GX release
that renamed it: the old speed). pyproject caps GX's version for them; tests/test_validation.py
checks each result against GX's own.
"""

from __future__ import annotations

import math
import sys
import types
from typing import Any


def apply() -> None:
    skip_batch_fingerprints()
    memoise_configurations()
    plain_ids()


def skip_batch_fingerprints() -> None:
    """THE FIRST PATCH OF GREAT EXPECTATIONS INTERNALS (fenced in this module, as the other two).

    Why: GX fingerprints every in-memory batch by hashing the whole DataFrame
    (pandas_data_fingerprint, a marker nothing here reads): ~2.5 µs a row, a quarter of the
    validation time at city scale. Batches larger than the module constant HASH_THRESHOLD (bytes)
    are not hashed; setting it to 0 makes that all of them. Results are unchanged.
    Risk: a GX release may rename or drop the constant; then the assignment only adds an unused
    attribute (no error, the old speed), which is why the patch checks the attribute exists first
    and pyproject caps great_expectations below the next major version.
    """
    from great_expectations.execution_engine import pandas_execution_engine

    if hasattr(pandas_execution_engine, "HASH_THRESHOLD"):
        pandas_execution_engine.HASH_THRESHOLD = 0


def memoise_configurations() -> None:
    """THE SECOND PATCH OF GREAT EXPECTATIONS INTERNALS (fenced in this module).

    Why: `Expectation.configuration` is a property that rebuilds an ExpectationConfiguration from
    the expectation's fields (a deep pydantic .dict() and a regex on the class name) on every access,
    and GX's validation reads it once per key of every keyword lookup: ~80 rebuilds per expectation
    per validation, a third of GX's time on a county (measured: 24,568 rebuilds for 304 expectations).
    While one of our validations runs (`configurations` is a dict, under gx_adapter._reference_lock), each
    expectation's configuration is built once and reused; assigning any attribute of the expectation
    drops it, so a changed expectation is read afresh. Outside our validations nothing changes.
    Risk: a GX release may turn the property into something else: then nothing is patched (the old
    speed), which is why the patch checks it is a property first. Results are unchanged (tested).
    """
    from great_expectations.expectations.expectation import Expectation

    built = Expectation.__dict__.get("configuration")
    if not isinstance(built, property) or getattr(built.fget, "xuncha_memo", False):
        return
    rebuild = built.fget
    assign = Expectation.__setattr__

    def configuration(self):
        memo = configurations
        if memo is None:
            return rebuild(self)
        hit = memo.get(id(self))
        if hit is None or hit[0] is not self:  # the object is held in the memo: its id is not reused
            hit = memo[id(self)] = (self, rebuild(self))
        return hit[1]

    def set_attribute(self, name, value):
        if configurations is not None:
            configurations.pop(id(self), None)
        assign(self, name, value)

    configuration.xuncha_memo = True  # type: ignore[attr-defined]
    Expectation.configuration = property(configuration)  # type: ignore[method-assign,assignment]
    Expectation.__setattr__ = set_attribute  # type: ignore[method-assign,assignment]


def plain_ids() -> None:
    """THE THIRD PATCH OF GREAT EXPECTATIONS INTERNALS (fenced in this module).

    Why: GX names every metric it computes by `IDDict.to_id`, the md5 of its keyword arguments made
    JSON-safe by `convert_to_json_serializable`, which asks each value a long row of isinstance
    questions (pydantic models, numpy, pandas, Enum ...): ~40,000 times for the sample county, a fifth
    of the validation time. Those arguments are nearly always plain (str, int, float, bool, None, and
    dicts with str keys and lists of those), whose conversion is themselves (lists for tuples, None
    for NaN). `_plain` converts exactly that, type by exact type, and anything else (a subclass, a
    numpy value, a date, a set) goes to GX's own function: the ids are the same (tested).
    Risk: only the name `convert_to_json_serializable` inside great_expectations.core.id_dict is
    replaced; a GX release without it there is not patched (the old speed).
    """
    from great_expectations.core import id_dict

    original = getattr(id_dict, "convert_to_json_serializable", None)
    if original is None or getattr(original, "xuncha_plain", False):
        return

    def convert(data: Any) -> Any:
        plain = _plain(data)
        return original(data) if plain is _NOT_PLAIN else plain

    convert.xuncha_plain = True  # type: ignore[attr-defined]
    id_dict.convert_to_json_serializable = convert


_NOT_PLAIN = object()


def _plain(data: Any) -> Any:
    """What GX's convert_to_json_serializable makes of plain data, or _NOT_PLAIN."""
    t = type(data)
    if t is str or t is int or t is bool or data is None:
        return data
    if t is float:
        return None if math.isnan(data) else data
    if t is dict:
        out = {}
        for key, value in data.items():
            if type(key) is not str:
                return _NOT_PLAIN
            converted = _plain(value)
            if converted is _NOT_PLAIN:
                return _NOT_PLAIN
            out[key] = converted
        return out
    if t is list or t is tuple:
        items = []
        for value in data:
            converted = _plain(value)
            if converted is _NOT_PLAIN:
                return _NOT_PLAIN
            items.append(converted)
        return items
    return _NOT_PLAIN


# Each expectation's configuration while one of our validations runs (set by connectors.gx_adapter).
configurations: dict[int, tuple[Any, Any]] | None = None


# GX's fluent data sources for Spark, by module: the names GX's datasource package imports from each.
SPARK_DATASOURCES: dict[str, tuple[str, ...]] = {
    "great_expectations.datasource.fluent.spark_datasource": ("_SparkDatasource", "SparkDatasource", "SparkConfig"),
    "great_expectations.datasource.fluent.spark_file_path_datasource": ("_SparkFilePathDatasource",),
    "great_expectations.datasource.fluent.spark_filesystem_datasource": ("SparkFilesystemDatasource",),
    "great_expectations.datasource.fluent.spark_dbfs_datasource": ("SparkDBFSDatasource",),
    "great_expectations.datasource.fluent.spark_s3_datasource": ("SparkS3Datasource",),
    "great_expectations.datasource.fluent.spark_google_cloud_storage_datasource": ("SparkGoogleCloudStorageDatasource",),
    "great_expectations.datasource.fluent.spark_azure_blob_storage_datasource": ("SparkAzureBlobStorageDatasource",),
}


def import_without_spark() -> types.ModuleType:
    """THE FOURTH PATCH OF GREAT EXPECTATIONS INTERNALS (fenced in this module): `great_expectations`,
    imported without its Spark data sources (in the GX process only: connectors.gx_adapter.warm).

    Why: importing GX builds the pydantic models of every fluent data source it knows, the Spark
    ones (seven modules and the asset modules they import) ~0.2 s of the GX process's set-up, which
    is on a county's critical path; this project hands GX pandas frames only, and there is no Spark
    here. While GX is imported, each of those modules is a stand-in holding a placeholder class for
    each name GX's datasource package takes from it, so no Spark data source is defined or
    registered; afterwards the stand-ins leave sys.modules (a later import of one of these modules,
    which nothing here makes, gets the real module).
    Risk: a GX release that takes other names from these modules, or imports them from elsewhere:
    the import raises (ImportError), and GX half imported cannot be imported again in the same
    process (pydantic refuses its validators twice): the GX process then ends, and the command
    validates in its own process, GX imported as it is (the old speed). Validation results are the
    same with and without the stand-ins (tested).
    """
    stand_ins = {}
    for name, names in SPARK_DATASOURCES.items():
        if name not in sys.modules:
            module = types.ModuleType(name, "stand-in while GX is imported (connectors.gx_patches)")
            for attribute in names:
                setattr(module, attribute, type(attribute, (), {"__module__": name}))
            stand_ins[name] = module
    sys.modules.update(stand_ins)
    try:
        import great_expectations
    finally:
        for name, module in stand_ins.items():
            if sys.modules.get(name) is module:
                del sys.modules[name]
    return great_expectations
