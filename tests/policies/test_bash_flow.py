"""Data flow inside one script: assignments, $GITHUB_OUTPUT/$GITHUB_ENV writes, resolved values."""

import pytest

from driftgate.policies.lint.bash import parse_script, resolve
from driftgate.policies.lint.values import Commit, Input, Resolved, Unknown

# ------------------------------------------------------------- assignments


@pytest.mark.parametrize(
    "text, expected",
    [
        ("NAME=value", [("NAME", "value", "assign")]),
        ('export IMAGE_TAG="sha-1"', [("IMAGE_TAG", "sha-1", "export")]),
        ("export A=1 B", [("A", "1", "export"), ("B", None, "export")]),
        ("local x=1", [("x", "1", "local")]),
        ("readonly R=2", [("R", "2", "readonly")]),
        ("declare -r D=3", [("D", "3", "declare")]),
        ("read -r LINE", [("LINE", None, "read")]),
        ("read -p 'Tag? ' -t 5 TAG", [("TAG", None, "read")]),
        ("for f in a b; do :; done", [("f", None, "for")]),
        ("X=1; X+=2", [("X", "1", "assign"), ("X", "2", "assign")]),
        ("A=1 B=2", [("A", "1", "assign"), ("B", "2", "assign")]),
        ('echo "::error::Set ALLOW_CONTRACT_FAILURE=true to bypass"', []),
        ("printf 'A=%s\\n' 1", []),
        ("# A=1", []),
        ("cat <<EOF > f\nA=1\nEOF", []),
        ("A=1 docker compose up", []),  # a prefix sets A for that command only
        ("case $x in A=1) :;; esac", []),
    ],
)
def test_assignments(text, expected):
    got = [
        (a.name, a.value.text if a.value else None, a.kind) for a in parse_script(text).assignments
    ]
    assert got == expected


def test_assignment_positions_and_append():
    text = 'X=1\nexport TAG="sha-$X"\nX+=2'
    first, tag, append = parse_script(text).assignments
    assert text[tag.start : tag.end] == 'TAG="sha-$X"'
    assert text[tag.value.start : tag.value.end] == '"sha-$X"'
    assert (first.append, append.append) == (False, True)


def test_prefix_assignments_stay_on_the_command():
    [command] = parse_script("A=1 docker compose up").commands
    assert [(a.name, a.value.text, a.kind) for a in command.env] == [("A", "1", "env")]


# ----------------------------------------------------------- output writes

WRITES = [
    ('echo "short_sha=${GITHUB_SHA::7}" >> "$GITHUB_OUTPUT"', "GITHUB_OUTPUT", "short_sha"),
    ("echo tag=$TAG >> $GITHUB_OUTPUT", "GITHUB_OUTPUT", "tag"),
    ('echo "IMAGE=x" >> "${GITHUB_ENV}"', "GITHUB_ENV", "IMAGE"),
    ("echo 'k=v' > $GITHUB_OUTPUT", "GITHUB_OUTPUT", "k"),
    ('printf \'tag=%s\\n\' "$TAG" >> "$GITHUB_OUTPUT"', "GITHUB_OUTPUT", "tag"),
    ('echo "tag=$TAG" | tee -a "$GITHUB_OUTPUT"', "GITHUB_OUTPUT", "tag"),
    ("echo -n tag=1 >> $GITHUB_OUTPUT", "GITHUB_OUTPUT", "tag"),
]


@pytest.mark.parametrize("text, file, key", WRITES)
def test_output_writes(text, file, key):
    [write] = parse_script(text).output_writes
    assert (write.file, write.key) == (file, key)
    assert text[write.start : write.start + len(key)] == key


def test_output_write_value_positions():
    text = 'echo "short_sha=${GITHUB_SHA::7}" >> "$GITHUB_OUTPUT"'
    [write] = parse_script(text).output_writes
    assert text[write.value.start : write.value.end] == "${GITHUB_SHA::7}"
    assert (write.start, write.end) == (6, 32)


def test_grouped_and_heredoc_writes():
    text = (
        '{ echo "a=1"; echo "b=$B"; } >> "$GITHUB_OUTPUT"\n'
        'cat >> "$GITHUB_OUTPUT" <<EOF\nc=3\nd=${D}\nEOF\n'
        "cat <<'EOF' >> $GITHUB_ENV\nE=5\nEOF\n"
    )
    writes = parse_script(text).output_writes
    assert [(w.file, w.key, w.value.raw) for w in writes] == [
        ("GITHUB_OUTPUT", "a", "1"),
        ("GITHUB_OUTPUT", "b", "$B"),
        ("GITHUB_OUTPUT", "c", "3"),
        ("GITHUB_OUTPUT", "d", "${D}"),
        ("GITHUB_ENV", "E", "5"),
    ]
    assert text[writes[3].start : writes[3].end] == "d=${D}"


