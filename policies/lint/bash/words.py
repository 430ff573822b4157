"""Taking wrappers off a command, and finding the scripts it hands to another shell.

`unwrap` reads `sudo -u catscan env A=1 nohup docker compose up` as the
command `docker compose up` inside the wrappers sudo, env and nohup.
`nested_script` finds the script of `bash -c '...'`, `ssh [opts] host
'...'` and `gcloud compute ssh VM --command=...`; `reads_stdin_script`
tells whether a heredoc fed to the command is a script (`bash`, `sh -s`,
`ssh host`, `ssh host bash -s`, `gcloud compute ssh VM`).
"""

from __future__ import annotations

from .model import Literal, Word, Wrapper, program_name

SHELLS = frozenset({"bash", "sh", "dash", "zsh", "ksh"})
# wrapper -> options that take a value (the next word, or attached: `-uroot`)
WRAPPERS = {
    "sudo": frozenset("ugpChDrtUT"),
    "env": frozenset("uCS"),
    "time": frozenset(),
    "nohup": frozenset(),
    "exec": frozenset("a"),
    "command": frozenset(),
    "nice": frozenset("n"),
    "timeout": frozenset("sk"),
    "stdbuf": frozenset("ioe"),
    "xargs": frozenset("IinPdLaEsl"),
}
LONG_WITH_VALUE = frozenset({"--user", "--group", "--signal", "--kill-after", "--unset", "--chdir"})
SSH_WITH_VALUE = frozenset("BbcDEeFIiJLlmOopQRSWw")
MAX_WRAPPERS = 16


def base(word: Word) -> str | None:
    """The program name without its directory (`/usr/bin/sudo` -> `sudo`)."""
    return program_name(word.text)


def is_assignment_word(word: Word) -> bool:
    first = word.parts[0] if word.parts else None
    text = word.text or (first.value if isinstance(first, Literal) else "")
    name, equals, _ = text.partition("=")
    return bool(equals) and name.isidentifier()


def skip_options(words: tuple[Word, ...], at: int, with_value: frozenset[str]) -> int:
    """The index of the first word after the options that start at `at`."""
    while at < len(words):
        text = words[at].text or ""
        if text == "--":
            return at + 1
        if not text.startswith("-") or text == "-":
            return at
        if text.startswith("--"):
            at += 2 if text in LONG_WITH_VALUE else 1
            continue
        letters = text[1:]
        for index, letter in enumerate(letters):
            if letter in with_value:  # the value is the rest, or the next word
                at += 1 if index + 1 < len(letters) else 2
                break
        else:
            at += 1
    return at


def unwrap(
    words: tuple[Word, ...],
) -> tuple[tuple[Wrapper, ...], tuple[Word, ...], tuple[Word, ...]]:
    """(wrappers, the command's own words, `VAR=x` words given by sudo/env)."""
    wrappers, env, at = [], [], 0
    while at < len(words) and len(wrappers) < MAX_WRAPPERS:
        kind = base(words[at])
        if kind not in WRAPPERS:
            break
        if kind == "command" and any(w.text in ("-v", "-V") for w in words[at + 1 : at + 2]):
            break  # `command -v x` asks where x is; it runs nothing
        end = skip_options(words, at + 1, WRAPPERS[kind])
        if kind == "timeout":
            end += 1  # the duration
        while kind in ("sudo", "env") and end < len(words) and is_assignment_word(words[end]):
            env.append(words[end])
            end += 1
        end = min(end, len(words))
        wrappers.append(Wrapper(kind, words[at:end], words[at].start, words[end - 1].end))
        at = end
    return tuple(wrappers), words[at:], tuple(env)


def shell_c_script(words: tuple[Word, ...]) -> tuple[int, int] | None:
    """(index of the shell, index of its script word) for `bash -c '...'` anywhere."""
    for at, word in enumerate(words):
        if base(word) not in SHELLS:
            continue
        index = at + 1
        seen_c = False
        while index < len(words):
            text = words[index].text or ""
            if text.startswith("-") and not text.startswith("--") and "c" in text[1:]:
                seen_c = True
            elif not text.startswith(("-", "+")):
                break
            index += 1
        if seen_c and index < len(words):
            return at, index
    return None


def ssh_remote(words: tuple[Word, ...]) -> tuple[int, int] | None:
    """(index of the host word, index of the first remote-command word) of ssh."""
    if not words or base(words[0]) != "ssh":
        return None
    host = skip_options(words, 1, SSH_WITH_VALUE)
    if host >= len(words):
        return None
    return host, host + 1


def gcloud_command(words: tuple[Word, ...]) -> tuple[int, Word | None] | None:
    """For `gcloud compute ssh`: (index past `ssh`, the --command value word or None)."""
    if not words or base(words[0]) != "gcloud":
        return None
    texts = [w.text for w in words[:8]]
    if "compute" not in texts or "ssh" not in texts[texts.index("compute") :]:
        return None
    past = texts.index("ssh", texts.index("compute")) + 1
    for at in range(past, len(words)):
        text = words[at].text
        first = words[at].parts[0] if words[at].parts else None
        if text == "--command" and at + 1 < len(words):
            return past, words[at + 1]
        if isinstance(first, Literal) and first.value.startswith("--command="):
            return past, words[at]  # the caller strips `--command=`
        if text == "--" and at + 1 < len(words):
            return past, words[at + 1]
    return past, None


def reads_stdin_script(words: tuple[Word, ...]) -> bool:
    """Whether the command runs the script fed on its stdin.

    `bash`, `sh -s`, `bash -ex -s -- arg`, `ssh host`, `ssh -T host bash -s`,
    `gcloud compute ssh VM` (without --command), with wrappers taken off.
    """
    _, words, _ = unwrap(words)
    if not words:
        return False
    if base(words[0]) in SHELLS:
        rest = [w.text or "" for w in words[1:]]
        options = [t for t in rest if t.startswith(("-", "+"))]
        if any("c" in t[1:] and not t.startswith("--") for t in options):
            return False
        return "-s" in options or all(t.startswith(("-", "+")) for t in rest)
    remote = ssh_remote(words)
    if remote is not None:
        command = words[remote[1] :]
        if not command:
            return True
        return command[0].text is not None and reads_stdin_script(split_words(command))
    gcloud = gcloud_command(words)
    if gcloud is None or gcloud[1] is None:
        return gcloud is not None  # without --command, gcloud compute ssh reads stdin
    command = gcloud[1].text  # `--command 'bash -s'` or `--command=bash -s`
    if command is None:
        return False
    command = command.removeprefix("--command=")
    start, end = gcloud[1].start, gcloud[1].end
    literal = Word(command, (Literal(command, start, end),), start, end)
    return reads_stdin_script(split_words((literal,)))


def split_words(words: tuple[Word, ...]) -> tuple[Word, ...]:
    """Literal words split at spaces, as ssh joins its remote command (`'bash -s'`); an
    expansion stays one word (`bash -s -- "$GITHUB_SHA"` passes it to the script)."""
    pieces = []
    for word in words:
        for piece in word.text.split() if word.text is not None else [word.raw]:
            pieces.append(
                Word(piece, (Literal(piece, word.start, word.end),), word.start, word.end)
            )
    return tuple(pieces)
