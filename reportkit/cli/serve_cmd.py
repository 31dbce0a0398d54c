"""`reportkit serve`: a read-only HTTP server for calendar subscriptions and a status page."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from reportkit.cli.base import UserError, command, echo
from reportkit.cli.options import campaign_option, load
from reportkit.messages import describe_oserror, msg

if TYPE_CHECKING:
    from reportkit.model.campaign import Campaign
    from reportkit.serve import FeedServer


@command(
    "serve",
    "启动只读的日历订阅服务和报送情况页面。\n\n"
    "/calendars/<文件>.ics 提供日历（支持 ETag、Last-Modified 条件请求）；/ 为状态页，指定 --outputs "
    "时先显示各次汇总的报送完成情况，再列出每个日历的 webcal:// 和 http(s):// 订阅地址。\n\n"
    "不指定 --calendars 时，按活动（内置活动或 --campaign）生成与 reportkit calendar --all 相同的日历，"
    "保存在数据目录（可用环境变量 REPORTKIT_HOME 指定）：内容未变时日历文件保持不变，截止日期调整后"
    "相应事项的序号（SEQUENCE）递增，重新启动也是如此。\n\n"
    "默认只监听本机（127.0.0.1）；要让局域网内其他计算机订阅，使用 --host 0.0.0.0，启动时会列出"
    "同事可用的地址。",
)
@campaign_option
@click.option("--host", default="127.0.0.1", show_default=True, help="监听地址。")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="端口。"
)
@click.option(
    "--calendars",
    "calendars",
    default=None,
    type=click.Path(),
    help="日历文件夹（reportkit calendar --all -o 生成）；不指定时按活动自动生成并保存在数据目录。",
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
def cmd(
    campaign_file: str | None,
    host: str,
    port: int,
    calendars: str | None,
    outputs: str | None,
    public_url: str | None,
) -> None:
    from reportkit.serve import check_public_url, is_loopback, make_server

    for given in (calendars, outputs):
        if given is not None and not Path(given).is_dir():
            raise UserError(msg("serve.no_dir", path=given))
    if public_url is not None:
        try:
            check_public_url(public_url)
        except ValueError:
            raise UserError(msg("serve.bad_url", url=public_url)) from None
    campaign = load(campaign_file)
    folder = Path(calendars) if calendars is not None else _campaign_feeds(campaign)
    try:
        server = make_server(host, port, folder, outputs, public_url=public_url, campaign=campaign)
    except OSError as e:
        raise UserError(
            msg("serve.cannot_listen", host=host, port=port, detail=e.strerror or e)
        ) from e
    if not is_loopback(host):
        echo(msg("serve.not_loopback", host=host), err=True)
    _announce(server, public_url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        echo(msg("serve.stopped"), err=True)
    finally:
        server.server_close()


def _campaign_feeds(campaign: Campaign) -> Path:
    """The campaign's feeds, brought up to date in the data directory."""
    from reportkit.io.ics import NotACalendar
    from reportkit.serve import prepare_feeds

    try:
        folder, written = prepare_feeds(campaign)
    except NotACalendar as e:
        raise UserError(msg("serve.feeds_failed", detail=e)) from e
    except OSError as e:
        raise UserError(msg("serve.feeds_failed", detail=describe_oserror(e))) from e
    changed = sum(w.state == "written" for w in written)
    echo(
        msg(
            "serve.feeds_ready",
            campaign=campaign.name,
            count=len(written),
            written=changed,
            unchanged=len(written) - changed,
            dir=folder,
        )
    )
    return folder


def _announce(server: FeedServer, public_url: str | None) -> None:
    """Where to open the page: for a wildcard bind, every address colleagues can use (never
    http://0.0.0.0/, which no other machine can open), then this machine's own."""
    if not server.wildcard:
        echo(msg("serve.listening", url=server.url))
    else:
        echo(msg("serve.listening_all"))
        lan = server.lan_urls()
        if lan:
            echo(msg("serve.lan_urls"))
            for url in lan:
                echo(f"  {url}")
        else:
            echo(msg("serve.no_lan_url", port=server.server_address[1]))
        echo(msg("serve.local_url", url=server.url))
    if public_url is not None:
        echo(msg("serve.public_url", url=public_url))