@pytest.mark.parametrize(
    "text",
    [
        'echo "x=1" >> notes.txt',
        'echo "x=1"',
        'echo "$KEY=1" >> "$GITHUB_OUTPUT"',  # a computed key is not followed
        'echo "list<<EOF" >> "$GITHUB_OUTPUT"',  # multi-line values: not a key=value line
        'echo "::set-output name=x::1"',
        'echo "x=1" >> "$GITHUB_STEP_SUMMARY"',
    ],
)
def test_not_output_writes(text):
    assert parse_script(text).output_writes == ()


def test_writes_inside_an_ssh_heredoc_are_not_this_runner_s():
    # the remote shell has no $GITHUB_OUTPUT of this job; the write is still read as written
    text = 'ssh vm <<\'EOF\'\necho "k=v" >> "$GITHUB_OUTPUT"\nEOF'
    [write] = parse_script(text).output_writes
    assert text[write.start : write.end] == "k=v"


# -------------------------------------------------------------- resolving


def value_of(text, known=None):
    """The value of the last word of the last command (not one inside `$(...)`)."""
    script = parse_script(text)
    word = [c for c in script.commands if not c.substituted][-1].words[-1]
    return resolve(script, word, known)


@pytest.mark.parametrize(
    "script, length",
    [
        ("echo $GITHUB_SHA", None),
        ("echo ${GITHUB_SHA::7}", 7),
        ("echo ${GITHUB_SHA:0:7}", 7),
        ("echo ${GITHUB_SHA:0:12}", 12),
        ("echo $(git rev-parse HEAD)", None),
        ("echo $(git rev-parse --short HEAD)", 7),
        ("echo $(git rev-parse --short=8 HEAD)", 8),
        ("echo `git rev-parse --short=7 HEAD`", 7),
        ("echo $(git log -1 --format=%h)", 7),
        ("echo $(echo $GITHUB_SHA | cut -c1-7)", 7),
        ('echo $(echo "$GITHUB_SHA" | head -c7)', 7),
        ("echo $(echo ${GITHUB_SHA} | head -c 7)", 7),
        ("echo ${{ github.sha }}", None),
        ('SHORT_SHA="${GITHUB_SHA::7}"\necho ${SHORT_SHA}', 7),
        ('SHA=$(git rev-parse HEAD)\necho "${SHA:0:7}"', 7),
        ("S=$GITHUB_SHA\nT=$S\necho $T", None),
        ("echo $(echo ${GITHUB_SHA::12} | cut -c1-7)", 7),
    ],
)
def test_commit_derived_forms(script, length):
    assert value_of(script).choices == ((Commit(length),),)


def test_tag_from_short_sha_keeps_provenance():
    text = 'SHORT_SHA="${GITHUB_SHA::7}"\nexport IMAGE_TAG="sha-${SHORT_SHA}"\necho $IMAGE_TAG'
    value = value_of(text)
    assert value.choices == (("sha-", Commit(7)),)
    assert value.lines == (1, 2)  # the lines of the assignments it came through


def test_push_of_the_commit_tag():
    text = 'TAG="sha-${GITHUB_SHA::7}"\ndocker push "$REGISTRY/$IMAGE:$TAG"'
    value = value_of(text, known={"REGISTRY": "ghcr.io/acme"})
    assert value.choices == (("ghcr.io/acme/", Unknown("IMAGE"), ":sha-", Commit(7)),)


def test_fallback_default():
    assert value_of('docker push "app:${IMAGE_TAG:-latest}"').texts() == ["app:latest"]
    assert value_of('IMAGE_TAG=v1\ndocker push "app:${IMAGE_TAG:-latest}"').texts() == ["app:v1"]
    known = {"IMAGE_TAG": Resolved(((Commit(None),),))}
    value = value_of('docker push "app:${IMAGE_TAG:-latest}"', known=known)
    assert value.choices == (("app:", Commit(None)),)
    # positional parameters come from the caller: their default may never be taken
    assert value_of('export IMAGE_TAG="${2:-latest}"\necho $IMAGE_TAG').choices == (
        (Unknown("$2"),),
    )


def test_known_values_from_the_workflow():
    known = {"IMAGE": "api", "TAG": Resolved(((Input("tag"),),))}
    value = value_of('docker push "$IMAGE:$TAG"', known=known)
    assert value.choices == (("api:", Input("tag")),)
    assert value_of("echo ${{ inputs.tag }}").choices == ((Input("tag"),),)


