"""Host group: the VM runs what the expected commit built, and nothing else.

Every fact is read over testinfra by one allow-listed, read-only command
(driftgate.checks.host); every verdict comes from driftgate.policies.host_rules.
With no --host (DRIFTGATE_HOST) every check fails: an unchecked host is no pass.
"""

import posixpath

import pytest

from driftgate.checks.host import HostError, connect
from driftgate.checks.plugin import SETTINGS_KEY
from driftgate.policies import host_rules
from driftgate.policies.errors import DriftgateError

NO_HOST = (
    "no host to check: give --host (pytest: --dg-host) or set DRIFTGATE_HOST, "
    "e.g. ssh://deploy@catscan-production-sg or local://"
)


def pytest_generate_tests(metafunc):
    # One test per container the pack names, so each has its own stable id.
    if "container" in metafunc.fixturenames:
        settings = metafunc.config.stash.get(SETTINGS_KEY, None)
        containers = list(settings.pack.host.containers) if settings else []
        metafunc.parametrize("container", containers or [None], ids=containers or ["none"])


class VmFacts:
    """Facts read once per gate run (one ssh round trip each), errors included."""

    def __init__(self, vm, error=None):
        self.vm, self.error, self._memo = vm, error, {}

    def get(self, fact, *args):
        __tracebackhide__ = True
        if self.error is not None:
            pytest.fail(self.error, pytrace=False)
        key = (fact, args)
        if key not in self._memo:
            try:
                self._memo[key] = (getattr(self.vm, fact)(*args), None)
            except DriftgateError as exc:
                self._memo[key] = (None, str(exc))
        value, error = self._memo[key]
        if error is not None:
            pytest.fail(error, pytrace=False)
        return value


@pytest.fixture(scope="session")
def vm(gate):
    """The VM's facts, read-only; a missing or unusable --host fails each check."""
    if not gate.host_spec:
        return VmFacts(None, NO_HOST)
    try:
        return VmFacts(connect(gate.host_spec, gate.ssh_config, gate.ssh_identity))
    except HostError as exc:
        return VmFacts(None, str(exc))


@pytest.fixture
def judge(vm, record_property):
    """Record a check's facts and problems for the report; fail on any problem."""

    def judge(check, problems, **facts):
        __tracebackhide__ = True
        host = vm.vm.display if vm.vm else None
        record_property("host", {"check": check, "host": host, "problems": list(problems), **facts})
        if problems:
            pytest.fail("; ".join(problems), pytrace=False)

    return judge


def _named(container):
    __tracebackhide__ = True
    if container is None:
        pytest.fail("the pack's host.containers names no container to check", pytrace=False)
    return container


def test_container_running(vm, judge, container):
    state = vm.get("container", _named(container))
    listed = vm.get("container_states").get(container)
    problems = host_rules.container_problems(
        container, state.status, state.restarting, state.restart_count, listed
    )
    judge("container_running", problems, container=container, status=state.status)


def test_container_image_tag(vm, judge, pack, gate, container):
    state = vm.get("container", _named(container))
    image = vm.get("image", state.image_id)
    problems = host_rules.image_tag_problems(
        container, state.image_ref, image.repo_tags, pack.images, gate.expected_sha
    )
    judge("image_tag", problems, container=container, image=state.image_ref)


def test_container_image_pulled(vm, judge, pack, container):
    state = vm.get("container", _named(container))
    image = vm.get("image", state.image_id)
    problems = host_rules.image_pulled_problems(
        container, state.image_ref, image.repo_digests, pack.images
    )
    judge("image_pulled", problems, container=container, repo_digests=list(image.repo_digests))


def test_api_env_matches_expected_sha(vm, judge, pack, gate):
    container = pack.host.api_container
    if not container:
        pytest.fail("the pack's host.api_container is not set", pytrace=False)
    state = vm.get("container", container)
    problems = host_rules.env_problems(container, state.env, gate.expected_sha)
    shown = {name: state.env.get(name) for name in host_rules.SHA_ENV_VARIABLES}
    judge("api_env", problems, container=container, env=shown)


def test_app_dir_at_expected_commit(vm, judge, pack, gate):
    head = vm.get("git_head", pack.host.app_dir)
    problems = host_rules.head_problems(pack.host.app_dir, head, gate.expected_sha)
    judge("app_dir_head", problems, app_dir=pack.host.app_dir, head=head)


def test_api_port_loopback_only(vm, judge, pack):
    port = pack.host.api_port
    addresses = [lst.address for lst in vm.get("listeners") if lst.port == port]
    if pack.host.api_container:
        # Docker may publish without a userland proxy that `ss` would show.
        published = vm.get("container", pack.host.api_container).published
        addresses += [ip for ip, host_port in published if host_port == port]
    problems = host_rules.port_problems(port, addresses)
    judge("api_port", problems, port=port, addresses=sorted(set(addresses)))


def test_compose_tag_not_defaulting_to_latest(vm, judge, pack):
    path = posixpath.join(pack.host.app_dir, pack.host.compose_file)
    text = vm.get("compose_text", path)
    try:
        problems = host_rules.compose_problems(path, text, pack.images, pack.host.containers)
    except DriftgateError as exc:  # not YAML: nothing can be judged, so no pass
        problems = (str(exc),)
    judge("compose_tag", problems, compose_file=path)


def test_free_disk_above_minimum(vm, judge, pack):
    free_mb = vm.get("free_disk_mb", pack.host.app_dir)
    problems = host_rules.disk_problems(pack.host.app_dir, free_mb, pack.host.min_free_disk_mb)
    judge("free_disk", problems, free_mb=free_mb, min_free_mb=pack.host.min_free_disk_mb)
