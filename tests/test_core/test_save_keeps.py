"""What an atomic save keeps: read-only refusal, mode bits, symlinks, hard links,
the owner, and no temporary file left behind."""
from __future__ import annotations

import os

import pytest

from chainrule.core import fileformat as ff
from fileformat_helpers import base_doc


def _graph(title: str = ""):
    doc = base_doc()
    if title:
        doc["title"] = title
    return ff.from_dict(doc)


@pytest.mark.parametrize("mode", [0o444, 0o000, 0o400])
def test_saving_over_a_read_only_file_is_refused_and_the_file_is_kept(tmp_path, mode):
    target = tmp_path / "g.cgraph"
    ff.save(_graph("old"), target)
    before = target.read_bytes()
    os.chmod(target, mode)
    with pytest.raises(ff.ReadOnlyFileError, match=r"g\.cgraph is read-only \(mode -"):
        ff.save(_graph("new"), target)
    os.chmod(target, 0o600)
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.cgraph"]


def test_a_read_only_file_replaced_on_request_stays_read_only(tmp_path):
    target = tmp_path / "g.cgraph"
    ff.save(_graph("old"), target)
    os.chmod(target, 0o444)
    ff.save(_graph("new"), target, replace_read_only=True)
    assert os.stat(target).st_mode & 0o777 == 0o444
    assert ff.load(target).title == "new"


def test_a_second_hard_link_sees_the_saved_content(tmp_path):
    target, other = tmp_path / "g.cgraph", tmp_path / "link.cgraph"
    ff.save(_graph("old"), target)
    os.link(target, other)
    inode = os.stat(target).st_ino
    ff.save(_graph("new"), target)
    assert ff.load(other).title == "new"
    assert os.stat(target).st_ino == inode and os.stat(target).st_nlink == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.cgraph", "link.cgraph"]


def test_a_failed_in_place_write_puts_the_old_content_back(tmp_path, monkeypatch):
    target, other = tmp_path / "g.cgraph", tmp_path / "link.cgraph"
    ff.save(_graph("old"), target)
    os.link(target, other)
    before = target.read_bytes()
    real_fsync, calls = os.fsync, []

    def failing_fsync(fd):
        calls.append(fd)
        if len(calls) == 2:            # the temporary file's passes; the in-place one fails
            raise OSError(28, "No space left on device")
        real_fsync(fd)
    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(OSError, match="No space"):
        ff.save(_graph("new"), target)
    monkeypatch.undo()
    assert other.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.cgraph", "link.cgraph"]


def test_a_symlink_is_written_through_and_stays_a_link(tmp_path):
    real, link = tmp_path / "real.cgraph", tmp_path / "link.cgraph"
    ff.save(_graph("old"), real)
    link.symlink_to(real)
    ff.save(_graph("new"), link)
    assert link.is_symlink() and ff.load(real).title == "new"


def test_mode_bits_are_kept(tmp_path):
    target = tmp_path / "g.cgraph"
    ff.save(_graph("old"), target)
    os.chmod(target, 0o640)
    ff.save(_graph("new"), target)
    assert os.stat(target).st_mode & 0o777 == 0o640


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0,
                    reason="only root may give a file to another owner")
def test_the_owner_and_group_are_kept_where_the_process_may(tmp_path):
    target = tmp_path / "g.cgraph"
    ff.save(_graph("old"), target)
    os.chown(target, 12345, 23456)
    ff.save(_graph("new"), target)
    st = os.stat(target)
    assert (st.st_uid, st.st_gid) == (12345, 23456)
