"""The script model: words, commands, assignments and output writes, with positions.

Every `start`/`end` is a str offset into the text given to `parse_script`,
also for commands of nested scripts (`ssh host '...'`, `bash -c "..."`,
heredocs fed to a shell).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Literal:
    """Text the shell takes as it is (quotes and escapes removed)."""

    value: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Variable:
    """`$X`, `${X}`, `${X::7}`, `${X:-default}`...

    `operator` is what follows the name (`:-`, `-`, `:=`, `:?`, `:+`, `:`
    for a substring, `#`, `%`, `/`...; `""` for none), `argument` its raw
    text (`7` in `${X::7}` is `":7"` after the `:` operator, as `${X:0:7}`
    gives `"0:7"`), and `default` the parts of the argument for `-`/`=`
    operators (`${X:-$Y}`). `${#X}` has operator `"length"`.
    """

    name: str
    operator: str
    argument: str
    start: int
    end: int
    default: tuple[Part, ...] = ()
    raw: str = field(default="", compare=False)  # as written: `$X`, `${X::7}`


@dataclass(frozen=True, slots=True)
class CommandSubstitution:
    """`$(...)` or backticks: the commands it runs are in `script`."""

    script: Script
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class GitHubExpression:
    """`${{ ... }}` in a script: the runner replaces it before the shell runs."""

    source: str  # between the braces
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Other:
    """An expansion the model does not follow: `$((...))`, `<(...)`, `$'...'` escapes."""

    raw: str
    start: int
    end: int


Part = Literal | Variable | CommandSubstitution | GitHubExpression | Other


@dataclass(frozen=True, slots=True)
class Word:
    """One shell word: its parts with positions, and `text` when it is all literal."""

    raw: str  # as written
    parts: tuple[Part, ...]
    start: int
    end: int
    text: str | None = field(init=False, compare=False)  # the value if fully literal

    def __post_init__(self):
        parts = self.parts
        if len(parts) == 1 and type(parts[0]) is Literal:  # the common case, made cheap
            object.__setattr__(self, "text", parts[0].value)
            return
        literal = all(type(part) is Literal for part in parts)
        text = "".join(part.value for part in self.parts) if literal else None
        object.__setattr__(self, "text", text)

    @property
    def shown(self) -> str:
        """The word with quotes and escapes removed, expansions as written:
        `"$REGISTRY/api:$TAG"` shows as `$REGISTRY/api:$TAG`."""
        return self.text if self.text is not None else "".join(map(shown, self.parts))


def shown(part: Part) -> str:
    """One part as `Word.shown` has it."""
    if isinstance(part, Literal):
        return part.value
    if isinstance(part, Variable):
        return part.raw or "${" + part.name + part.operator + part.argument + "}"
    if isinstance(part, GitHubExpression):
        return "${{" + part.source + "}}"
    if isinstance(part, CommandSubstitution):
        return "$(" + part.script.text + ")"
    return part.raw


@dataclass(frozen=True, slots=True)
class Wrapper:
    """What a command runs inside: `sudo -u catscan`, `env A=1`, `ssh host`, `bash -c`.

    `kind` is one of sudo, env, time, nohup, exec, command, nice, timeout,
    xargs, stdbuf, shell-c (`bash -c`/`sh -c`), ssh, gcloud-ssh, heredoc
    (a heredoc fed to a shell or to ssh); `words` are the wrapper's own.
    """

    kind: str
    words: tuple[Word, ...]
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Redirect:
    """`> file`, `2>&1`, `<<EOF`...: a redirect of a command."""

    operator: str  # `>`, `>>`, `<`, `2>`, `&>`, `<<`, `<<-`, `<<<`...
    target: Word | None  # the file, or None for a heredoc
    start: int
    end: int
    heredoc: Word | None = None  # the heredoc body, parts with positions


@dataclass(frozen=True, slots=True)
class Assignment:
    """`NAME=value`, `export NAME=value`, `export NAME`, `local`, `read NAME`...

    `kind` is assign, export, local, declare, readonly, typeset, read or
    for; `value` is None when the script does not say it (`export NAME`,
    `read NAME`, a `for` variable). `append` for `NAME+=value`.
    """

    name: str
    value: Word | None
    kind: str
    start: int
    end: int
    append: bool = False


@dataclass(frozen=True, slots=True)
class Command:
    """A simple command that runs: its argv after wrappers are taken off.

    `masked`: its failure cannot fail the script (left of `||` whose right
    side does not exit on purpose, under `!`, or after `set +e`).
    `condition`: inside an `if`/`while`/`until` test. `pipeline`: (index,
    size) in its pipeline. `function`: the name of the function whose body
    holds it (it runs only when called). `env`: prefix assignments
    (`A=1 cmd`, `env A=1 cmd`). `substituted`: it runs inside `$(...)`,
    backticks or `<(...)`, so its output is data for another command.
    `fallback`: where the `||` fallback that masks it starts (None when
    nothing does, or when `!` or `set +e` masks it).
    """

    words: tuple[Word, ...]
    start: int
    end: int
    wrappers: tuple[Wrapper, ...] = ()
    env: tuple[Assignment, ...] = ()
    redirects: tuple[Redirect, ...] = ()
    pipeline: tuple[int, int] = (0, 1)
    masked: bool = False
    condition: bool = False
    function: str | None = None
    substituted: bool = False
    fallback: int | None = None
    # The name without its directory (`/usr/bin/docker` -> `docker`): stored, as the
    # rules ask it of every command, many times each.
    program: str | None = field(init=False, compare=False, repr=False)

    def __post_init__(self):
        object.__setattr__(self, "program", program_name(self.name))

    @property
    def name(self) -> str | None:
        return self.words[0].text if self.words else None

    @property
    def prints_text(self) -> bool:
        """`echo` or `printf`: its words are text it prints, not settings or references."""
        return self.program in ("echo", "printf")

    @property
    def argv(self) -> tuple[str | None, ...]:
        """Each word's literal text (None where it is not literal)."""
        return tuple(word.text for word in self.words)


def program_name(text: str | None) -> str | None:
    """A command name without its directory: `/usr/bin/docker` -> `docker`."""
    return text.rsplit("/", 1)[-1] if text else None


@dataclass(frozen=True, slots=True)
class OutputWrite:
    """`key=value` written to `$GITHUB_OUTPUT` or `$GITHUB_ENV`."""

    file: str  # GITHUB_OUTPUT or GITHUB_ENV
    key: str
    value: Word
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Script:
    """A script's commands, assignments and output writes, in source order."""

    text: str
    commands: tuple[Command, ...]
    assignments: tuple[Assignment, ...]
    output_writes: tuple[OutputWrite, ...]
    errors: tuple[int, ...] = ()  # offsets where the shell grammar did not match
    complete: bool = True  # False: too long or too deep, read only up to an error offset
