"""The heuristic shell reader behind the rules that look inside `run:` scripts."""

import pytest

from driftgate.policies.lint.shell import (
    compose_subcommand,
    has_fail_suppression,
    is_compose_up,
    parse_script,
    reads_script_from_stdin,
    shell_commands,
    word_spans,
    words,
)


def texts(script):
    return [text for _, text in shell_commands(script)]


@pytest.mark.parametrize(
    "script, expected",
    [
        ("a; b\nc && d || e | f & g", ["a", "b", "c", "d", "e", "f", "g"]),
        ("a |& b", ["a", "b"]),
        ("curl x 2>&1 | tee log", ["curl x 2>&1", "tee log"]),
        ("cmd &> /dev/null & other; a >&2", ["cmd &> /dev/null", "other", "a >&2"]),
        ("echo 'x; y' \"a && b\" `c | d`", ["echo 'x; y' \"a && b\" `c | d`"]),
        ("v=$(curl -s x | jq .a); echo $v", ["v=$(curl -s x | jq .a)", "echo $v"]),
        ("echo ${X:-a;b} done", ["echo ${X:-a;b} done"]),
        ("( cd /opt && ls )", ["cd /opt", "ls"]),
        ("if curl -f x; then echo ok; else exit 1; fi", ["curl -f x", "echo ok", "exit 1"]),
        ("for i in 1 2; do sleep 1; done", ["sleep 1"]),
        ("# only a comment\n  \n", []),
        ("echo a#b # comment ; not a command", ["echo a#b"]),
        ("echo 'unbalanced ; quote", ["echo 'unbalanced ; quote"]),
        ("", []),
    ],
)
def test_splits_simple_commands(script, expected):
    assert texts(script) == expected


def test_offsets_point_at_each_command_start():
    script = "set -e\n  cd /opt  &&  docker compose pull\n"
    assert shell_commands(script) == [(0, "set -e"), (9, "cd /opt"), (22, "docker compose pull")]
    for offset, text in shell_commands(script):
        assert script[offset:].startswith(text)


def test_continued_lines_are_joined_and_keep_their_start():
    script = "echo hi\ndocker compose \\\n  up -d \\\n  --force-recreate\n"
    (first, second) = shell_commands(script)
    assert second == (8, "docker compose   up -d   --force-recreate")


def test_separators_before_and_after_keep_the_logical_operator_across_newlines():
    commands = parse_script("curl -f x ||\n  echo down\nnext")
    assert [(c.before, c.after) for c in commands] == [("", "||"), ("||", "\n"), ("\n", "")]


def test_condition_marks_commands_tested_by_if_while_until_or_bang():
    commands = parse_script("if curl a; then b; fi\nwhile c; do d; done\n! e\nuntil f; do g; done")
    assert {c.text: c.condition for c in commands} == {
        "curl a": True,
        "b": False,
        "c": True,
        "d": False,
        "e": True,
        "f": True,
        "g": False,
    }


def test_plain_heredoc_bodies_are_ignored():
    script = "cat > cfg <<EOF\nHost x\n  docker compose up\nEOF\necho after\n"
    assert texts(script) == ["cat > cfg <<EOF", "echo after"]


def test_heredoc_with_dash_and_quoted_delimiter():
    script = "cat <<-'END'\n\tnot a command\n\tEND\necho after"
    assert texts(script) == ["cat <<-'END'", "echo after"]


def test_unterminated_heredoc_swallows_the_rest():
    assert texts("cat <<EOF\nrm -rf /\n") == ["cat <<EOF"]


SSH_HEREDOC = """\
ssh -F "$RUNNER_TEMP/ssh_config" "$VM" bash -s -- "$GITHUB_SHA" <<'REMOTE'
set -euo pipefail
docker compose -f docker-compose.gcp.yml up -d --force-recreate
REMOTE
echo done
"""


def test_heredoc_sent_to_a_remote_shell_is_a_nested_script():
    commands = parse_script(SSH_HEREDOC)
    by_text = {c.text: c for c in commands}
    up = by_text["docker compose -f docker-compose.gcp.yml up -d --force-recreate"]
    assert up.via == "heredoc"
    assert SSH_HEREDOC[up.offset :].startswith("docker compose -f")
    assert by_text["echo done"].via == ""
    assert [c.offset for c in commands] == sorted(c.offset for c in commands)


@pytest.mark.parametrize(
    "carrier",
    [
        "ssh host",
        "ssh -i key -p 22 user@host",
        "ssh host bash -s",
        "ssh host 'bash -s'",
        "ssh -o StrictHostKeyChecking=no host sh",
        "gcloud compute ssh vm --zone z --tunnel-through-iap",
        "gcloud compute ssh vm --command 'bash -s'",
        "bash",
        "sudo bash -s",
        "sh -s -- a b",
    ],
)
def test_heredoc_carriers_that_run_a_script(carrier):
    script = f"{carrier} <<'EOF'\ndocker compose up -d\nEOF\n"
    assert "docker compose up -d" in texts(script)


@pytest.mark.parametrize(
    "carrier",
    [
        "cat > f",
        "ssh host 'cat > /tmp/f'",
        "bash deploy.sh",
        "tee out",
        "python3 -",
    ],
)
def test_heredoc_carriers_that_do_not_run_a_script(carrier):
    script = f"{carrier} <<'EOF'\ndocker compose up -d\nEOF\n"
    assert "docker compose up -d" not in texts(script)


