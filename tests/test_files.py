"""The local store of uploaded files: whole files under random keys, nothing outside its
folder."""

import os
import time
from datetime import timedelta

import pytest

from outside.files import FileStore, FolderFileStore, UnknownFile


@pytest.fixture
def files(tmp_path):
    return FolderFileStore(tmp_path / "pieces")


def test_a_file_comes_back_whole_under_its_key(files):
    key = files.save(b"%PDF-1.4 contenu")
    assert files.read(key) == b"%PDF-1.4 contenu"
    assert isinstance(files, FileStore)


def test_keys_are_random_and_leave_no_temporary_file(files):
    keys = {files.save(b"x") for _ in range(20)}
    assert len(keys) == 20
    assert sorted(path.name for path in files.folder.iterdir()) == sorted(keys)


def test_a_deleted_file_is_gone_and_deleting_again_is_harmless(files):
    key = files.save(b"x")
    files.delete(key)
    files.delete(key)
    with pytest.raises(UnknownFile):
        files.read(key)


@pytest.mark.parametrize("key", ["", "../db.json", "a/b", "..", "cle.pdf", "/etc/passwd"])
def test_a_key_it_did_not_make_reaches_no_file(files, tmp_path, key):
    (tmp_path / "db.json").write_text("{}")
    with pytest.raises(UnknownFile):
        files.read(key)
    with pytest.raises(UnknownFile):
        files.delete(key)
    assert (tmp_path / "db.json").exists()


def test_a_failed_write_leaves_nothing(files, monkeypatch):
    def broken_replace(source, target):
        raise OSError("disque plein")

    monkeypatch.setattr("outside.files.os.replace", broken_replace)
    with pytest.raises(OSError):
        files.save(b"x")
    assert list(files.folder.iterdir()) == []


def test_files_older_than_an_age(files):
    old, recent = files.save(b"ancien"), files.save(b"recent")
    two_days_ago = time.time() - 2 * 86400
    os.utime(files.folder / old, (two_days_ago, two_days_ago))
    (files.folder / ".envoi-en-cours").write_bytes(b"")
    os.utime(files.folder / ".envoi-en-cours", (two_days_ago, two_days_ago))
    assert files.keys_older_than(timedelta(days=1)) == [old]
    assert sorted(files.keys_older_than(timedelta(0))) == sorted([old, recent])


def test_no_folder_yet_no_files(tmp_path):
    assert FolderFileStore(tmp_path / "absent").keys_older_than(timedelta(0)) == []
