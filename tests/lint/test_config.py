"""The lint config: driftgate.yaml / .driftgate.yaml / [tool.driftgate], and its errors."""

import pytest
from lint_samples import CI_WITH_PUSH, DEPLOY

from driftgate.lint.config import ConfigError, find_config, load_config
from driftgate.lint.runner import lint_paths
from driftgate.policies.errors import InputError


def lint_repo(repo, config_name, config_text, files=None):
    root = repo({config_name: config_text, **(files or {".github/workflows/ci.yml": CI_WITH_PUSH})})
    return root, lint_paths([root])


def test_rules_disabled_by_id_or_name(fake_rules, repo):
    _, report = lint_repo(
        repo, "driftgate.yaml", "version: 1\nrules:\n  no-push: {enabled: false}\n"
    )
    assert report.findings == ()


def test_a_dot_config_is_read_when_it_is_the_only_one(fake_rules, repo):
    """Each half in its own repository: beside a driftgate.yaml, the dot file is not read."""
    root = repo({".github/workflows/ci.yml": CI_WITH_PUSH})
    assert [f.rule_id for f in lint_paths([root]).findings] == ["DG901"]  # the control
    (root / ".driftgate.yaml").write_text("rules:\n  DG901: false\n")
    assert find_config(root).name == ".driftgate.yaml"
    assert lint_paths([root]).findings == ()
    (root / "driftgate.yaml").write_text("rules:\n  DG904: false\n")  # preferred: DG901 back
    assert [f.rule_id for f in lint_paths([root]).findings] == ["DG901"]


def test_docs_url_reaches_every_format(fake_rules, repo, run_cli):
    config = "docs_url: https://wiki.example/lint/{id}#{name}\n"
    root, report = lint_repo(repo, "driftgate.yaml", config)
    expected = "https://wiki.example/lint/dg901#no-push"
    assert [f.doc_url for f in report.findings] == [expected]
    assert f"docs: {expected}" in run_cli("lint", "--format", "text", root)[1]
    assert f'"doc_url": "{expected}"' in run_cli("lint", "--format", "json", root)[1]
    assert f'"helpUri": "{expected}"' in run_cli("lint", "--format", "sarif", root)[1]


def test_docs_url_defaults_to_the_project_site(fake_rules, repo):
    _, report = lint_repo(repo, "driftgate.yaml", "version: 1\n")
    assert [f.doc_url for f in report.findings] == ["https://driftgate.dev/rules/dg901/"]


def test_severity_override(fake_rules, repo):
    _, report = lint_repo(repo, "driftgate.yaml", "rules:\n  DG901: {severity: note}\n")
    assert [(f.rule_id, f.severity) for f in report.findings] == [("DG901", "note")]


def test_rule_option_reaches_the_rule(fake_rules, repo):
    files = {".github/workflows/deploy.yml": DEPLOY}
    _, report = lint_repo(repo, "driftgate.yaml", "rules:\n  DG903: {word: set}\n", files)
    assert [f.message for f in report.findings] == ["uses set"]


def test_ignore_globs_skip_files(fake_rules, repo):
    config = "ignore: ['.github/workflows/c*.yml']\n"
    _, report = lint_repo(repo, "driftgate.yaml", config)
    assert report.files == () and report.findings == ()


def test_pyproject_table(fake_rules, repo):
    pyproject = '[project]\nname = "x"\n\n[tool.driftgate.rules.DG901]\nseverity = "warning"\n'
    root, report = lint_repo(repo, "pyproject.toml", pyproject)
    assert find_config(root).name == "pyproject.toml"
    assert [f.severity for f in report.findings] == ["warning"]


def test_pack_from_config_is_relative_to_it(fake_rules, repo):
    import shutil

    from driftgate.policies.pack import DEFAULT_PACK

    root = repo({"driftgate.yaml": "pack: packs/ours.yaml\n"})
    (root / "packs").mkdir()
    text = DEFAULT_PACK.read_text().replace(".github/workflows/deploy.yml", "ops/ship.yml")
    (root / "packs" / "ours.yaml").write_text(text)
    (root / "ops").mkdir()
    (root / "ops" / "ship.yml").write_text(DEPLOY)
    report = lint_paths([root / "ops" / "ship.yml"])
    assert [f.rule_id for f in report.findings] == ["DG903"]  # a deploy file per our pack
    shutil.rmtree(root / "packs")
    with pytest.raises(InputError):  # the missing pack is an InputError
        lint_paths([root])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("rules:\n  DG999: {enabled: false}\n", ":2: rules.DG999: unknown rule"),
        ("rules:\n  no-such-rule: false\n", ":2: rules.no-such-rule: unknown rule"),
        ("rules:\n  DG901: {severity: fatal}\n", "rules.DG901.severity: must be one of"),
        ("rules:\n  DG901: {colour: red}\n", "rules.DG901.colour: unknown option"),
        ("rules:\n  DG903: {limit: many}\n", "rules.DG903.limit: must be a number"),
        ("rules:\n  DG903: {word: 3}\n", "rules.DG903.word: must be a string"),
        ("rules:\n  DG901: {enabled: 'no'}\n", "rules.DG901.enabled: must be true or false"),
        ("rules:\n  DG901: [x]\n", "rules.DG901: must be a mapping"),
        ("rules: [DG901]\n", ":1: rules: must be a mapping"),
        ("ignore: '*.yml'\n", ":1: ignore: must be a list"),
        ("version: 2\n", ":1: version: unsupported config version"),
        ("colour: red\n", ":1: colour: unknown key"),
        ("pack: [a]\n", "pack: must be a file path"),
        ("docs_url: 3\n", ":1: docs_url: must be a URL"),
        ("- a list\n", "the config must be a mapping"),
        ("rules: {DG901: {severity: [\n", "invalid YAML"),
    ],
)
def test_config_errors_name_file_line_and_field(fake_rules, repo, text, message):
    root = repo({"driftgate.yaml": text})
    with pytest.raises(InputError) as caught:  # ConfigError, or InputError for YAML
        load_config(root / "driftgate.yaml")
    assert str(caught.value).startswith(str(root / "driftgate.yaml"))
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_pyproject_errors_name_the_field(fake_rules, repo):
    root = repo({"pyproject.toml": '[tool.driftgate.rules]\nDG901 = {severity = "loud"}\n'})
    with pytest.raises(ConfigError, match=r"pyproject.toml: rules.DG901.severity: must be one"):
        load_config(root / "pyproject.toml")
    root = repo({"pyproject.toml": "[tool.driftgate\n"})
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_config(root / "pyproject.toml")


def test_explicit_config_and_pack_options(fake_rules, repo, run_cli):
    root = repo(
        {".github/workflows/ci.yml": CI_WITH_PUSH, "elsewhere.yaml": "rules: {DG901: false}\n"}
    )
    assert run_cli("lint", root)[0] == 1
    assert run_cli("lint", "--config", root / "elsewhere.yaml", root)[0] == 0
    code, _, err = run_cli("lint", "--pack", root / "nope.yaml", root)
    assert code == 2 and "nope.yaml: cannot read" in err
