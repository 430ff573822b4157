"""The deploy commands in their many spellings: docker compose, docker, systemctl.

`compose_invocation` reads `docker compose`, `docker-compose` and
`docker --context x compose`, with the global options before the
subcommand (`-f FILE`, `--file=FILE`, `-p NAME`, `--project-directory DIR`,
`--env-file FILE`). `docker_invocation` gives the docker subcommand with
`image push`/`image build`/`buildx build`/`container restart` folded into
push/build/restart. Wrappers (`sudo -u app`) are already off the command.

>>> from .reader import parse_script
>>> command = parse_script("sudo -u catscan docker compose -f a.yml -p cs up -d").commands[0]
>>> compose = compose_invocation(command)
>>> compose.subcommand, [w.text for w in compose.args], [w.text for w in compose.files]
('up', ['-d'], ['a.yml'])
"""

from __future__ import annotations

from dataclasses import dataclass

from .model import Command, Literal, Word

# docker's own options that take a value (`docker --context prod compose ...`)
DOCKER_WITH_VALUE = frozenset(
    {"-c", "--context", "-H", "--host", "--config", "-l", "--log-level", "--tlscacert",
     "--tlscert", "--tlskey"}
)  # fmt: skip
COMPOSE_WITH_VALUE = {
    "-f": "files",
    "--file": "files",
    "-p": "project",
    "--project-name": "project",
    "--project-directory": "project_directory",
    "--env-file": "env_files",
    "--profile": "profiles",
    "--ansi": None,
    "--progress": None,
    "--parallel": None,
}
DOCKER_GROUPS = {  # `docker image push` is `docker push`
    ("image", "push"): "push",
    ("image", "pull"): "pull",
    ("image", "build"): "build",
    ("image", "tag"): "tag",
    ("buildx", "build"): "build",
    ("builder", "build"): "build",
    ("container", "run"): "run",
    ("container", "restart"): "restart",
    ("container", "start"): "start",
    ("container", "stop"): "stop",
}


@dataclass(frozen=True, slots=True)
class Compose:
    """A `docker compose` or `docker-compose` invocation, its global options taken apart."""

    subcommand: str | None  # `up`, `build`, `pull`...; None when only options were given
    args: tuple[Word, ...]  # after the subcommand
    files: tuple[Word, ...] = ()
    project: Word | None = None
    project_directory: Word | None = None
    env_files: tuple[Word, ...] = ()
    profiles: tuple[Word, ...] = ()
    options: tuple[Word, ...] = ()  # every global option word, as written


@dataclass(frozen=True, slots=True)
class Invocation:
    """A docker or systemctl subcommand and its arguments."""

    subcommand: str
    args: tuple[Word, ...]


def skip_docker_options(words: tuple[Word, ...], at: int) -> int:
    while at < len(words) and (words[at].text or "").startswith("-"):
        text = words[at].text or ""
        at += 2 if text in DOCKER_WITH_VALUE else 1
    return at


def compose_invocation(command: Command) -> Compose | None:
    """The compose subcommand and global options, or None if not docker compose."""
    words = command.words
    program = command.program
    if program == "docker-compose":
        at = 1
    elif program == "docker":
        at = skip_docker_options(words, 1)
        if at >= len(words) or words[at].text != "compose":
            return None
        at += 1
    else:
        return None
    found: dict[str, list[Word]] = {
        "files": [], "project": [], "project_directory": [], "env_files": [], "profiles": []
    }  # fmt: skip
    options: list[Word] = []
    while at < len(words):
        text = words[at].text or ""
        if not text.startswith("-"):
            break
        name, equals, _ = text.partition("=")
        field = COMPOSE_WITH_VALUE.get(name, "")
        if name.startswith("-f") and len(name) > 2 and not name.startswith("--"):
            field, equals = "files", "="  # `-fcompose.yml`
        options.append(words[at])
        if field == "" or equals:  # a flag, or `--file=x`
            if field:
                cut = text.index("=") + 1 if "=" in text else 2
                found[field].append(value_after(words[at], cut))
            at += 1
            continue
        if at + 1 < len(words):
            options.append(words[at + 1])
            if field:
                found[field].append(words[at + 1])
        at += 2
    subcommand = words[at].text if at < len(words) else None
    return Compose(
        subcommand,
        words[at + 1 :],
        tuple(found["files"]),
        found["project"][-1] if found["project"] else None,
        found["project_directory"][-1] if found["project_directory"] else None,
        tuple(found["env_files"]),
        tuple(found["profiles"]),
        tuple(options),
    )


def value_after(word: Word, cut: int) -> Word:
    """`--file=x.yml` -> a word for `x.yml` (literal words only are split)."""
    value = (word.text or "")[cut:]
    start = word.end - len(value) if word.raw.endswith(value) else word.start
    return Word(value, (Literal(value, start, word.end),), start, word.end)


def docker_invocation(command: Command) -> Invocation | None:
    """`docker build|push|pull|tag|run|restart|...` (not compose), folded as above."""
    if command.program != "docker":
        return None
    words = command.words
    at = skip_docker_options(words, 1)
    if at >= len(words) or words[at].text in (None, "compose"):
        return None
    group = (words[at].text, words[at + 1].text if at + 1 < len(words) else None)
    if group in DOCKER_GROUPS:
        return Invocation(DOCKER_GROUPS[group], words[at + 2 :])
    return Invocation(words[at].text or "", words[at + 1 :])


def systemctl_invocation(command: Command) -> Invocation | None:
    """`systemctl [--user] restart unit...` -> Invocation('restart', units)."""
    if command.program != "systemctl":
        return None
    words = [w for w in command.words[1:] if not (w.text or "").startswith("-")]
    if not words or words[0].text is None:
        return None
    return Invocation(words[0].text, tuple(words[1:]))
