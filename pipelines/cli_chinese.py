"""Chinese for the parts of the command line that typer and click write themselves: help panels,
the usage line, the help option, and the usage errors (a missing argument, an unknown command …),
which are printed as one Chinese sentence and exit with code 2.

typer (0.29) carries its own copy of click (typer._click) whose texts are plain English literals,
not gettext lookups, so they are matched here by pattern (`translate_usage_error`).
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import re
import sys
from types import ModuleType
from typing import Any

_CLICK_TEXT = {
    "Show this message and exit.": "显示本帮助并退出。",
    "Usage:": "用法：",
    "Missing argument": "缺少参数",
    "Missing option": "缺少选项",
    "No such option": "没有这个选项",
    "No such command": "没有这个命令",
}

HELP_OPTION_TEXT = "显示本帮助并退出。"
USAGE_PREFIX = "用法："

# (pattern of typer's English message, Chinese); groups are carried over as {1}, {2} …
_USAGE_ERRORS: list[tuple[re.Pattern, str]] = [
    (re.compile(r"Missing argument '?([^'.]+)'?\.?(.*)", re.S), "缺少参数 {1}。"),
    (re.compile(r"Missing option '?([^'.]+)'?\.?(.*)", re.S), "缺少选项 {1}。"),
    (re.compile(r"Missing parameter:? '?([^'.]+)'?\.?(.*)", re.S), "缺少参数 {1}。"),
    (re.compile(r"Missing command\.?"), "缺少命令：请在程序名后写上要执行的命令，如 xuncha run。"),
    (re.compile(r"No such option: (\S+?)\.?(?: Did you mean (.+?)\?)?(?: \(Possible options: (.+)\))?$", re.S),
     "没有选项 {1}。"),
    (re.compile(r"No such command '(.+?)'\.?(?: Did you mean (.+?)\?)?$", re.S), "没有命令“{1}”。"),
    (re.compile(r"Got unexpected extra argument(?:s|\(s\))? \((.+)\)", re.S), "多余的参数：{1}。"),
    (re.compile(r"Option '(.+?)' requires (?:an argument|\d+ arguments)\.?"), "选项 {1} 后面需要写一个值。"),
    (re.compile(r"Option '(.+?)' does not take a value\.?"), "选项 {1} 不接受取值。"),
    (re.compile(r"Invalid value for (.+?): (.+)", re.S), "参数 {1} 的取值无效：{2}"),
    (re.compile(r"Input should be a valid (\w+).*", re.S), "应为{1}。"),
    (re.compile(r"Value '?(.+?)'? is not a valid (\w+)\.?"), "“{1}”不是有效的{2}。"),
    (re.compile(r"'?(.+?)'? is not a valid (\w+)\.?"), "“{1}”不是有效的{2}。"),
    (re.compile(r"'?(.+?)'? is not one of (.+?)\.?$"), "“{1}”不是可选值之一（可选：{2}）。"),
]
_KINDS = {"integer": "整数", "int": "整数", "float": "数字", "number": "数字", "boolean": "是/否取值",
          "bool": "是/否取值", "path": "路径", "string": "文字", "str": "文字"}
# The usage line's placeholders
_USAGE_WORDS = (("[OPTIONS]", "[选项]"), ("COMMAND [ARGS]...", "命令 [参数]..."))
_SUGGESTION = re.compile(r"Did you mean (.+?)\?")
_POSSIBLE = re.compile(r"\(Possible options: (.+)\)")


def translate_usage_error(message: str) -> str:
    """One Chinese sentence for one of typer's English usage errors."""
    message = message.strip()
    for pattern, chinese in _USAGE_ERRORS:
        m = pattern.fullmatch(message)
        if not m:
            continue
        groups = [g or "" for g in m.groups()]
        if chinese.startswith("参数 {1} 的取值无效"):
            groups[1] = translate_usage_error(groups[1])
        groups = [_KINDS.get(g, g) for g in groups]
        text = chinese.format("", *groups)
        hint = _SUGGESTION.search(message) or _POSSIBLE.search(message)
        if hint:
            text += f"是不是要用 {hint.group(1)}？"
        return text
    return f"命令行参数有误（{message}）。"


