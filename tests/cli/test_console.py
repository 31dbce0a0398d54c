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
