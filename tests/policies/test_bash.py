"""Scripts read with tree-sitter-bash: commands, words, wrappers, nested scripts, positions."""

import random
import time

import pytest

from driftgate.policies.lint.bash import (
    CommandSubstitution,
    GitHubExpression,
    Literal,
    Variable,
    compose_invocation,
    docker_invocation,
    parse_script,
    read_script,
    resolve,
    systemctl_invocation,
)


def names(text):
    return [c.name for c in parse_script(text).commands]


# ------------------------------------------------------ what runs, what is text


@pytest.mark.parametrize(
    "text, expected",
    [
        ("cd /opt && docker compose pull", ["cd", "docker"]),
        ("a; b & c | d |& e", ["a", "b", "c", "d", "e"]),
        ("# docker compose up\necho hi # rm -rf /", ["echo"]),
        ('echo "::error::Set ALLOW_CONTRACT_FAILURE=true to bypass"', ["echo"]),
        ("printf 'run: docker compose up -d\\n'", ["printf"]),
        ("cat <<EOF > notes.txt\ndocker compose up -d\nEOF\nls", ["cat", "ls"]),
        ("cat <<'EOF'\n$(not run)\nEOF", ["cat"]),
        ("cat <<EOF\n$(date)\nEOF", ["cat", "date"]),
        ('case "$env" in\n  staging) deploy_staging ;;\n  *) echo no ;;\nesac', None),
        ("if curl -f x; then ok; elif b; then c; else d; fi", ["curl", "ok", "b", "c", "d"]),
        ("while read -r line; do echo $line; done < f", ["read", "echo"]),
        ("for i in $(seq 3); do x $i; done", ["seq", "x"]),
        ("f() { docker build .; }\nf", ["docker", "f"]),
        ("TAG=$(git rev-parse HEAD)", ["git"]),
        ("echo `date` $(whoami)", ["echo", "date", "whoami"]),
        ("! grep -q x f", ["grep"]),
        ("(cd app && make)", ["cd", "make"]),
        ("{ a; b; } > log", ["a", "b"]),
        ("[[ -n $(cat f) ]] && go", ["[[", "cat", "go"]),
        ("export A=1 B", ["export"]),
        ("A=1 B=2 docker compose up", ["docker"]),
        ("diff <(sort a) b", ["diff", "sort"]),
        ("echo unclosed 'quote\ndocker compose up", ["echo"]),
    ],
)
def test_commands_that_run(text, expected):
    if expected is None:  # case patterns are not commands
        expected = ["deploy_staging", "echo"]
    assert names(text) == expected


def test_case_pattern_is_not_a_command():
    assert "staging)" not in names("case $x in staging) a ;; esac")
    assert "staging" not in names("case $x in staging) a ;; esac")


def test_function_bodies_are_marked():
    script = parse_script("deploy() {\n  docker compose up -d\n}\ndeploy")
    assert [(c.name, c.function) for c in script.commands] == [
        ("docker", "deploy"),
        ("deploy", None),
    ]


@pytest.mark.parametrize(
    "text, masked",
    [
        ("curl -f http://x/health || true", [True, False]),
        ("curl -f http://x/health || echo failed", [True, False]),
        ("curl -f http://x/health || :", [True, False]),
        ("curl -f http://x/health || exit 1", [False, False]),
        ("curl -f http://x/health || exit", [False, False]),
        ("curl -f http://x/health || exit 0", [True, False]),
        ("curl -f x || { echo bad; exit 1; }", [False, False, False]),
        ("curl -f x || { echo bad; false; }", [False, False, False]),
        ("a && b || true", [True, True, False]),
        ("curl -f x && echo ok", [False, False]),
        ("set +e\ncurl -f x\nset -e\ncurl -f y", [False, True, True, False]),
        ("set -euo pipefail\ncurl x", [False, False]),
        ("set +o errexit\ncurl x\nset -o errexit\ncurl y", [False, True, True, False]),
        ("set -o pipefail\ncurl x", [False, False]),
        ("! curl -f x", [True]),
        ("ssh h 'curl -f x' || true", [True, True, False]),
        ("X=$(curl -f x)", [False]),
        ("echo $(curl -f x)", [False, True]),
    ],
)
def test_masked_failures(text, masked):
    assert [c.masked for c in parse_script(text).commands] == masked


