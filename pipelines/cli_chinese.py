"""Chinese for the parts of the command-line help that typer and click write themselves."""

from __future__ import annotations

import importlib.abc
import importlib.util
import sys
from types import ModuleType

_CLICK_TEXT = {
    "Show this message and exit.": "显示本帮助并退出。",
    "Usage:": "用法：",
    "Missing argument": "缺少参数",
    "Missing option": "缺少选项",
    "No such option": "没有这个选项",
    "No such command": "没有这个命令",
}


def _translate(text: str) -> str:
    return _CLICK_TEXT.get(text, text)


def _translate_rich_utils(rich_utils: ModuleType) -> None:
    rich_utils.ARGUMENTS_PANEL_TITLE = "参数"
    rich_utils.OPTIONS_PANEL_TITLE = "选项"
    rich_utils.COMMANDS_PANEL_TITLE = "命令"
    rich_utils.ERRORS_PANEL_TITLE = "错误"
    rich_utils.ABORTED_TEXT = "已中止。"
    rich_utils.REQUIRED_LONG_STRING = "[必填]"
    rich_utils.DEFAULT_STRING = "[默认：{}]"
    rich_utils.ENVVAR_STRING = "[环境变量：{}]"
    rich_utils.RICH_HELP = "运行 [blue]'{command_path} {help_option}'[/] 查看帮助。"
    # click looks its messages up through the module-level gettext alias `_` at call time
    import click.core
    import click.decorators
    import click.formatting

    for module in (click.decorators, click.formatting, click.core):
        module._ = _translate  # type: ignore[attr-defined]


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
