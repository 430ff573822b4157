"""The driftgate pytest plugin (entry point `pytest11: driftgate`).

pytest loads it into every run in the environment, so it stays inert unless
the gate suite (driftgate.checks.suite) is named on the command line: its
options are namespaced `--dg-*`, and the suite is never collected by accident.
When the gate runs, it resolves GateSettings once, gives the fixtures `gate`,
`pack` and `target`, deselects groups, and registers the gate's report.

    pytest path/to/driftgate/checks/suite --dg-target production --dg-expected-sha 94e9cbb
"""

from pathlib import Path

import pytest

from driftgate.policies.errors import DriftgateError

from .settings import OPTIONS, declare_options, resolve_settings
from .suite import SUITE_DIR

SETTINGS_KEY = pytest.StashKey()  # GateSettings of a gate run
HEALTH_POLL_KEY = pytest.StashKey()  # checks.health.HealthPoll of a gate run


def pytest_addoption(parser):
    group = parser.getgroup("driftgate gate", "driftgate post-deploy gate (driftgate verify)")
    declare_options(group.addoption, prefix="--dg-")


def gate_requested(config):
    """True when a command-line argument names the suite or a file inside it."""
    base = Path(config.invocation_params.dir)
    for arg in config.args:
        path = (base / str(arg).split("::", 1)[0]).resolve()
        if path == SUITE_DIR or SUITE_DIR in path.parents:
            return True
    return False


def raw_options(config):
    """Option name -> value given on the command line (None when absent)."""
    return {option.name: config.getoption(option.dest) for option in OPTIONS}


def pytest_ignore_collect(collection_path, config):
    path = Path(collection_path).resolve()
    if not (path == SUITE_DIR or SUITE_DIR in path.parents):
        return None
    # Our own test runs (and `pytest .`) must never pick up the gate suite.
    if not gate_requested(config):
        return True
    # A group not run is not even imported (schemathesis alone costs seconds to import).
    settings = config.stash.get(SETTINGS_KEY, None)
    if settings is not None and path.suffix == ".py" and path.stem.startswith("test_"):
        return path.stem.removeprefix("test_") not in settings.groups_to_run or None
    return None


def pytest_configure(config):
    if not gate_requested(config):
        return
    try:
        settings = resolve_settings(raw_options(config))
    except DriftgateError as exc:
        # A config error is one line and pytest's usage exit, never a traceback per test.
        raise pytest.UsageError(f"driftgate: {exc}") from None
    if settings.adopt:  # the one read of what runs; when it fails, no group runs
        from .adopt import adopt

        settings = adopt(settings)
    config.stash[SETTINGS_KEY] = settings
    from .report import GateReport  # only a gate run needs the report machinery

    config.pluginmanager.register(GateReport(config, settings), "driftgate-report")


def pytest_collection_modifyitems(config, items):
    settings = config.stash.get(SETTINGS_KEY, None)
    if settings is None:
        return
    kept, deselected = [], []
    for item in items:
        path = Path(item.path).resolve()
        in_suite = SUITE_DIR in path.parents
        group = path.stem.removeprefix("test_")
        (deselected if in_suite and group not in settings.groups_to_run else kept).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept


@pytest.fixture(scope="session")
def gate(request):
    """The resolved GateSettings of this gate run (secrets are never in its repr)."""
    settings = request.config.stash.get(SETTINGS_KEY, None)
    if settings is None:
        try:
            settings = resolve_settings(raw_options(request.config))
        except DriftgateError as exc:
            pytest.fail(f"driftgate: {exc}", pytrace=False)
        if settings.adopt:
            from .adopt import adopt

            settings = adopt(settings)
            if settings.expected_sha is None:  # never a check against "any SHA"
                pytest.fail(f"driftgate: {settings.adoption.problem}", pytrace=False)
        request.config.stash[SETTINGS_KEY] = settings
    return settings


def expected_sha_poll(config):
    """The one health poll of a gate run, shared by the health and API groups.

    It runs when a group first needs it (the API group loads its document at
    collection, after the new SHA answers), so a failing deploy costs one deadline,
    not one per group.
    """
    if HEALTH_POLL_KEY not in config.stash:
        from .health import poll_health  # requests: only a gate run pays for it

        gate = config.stash[SETTINGS_KEY]
        config.stash[HEALTH_POLL_KEY] = poll_health(
            gate.pack.health_url(gate.target.name, gate.base_url),
            gate.expected_sha,
            schema=dict(gate.pack.health_schema),
            deadline=gate.deadline,
            poll_interval=gate.poll_interval,
            probe_timeout=gate.probe_timeout,
        )
    return config.stash[HEALTH_POLL_KEY]


def not_checked(node, because):
    """Fail a check that could not be judged because another failed (its root cause).

    It still fails the gate (never a pass), but reports name it "not checked"
    and leave the reason to the check that failed first.
    """
    __tracebackhide__ = True
    node.user_properties.append(("not_checked", because))
    pytest.fail(f"not checked because {because}", pytrace=False)


@pytest.fixture(scope="session")
def pack(gate):
    """The policy pack (policies.pack.Pack) of this gate run."""
    return gate.pack


@pytest.fixture(scope="session")
def target(gate):
    """The deploy target (policies.pack.Target) being verified."""
    return gate.target