@pytest.mark.parametrize(
    "text, fallbacks",
    [
        ("curl -f http://x/health || echo down", [27, None]),
        ("(a || b) || c", [6, 12, None]),
        ("ssh h 'curl -f x' || true", [21, 21, None]),
        ("set +e\ncurl -f x", [None, None]),
        ("curl -f x || exit 1", [None, None]),
    ],
)
def test_a_masked_command_knows_where_its_fallback_starts(text, fallbacks):
    assert [c.fallback for c in parse_script(text).commands] == fallbacks


def test_read_script_builds_one_script_per_text():
    text = "docker compose up -d  # read_script cache probe"
    assert read_script(text) is read_script(text)
    assert read_script(text) == parse_script(text)


def test_substituted_commands_are_marked():
    script = parse_script("TAG=$(git rev-parse HEAD)\ndocker push x:`date` <(ls)")
    got = [(c.name, c.substituted) for c in script.commands]
    assert got == [("git", True), ("docker", False), ("date", True), ("ls", True)]
    [sub] = script.commands[1].words[2].parts[1:]
    assert sub.script.text == "date"


def test_condition_and_pipeline():
    script = parse_script("if curl -f x | grep -q ok; then deploy; fi")
    got = [(c.name, c.condition, c.pipeline) for c in script.commands]
    assert got == [("curl", True, (0, 2)), ("grep", True, (1, 2)), ("deploy", False, (0, 1))]


# ------------------------------------------------------------------ words


def test_word_parts_and_offsets():
    text = 'docker push "$REGISTRY/${IMAGE}:${GITHUB_SHA::7}" ${TAG:-latest}'
    command = parse_script(text).commands[0]
    image = command.words[2]
    assert (image.start, image.end) == (12, 49)
    assert image.text is None
    assert image.parts == (
        Variable("REGISTRY", "", "", 13, 22),
        Literal("/", 22, 23),
        Variable("IMAGE", "", "", 23, 31),
        Literal(":", 31, 32),
        Variable("GITHUB_SHA", ":", ":7", 32, 48),
    )
    tag = command.words[3].parts[0]
    assert (tag.name, tag.operator, tag.argument) == ("TAG", ":-", "latest")
    assert tag.default == (Literal("latest", 57, 63),)


@pytest.mark.parametrize(
    "word, text",
    [
        ("plain", "plain"),
        ("'single $X'", "single $X"),
        ('"double"', "double"),
        ("a'b'\"c\"", "abc"),
        ("esc\\ aped", "esc aped"),
        ('"q\\"uote"', 'q"uote'),
        ("--file=x.yml", "--file=x.yml"),
        ("$X", None),
    ],
)
def test_word_text(word, text):
    command = parse_script("cmd " + word).commands[0]
    assert command.words[1].text == text
    assert command.words[1].raw == word


@pytest.mark.parametrize(
    "expansion, name, operator, argument",
    [
        ("$X", "X", "", ""),
        ("${X}", "X", "", ""),
        ("${X::7}", "X", ":", ":7"),
        ("${X:0:7}", "X", ":", "0:7"),
        ("${X:-default}", "X", ":-", "default"),
        ("${X-default}", "X", "-", "default"),
        ("${X:?set X}", "X", ":?", "set X"),
        ("${X#v}", "X", "#", "v"),
        ("${X//a/b}", "X", "//", "a/b"),
        ("${#X}", "X", "length", ""),
        ("$1", "1", "", ""),
    ],
)
def test_variables(expansion, name, operator, argument):
    [part] = parse_script(f"cmd {expansion}").commands[0].words[1].parts
    assert (part.name, part.operator, part.argument) == (name, operator, argument)
    assert (part.start, part.end) == (4, 4 + len(expansion))


def test_command_substitution_is_a_script():
    [sub] = parse_script("echo $(git rev-parse --short HEAD)").commands[0].words[1].parts
    assert isinstance(sub, CommandSubstitution)
    assert [c.argv for c in sub.script.commands] == [("git", "rev-parse", "--short", "HEAD")]
    assert (sub.start, sub.end) == (5, 34)


def test_github_expressions_in_scripts():
    text = "docker push \"ghcr.io/${{ github.repository }}:${{ format('{0}', 'x y') }}\"\n"
    text += "${{ inputs.cmd }} --flag"
    script = parse_script(text)
    word = script.commands[0].words[2]
    assert word.parts == (
        Literal("ghcr.io/", 13, 21),
        GitHubExpression(" github.repository ", 21, 45),
        Literal(":", 45, 46),
        GitHubExpression(" format('{0}', 'x y') ", 46, 73),
    )
    second = script.commands[1]
    assert second.name is None and isinstance(second.words[0].parts[0], GitHubExpression)
    assert text[second.start : second.end] == "${{ inputs.cmd }} --flag"


