"""GateSettings: options, env fallbacks, and a one-line error for each bad value."""

import pytest
from gate_helpers import NEW_SHA

from driftgate.checks.secrets import scrub, secret_values
from driftgate.checks.settings import SettingsError, resolve_settings
from driftgate.policies.errors import DriftgateError


def resolve(environ=None, **raw):
    raw = {k.replace("_", "-"): v for k, v in raw.items()}
    return resolve_settings(raw, environ=environ or {})


def test_defaults_come_from_the_pack():
    gate = resolve(target="production", expected_sha="SHA-94E9CBB")
    assert gate.expected_sha == "94e9cbb"
    assert gate.base_url == "https://scan.rtb.cat/api"
    assert gate.urls["staging"] == "http://catscan-production-sg2.internal/api"
    assert (gate.deadline, gate.poll_interval) == (120.0, 0.5)
    assert gate.groups == {"health", "promotion", "host", "contracts", "api"}
    assert not gate.strict and not gate.allow_contract_failure
    assert gate.dsn is None and gate.token is None


def test_environment_fallbacks():
    env = {
        "DRIFTGATE_TARGET": "staging",
        "GITHUB_SHA": NEW_SHA,
        "DRIFTGATE_BASE_URL": "http://127.0.0.1:9/api/",
        "DRIFTGATE_DEADLINE": "3",
        "DRIFTGATE_POLL_INTERVAL": "0.1",
        "DRIFTGATE_GROUPS": "health, promotion",
        "DRIFTGATE_STRICT": "yes",
        "ALLOW_CONTRACT_FAILURE": "true",
        "DRIFTGATE_DSN": "postgresql://u:pw-secret@db/x",
        "MY_TOKEN": "tok-secret",
        "DRIFTGATE_HOST": "local://",
    }
    gate = resolve(env, token_env="MY_TOKEN")
    assert gate.target.name == "staging" and gate.expected_sha == NEW_SHA
    assert gate.base_url == "http://127.0.0.1:9/api" == gate.urls["staging"]
    assert (gate.deadline, gate.poll_interval) == (3.0, 0.1)
    assert gate.groups == {"health", "promotion"}
    assert gate.strict and gate.allow_contract_failure
    assert gate.dsn == "postgresql://u:pw-secret@db/x" and gate.token == "tok-secret"
    assert gate.host_spec == "local://"


def test_options_win_over_environment():
    env = {
        "DRIFTGATE_EXPECTED_SHA": "aaaaaaa",
        "GITHUB_SHA": "bbbbbbb",
        "ALLOW_CONTRACT_FAILURE": "true",
    }
    gate = resolve(env, target="staging", expected_sha="ccccccc", allow_contract_failure="false")
    assert gate.expected_sha == "ccccccc" and not gate.allow_contract_failure
    assert resolve(env, target="staging").expected_sha == "aaaaaaa"


def test_url_overrides_any_target():
    gate = resolve(target="production", expected_sha="94e9cbb", url=["staging=http://127.0.0.1:1"])
    assert gate.urls["staging"] == "http://127.0.0.1:1"
    assert gate.base_url == "https://scan.rtb.cat/api"


def test_url_overrides_from_the_environment_and_the_option_wins():
    env = {"DRIFTGATE_URLS": "staging=http://127.0.0.1:1, production=http://127.0.0.1:2"}
    gate = resolve(env, target="production", expected_sha="94e9cbb")
    assert gate.urls == {"staging": "http://127.0.0.1:1", "production": "http://127.0.0.1:2"}
    assert gate.base_url == "http://127.0.0.1:2"
    gate = resolve(env, target="production", expected_sha="94e9cbb", url=["staging=http://h:3"])
    assert gate.urls["staging"] == "http://h:3" and gate.urls["production"] != "http://127.0.0.1:2"
    with pytest.raises(SettingsError, match="--url: expected NAME=URL, got 'staging'"):
        resolve({"DRIFTGATE_URLS": "staging"}, target="production", expected_sha="94e9cbb")


