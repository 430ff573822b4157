"""The words of one shell command: quoting, prefixes, and commands that carry a script.

Pure helpers for policies/lint/shell.py and the rules: `words` (shlex, tolerant
of unbalanced quotes), `word_spans` (words with the offset of each character,
so a script inside a quoted word can be placed in the file), which commands
hand a script to another shell (`ssh HOST 'cmd'`, `gcloud compute ssh
--command`, `sh -c`, or stdin: `ssh HOST bash -s <<EOF`), and the subcommand
of `docker compose` / `docker-compose`.

>>> compose_subcommand(words("sudo docker compose -f gcp.yml up -d --force-recreate"))
('up', ['-d', '--force-recreate'])
"""

import re
import shlex
from functools import lru_cache

SHELLS = frozenset({"bash", "sh", "dash", "zsh", "ksh", "ash"})
PREFIXES = frozenset({"sudo", "exec", "nohup", "command", "time"})
# ssh options that take an argument (OpenSSH ssh(1)).
SSH_ARG_OPTIONS = frozenset("BbcDEeFIiJLlmOopQRSWw")
_REDIRECTION = re.compile(r"\d*(<<<|<<-?|<>|<&|>&|>>|>\||&>>|&>|<|>)")
_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")


@lru_cache(maxsize=4096)
def remote_script_words(command_text):
    """("ssh" | "-c", [(word, its characters' offsets in command_text)]) of a carried script."""
    if "sh" not in command_text:
        return None  # no ssh, no shell
    spans = without_redirections(word_spans(command_text))
    values = [value for value, _ in spans]
    program, rest = strip_prefixes(values)
    if program is None:
        return None
    first = len(values) - len(rest)  # index of rest[0] in values
    if _base(program) == "ssh":
        host = _ssh_host_index(rest)
        if host is not None and host + 1 < len(rest):
            return "ssh", spans[first + host + 1 :]
    if program == "gcloud" and rest[:2] == ["compute", "ssh"]:
        for index, value in enumerate(rest):
            if value == "--command" and index + 1 < len(rest):
                return "ssh", [spans[first + index + 1]]
            if value.startswith("--command="):
                value, offsets = spans[first + index]
                return "ssh", [(value[10:], offsets[10:])]
    for index, value in enumerate(values[:-2]):
        if _base(value) in SHELLS and re.fullmatch(r"-[a-z]*c[a-z]*", values[index + 1]):
            return "-c", [spans[index + 2]]
    return None


def reads_script_from_stdin(command_words):
    """Whether a command runs its standard input as a shell script (heredoc carriers)."""
    command_words = [(w, ()) for w in command_words]
    program, rest = strip_prefixes([w for w, _ in without_redirections(command_words)])
    if program is None:
        return False
    if _base(program) in SHELLS:
        return "-s" in rest or not any(not w.startswith("-") for w in rest)
    if _base(program) == "ssh":
        host = _ssh_host_index(rest)
        remote = " ".join(rest[host + 1 :]) if host is not None else None
        return remote is not None and reads_script_from_stdin(words(remote or "sh"))
    if program == "gcloud" and rest[:2] == ["compute", "ssh"]:
        for index, value in enumerate(rest):
            if value == "--command" and index + 1 < len(rest):
                return reads_script_from_stdin(words(rest[index + 1]))
            if value.startswith("--command="):
                return reads_script_from_stdin(words(value[10:]))
        return True
    return False


def without_redirections(spans):
    """Words minus redirections (`> log`, `2>&1`, `<<EOF`): those belong to the outer shell."""
    kept, skip = [], False
    for span in spans:
        value = span[0]
        if skip:
            skip = False
        # every redirection operator holds < or >
        elif ("<" not in value and ">" not in value) or not (match := _REDIRECTION.match(value)):
            kept.append(span)
        else:
            skip = match.end() == len(value) and not value.endswith("&")
    return kept


def _ssh_host_index(args):
    """Index of the destination among ssh's arguments (after its options), or None."""
    index = 0
    while index < len(args):
        arg = args[index]
        if arg == "--":
            return index + 1 if index + 1 < len(args) else None
        if not arg.startswith("-") or arg == "-":
            return index
        for position, flag in enumerate(arg[1:], start=1):
            if flag in SSH_ARG_OPTIONS:
                if position == len(arg) - 1:
                    index += 1  # the option's argument is the next word
                break
        index += 1
    return None


# Options of the command prefixes that take the next word as their value (sudo(8), env(1)).
PREFIX_VALUE_OPTIONS = {
    "sudo": frozenset({"-u", "-g", "-h", "-p", "-C", "-D", "-r", "-t", "-U", "-T", "-R"}),
    "env": frozenset({"-u", "-C", "-S", "--unset", "--chdir", "--split-string"}),
}