def test_non_ascii_offsets_are_characters():
    text = "echo '🚀 déploiement'\ndocker compose up -d  # ✅"
    [echo, docker] = parse_script(text).commands
    assert text[echo.words[1].start : echo.words[1].end] == "'🚀 déploiement'"
    assert echo.words[1].text == "🚀 déploiement"
    assert text[docker.start : docker.end] == "docker compose up -d"


# --------------------------------------------------------------- wrappers


@pytest.mark.parametrize(
    "text, argv, wrappers",
    [
        ("sudo docker compose up -d", "docker compose up -d", ["sudo"]),
        ("sudo -u catscan docker-compose build", "docker-compose build", ["sudo"]),
        ("sudo -ucatscan -E docker compose up", "docker compose up", ["sudo"]),
        ("sudo -E env PATH=$PATH docker build .", "docker build .", ["sudo", "env"]),
        ("env -i A=1 B=2 docker push x", "docker push x", ["env"]),
        ("time docker build .", "docker build .", ["time"]),
        ("nohup ./server &", "./server", ["nohup"]),
        ("exec docker compose up", "docker compose up", ["exec"]),
        ("timeout 60 curl -f x", "curl -f x", ["timeout"]),
        ("timeout -s KILL 60s curl x", "curl x", ["timeout"]),
        ("xargs -I{} docker push {}", "docker push {}", ["xargs"]),
        ("/usr/bin/sudo -n docker ps", "docker ps", ["sudo"]),
        ("command -v docker", "command -v docker", []),
    ],
)
def test_wrappers(text, argv, wrappers):
    command = parse_script(text).commands[0]
    assert text[command.start : command.end] == argv
    assert [w.kind for w in command.wrappers] == wrappers


@pytest.mark.parametrize("text", ['sudo "" x', 'env "" x', 'sudo -u "" x', '""', "X= ; echo $X"])
def test_empty_words(text):
    assert parse_script(text).commands[-1].name in ("x", "", "echo")


def test_sudo_wrapper_keeps_its_words():
    [command] = parse_script("sudo -u catscan docker compose up").commands
    [sudo] = command.wrappers
    assert [w.text for w in sudo.words] == ["sudo", "-u", "catscan"]
    assert (sudo.start, sudo.end) == (0, 15)


def test_env_prefixes_are_the_commands_env():
    command = parse_script("A=1 env B=2 docker compose up").commands[0]
    assert [(a.name, a.value.text) for a in command.env] == [("A", "1"), ("B", "B=2")]


NESTED = [
    # (script, the nested command's text, its wrappers)
    ("ssh deploy@vm 'cd /srv && docker compose up -d'", "docker compose up -d", ["ssh"]),
    ('ssh -i k -o BatchMode=yes vm "docker compose pull"', "docker compose pull", ["ssh"]),
    ("ssh -p 22 vm docker compose up -d", "docker compose up -d", ["ssh"]),
    ("bash -c 'docker build -t x .'", "docker build -t x .", ["shell-c"]),
    ('sh -ec "docker compose restart api"', "docker compose restart api", ["shell-c"]),
    ("sudo -u app bash -c 'docker compose up -d'", "docker compose up -d", ["sudo", "shell-c"]),
    ("docker exec db sh -c 'pg_dump x'", "pg_dump x", ["shell-c"]),
    (
        'gcloud compute ssh vm --zone=z --command="sudo docker compose up -d"',
        "docker compose up -d",
        ["gcloud-ssh", "sudo"],
    ),
    (
        "gcloud compute ssh vm --command 'docker compose up -d' --zone z",
        "docker compose up -d",
        ["gcloud-ssh"],
    ),
    ("ssh vm <<EOF\n  cd /srv\n  docker compose up -d\nEOF", "docker compose up -d", ["heredoc"]),
    ("ssh vm 'bash -s' <<'EOF'\ndocker compose up -d\nEOF", "docker compose up -d", ["heredoc"]),
    ("sudo bash <<EOF\ndocker compose up -d\nEOF", "docker compose up -d", ["sudo", "heredoc"]),
    ("sh -s -- prod <<'EOF'\ndocker compose up -d\nEOF", "docker compose up -d", ["heredoc"]),
    ("gcloud compute ssh vm <<EOF\ndocker compose up -d\nEOF", "docker compose up -d", ["heredoc"]),
    (
        "ssh vm \"sudo -u app bash -c 'docker compose up -d'\"",
        "docker compose up -d",
        ["ssh", "sudo", "shell-c"],
    ),
    (
        "ssh vm sudo bash -c \"'docker compose up -d'\"",
        "docker compose up -d",
        ["ssh", "sudo", "shell-c"],
    ),
]


