"""Show `xuncha inspect` findings: in the terminal (rich), as an offline HTML page, and as a proposed
xuncha.toml fragment in which every line carries a comment saying why it is proposed.

Department data is never interpreted as markup: terminal cells are rich Text objects, HTML is escaped.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from connectors.inspect import SheetFindings
from connectors.set_aside import SET_ASIDE_PREFIX
from xuncha.files import atomic_write_bytes
from xuncha.text import html_text

# An unmatched village's nearest candidate at or above this score is proposed as an active alias
# line (still commented "待核实"); below it the line is proposed commented out.
ALIAS_PROPOSE_SCORE = 80


def _kind(f: SheetFindings) -> str:
    if not f.extract:
        return "不是数据，已跳过" if f.message.startswith(SET_ASIDE_PREFIX) else "未识别"
    runner = f"；次选 {f.runner_up[0]} {f.runner_up[1]:g}分" if f.runner_up else ""
    return f"{f.label}（{f.extract}，{(f.score or 0):g}分{runner}）"


def print_findings(findings: list[SheetFindings], console: Console) -> None:
    for f in findings:
        title = Text(f"{f.file} / {f.sheet}" if f.sheet else f.file, style="bold")
        console.print(title)
        console.print(Text("  类型：" + _kind(f)))
        if f.header_rows:
            console.print(Text("  表头行：第" + "、".join(str(r + 1) for r in f.header_rows) + "行"))
        if f.columns:
            table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
            for name in ("表头（含分组路径）", "字段", "说明"):
                table.add_column(name)
            for header, canon, label in f.columns:
                why = f.inferred.get(canon, "")
                table.add_row(Text(header), Text(f"{label}（{canon}）"), Text("按内容识别" if why else ""))
            console.print(table)
        for name, (value, source) in f.context.items():
            console.print(Text(f"  {name}：{value}（取自{source}）"))
        if f.extract:
            reasons = "、".join(f"{r}{n}行" for r, n in f.quarantine_reasons)
            console.print(Text(f"  行数：读取{f.rows_read}，可入库{f.rows_loaded}，将隔离{f.rows_quarantined}"
                               + (f"（{reasons}）" if reasons else "")))
        if f.villages_matched or f.villages_unmatched or f.villages_unverified:
            console.print(Text(f"  村名：匹配{len(f.villages_matched)}个，未匹配{len(f.villages_unmatched)}个，"
                               f"乡镇无法核对{len(f.villages_unverified)}个"))
            for v in f.villages_unmatched[:10]:
                console.print(Text(f"    未匹配：{v}", style="yellow"))
        if f.message.startswith(SET_ASIDE_PREFIX):
            console.print(Text("  " + f.message, style="dim"))
        elif not f.extract or f.config_lines:
            console.print(Text("  " + f.message, style="red"))
        console.print()


_NOT_TOML = re.compile("[\x00-\x08\x0b-\x1f\x7f]")


def proposed_config(findings: list[SheetFindings]) -> str:
    """A xuncha.toml fragment for everything uncertain; each line says why (TOML comments).

    The fragment is valid TOML whatever the inbox: a key proposed by several sheets (one sheet per
    village, per town) is written once, its wordings merged and its sheets counted. A proposal that is a
    choice (which kind a file is, which of two columns a field is) or that only confirms what the run
    already does on its own (a column mapped by content) is written commented out: copying the
    fragment whole never locks in a guess; the analyst removes the # from the lines they confirm.
    """
    sections: dict[str, list[str]] = {}
    keyed: dict[tuple[str, str], dict] = {}  # (section, key) -> {"values": [...], "where": [...], "why": str, "on": bool}

    def add(section: str, line: str) -> None:
        if line not in sections.setdefault(section, []):
            sections[section].append(line)

    def add_key(section: str, key: str, values: list[str], where: str, why: str, active: bool) -> None:
        sections.setdefault(section, [])
        entry = keyed.get((section, key))
        if entry is None:
            keyed[(section, key)] = {"values": list(values), "where": [where], "why": why, "on": active}
            sections[section].append(f"\0{key}")  # placeholder, filled below in order
            return
        entry["values"] += [v for v in values if v not in entry["values"]]
        if where not in entry["where"]:
            entry["where"].append(where)
        entry["on"] = entry["on"] and active

    for f in findings:
        where = f"{f.file} / {f.sheet}"
        for line in f.config_lines:
            section, _, rest = line.partition("] ")
            setting, _, why = rest.partition("  # ")
            key, _, value = setting.partition(" = ")
            try:
                parsed = tomllib.loads(f"v = {value.strip()}")["v"]
            except tomllib.TOMLDecodeError:
                parsed = None
            key = key.strip()
            if key == '"<文件名>"':
                key = json.dumps(f.file, ensure_ascii=False)
            values = parsed if isinstance(parsed, list) else [parsed] if isinstance(parsed, str) else None
            if values is None:
                add(section + "]", f"# {rest}  # {where}")
                continue
            add_key(section + "]", key, values, where, why or "需人工确认", active=False)
        if not f.extract and not f.config_lines and f.sheet and not f.message.startswith(SET_ASIDE_PREFIX):
            # a pin is per file: it applies to every sheet of the file, and a summary or instructions
            # sheet beside the detail is still set aside by its content (connectors/set_aside.py)
            add("[connectors.pin]", f'# "{f.file}" = "<数据类型>"  # {where}：未识别（{f.message[:60]}）；'
                                    "如确是某类数据，填写类型后取消注释（按文件指定，对该文件所有工作表生效；"
                                    "其中的汇总表、填表说明仍按内容跳过）")
        for canon, why in f.inferred.items():
            header = next((h for h, c, _ in f.columns if c == canon), "")
            add_key(f"[connectors.header_synonyms.{f.extract}]", canon, [header], where,
                    f"{why}；本次已按此读取，确认无误后可取消注释固定", active=False)
        for name, (value, source) in f.context.items():
            add("# 从表外取得的值（无需配置，供核对）", f"# {where}：{name} = {value}，取自{source}")
        for name, candidate in zip(f.unmatched_names, f.villages_unmatched, strict=False):
            near = candidate.partition("（最接近：")[2].rstrip("）")
            best = near.split("、")[0] if near else ""
            score = int(best.rsplit("(", 1)[1].rstrip("分)")) if "(" in best else 0
            comment = f"# {where}：未匹配村名" + (f"，最接近 {near}" if near else "，没有相近的村") + "；请填写12位统计用区划代码"
            line = f"{json.dumps(name, ensure_ascii=False)} = \"\"  {comment}"
            if any(x.startswith(json.dumps(name, ensure_ascii=False) + " =") or
                   x.startswith("# " + json.dumps(name, ensure_ascii=False) + " =")
                   for x in sections.get("[connectors.village_aliases]", [])):
                continue  # one line per name, whatever the number of sheets writing it
            add("[connectors.village_aliases]", line if score >= ALIAS_PROPOSE_SCORE else "# " + line)
        for name in f.villages_unverified:
            add("# 仅按村名匹配、乡镇无法核对的村（统计表未列其乡镇）", f"# {where}：{name}")
    out = ["# xuncha inspect 建议的配置片段：逐行核对后复制到工作区的 xuncha.toml。",
           "# 每行末尾的注释说明了建议的原因。以 # 开头的建议是需要选择或确认的：确认后删去行首的 #。", ""]
    for section, lines in sections.items():
        out.append(section)
        for line in lines:
            if line.startswith("\0"):
                key = line[1:]
                e = keyed[(section, key)]
                shown = e["where"][0] + (f" 等{len(e['where'])}个工作表" if len(e["where"]) > 1 else "")
                if section in ("[connectors.pin]", "[connectors.split_amount]"):  # one value per file: a string
                    value = json.dumps(e["values"][0], ensure_ascii=False)
                    others = "、".join(e["values"][1:])
                    why = e["why"] + (f"（其他工作表建议：{others}）" if others else "")
                else:
                    value, why = json.dumps(e["values"], ensure_ascii=False), e["why"]
                text = f"{key} = {value}  # {shown}：{why}"
                line = text if e["on"] else "# " + text
            # a header written over two lines shows in a comment: one line, or the TOML breaks; other
            # control characters (in a file name, a header) are not TOML either
            out.append(_NOT_TOML.sub("\ufffd", line.replace("\r", " ").replace("\n", " ")))
        out.append("")
    return "\n".join(out)


def findings_html(findings: list[SheetFindings]) -> str:
    e = html_text
    parts = ["<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'><title>数据目录检查（inspect）</title>",
             "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;"
             "padding:2px 6px}.bad{color:#b00}h2{font-size:1.05em;margin-top:1.5em}</style></head><body>",
             "<h1>数据目录检查（未入库，仅预览）</h1>"]
    for f in findings:
        parts.append(f"<h2>{e(f.file)} / {e(f.sheet)}</h2><p>类型：{e(_kind(f))}</p>")
        if f.header_rows:
            parts.append("<p>表头行：第" + e("、".join(str(r + 1) for r in f.header_rows)) + "行</p>")
        if f.columns:
            parts.append("<table><tr><th>表头（含分组路径）</th><th>字段</th><th>说明</th></tr>")
            for header, canon, label in f.columns:
                why = e(f.inferred.get(canon, ""))
                parts.append(f"<tr><td>{e(header)}</td><td>{e(label)}（{e(canon)}）</td><td>{why}</td></tr>")
            parts.append("</table>")
        for name, (value, source) in f.context.items():
            parts.append(f"<p>{e(name)}：{e(value)}（取自{e(source)}）</p>")
        if f.extract:
            reasons = "、".join(f"{r}{n}行" for r, n in f.quarantine_reasons)
            why = e("（" + reasons + "）") if reasons else ""
            parts.append(f"<p>行数：读取{f.rows_read}，可入库{f.rows_loaded}，将隔离{f.rows_quarantined}{why}</p>")
        if f.villages_unmatched:
            parts.append("<p class='bad'>未匹配村名：" + e("；".join(f.villages_unmatched)) + "</p>")
        if f.villages_unverified:
            parts.append("<p class='bad'>乡镇无法核对：" + e("、".join(f.villages_unverified)) + "</p>")
        parts.append(f"<p>说明：{e(f.message)}</p>")
    parts.append("</body></html>")
    return "\n".join(parts)


def write_outputs(findings: list[SheetFindings], out_dir: Path) -> tuple[Path, Path]:
    """inspect_report.html and xuncha.proposed.toml in `out_dir` (owner-only, written atomically)."""
    page, toml = out_dir / "inspect_report.html", out_dir / "xuncha.proposed.toml"
    for path, text in ((page, findings_html(findings)), (toml, proposed_config(findings))):
        atomic_write_bytes(path, text.encode("utf-8"))
        path.chmod(0o600)
    return page, toml
