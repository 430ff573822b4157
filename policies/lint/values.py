"""What a value in a workflow is made of: the commit, dispatch inputs, literal text.

A value (a `tags:` entry, an `env:` value, a shell word such as
`"$REGISTRY/catscan-api:$TAG"`) resolves to its choices, each a tuple of
parts: literal text, `Commit(length)` (the commit SHA, cut to `length`
characters or whole), `Input(name)` (a dispatch input) or `Unknown(what)` (a
secret, a variable, a command's output: what a linter cannot see). It follows:

- expressions (policies/lint/expressions): `github.sha`, `inputs.X`,
  `github.event.inputs.X`, `env.X`, `matrix.X` (the job's literal matrix,
  `include` entries too), `steps.ID.outputs.K` (what step ID writes to
  `$GITHUB_OUTPUT`, or a docker/metadata-action's tags), `needs.J.outputs.K`
  (job J's `outputs:`), `format()`, `a || b`;
- the shell (policies/lint/bash/flow.py, on the words tree-sitter-bash
  reads): `$X`, `${X}`, `${X::N}`, `${X:0:N}`, `${X:-default}`,
  `$(git rev-parse [--short=N] HEAD)`, `$(echo $X | cut -c1-N)`,
  `$(... | head -cN)`; assignments earlier in the script (`X=...`, `export`,
  `local`, `readonly`, `declare`, `A=1 cmd` for that command), then
  (policies/lint/model.py) the step's env chain (step, job, workflow),
  `NAME=value` written to `$GITHUB_ENV` by an earlier step of the job, and
  `GITHUB_SHA`.

Each resolution keeps its provenance: the lines its parts came from.
Not seen: values computed at run time from files or other commands (`$(cat
VERSION)`, `$(date)`), variables set in a sourced script or a function.

>>> shape(("sha-", Commit(7)))
'sha-{sha7}'
"""

from dataclasses import dataclass

from .expressions import Either, ExpressionError, Reference, join_text, template_parts

MAX_CHOICES = 32  # a value with more alternatives than this is cut: enough for any matrix
MAX_DEPTH = 12  # a chain of variables longer than this is Unknown (and cycles end)


@dataclass(frozen=True, slots=True)
class Commit:
    """The commit SHA, cut to `length` characters (None: whole)."""

    length: int | None  # None: the whole SHA


@dataclass(frozen=True, slots=True)
class Input:
    """The value of the dispatch input `name`."""

    name: str


@dataclass(frozen=True, slots=True)
class Unknown:
    """A value a linter cannot see: `what` says which (a secret, a command's output...)."""

    what: str


@dataclass(frozen=True, slots=True)
class Resolved:
    """choices: each a tuple of parts (str, Commit, Input, Unknown); lines: provenance,
    the 1-based lines of the assignments and definitions the value came through."""

    choices: tuple
    lines: tuple = ()

    @property
    def inputs(self):
        return {p.name for choice in self.choices for p in choice if isinstance(p, Input)}

    def texts(self):
        """The literal choices (no commit, input or unknown part) as strings."""
        return [
            "".join(choice) for choice in self.choices if all(isinstance(p, str) for p in choice)
        ]


def shape(parts):
    """The value with its parts named: `sha-{sha7}`, `{sha}`, `{input.tag}`, `{?}`."""
    out = []
    for part in parts:
        if isinstance(part, str):
            out.append(part)
        elif isinstance(part, Commit):
            out.append("{sha}" if part.length is None else f"{{sha{part.length}}}")
        elif isinstance(part, Input):
            out.append(f"{{input.{part.name}}}")
        else:
            out.append("{?}")
    return "".join(out)


def is_commit_tag(parts, tag_format):
    """Whether a value is the commit's tag in the pack's format (`sha-{sha7}`).

    >>> is_commit_tag(("sha-", Commit(7)), "sha-{sha7}"), is_commit_tag((Commit(None),), "{sha7}")
    (True, False)
    """
    return shape(_strip_quotes(parts)).strip() == tag_format


def _strip_quotes(parts):
    return tuple(p.strip("'\"") if isinstance(p, str) else p for p in parts)


def cut(parts, length):
    """The first `length` characters of a value (`${X::7}` of the commit is Commit(7))."""
    if len(parts) == 1 and isinstance(parts[0], Commit):
        whole = parts[0].length
        return (Commit(length if whole is None else min(whole, length)),)
    if all(isinstance(p, str) for p in parts):
        return ("".join(parts)[:length],)
    return (Unknown("a cut value"),)


def join_choices(sequence):
    """Concatenate a sequence of Resolved into one (the cross product of the choices)."""
    choices, lines = [()], []
    for resolved in sequence:
        lines.extend(resolved.lines)
        choices = [a + b for a in choices for b in resolved.choices][:MAX_CHOICES]
    return Resolved(tuple(join_text(c) for c in choices), tuple(dict.fromkeys(lines)))


def literal(text):
    return Resolved(((text,),) if text else ((),))


def unknown(what):
    return Resolved(((Unknown(what),),))


# ---------------------------------------------------------------- expressions


def resolve_template(text, scope, depth=0):
    """A string with `${{ }}` in it (a `with:` or `env:` value), resolved in `scope`."""
    if not isinstance(text, str):
        return literal(
            "" if text is None else str(text).lower() if text in (True, False) else str(text)
        )
    if "${{" not in text:
        return literal(text)
    try:
        parts = template_parts(text)
    except ExpressionError:
        return unknown("an expression that does not parse")
    return join_choices(_resolve_part(part, scope, depth) for part in parts)


def _resolve_part(part, scope, depth):
    if isinstance(part, str):
        return literal(part)
    if isinstance(part, Either):
        results = [join_choices(_resolve_part(p, scope, depth) for p in c) for c in part.choices]
        choices = tuple(c for r in results for c in r.choices)[:MAX_CHOICES]
        return Resolved(choices, tuple(line for r in results for line in r.lines))
    if isinstance(part, Reference):
        return scope.reference(part.parts, depth + 1)
    return unknown("a computed expression")