@pytest.mark.parametrize("text, inner, wrappers", NESTED)
def test_nested_scripts_keep_outer_positions(text, inner, wrappers):
    script = parse_script(text)
    [command] = [c for c in script.commands if c.argv[:2] in (("docker", "compose"),)] or [
        c for c in script.commands if c.wrappers and c.name in ("docker", "pg_dump")
    ]
    assert text[command.start : command.end] == inner
    assert [w.kind for w in command.wrappers] == wrappers


def test_ssh_joins_its_words_as_the_remote_shell_sees_them():
    # ssh hands `bash -c docker compose up` to the remote shell: bash -c runs `docker` only
    script = parse_script("ssh vm bash -c 'docker compose up'")
    assert [(c.name, [w.kind for w in c.wrappers]) for c in script.commands] == [
        ("ssh", []),
        ("bash", ["ssh"]),
        ("docker", ["ssh", "shell-c"]),
    ]
    assert script.commands[2].argv == ("docker",)


def test_heredoc_not_fed_to_a_shell_is_text():
    text = "ssh vm 'cat > /srv/run.sh' <<EOF\ndocker compose up -d\nEOF"
    assert names(text) == ["ssh", "cat"]
    assert names("cat <<EOF | tee x\ndocker compose up\nEOF") == ["cat", "tee"]


def test_heredoc_piped_to_a_shell_is_a_script():
    text = "cat <<'EOF' | ssh vm\ndocker compose up -d\nEOF"
    script = parse_script(text)
    assert [(c.name, c.pipeline) for c in script.commands] == [
        ("cat", (0, 2)),
        ("ssh", (1, 2)),
        ("docker", (0, 1)),
    ]
    assert text[script.commands[2].start : script.commands[2].end] == "docker compose up -d"


def test_rest_of_the_heredoc_line():
    script = parse_script("curl -f x <<EOF || true\nbody\nEOF\ncat <<EOF && next\nb\nEOF")
    assert [(c.name, c.masked) for c in script.commands] == [
        ("curl", True),
        ("true", False),
        ("cat", False),
        ("next", False),
    ]


def test_nested_escaped_string_maps_to_the_word():
    text = 'ssh vm "docker run -e \\"A=b c\\" img"'
    script = parse_script(text)
    docker = next(c for c in script.commands if c.name == "docker")
    assert docker.argv == ("docker", "run", "-e", "A=b c", "img")
    assert docker.start == text.index("docker")  # the string's start: escapes make it inexact


# ------------------------------------------------------------------ forms


@pytest.mark.parametrize(
    "text, sub, args, files, project, directory",
    [
        ("docker compose up -d", "up", ["-d"], [], None, None),
        ("docker-compose build api", "build", ["api"], [], None, None),
        ("docker compose -f a.yml -f b.yml up -d", "up", ["-d"], ["a.yml", "b.yml"], None, None),
        ("docker compose --file=a.yml -p cs pull", "pull", [], ["a.yml"], "cs", None),
        ("docker compose --project-directory /srv up", "up", [], [], None, "/srv"),
        ("docker --context prod compose up", "up", [], [], None, None),
        ("sudo -u catscan docker compose -fx.yml up", "up", [], ["x.yml"], None, None),
        ("docker compose --env-file .env --profile p up", "up", [], [], None, None),
    ],
)
def test_compose_invocation(text, sub, args, files, project, directory):
    compose = compose_invocation(parse_script(text).commands[0])
    assert compose.subcommand == sub
    assert [w.text for w in compose.args] == args
    assert [w.text for w in compose.files] == files
    assert (compose.project.text if compose.project else None) == project
    assert (compose.project_directory.text if compose.project_directory else None) == directory


