"""`reportkit serve`: a read-only HTTP server for calendar subscriptions and a status page."""

from __future__ import annotations

from pathlib import Path

import click

from reportkit.cli.base import UserError, command, echo
from reportkit.messages import msg


@command(
    "serve",
    "启动只读的日历订阅服务和报送情况页面。\n\n"
    "/calendars/<文件>.ics 提供日历（支持 ETag、Last-Modified 条件请求）；/ 为状态页，列出每个日历的"
    "webcal:// 和 http(s):// 订阅地址，指定 --outputs 时还显示各次汇总的报送完成情况。"
    "默认只监听本机（127.0.0.1）；要让局域网内其他计算机订阅，使用 --host 0.0.0.0。",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="监听地址。")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="端口。"
)
@click.option(
    "--calendars",
    "calendars",
    default="calendars",
    show_default=True,
    type=click.Path(),
    help="日历文件夹（reportkit calendar --all -o 生成）。",
)
@click.option(
    "--outputs",
    "outputs",
    default=None,
    type=click.Path(),
    help="汇总结果文件夹（reportkit rollup -o 的输出），用于显示报送完成情况。",
)
@click.option(
    "--url",
    "public_url",
    default=None,
    help="同事访问本服务用的网址（经反向代理发布时填写，如 https://rk.example.cn）；页面上的订阅地址都用它。",
)
def cmd(host: str, port: int, calendars: str, outputs: str | None, public_url: str | None) -> None:
    from reportkit.serve import check_public_url, is_loopback, make_server

    for folder in (calendars, outputs):
        if folder is not None and not Path(folder).is_dir():
            raise UserError(msg("serve.no_dir", path=folder))
    if public_url is not None:
        try:
            check_public_url(public_url)
        except ValueError:
            raise UserError(msg("serve.bad_url", url=public_url)) from None
    try:
        server = make_server(host, port, calendars, outputs, public_url=public_url)
    except OSError as e:
        raise UserError(
            msg("serve.cannot_listen", host=host, port=port, detail=e.strerror or e)
        ) from e
    if not is_loopback(host):
        echo(msg("serve.not_loopback", host=host), err=True)
    echo(msg("serve.listening", url=server.url))
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        echo(msg("serve.stopped"), err=True)
    finally:
        server.server_close()
