"""The action catalogue (policies/lint/actions.yaml) and how it is read."""

import yaml

from driftgate.policies.lint import actions


def test_the_fast_loader_reads_the_catalogue_as_pyyaml_does():
    pure_python = yaml.load(actions.CATALOGUE.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    assert actions._catalogue() == pure_python
    assert set(pure_python) == {"scripts", "builds", "metadata"}


def test_libyaml_reads_the_catalogue_when_pyyaml_has_it():
    # PyYAML's pure-Python loader took 8 ms of every lint run's start-up for this file.
    if yaml.__with_libyaml__:
        assert actions._LOADER is yaml.CSafeLoader
    else:
        assert actions._LOADER is yaml.SafeLoader