def test_compose_file_position_after_equals():
    text = "docker compose --file=deploy/compose.yml up"
    compose = compose_invocation(parse_script(text).commands[0])
    [file] = compose.files
    assert text[file.start : file.end] == "deploy/compose.yml"


@pytest.mark.parametrize("text", ["docker build .", "dockerx compose up", "echo docker compose"])
def test_not_compose(text):
    assert compose_invocation(parse_script(text).commands[0]) is None


@pytest.mark.parametrize(
    "text, sub, args",
    [
        ("docker build -t x .", "build", ["-t", "x", "."]),
        ("docker image push x", "push", ["x"]),
        ("docker buildx build --push .", "build", ["--push", "."]),
        ("docker -H ssh://vm restart api", "restart", ["api"]),
        ("docker container restart api", "restart", ["api"]),
        ("docker tag a b", "tag", ["a", "b"]),
    ],
)
def test_docker_invocation(text, sub, args):
    invocation = docker_invocation(parse_script(text).commands[0])
    assert (invocation.subcommand, [w.text for w in invocation.args]) == (sub, args)


def test_docker_invocation_is_not_compose():
    assert docker_invocation(parse_script("docker compose up").commands[0]) is None


def test_systemctl_invocation():
    invocation = systemctl_invocation(parse_script("sudo systemctl --user restart api").commands[0])
    assert (invocation.subcommand, [w.text for w in invocation.args]) == ("restart", ["api"])


# ---------------------------------------------------------- bad and hostile


def test_bad_syntax_still_gives_the_commands_it_can_read():
    script = parse_script("docker compose pull\nif then fi ((\ndocker compose up -d")
    assert script.errors
    assert "docker" in [c.name for c in script.commands]


HOSTILE = [
    ("2 MiB of garbage", "".join("ab $(){}[]'\"\\`;|&<>\n#=-"[i * 7 % 23] for i in range(2**21))),
    ("2 MiB of commands", "echo a b c; " * 170_000),
    ("deep substitutions", "echo " + "$(" * 5000 + "x" + ")" * 5000),
    ("deep subshells", "(" * 5000 + "x" + ")" * 5000),
    ("deep ifs", "if a; then " * 3000 + "x" + "; fi" * 3000),
    ("unclosed ${{", "${{ " * 90_000 + "x" * 1_200_000),
]


