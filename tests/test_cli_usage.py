"""Usage errors: the failing command's own usage, and the closest match for a typo."""

import pytest

from driftgate.cli import main


def usage_error(capsys, *argv):
    with pytest.raises(SystemExit) as caught:
        main(list(argv))
    assert caught.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "Traceback" not in captured.err
    return captured.err


@pytest.mark.parametrize(
    ("argv", "usage", "message"),
    [
        (["lint", "--frmat", "json"], "usage: driftgate lint ", "did you mean --format?"),
        (["lint", "--jbos=3"], "usage: driftgate lint ", "did you mean --jobs?"),
        (["verify", "--hots", "ssh://vm"], "usage: driftgate verify ", "did you mean --host?"),
        (["rules", "--chek", "docs/rules.md"], "usage: driftgate rules ", "did you mean --check?"),
        (["explain", "DG105", "--verbose"], "usage: driftgate explain ", "--verbose"),
    ],
)
def test_an_unknown_option_shows_its_commands_usage(capsys, argv, usage, message):
    err = usage_error(capsys, *argv)
    assert err.startswith(usage) and "COMMAND" not in err
    last = err.splitlines()[-1]
    assert last.startswith(f"driftgate {argv[0]}: error: unrecognized arguments: ")
    assert message in last


@pytest.mark.parametrize(
    ("word", "suggestion"),
    [("lnt", "'lint'"), ("explian", "'explain'"), ("verfy", "'verify'"), ("Monitor", "'monitor'")],
)
def test_a_mistyped_command_gets_the_closest_one(capsys, word, suggestion):
    err = usage_error(capsys, word, "--format", "json")
    assert err.startswith("usage: driftgate [-h]")
    assert err.splitlines()[-1] == (
        f"driftgate: error: unknown command {word!r}; did you mean {suggestion}?"
    )


def test_a_command_far_from_any_lists_them_all(capsys):
    err = usage_error(capsys, "zzzz")
    assert "unknown command 'zzzz' (one of: lint, rules, explain, verify" in err


@pytest.mark.parametrize("name", ["DG113", "dg113", "fixed-sleep", "fixed_sleep", "FIXED_SLEEP"])
def test_explain_takes_an_id_or_a_name_in_either_spelling(capsys, name):
    assert main(["explain", name]) == 0
    assert capsys.readouterr().out.startswith("DG113 fixed-sleep (warning")


@pytest.mark.parametrize(
    ("word", "suggestion"),
    [("fixd-sleep", "did you mean fixed-sleep?"), ("DG15", "did you mean DG105")],
)
def test_explain_suggests_close_rules(capsys, word, suggestion):
    assert main(["explain", word]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"driftgate: error: unknown rule {word!r}; {suggestion}")
    assert captured.err.count("\n") == 1


def test_explain_without_a_close_rule_points_to_the_list(capsys):
    assert main(["explain", "nothing-like-it"]) == 2
    assert capsys.readouterr().err == (
        "driftgate: error: unknown rule 'nothing-like-it' (see `driftgate rules`)\n"
    )
