"""Shell scripts read with tree-sitter-bash: the commands that run, and the data that flows.

`parse_script(text)` builds the model of one script once: `Script.commands`
(every simple command that runs, in source order, wrappers taken off, with
commands of `bash -c`, `ssh host '...'`, `gcloud compute ssh --command` and
heredocs fed to a shell read as nested scripts with offsets in `text`),
`Script.assignments` and `Script.output_writes`. Text is not code: echo
arguments, comments, heredocs that are only data and `case` patterns give
no commands. `resolve(script, word, known)` follows the data flow of a word
(flow.py, the linter's one shell value resolver; policies/lint/model.py
runs it with the workflow's env chain and step outputs);
`compose_invocation`, `docker_invocation` and `systemctl_invocation` read
the commands a deploy runs. Work is bounded (MAX_CHARS, MAX_NODES,
MAX_TREE_DEPTH, MAX_NESTING): past a bound `Script.complete` is False.
A Script is immutable and costs about 0.3-1 ms to build: `read_script(text)`
builds it once per text.

>>> script = parse_script('TAG="sha-${GITHUB_SHA::7}"\\n'
...                       'sudo -u app docker push "$REPO:$TAG" || true')
>>> [(c.name, c.start, c.masked, [w.kind for w in c.wrappers]) for c in script.commands]
[('docker', 39, True, ['sudo']), ('true', 67, False, [])]
>>> resolve(script, script.commands[0].words[2], {"REPO": "ghcr.io/acme/app"}).choices
(('ghcr.io/acme/app:sha-', Commit(length=7)),)
"""

from .flow import ScriptValues, resolve, resolve_word
from .forms import (
    Compose,
    Invocation,
    compose_invocation,
    docker_invocation,
    systemctl_invocation,
)
from .model import (
    Assignment,
    Command,
    CommandSubstitution,
    GitHubExpression,
    Literal,
    Other,
    OutputWrite,
    Part,
    Redirect,
    Script,
    Variable,
    Word,
    Wrapper,
)
from .reader import MAX_CHARS, MAX_NESTING, parse_script, read_script
from .source import MAX_NODES, MAX_TREE_DEPTH
from .writes import output_writes

__all__ = [
    "MAX_CHARS",
    "MAX_NESTING",
    "MAX_NODES",
    "MAX_TREE_DEPTH",
    "Assignment",
    "Command",
    "CommandSubstitution",
    "Compose",
    "GitHubExpression",
    "Invocation",
    "Literal",
    "Other",
    "OutputWrite",
    "Part",
    "Redirect",
    "Script",
    "ScriptValues",
    "Variable",
    "Word",
    "Wrapper",
    "compose_invocation",
    "docker_invocation",
    "output_writes",
    "parse_script",
    "read_script",
    "resolve",
    "resolve_word",
    "systemctl_invocation",
]