@pytest.mark.parametrize("label, text", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_scripts_are_bounded(label, text):
    started = time.perf_counter()
    script = parse_script(text)
    # a deadline with a wide margin: the machine may be busy; unbounded reading took minutes
    assert time.perf_counter() - started < 10
    assert script.errors


def test_nested_bash_c_a_thousand_deep():
    inner = "docker compose up"
    for _ in range(1000):
        inner = "bash -c " + "'" + inner.replace("'", "'\\''") + "'"
        if len(inner) > 200_000:
            break
    script = parse_script(inner)
    assert script.commands[0].name == "bash"
    assert len(script.commands) <= 9  # nesting is followed 8 levels deep


def test_long_script_is_cut_and_says_so():
    text = "true\n" * 30_000 + "docker compose up"
    script = parse_script(text)
    assert not script.complete
    assert "docker" not in [c.name for c in script.commands]
    assert parse_script("true\n" * 10 + "docker compose up").complete


# ------------------------------------------------------------------ fuzzing

SEEDS = [
    'S="${GITHUB_SHA::7}"\nexport TAG="sha-$S"\necho "tag=$TAG" >> "$GITHUB_OUTPUT"',
    "ssh -i k vm <<'EOF'\n  sudo -u app docker compose -f c.yml up -d\nEOF\ncurl -f x || true",
    'for i in $(seq 3); do bash -c "docker push ${{ env.IMAGE }}:$i" | tee log; done',
    "case $x in a) f() { :; } ;; esac; cat <<EOF | ssh vm\nA=1\nEOF",
]
NOISE = list("\"'`$(){}[]\\;|&<>\n#=- ") + ["${{", "}}", "<<EOF\n", "\nEOF\n", "$(", "${X:-"]


def test_mutated_scripts_never_raise():
    chooser = random.Random(20261206)
    for _ in range(400):
        text = chooser.choice(SEEDS)
        for _ in range(chooser.randint(1, 6)):
            at = chooser.randint(0, len(text))
            if chooser.random() < 0.6:
                text = text[:at] + chooser.choice(NOISE) + text[at:]
            else:
                text = text[:at] + text[at + chooser.randint(1, 8) :]
        script = parse_script(text)
        for command in script.commands:
            assert 0 <= command.start <= command.end <= len(text)
            compose_invocation(command)
            for word in command.words:
                resolve(script, word)


@pytest.mark.parametrize(
    "text, argv, condition",
    [
        ('[ "$deployed" = "$GITHUB_SHA" ] || exit 1', ["[", None, "=", None, "]"], False),
        (
            'if [[ $d != "${GITHUB_SHA::7}" ]]; then exit 1; fi',
            ["[[", None, "!=", None, "]]"],
            True,
        ),
        ("[[ -n $x && $y == sha-* ]]", ["[[", "-n", None, "&&", None, "==", "sha-*", "]]"], False),
    ],
)
def test_a_test_is_one_command_with_its_operands_and_operators(text, argv, condition):
    (test, *_) = parse_script(text).commands
    assert list(test.argv) == argv
    assert test.condition is condition
    assert not test.masked  # `|| exit 1` keeps the failure


@pytest.mark.parametrize(
    "feeder, read",
    [
        ('ssh "$VM" bash -s -- "$GITHUB_SHA" "$IMAGE_TAG"', True),
        ("ssh vm 'bash -s'", True),
        ('ssh vm bash "$SCRIPT"', False),  # runs a file: the heredoc is its stdin, not a script
        ('ssh vm "$REMOTE"', False),
    ],
)
def test_a_heredoc_fed_to_a_remote_shell_is_read_whatever_its_arguments(feeder, read):
    text = f"{feeder} <<'REMOTE'\ndocker compose up -d --force-recreate\nREMOTE\n"
    assert ("docker" in [c.name for c in parse_script(text).commands]) is read


# Cases carried over from the hand-written reader's tests when it was removed.
@pytest.mark.parametrize(
    "carrier, runs",
    [
        ("ssh host", True),
        ("ssh -i key -p 22 user@host", True),
        ("ssh host bash -s", True),
        ("ssh host 'bash -s'", True),
        ("ssh -o StrictHostKeyChecking=no host sh", True),
        ("gcloud compute ssh vm --zone z --tunnel-through-iap", True),
        ("gcloud compute ssh vm --command 'bash -s'", True),
        ("gcloud compute ssh vm --command='bash -s'", True),
        ("bash", True),
        ("sudo bash -s", True),
        ("sh -s -- a b", True),
        ("cat > f", False),
        ("ssh host 'cat > /tmp/f'", False),
        ("gcloud compute ssh vm --command 'cat > f'", False),
        ("bash deploy.sh", False),
        ("tee out", False),
        ("python3 -", False),
    ],
)
def test_a_heredoc_is_a_script_only_for_a_shell_that_reads_it(carrier, runs):
    text = f"{carrier} <<'EOF'\ndocker compose up -d\nEOF\n"
    assert ("docker" in names(text)) is runs


@pytest.mark.parametrize(
    "head, runs",
    [
        ("cat <<'EOF' | ssh host bash -s", True),
        ("cat <<'EOF' | ssh host 'bash -s'", True),
        ("cat - <<EOF | gcloud compute ssh vm", True),
        ("cat <<EOF | sudo -u app bash", True),
        ("cat <<EOF | tee log", False),
        ("cat notes <<EOF | ssh host bash -s", False),
        ("cat <<EOF > f | ssh host bash -s", False),
    ],
)
def test_a_heredoc_piped_from_a_bare_cat_into_a_shell_is_its_script(head, runs):
    assert ("docker" in names(f"{head}\ndocker compose up -d\nEOF\n")) is runs


@pytest.mark.parametrize(
    "text, fallback",
    [
        ("curl -f x ||\n  echo down", 15),
        ("curl -f x || false", None),
        ('curl -f x || exit "$rc"', None),
        ("curl -f x; exit 0", None),  # bash -e: the failure still fails the script
    ],
)
def test_what_a_fallback_keeps_and_swallows(text, fallback):
    assert parse_script(text).commands[0].fallback == fallback


def test_nested_offsets_survive_double_quote_escapes_and_continuations():
    text = 'echo x\nssh host \\\n  "echo \\"hi\\"; docker compose pull"\n'
    (pull,) = [c for c in parse_script(text).commands if c.argv == ("docker", "compose", "pull")]
    assert text[pull.start :].startswith("docker compose pull")
    assert [text[w.start : w.end] for w in pull.words] == ["docker", "compose", "pull"]