@pytest.mark.parametrize(
    "head, runs",
    [
        ("cat <<'EOF' | ssh host bash -s", True),
        ("cat - <<EOF | gcloud compute ssh vm", True),
        ("cat <<EOF | tee log", False),
        ("cat notes <<EOF | ssh host bash -s", False),
        ("cat <<EOF > f | ssh host bash -s", False),
    ],
)
def test_heredoc_piped_from_a_bare_cat_into_a_shell(head, runs):
    script = f"{head}\ndocker compose up -d\nEOF\n"
    assert ("docker compose up -d" in texts(script)) is runs


def test_reads_script_from_stdin_ignores_redirections():
    assert reads_script_from_stdin(words("ssh host <<EOF"))
    assert not reads_script_from_stdin(words("ssh host cat > /tmp/x"))


@pytest.mark.parametrize(
    "script, nested",
    [
        ("ssh host 'cd /opt && docker compose pull'", ["cd /opt", "docker compose pull"]),
        ("ssh -F cfg host docker compose up -d", ["docker compose up -d"]),
        (
            'gcloud compute ssh vm --command "docker compose pull; sleep 60"',
            ["docker compose pull", "sleep 60"],
        ),
        ("gcloud compute ssh vm --command='docker compose up -d'", ["docker compose up -d"]),
        ('bash -c "echo a || true"', ["echo a", "true"]),
        (
            "docker exec api sh -ec 'python scripts/contracts_check.py'",
            ["python scripts/contracts_check.py"],
        ),
    ],
)
def test_command_strings_run_elsewhere_are_nested_scripts(script, nested):
    commands = parse_script(script)
    inner = [c for c in commands if c.via]
    assert [c.text for c in inner] == nested
    for command in inner:  # offsets point into the outer script
        assert script[command.offset :].startswith(command.text.split()[0])


def test_nested_offsets_survive_double_quote_escapes_and_continuations():
    script = 'echo x\nssh host \\\n  "echo \\"hi\\"; docker compose pull"\n'
    pull = next(c for c in parse_script(script) if c.text == "docker compose pull")
    assert script[pull.offset :].startswith("docker compose pull")


def test_nesting_is_bounded():
    script = "bash -c " + "'bash -c " * 20 + "x"
    assert parse_script(script)  # no recursion error, no hang


def test_words_are_shlex_words_and_tolerate_unbalanced_quotes():
    assert words("curl -fsS 'http://x/health' | jq") == [
        "curl",
        "-fsS",
        "http://x/health",
        "|",
        "jq",
    ]
    assert words('echo "unbalanced') == ["echo", "unbalanced"]
    assert words("echo trailing\\") == ["echo", "trailing"]


def test_word_spans_map_every_character_back():
    command = "ssh \"$VM\" 'a b'"
    spans = word_spans(command)
    assert [value for value, _ in spans] == ["ssh", "$VM", "a b"]
    for value, offsets in spans:
        assert "".join(command[o] for o in offsets) == value


@pytest.mark.parametrize(
    "command, expected",
    [
        ("docker compose up -d", ("up", ["-d"])),
        ("docker-compose -f a.yml -p x up --build", ("up", ["--build"])),
        ("IMAGE_TAG=sha-1 sudo docker --context prod compose --file=a.yml pull", ("pull", [])),
        ("docker compose --env-file .env build api", ("build", ["api"])),
        ("docker build .", None),
        ("echo docker compose up", None),
    ],
)
def test_compose_subcommand(command, expected):
    assert compose_subcommand(words(command)) == expected


def _brings_up(script):
    return any(is_compose_up(command.text) for command in parse_script(script))


def test_compose_up_seen_in_nested_scripts():
    assert _brings_up(SSH_HEREDOC)
    assert is_compose_up("docker compose -f x.yml up -d")
    assert not _brings_up("docker compose pull\necho up")


@pytest.mark.parametrize(
    "script, suppressed",
    [
        ("curl -f x || true", True),
        ("curl -f x || :", True),
        ("curl -f x || echo down", True),
        ("curl -f x || exit 0", True),
        ("curl -f x ||\n  echo down", True),
        ("curl -f x || exit 1", False),
        ("curl -f x || { echo down; exit 1; }", False),
        ("curl -f x || false", False),
        ('curl -f x || exit "$rc"', False),
        ("curl -f x && echo ok", False),
        ("curl -f x; exit 0", False),
        ("curl -f x", False),
    ],
)
def test_fail_suppression(script, suppressed):
    commands = parse_script(script)
    assert has_fail_suppression(commands, 0) is suppressed


def test_nested_commands_know_their_carrier():
    script = "ssh host 'curl -f x/health' || echo down\nbash -s <<EOF\nsleep 1\nEOF\n"
    commands = parse_script(script)
    by_text = {c.text: c for c in commands}
    assert by_text["curl -f x/health"].carrier == by_text["ssh host 'curl -f x/health'"].offset
    assert by_text["sleep 1"].carrier == by_text["bash -s <<EOF"].offset
    assert by_text["echo down"].carrier is None