def test_secrets_never_in_repr():
    env = {"DRIFTGATE_DSN": "postgresql://u:pw-secret@db/x", "DRIFTGATE_API_TOKEN": "tok-secret"}
    text = repr(resolve(env, target="staging", expected_sha="94e9cbb"))
    assert "pw-secret" not in text and "tok-secret" not in text


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"target": "prod"}, "unknown target 'prod' (this pack has: staging, production)"),
        ({"target": None}, "no target"),
        ({"expected_sha": "unknown"}, "--expected-sha: not a commit SHA"),
        ({"expected_sha": "ref: ref"}, "--expected-sha: not a commit SHA"),
        ({"expected_sha": "94e9cb"}, "--expected-sha: not a commit SHA"),
        ({"expected_sha": "a" * 41}, "--expected-sha: not a commit SHA"),
        ({"expected_sha": None}, "no expected SHA"),
        ({"base_url": "ftp://host/x"}, "--base-url: not an http(s) URL"),
        ({"base_url": "http://"}, "--base-url: not an http(s) URL"),
        ({"base_url": "http://u:p@host"}, "credentials in the URL are refused"),
        ({"base_url": "http://host:99999"}, "bad port"),
        ({"url": ["staging"]}, "--url: expected NAME=URL"),
        ({"url": ["qa=http://127.0.0.1"]}, "--url: unknown target 'qa'"),
        ({"deadline": "0"}, "--deadline: must be above 0"),
        ({"deadline": "-5"}, "--deadline: must be above 0"),
        ({"deadline": "nan"}, "--deadline: must be above 0"),
        ({"deadline": "soon"}, "--deadline: not a number"),
        ({"deadline": "86400"}, "--deadline: must be above 0 and at most 3600"),
        ({"poll_interval": "inf"}, "--poll-interval: must be above 0"),
        ({"groups": "health,smoke"}, "--groups: unknown smoke"),
        ({"groups": ","}, "--groups: unknown (none)"),
        ({"strict": "maybe"}, "--strict (DRIFTGATE_STRICT): expected true or false"),
        ({"dsn_env": "NOT-A-VAR"}, "--dsn-env: not an environment variable name"),
        ({"pushgateway": "localhost:9091"}, "--pushgateway: not an http(s) URL"),
        ({"openapi_file": "/no/such/openapi.json"}, "--openapi-file: no such file"),
        ({"ssh_config": "/no/such/ssh_config"}, "--ssh-config: no such file"),
        ({"ssh_identity": "/no/such/id_ed25519"}, "--ssh-identity: no such file"),
    ],
)
def test_bad_values_are_one_line_errors(raw, message):
    given = {"target": "production", "expected_sha": NEW_SHA, **raw}
    with pytest.raises(DriftgateError) as info:
        resolve(**given)
    text = str(info.value)
    assert message in text
    assert "\n" not in text


def test_bad_bypass_variable_names_it():
    with pytest.raises(SettingsError, match="ALLOW_CONTRACT_FAILURE"):
        resolve({"ALLOW_CONTRACT_FAILURE": "sometimes"}, target="staging", expected_sha="94e9cbb")


def test_unknown_pack_file_is_an_input_error(tmp_path):
    with pytest.raises(DriftgateError, match="nope.yaml"):
        resolve(pack=str(tmp_path / "nope.yaml"), target="staging", expected_sha="94e9cbb")


@pytest.mark.parametrize(
    ("dsn", "password"),
    [
        ("postgresql://gate:s3cr%40t-pw@db:5432/x", "s3cr@t-pw"),
        ("host=db user=gate password=plain-pw dbname=x", "plain-pw"),
        ("host=db password='quoted pw' dbname=x", "quoted pw"),
    ],
)
def test_scrub_removes_dsn_and_password(dsn, password):
    secrets = secret_values(dsn, "tok-123456")
    text = scrub(f"dsn {dsn}; pw {password}; Authorization: Bearer tok-123456", secrets)
    assert password not in text and "tok-123456" not in text and dsn not in text
    assert text.count("***") == 3


def test_short_values_are_not_scrubbed_everywhere():
    # A one-letter "secret" would blank every occurrence of that letter in every report.
    assert secret_values("x") == ()
    assert secret_values(None, "") == ()


def test_probe_timeout_defaults_to_a_few_seconds_and_is_validated():
    base = {"target": "production", "expected-sha": NEW_SHA}
    assert resolve_settings(base, environ={}).probe_timeout == 5.0
    assert resolve_settings(base, environ={"DRIFTGATE_PROBE_TIMEOUT": "2"}).probe_timeout == 2.0
    with pytest.raises(SettingsError, match="--probe-timeout"):
        resolve_settings({**base, "probe-timeout": "0"}, environ={})