def strip_prefixes(values):
    """(program, its arguments) after assignments and sudo/env/exec/nohup/time prefixes.

    >>> strip_prefixes(["sudo", "-u", "catscan", "-E", "docker-compose", "build"])
    ('docker-compose', ['build'])
    """
    index, prefix = 0, None
    while index < len(values):
        value = values[index]
        if _ASSIGNMENT.match(value) or value in PREFIXES or value == "env":
            prefix = value if value in PREFIX_VALUE_OPTIONS else None
            index += 1
        elif value.startswith("-") and prefix is not None:
            takes_value = value in PREFIX_VALUE_OPTIONS[prefix]
            index += 2 if takes_value else 1
        else:
            return value, values[index + 1 :]
    return None, []


def _base(program):
    return program.rsplit("/", 1)[-1]


_WORD_PART = re.compile(r"'([^']*)'?|\"((?:[^\"\\]|\\.)*)\"?|\\(.)|([^\s'\"\\]+|.)", re.DOTALL)


@lru_cache(maxsize=4096)
def word_spans(command_text):
    """Words with quotes removed, each with the offset in `command_text` of every character.

    Cached (a tuple, never changed by callers): several rules split the same command.

    >>> [v for v, _ in word_spans("ssh \\"$VM\\" 'cd /opt && ls'")]
    ['ssh', '$VM', 'cd /opt && ls']
    """
    spans, value, offsets, pos = [], [], [], 0
    text = command_text
    while pos <= len(text):
        if pos == len(text) or text[pos].isspace():
            if value:
                spans.append(("".join(value), tuple(offsets)))
            value, offsets = [], []
            if pos == len(text):
                break
            pos += 1
            continue
        match = _WORD_PART.match(text, pos)
        if match.group(1) is not None or match.group(4) is not None:
            group = 1 if match.group(1) is not None else 4
            value.append(match.group(group))
            offsets.extend(range(match.start(group), match.end(group)))
        elif match.group(2) is not None:
            for inner in re.finditer(r"\\([\"\\$`])|.", match.group(2), re.DOTALL):
                value.append(inner.group(1) or inner.group())
                offsets.append(match.start(2) + inner.start())
        else:
            value.append(match.group(3))
            offsets.append(match.start(3))
        pos = match.end()
    return tuple(spans)


def words(command):
    """The words of a command, quotes removed (shlex); unbalanced quotes tolerated.

    >>> words("docker compose -f 'a b.yml' up -d")
    ['docker', 'compose', '-f', 'a b.yml', 'up', '-d']
    """
    return list(_words(str(command)))


@lru_cache(maxsize=4096)
def _words(command):
    # Cached: every rule asks for the words of the same commands, and shlex is slow.
    stripped = command.rstrip("\\")
    for attempt in (command, stripped, stripped + '"', stripped + "'", stripped + "'\""):
        try:
            return tuple(shlex.split(attempt, comments=False, posix=True))
        except ValueError:
            continue
    return tuple(command.split())


# docker/compose options that take a value (so the value is not the subcommand).
_DOCKER_VALUE_OPTIONS = frozenset(
    {"-H", "--host", "-c", "--context", "--config", "-l", "--log-level"}
)
_COMPOSE_VALUE_OPTIONS = frozenset(
    {"-f", "--file", "-p", "--project-name", "--env-file", "--profile", "--project-directory"}
    | {"--ansi", "--progress", "--parallel"}
)


def compose_subcommand(command_words):
    """(subcommand, its arguments) of `docker compose ...` / `docker-compose ...`, else None.

    >>> compose_subcommand(words("sudo docker compose -f gcp.yml up -d --force-recreate"))
    ('up', ['-d', '--force-recreate'])
    """
    command_words = list(command_words)
    if "docker" not in " ".join(command_words):
        return None  # the program is neither docker nor docker-compose: most commands
    program, rest = strip_prefixes(
        [w for w, _ in without_redirections([(w, ()) for w in command_words])]
    )
    if program is None:
        return None
    if _base(program) == "docker":
        rest = _skip_options(rest, _DOCKER_VALUE_OPTIONS)
        if not rest or rest[0] != "compose":
            return None
        rest = rest[1:]
    elif _base(program) != "docker-compose":
        return None
    rest = _skip_options(rest, _COMPOSE_VALUE_OPTIONS)
    return (rest[0], rest[1:]) if rest else None


def _skip_options(args, value_options):
    index = 0
    while index < len(args) and args[index].startswith("-"):
        index += 2 if args[index] in value_options else 1
    return args[index:]
