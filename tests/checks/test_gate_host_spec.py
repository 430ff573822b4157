"""A malformed --host is a usage error before anything runs: one line naming the option.

require_group_inputs checks the host spec (and its ssh files) for a run with
the host group; nothing connects, and no password in a spec is ever echoed.
"""

import pytest
from gate_helpers import NEW_SHA

from driftgate.checks.settings import require_group_inputs, resolve_settings
from driftgate.policies.errors import DriftgateError

NO_HOST = (
    "the host group needs --host (or DRIFTGATE_HOST): ssh://[user@]host[:port] or local://; "
    "or leave the group out with --groups"
)


def host_group(**raw):
    raw = {"target": "production", "expected-sha": NEW_SHA, "groups": "host", **raw}
    return resolve_settings(raw, environ={})


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (None, NO_HOST),
        ("", NO_HOST),
        ("deploy@catscan", "--host 'deploy@catscan': use ssh://[user@]host[:port] or local://"),
        ("docker://api", "--host 'docker://api': use ssh://[user@]host[:port] or local://"),
        ("ssh://", "--host ssh://: no host name"),
        ("ssh://deploy@", "--host ssh://deploy@: no host name"),
        ("ssh://deploy@catscan:99999", "--host ssh://deploy@catscan:99999: bad port"),
        ("ssh://deploy@catscan:ssh", "--host ssh://deploy@catscan:ssh: bad port"),
        (
            "ssh://deploy:hunter2@catscan",
            "--host: a password in the host spec is refused; use an ssh key",
        ),
    ],
)
def test_a_malformed_host_spec_is_one_line_naming_the_option(spec, message):
    settings = host_group(host=spec)
    with pytest.raises(DriftgateError) as caught:
        require_group_inputs(settings)
    assert str(caught.value) == message


def test_a_good_spec_passes_and_only_the_host_group_needs_one():
    require_group_inputs(host_group(host="ssh://deploy@catscan-production-sg:2222?timeout=5"))
    require_group_inputs(host_group(host="local://"))
    require_group_inputs(host_group(groups="health,promotion"))


@pytest.mark.parametrize("option", ["ssh-config", "ssh-identity"])
def test_a_missing_ssh_file_is_named(option, tmp_path):
    missing = tmp_path / "absent"
    with pytest.raises(DriftgateError) as caught:
        host_group(host="ssh://deploy@catscan", **{option: str(missing)})
    assert str(caught.value) == f"--{option}: no such file: {missing}"


def test_the_command_exits_2_with_one_line_and_writes_nothing(verify, tmp_path):
    artifact = tmp_path / "verify.json"
    code, out, err = verify(
        "--target", "production", "--expected-sha", NEW_SHA, "--groups", "host",
        "--host", "ssh://deploy:hunter2@catscan", "--json-out", artifact,
    )  # fmt: skip
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "--host: a password in the host spec is refused" in err
    assert "hunter2" not in out + err
    assert not artifact.exists()
