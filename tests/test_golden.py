"""The golden-file check: a normal run never writes, an update run never asserts on its write."""

import pytest
from golden import check_golden


def test_a_normal_run_fails_on_a_difference_and_writes_nothing(tmp_path):
    path = tmp_path / "out.txt"
    path.write_text("old\n")
    with pytest.raises(AssertionError, match="--update-golden"):
        check_golden(path, "new\n", update=False)
    assert path.read_text() == "old\n"


def test_a_normal_run_fails_on_a_missing_file_and_creates_none(tmp_path):
    path = tmp_path / "out.txt"
    with pytest.raises(pytest.fail.Exception, match="missing"):
        check_golden(path, "new\n", update=False)
    assert not path.exists()


def test_an_update_run_writes_and_reports_instead_of_passing(tmp_path):
    path = tmp_path / "golden" / "out.txt"
    with pytest.raises(pytest.skip.Exception, match=f"golden updated: {path}"):
        check_golden(path, "new\n", update=True)
    assert path.read_text() == "new\n"


def test_a_matching_file_passes_in_both_modes_untouched(tmp_path):
    path = tmp_path / "out.txt"
    path.write_text("same\n")
    before = path.stat().st_mtime_ns
    for update in (False, True):
        check_golden(path, "same\n", update=update)
    assert path.stat().st_mtime_ns == before