@pytest.mark.parametrize(
    "script, expected",
    [
        ("echo ${{ steps.vars.outputs.tag }}", (Unknown("steps.vars.outputs.tag"),)),
        ("echo $(date +%s)", (Unknown("$(date +%s)"),)),
        ("read TAG\necho $TAG", (Unknown("a value read at run time"),)),
        ("for TAG in a b; do echo $TAG; done", (Unknown("a value read at run time"),)),
        ("echo $TAG\nTAG=later", (Unknown("TAG"),)),  # assigned after the use
        ("A=$A-x\necho $A", (Unknown("A"), "-x")),
        ("export TAG\necho $TAG", (Unknown("TAG"),)),
        ("T=v1\nexport T\necho $T", ("v1",)),
        ("X=a\nX+=b\necho $X", ("ab",)),
        ("echo ${X#v}", (Unknown("X"),)),
        ("V=v1.2\necho ${V#v}", (Unknown("V"),)),
        ("V=v1.2\necho ${V:1}", ("1.2",)),
        ("A=1 true\necho $A", (Unknown("A"),)),  # a prefix sets A for its command only
        ('echo "v$1"', ("v", Unknown("$1"))),
    ],
)
def test_other_values(script, expected):
    assert value_of(script).choices == (expected,)


def test_a_prefix_counts_for_its_own_command():
    script = parse_script("IMAGE_TAG=sha-1 docker compose up")
    [command] = script.commands
    # what `docker compose up` runs with: read at the command itself
    found = resolve(script, command.env[0].value)
    assert found.texts() == ["sha-1"]


def test_doubling_values_stay_linear_and_bounded():
    # each A(i) is twice A(i+1): 2**40 parts if expanded; each assignment is read once
    # and the choices stay one; the variable chain is cut at MAX_DEPTH
    text = "A40=x\n" + "".join(f'A{i}="$A{i + 1}$A{i + 1}"\n' for i in range(39, -1, -1))
    [choice] = value_of(text + "echo $A0").choices
    assert any(isinstance(part, Unknown) for part in choice)
    assert value_of("A2=x\nA1=$A2$A2\nA0=$A1$A1\necho $A0").texts() == ["xxxx"]


def test_a_cycle_reads_as_unknown():
    [choice] = value_of("A=$B\nB=$A\nA=$B\necho $A").choices
    assert choice in ((Unknown("A"),), (Unknown("B"),))


def test_chains_are_bounded():
    text = "A0=x\n" + "".join(f"A{i}=$A{i - 1}\n" for i in range(1, 100)) + "echo $A99"
    [(part,)] = value_of(text).choices
    assert isinstance(part, Unknown)
    text = "A0=x\n" + "".join(f"A{i}=$A{i - 1}\n" for i in range(1, 6)) + "echo $A5"
    assert value_of(text).texts() == ["x"]


# ------------------------------------------------------- a deploy, end to end

DEPLOY = """\
set -euo pipefail
SHORT_SHA="${GITHUB_SHA::7}"
export IMAGE_TAG="sha-${SHORT_SHA}"
echo "image_tag=${IMAGE_TAG}" >> "$GITHUB_OUTPUT"
echo "::notice::Set ALLOW_CONTRACT_FAILURE=true to bypass the contract gate"
ssh -o StrictHostKeyChecking=no deploy@${{ secrets.VM_HOST }} <<EOF
  set -e
  cd /srv/catscan
  export IMAGE_TAG=${IMAGE_TAG}
  sudo -u catscan docker compose -f compose.yml -p catscan pull
  sudo -u catscan docker compose -f compose.yml -p catscan up -d --force-recreate
EOF
for i in 1 2 3; do
  curl -fsS "https://catscan.example/health" || echo "health check failed"
  sleep 5
done
"""


def test_a_realistic_deploy_script():
    script = parse_script(DEPLOY)
    ups = [c for c in script.commands if c.argv[:2] == ("docker", "compose")]
    assert [c.argv[-1] for c in ups] == ["pull", "--force-recreate"]
    for command in ups:
        assert [w.kind for w in command.wrappers] == ["heredoc", "sudo"]
        assert command.wrappers[1].words[2].text == "catscan"
        assert DEPLOY[command.start : command.end].startswith("docker compose -f compose.yml")
    [curl] = [c for c in script.commands if c.name == "curl"]
    assert curl.masked and not curl.condition
    assert "ALLOW_CONTRACT_FAILURE" not in [a.name for a in script.assignments]
    [write] = script.output_writes
    tag = resolve(script, write.value)
    assert tag.choices == (("sha-", Commit(7)),)
    assert tag.lines == (2, 3)
    remote_tag = [a for a in script.assignments if a.name == "IMAGE_TAG"][-1]
    assert DEPLOY[remote_tag.start : remote_tag.end] == "IMAGE_TAG=${IMAGE_TAG}"
    assert resolve(script, remote_tag.value).choices == (("sha-", Commit(7)),)
