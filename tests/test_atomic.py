"""`timeline.atomic`: a write is all of the new file or all of the old one, whatever fails
on the way; a folder appears whole or not at all. (Real signals and size limits against
the commands are in test_faults.py.)"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest

from timeline import atomic
from timeline.atomic import new_folder, write_atomically


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_file_has_the_umasks_mode_and_an_old_one_keeps_its_own(tmp_path: Path) -> None:
    new = tmp_path / "new.json"
    write_atomically(new, "é\r\n")
    assert new.read_bytes() == "é\r\n".encode()  # UTF-8, line ends as given
    plain = tmp_path / "plain"
    plain.touch()  # what open() makes of a new file under this umask
    assert _mode(new) == _mode(plain)
    old = tmp_path / "old.json"
    old.write_text("old")
    old.chmod(0o640)
    write_atomically(old, b"new")
    assert (old.read_bytes(), _mode(old)) == (b"new", 0o640)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new.json", "old.json", "plain"]


def test_a_link_is_kept_and_the_file_it_leads_to_replaced(tmp_path: Path) -> None:
    (tmp_path / "real.txt").write_text("old")
    (tmp_path / "link.txt").symlink_to("real.txt")
    write_atomically(tmp_path / "link.txt", "new")
    assert (tmp_path / "link.txt").is_symlink()
    assert (tmp_path / "real.txt").read_text() == "new"


def test_a_file_that_may_not_be_written_is_not_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "kept.json"
    target.write_text("old")
    target.chmod(0o444)
    # As root every file is writable, so the test stands in for a user who may not.
    monkeypatch.setattr(atomic.os, "access", lambda path, mode: False)
    with pytest.raises(PermissionError):
        write_atomically(target, "new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["kept.json"]


def test_a_device_is_written_straight_to() -> None:
    write_atomically("/dev/null", "anything")  # no temporary file beside it in /dev


@pytest.mark.parametrize(
    "failure", [OSError(errno.ENOSPC, "No space left on device"), KeyboardInterrupt()]
)
def test_a_failed_write_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failure: BaseException
) -> None:
    target = tmp_path / "out.json"
    target.write_text("old")
    real_write = os.write

    def write_half_then_fail(fd: int, data: bytes) -> int:
        real_write(fd, bytes(data[: len(data) // 2]))
        raise failure

    monkeypatch.setattr(atomic.os, "write", write_half_then_fail)
    with pytest.raises(type(failure)):
        write_atomically(target, "new " * 1000)
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


def test_a_folder_appears_only_when_complete(tmp_path: Path) -> None:
    target = tmp_path / "parent" / "dataset"
    with new_folder(target) as building:
        write_atomically(building / "events.yaml", "x")
        assert not target.exists()
        assert building.parent == target.parent and building.name.startswith(".dataset.")
    assert [p.name for p in target.iterdir()] == ["events.yaml"]
    assert [p.name for p in target.parent.iterdir()] == ["dataset"]


def test_an_empty_folder_is_replaced_and_keeps_its_mode(tmp_path: Path) -> None:
    target = tmp_path / "dataset"
    target.mkdir(mode=0o751)
    with new_folder(target) as building:
        write_atomically(building / "a.txt", "a")
    assert (target / "a.txt").read_text() == "a"
    assert _mode(target) == 0o751


def test_a_failed_folder_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(KeyboardInterrupt), new_folder(tmp_path / "dataset") as building:
        write_atomically(building / "events.yaml", "half")
        raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


def test_a_folder_filled_meanwhile_is_never_replaced(tmp_path: Path) -> None:
    target = tmp_path / "dataset"
    with pytest.raises(OSError) as raised, new_folder(target) as building:
        write_atomically(building / "events.yaml", "imported")
        target.mkdir()
        (target / "mine.txt").write_text("mine")
    assert raised.value.errno in (errno.ENOTEMPTY, errno.EEXIST)
    assert [p.name for p in tmp_path.iterdir()] == ["dataset"]
    assert [p.name for p in target.iterdir()] == ["mine.txt"]


def test_a_new_folder_has_the_mode_mkdir_gives(tmp_path: Path) -> None:
    with new_folder(tmp_path / "dataset") as building:
        write_atomically(building / "events.yaml", "events: []\n")
    (tmp_path / "plain").mkdir()
    assert _mode(tmp_path / "dataset") == _mode(tmp_path / "plain")


@pytest.mark.parametrize("hard_links", [True, False])
def test_an_exclusive_write_never_replaces_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, hard_links: bool
) -> None:
    if not hard_links:  # as on FAT or some shares: the file is created with O_EXCL

        def no_links(source: str, destination: str) -> None:
            raise PermissionError(errno.EPERM, os.strerror(errno.EPERM))

        monkeypatch.setattr(os, "link", no_links)
    target = tmp_path / "source.txt"
    write_atomically(target, "new\n", exclusive=True)
    assert target.read_text("utf-8") == "new\n"
    with pytest.raises(FileExistsError):
        write_atomically(target, "other\n", exclusive=True)
    assert target.read_text("utf-8") == "new\n"
    assert [p.name for p in tmp_path.iterdir()] == ["source.txt"]  # no temporary left


def test_an_exclusive_write_keeps_a_file_made_while_it_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "source.txt"
    real_link = os.link

    def made_meanwhile(source: str, destination: str) -> None:
        target.write_text("theirs\n", "utf-8")  # another program, just now
        real_link(source, destination)

    monkeypatch.setattr(os, "link", made_meanwhile)
    with pytest.raises(FileExistsError):
        write_atomically(target, "ours\n", exclusive=True)
    assert target.read_text("utf-8") == "theirs\n"
    assert [p.name for p in tmp_path.iterdir()] == ["source.txt"]


def test_an_exclusive_write_that_fails_without_hard_links_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_links(source: str, destination: str) -> None:
        raise PermissionError(errno.EPERM, os.strerror(errno.EPERM))

    real_write, writes = os.write, []

    def disk_full_the_second_time(fd: int, data: bytes) -> int:
        writes.append(fd)
        if len(writes) > 1:  # the temporary is written; the file itself finds the disk full
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(fd, data)

    monkeypatch.setattr(os, "link", no_links)
    monkeypatch.setattr(os, "write", disk_full_the_second_time)
    with pytest.raises(OSError, match="No space"):
        write_atomically(tmp_path / "source.txt", "new\n", exclusive=True)
    assert list(tmp_path.iterdir()) == []  # a second try can make it
