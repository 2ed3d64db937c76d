"""The rules reference, generated from each rule's metadata (docs/rules.md and `xuncha rules show`)."""

from __future__ import annotations

from connectors.schema import table_label
from rules.catalog import ALL_RULES
from rules.model import Rule


def _fmt_default(value: object) -> str:
    if value is None:
        return "（自动）"
    if isinstance(value, (list, tuple)):
        return "、".join(str(v) for v in value)
    if isinstance(value, dict):
        return "；".join(f"{k}：{v}" for k, v in value.items()) or "（无）"
    return str(value)


def rule_markdown(rule: Rule) -> str:
    lines = [
        f"## {rule.id} {rule.title}",
        "",
        f"- 类别：{rule.category}",
        f"- 严重程度：{rule.severity}",
    ]
    if rule.tables:
        lines.append("- 所需数据：" + "、".join(f"{table_label(t)}（{t}）" for t in rule.tables))
    if rule.any_tables:
        lines.append("- 以下至少其一：" + "、".join(f"{table_label(t)}（{t}）" for t in rule.any_tables))
    lines += ["", "### 为什么是疑点", "", rule.why, "", "### 比对方法", "", rule.methodology, ""]
    if rule.exclusions:
        lines += ["### 排除情形", "", *[f"- {e}" for e in rule.exclusions], ""]
    if rule.assumptions:
        lines += ["### 前提假设", "", *[f"- {a}" for a in rule.assumptions], ""]
    lines += ["### 核查建议", "", rule.verify, ""]
    if rule.questions:
        lines += ["### 谈话提纲", "", *[f"- 【{q.role}】{q.text}" for q in rule.questions], ""]
    if rule.params:
        lines += [
            "### 参数（可在工作区配置文件 `[rules." + rule.id + "]` 中修改）",
            "",
            "| 参数 | 默认值 | 说明 |",
            "|---|---|---|",
            *[f"| `{p.name}` | {_fmt_default(p.default)} | {p.description} |" for p in rule.params],
            "",
        ]
    return "\n".join(lines)


def reference_markdown() -> str:
    head = [
        "# 比对规则手册",
        "",
        "本文件由 `python -m rules.docs` 根据规则元数据自动生成，请勿手工修改。",
        "每条规则的输出都是“疑点”，需巡察组实地核实，不是结论。",
        "",
        "| 编号 | 规则 | 类别 | 严重程度 |",
        "|---|---|---|---|",
        *[f"| {r.id} | {r.title} | {r.category} | {r.severity} |" for r in ALL_RULES],
        "",
    ]
    return "\n".join(head + [rule_markdown(r) for r in ALL_RULES])


if __name__ == "__main__":
    from pathlib import Path

    out = Path(__file__).resolve().parent.parent / "docs" / "rules.md"
    out.write_text(reference_markdown(), encoding="utf-8")
    print(f"wrote {out}")
