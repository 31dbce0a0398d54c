"""A clerk's console in GBK (cp936) never makes reportkit crash on a character it cannot print."""

import os
import subprocess
import sys


def test_gbk_console_with_unprintable_file_names(tmp_path):
    inbox = tmp_path / "收件箱 😀"
    inbox.mkdir()
    (inbox / "泰山区😀报表.xlsx").write_bytes(b"not a workbook")
    (inbox / "𠀀 extension-B 字.xls").write_bytes(b"<html><table></table></html>")
    env = {**os.environ, "PYTHONIOENCODING": "gbk", "PYTHONUTF8": "0"}
    r = subprocess.run(
        [sys.executable, "-m", "reportkit", "validate", str(inbox)],
        capture_output=True,
        env=env,
    )
    assert r.returncode == 1, r.stderr.decode("gbk", "replace")
    out = r.stdout.decode("gbk")  # what the console receives is valid GBK
    assert "共 2 个文件" in out and "网页" in out
    assert "Traceback" not in r.stderr.decode("gbk", "replace")


def test_json_on_a_gbk_console_keeps_exact_file_names(tmp_path):
    import json

    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "泰山区😀报表 v2.xlsx").write_bytes(b"")
    env = {**os.environ, "PYTHONIOENCODING": "gbk", "PYTHONUTF8": "0"}
    r = subprocess.run(
        [sys.executable, "-m", "reportkit", "validate", str(inbox), "--json"],
        capture_output=True,
        env=env,
    )
    data = json.loads(r.stdout.decode("gbk"))
    assert data["files"][0]["file"].endswith("泰山区😀报表 v2.xlsx")


def test_an_unusable_output_path_is_a_usage_error(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "reportkit",
            "template",
            "--unit",
            "泰山区",
            "--form",
            "mem-stats",
            "-o",
            str(blocker / "sub"),
        ],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 2 and "不是文件夹" in r.stderr and "内部错误" not in r.stderr