def _usage_error(self) -> None:
    """typer's rich_format_error, in Chinese and on one line: the error, then where help is."""
    from rich.console import Console
    from rich.markup import escape

    console = Console(stderr=True)
    ctx = getattr(self, "ctx", None)
    text = translate_usage_error(self.format_message())
    if ctx is not None and ctx.command.get_help_option(ctx) is not None:
        text += f"运行 “{ctx.command_path} {ctx.help_option_names[0]}” 查看用法。"
    console.print(f"[bold red]错误：[/]{escape(text)}", soft_wrap=True)


def _translate(text: str) -> str:
    return _CLICK_TEXT.get(text, text)


# Any, not ModuleType: typer.rich_utils's texts are assigned here by name, which mypy cannot check on a module.
def _translate_rich_utils(rich_utils: Any) -> None:
    import click.core
    import click.decorators
    import click.formatting

    rich_utils.ARGUMENTS_PANEL_TITLE = "参数"
    rich_utils.OPTIONS_PANEL_TITLE = "选项"
    rich_utils.COMMANDS_PANEL_TITLE = "命令"
    rich_utils.ERRORS_PANEL_TITLE = "错误"
    rich_utils.ABORTED_TEXT = "已中止。"
    rich_utils.REQUIRED_LONG_STRING = "[必填]"
    rich_utils.DEFAULT_STRING = "[默认：{}]"
    rich_utils.ENVVAR_STRING = "[环境变量：{}]"
    rich_utils.RICH_HELP = "运行 [blue]'{command_path} {help_option}'[/] 查看帮助。"
    rich_utils.rich_format_error = _usage_error  # looked up at call time by typer.core
    # click itself (what typer does not carry a copy of) looks its texts up through `_` at call time
    for module in (click.decorators, click.formatting, click.core):
        module._ = _translate  # type: ignore[attr-defined]
    _install_typer_click()


def _install_typer_click() -> None:
    """typer's own copy of click: the usage line's prefix and the help option's text."""
    from typer._click import core as tcore
    from typer._click import formatting as tformatting

    write_usage = tformatting.HelpFormatter.write_usage
    if getattr(write_usage, "_xuncha", False):
        return

    def chinese_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        for english, chinese in _USAGE_WORDS:
            args = args.replace(english, chinese)
        write_usage(self, prog, args, USAGE_PREFIX if prefix is None else prefix)

    chinese_usage._xuncha = True  # type: ignore[attr-defined]
    setattr(tformatting.HelpFormatter, "write_usage", chinese_usage)  # noqa: B010 - a method replaced

    get_help_option = tcore.Command.get_help_option

    def chinese_help_option(self, ctx):
        option = get_help_option(self, ctx)
        if option is not None:
            option.help = HELP_OPTION_TEXT
        return option

    setattr(tcore.Command, "get_help_option", chinese_help_option)  # noqa: B010 - a method replaced


class _TranslateWhenLoaded(importlib.abc.MetaPathFinder):
    """typer imports rich_utils (0.2 s) only to show help or an error: translate it then, so a
    command that shows neither (a run where nothing changed) does not pay for it."""

    def find_spec(self, name, path, target=None):  # noqa: ANN001  (importlib's signature)
        if name != "typer.rich_utils":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None:
            return spec
        load = spec.loader.exec_module

        def exec_module(module: ModuleType) -> None:
            load(module)
            _translate_rich_utils(module)

        spec.loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def install() -> None:
    if "typer.rich_utils" in sys.modules:
        _translate_rich_utils(sys.modules["typer.rich_utils"])
    elif not any(isinstance(f, _TranslateWhenLoaded) for f in sys.meta_path):
        sys.meta_path.insert(0, _TranslateWhenLoaded())
