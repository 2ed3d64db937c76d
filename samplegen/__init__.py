"""Synthetic county generator (`xuncha sample OUT_DIR`): every extract in its department's format.

    from samplegen import generate
    summary = generate(Path("data/sample"), villages=24, seed=2024)

Writes (in the default style) the 15 extracts of SOURCES.md (14-15, petitions and 软弱涣散: samplegen.petitions)
plus the compensation roster under department folders, and at
the root three files the connector must ignore (listed in .xunchaignore): ground_truth.csv (injected anomalies), near_misses.csv
(planted situations that must NOT be flagged) and expected_quarantine.csv (cells whose ID is
unusable or invalid and must be quarantined). Same seed → byte-identical files.

Modules: world (people, households, programmes), ledger, assets (contracts, compensation), tables
(canonical rows), inject (anomalies and near misses), oracle (independent rule checker), generator
(town-by-town orchestration and balancing), render/backends/layouts (the departments' file formats),
styles (other counties' layouts: `generate(..., style="beishan")`), evaluate (recall and precision).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

GROUND_TRUTH = "ground_truth.csv"
NEAR_MISSES = "near_misses.csv"
EXPECTED_QUARANTINE = "expected_quarantine.csv"
META_FILES = (GROUND_TRUTH, NEAR_MISSES, EXPECTED_QUARANTINE)


@dataclass
class GenerationSummary:
    out_dir: Path
    files: list[str]  # relative paths of the extracts written
    rows: dict[str, int]  # data rows per extract file
    anomalies: int  # ground-truth rows
    near_misses: int
    quarantined: int  # expected quarantine rows
    per_rule: dict[str, tuple[int, int]] = field(default_factory=dict)  # rule -> (injected, near misses)
    # towns where the oracle disagreed with the ground truth: (town, extra flags, missing flags); for a
    # style with period texts also when a rule reads a period as its first or last month
    oracle_mismatches: list[tuple[str, list, list]] = field(default_factory=list)
    style: str = "default"

    def __str__(self) -> str:
        lines = [f"{len(self.files)} 个文件，{sum(self.rows.values())} 行数据；注入疑点 {self.anomalies} 个，"
                 f"近似但不应报出的情形 {self.near_misses} 个，应隔离的行 {self.quarantined} 行。"]
        lines += [f"  {f}: {self.rows.get(f, 0)} 行" for f in self.files]
        if self.oracle_mismatches:
            lines.append(f"注意：{len(self.oracle_mismatches)} 个镇的自检结果与 ground_truth 不一致。")
        return "\n".join(lines)


def generate(out_dir: Path, villages: int = 24, seed: int = 2024, verify: bool = True,
             style: str = "default") -> GenerationSummary:
    """Write a synthetic county of `villages` villages (12 per town) into out_dir, its departments'
    files in the layouts of `style` (samplegen.styles; an unknown name is a ValueError)."""
    from samplegen.backends import Sink
    from samplegen.generator import generate_towns
    from samplegen.layouts import Names
    from samplegen.petitions import SELECTION_WRITERS
    from samplegen.styles import get_style

    county_style = get_style(style)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    sink = Sink(out_dir)
    names = Names(county_style.county)
    # + petitions and the 软弱涣散 list, in every style
    writers = [w(sink, names) for w in (*county_style.writers, *SELECTION_WRITERS)]
    gt: list[tuple] = []
    nm: list[tuple] = []
    mismatches = []
    for res in generate_towns(villages, seed, verify=verify, style=county_style):
        names.add(res.town)
        for w in writers:
            w.add(res)
        gt += res.gt
        nm += res.nm
        if verify:
            truth = {g[:3] for g in res.gt}
            extra, missing = sorted(res.flags - truth), sorted(truth - res.flags)
            if extra or missing:
                mismatches.append((res.town.name, extra, missing))
            for bound, extra, missing in res.period_mismatches:
                mismatches.append((f"{res.town.name}（期间按{'首' if bound == 0 else '末'}月）", extra, missing))
        del res
    for w in writers:
        w.close()
    _csv(out_dir / GROUND_TRUTH, ["rule_id", "village_code", "subject_key", "note"], sorted(gt))
    _csv(out_dir / NEAR_MISSES, ["rule_id", "village_code", "subject_key", "note"], sorted(nm))
    qcols = ["file", "sheet", "row", "column", "reason_code", "table", "canonical_column", "raw_value",
             "cleaned_value", "village_code"]
    _csv(out_dir / EXPECTED_QUARANTINE, qcols, [[q[c] for c in qcols] for q in sink.quarantine])
    # The answer keys are not department data: tell the connector to leave them alone.
    (out_dir / ".xunchaignore").write_text(
        "# 模拟数据的答案文件，不是部门数据，读取时跳过\n" + "\n".join(META_FILES) + "\n", encoding="utf-8"
    )
    rules = sorted({g[0] for g in gt} | {n[0] for n in nm})
    per_rule = {r: (sum(g[0] == r for g in gt), sum(n[0] == r for n in nm)) for r in rules}
    return GenerationSummary(out_dir, list(sink.files), dict(sink.rows), len(gt), len(nm), len(sink.quarantine),
                             per_rule, mismatches, style)


def _csv(path: Path, header: list[str], rows) -> None:
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
