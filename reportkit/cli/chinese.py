"""click's own words in Chinese: its usage lines, help and error messages.

click marks every message for gettext (`_("...")`, `ngettext(...)`) but ships no translation;
a compiled catalogue would have to be installed into the process-wide gettext domain. Instead
the functions click's modules call are replaced with ones that look the English message up in
the table below (falling back to the English), and the type names click puts into its messages
and help ("integer", "TEXT") are given in Chinese as well.
"""

from __future__ import annotations

import re
from typing import Any

TEXTS: dict[str, str] = {
    "Usage:": "用法：",
    "Options": "选项",
    "Commands": "命令",
    "Show this message and exit.": "显示此帮助信息并退出。",
    "Show the version and exit.": "显示版本并退出。",
    "%(prog)s, version %(version)s": "%(prog)s %(version)s",
    "required": "必填",
    "default: {default}": "默认：{default}",
    "env var: {var}": "环境变量：{var}",
    "deprecated": "已停用",
    "(dynamic)": "（动态）",
    "file": "文件",
    "directory": "文件夹",
    "path": "路径",
    "Error: {message}": "错误：{message}",
    "Aborted!": "已取消。",
    "Try '{command} {option}' for help.": "运行“{command} {option}”查看用法。",
    "Missing argument": "缺少参数",
    "Missing option": "缺少必填选项",
    "Missing parameter": "缺少参数",
    "Missing command.": "缺少命令。",
    "Missing {param_type}": "缺少{param_type}",
    "Missing parameter: {param_name}": "缺少参数：{param_name}",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的值无效：{message}",
    "Invalid value: {message}": "值无效：{message}",
    "No such option: {name}": "没有这个选项：{name}",
    "No such option {name!r}.": "没有这个选项：{name}",
    "No such command {name!r}.": "没有这个命令：{name}",
    "Option {name!r} does not take a value.": "选项 {name} 不需要值。",
    "Option {name!r} requires an argument.": "选项 {name} 需要一个值。",
    "Option {name!r} requires {nargs} arguments.": "选项 {name} 需要 {nargs} 个值。",
    "Got unexpected extra argument ({args})": "多余的参数：{args}",
    "Got unexpected extra arguments ({args})": "多余的参数：{args}",
    "Did you mean {possibility}?": "是不是要写 {possibility}？",
    "(Did you mean one of: {possibilities}?)": "（是不是要写其中之一：{possibilities}？）",
    "Argument {name!r} takes {nargs} values.": "参数 {name} 需要 {nargs} 个值。",
    "Takes {nargs} values but 1 was given.": "需要 {nargs} 个值，只给了 1 个。",
    "Takes {nargs} values but {len} were given.": "需要 {nargs} 个值，给了 {len} 个。",
    "{value!r} is not {choice}.": "“{value}”不是可选的值（只能是 {choice}）。",
    "{value!r} is not one of {choices}.": "“{value}”不是可选的值，应为以下之一：{choices}。",
    "Choose from:\n\t{choices}": "可选的值：\n\t{choices}",
    "{value!r} is not a valid {number_type}.": "“{value}”不是{number_type}。",
    "{value} is not in the range {range}.": "{value} 超出了允许的范围（{range}）。",
    "{value!r} does not match the format {format}.": "“{value}”不符合格式 {format}。",
    "{value!r} does not match the formats {formats}.": "“{value}”不符合以下任一格式：{formats}。",
    "{name} {filename!r} does not exist.": "{name}“{filename}”不存在。",
    "{name} {filename!r} is a file.": "{name}“{filename}”是一个文件，这里需要文件夹。",
    "{name} {filename!r} is a directory.": "{name}“{filename}”是一个文件夹，这里需要文件。",
    "{name} {filename!r} is not readable.": "{name}“{filename}”无法读取。",
    "{name} {filename!r} is not writable.": "{name}“{filename}”无法写入。",
    "{name} {filename!r} is not executable.": "{name}“{filename}”无法执行。",
    "Could not open file {filename!r}: {message}": "无法打开文件“{filename}”：{message}",
    "{value!r} is not a valid UUID.": "“{value}”不是有效的 UUID。",
}

# click's type names, in its messages ("'x' is not a valid integer") and as metavars (TEXT)
TYPE_NAMES: dict[str, str] = {
    "text": "文字",
    "integer": "整数",
    "float": "数字",
    "boolean": "是/否",
    "integer range": "整数",
    "float range": "数字",
    "uuid": "UUID",
}
METAVARS = {k.upper(): v for k, v in TYPE_NAMES.items()}
_RANGE = re.compile(r"^(-?[\d.]+)(<=?)x(<=?)(-?[\d.]+)$|^x(<=?|>=?)(-?[\d.]+)$")


def describe_range(text: str) -> str:
    """click's "0<=x<=65535" as "0 到 65535"."""
    m = _RANGE.match(text.strip())
    if not m:
        return text
    if m.group(1) is not None:
        return f"{m.group(1)} 到 {m.group(4)}"
    words = {"<": "小于", "<=": "不超过", ">": "大于", ">=": "不小于"}
    return f"{words[m.group(5)]} {m.group(6)}"


class _Template(str):
    """A translated message whose values are shown in Chinese too when click formats it."""

    def format(self, *args: Any, **kwargs: Any) -> str:
        for key, value in kwargs.items():
            if isinstance(value, str):
                if key in ("number_type", "param_type", "name") and value in TYPE_NAMES:
                    kwargs[key] = TYPE_NAMES[value]
                elif key == "range":
                    kwargs[key] = describe_range(value)
        if "choices" in kwargs or "choice" in kwargs:
            for key in ("choices", "choice"):
                if isinstance(kwargs.get(key), str):
                    kwargs[key] = kwargs[key].replace("'", "").replace(", ", "、")
        return str.format(self, *args, **kwargs)


def gettext(message: str) -> str:
    text = TEXTS.get(message)
    return _Template(text) if text is not None else message


def ngettext(singular: str, plural: str, n: int) -> str:
    return gettext(singular if n == 1 else plural)


def install() -> None:
    """Put the Chinese messages into click's modules (once)."""
    import click.core
    import click.decorators
    import click.exceptions
    import click.formatting
    import click.parser
    import click.types

    for module in (click.core, click.decorators, click.exceptions, click.formatting,
                   click.parser, click.types):  # fmt: skip
        if getattr(module, "_", None) is not gettext:
            vars(module)["_"] = gettext
        if hasattr(module, "ngettext"):
            vars(module)["ngettext"] = ngettext
