"""A ledger written by an earlier release, opened by today's code: nothing lost, the same board,
and the inbox it came from is recognised (no content is parsed or recorded twice)."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[1] / "data" / "ledgers"
SAMPLE = DATA / "release-5e8e735-inbox.zip"  # the inbox that ledger was written from


@pytest.fixture
def old_ledger(tmp_path) -> Path:
    path = tmp_path / "ledger.sqlite"
    shutil.copy(DATA / "release-5e8e735.sqlite", path)
    return path


def test_a_ledger_of_an_earlier_release_keeps_every_version_and_its_board(
    cli, tmp_path, old_ledger
):
    with sqlite3.connect(old_ledger) as db:
        before = db.execute("SELECT COUNT(*) FROM versions").fetchone()[0]
    assert before == 60
    r = cli("status", "--unit", "泰安市", "--form", "附件2", "--milestone", "终期",
            "--ledger", str(old_ledger), "--as-of", "2024-11-02", "--json")  # fmt: skip
    rc, board = r.code, r.json()
    assert rc == 0 and board["counts"]["on_time"] == 10
    r = cli("history", "--unit", "泰山区", "--ledger", str(old_ledger), "--json")
    rc, hist = r.code, r.json()
    assert len(hist["versions"]) == 6  # two forms at two milestones, two deploy forms
    # the same inbox again: its files are known, nothing is parsed or recorded a second time
    r = cli("rollup", str(SAMPLE), "--unit", "泰安市", "--form", "附件2",
            "--milestone", "终期", "-o", str(tmp_path / "out"), "--ledger",
            str(old_ledger), "--as-of", "2024-11-02", "--json")  # fmt: skip
    rc, data = r.code, r.json()
    assert rc == 0 and data["files"]["parsed"] == 0 and data["counts"]["on_time"] == 10
    with sqlite3.connect(old_ledger) as db:
        assert db.execute("SELECT COUNT(*) FROM versions").fetchone()[0] == before
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_an_old_ledger_is_stamped_with_the_schema_version_once(capsys, old_ledger):
    from reportkit.io.ledger import SCHEMA_VERSION, Ledger

    with sqlite3.connect(old_ledger) as db:
        assert db.execute("PRAGMA user_version").fetchone() == (0,)
    with Ledger.open(old_ledger):
        pass
    with sqlite3.connect(old_ledger) as db:
        assert db.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
        assert db.execute("SELECT COUNT(*) FROM versions").fetchone() == (60,)


def test_a_ledger_of_a_newer_release_is_refused_unchanged(cli, old_ledger):
    with sqlite3.connect(old_ledger) as db:
        db.execute("PRAGMA user_version = 99")
    before = old_ledger.read_bytes()
    code, _, err = cli("status", "--unit", "泰安市", "--form", "附件2", "--milestone", "终期",
                       "--ledger", str(old_ledger))  # fmt: skip
    assert code == 2 and "较新版本" in err and "99" in err
    assert old_ledger.read_bytes() == before


def test_every_migration_is_declared_up_to_the_current_version():
    from reportkit.io.ledger import MIGRATIONS, SCHEMA_VERSION

    assert sorted(MIGRATIONS) == list(range(1, SCHEMA_VERSION + 1))
