"""`key=value` lines a script writes to `$GITHUB_OUTPUT` and `$GITHUB_ENV`.

>>> from .reader import parse_script
>>> script = parse_script('{ echo "a=1"; printf "b=%s\\n" "$B"; } >> "$GITHUB_OUTPUT"')
>>> [(w.key, w.value.raw, w.start) for w in script.output_writes]
[('a', '1', 8), ('b', '$B', 22)]
"""

from __future__ import annotations

import re

from .model import (
    Command,
    Literal,
    OutputWrite,
    Part,
    Variable,
    Word,
    shown,
)

OUTPUT_FILES = frozenset({"GITHUB_OUTPUT", "GITHUB_ENV"})


def target_file(word: Word | None) -> str | None:
    if word is not None and len(word.parts) == 1:
        part = word.parts[0]
        if isinstance(part, Variable) and part.operator == "" and part.name in OUTPUT_FILES:
            return part.name
    return None


def output_writes(commands: tuple[Command, ...]) -> tuple[OutputWrite, ...]:
    """`key=value` lines written to `$GITHUB_OUTPUT`/`$GITHUB_ENV`, in order.

    Writers: `echo`, `printf` and `cat <<EOF` redirected with `>`/`>>`
    (also through an enclosing `{ ...; } >> "$GITHUB_OUTPUT"`), and
    `echo ... | tee -a "$GITHUB_OUTPUT"`.
    """
    writes: list[OutputWrite] = []
    for index, command in enumerate(commands):
        files = [target_file(r.target) for r in command.redirects if r.operator in (">", ">>")]
        for file in files:
            if file is not None:
                writes += lines_written(command, file)
        if command.name == "tee" and index and command.pipeline[0] > 0:
            writer = commands[index - 1]
            for word in command.words[1:]:
                file = target_file(word)
                if file is not None and writer.pipeline[0] == command.pipeline[0] - 1:
                    writes += lines_written(writer, file)
    return tuple(writes)


PRINTF_ITEM = re.compile(r"%%|%[-+ #0-9.]*[sdiqbu]|\\n|\\t|\\\\")


def lines_written(command: Command, file: str) -> list[OutputWrite]:
    words = command.words
    parts: list[Part] = []
    if command.name == "echo":
        args = list(words[1:])
        while args and args[0].text in ("-n", "-e", "-E", "-ne", "-en"):
            args.pop(0)
        for index, word in enumerate(args):
            if index:
                parts.append(Literal(" ", word.start, word.start))
            parts += word.parts
    elif command.name == "printf" and len(words) > 1:
        parts = printf_parts(words[1], words[2:])
    elif command.name == "cat" or not words:
        for redirect in command.redirects:
            if redirect.heredoc is not None:
                parts = list(redirect.heredoc.parts)
    return [write for line in split_lines(parts) if (write := key_value(line, file))]


def printf_parts(format_word: Word, args: tuple[Word, ...]) -> list[Part]:
    parts: list[Part] = []
    queue = list(args)
    for part in format_word.parts:
        if not isinstance(part, Literal):
            parts.append(part)
            continue
        at = 0
        for match in PRINTF_ITEM.finditer(part.value):
            parts.append(Literal(part.value[at : match.start()], part.start, part.end))
            item = match.group()
            if item.startswith("%") and item != "%%":
                if queue:
                    parts += queue.pop(0).parts
            else:
                parts.append(Literal({"%%": "%", "\\n": "\n", "\\t": "\t"}.get(item, "\\"), 0, 0))
            at = match.end()
        parts.append(Literal(part.value[at:], part.start, part.end))
    return parts


def split_lines(parts: list[Part]) -> list[list[Part]]:
    lines: list[list[Part]] = [[]]
    for part in parts:
        if isinstance(part, Literal) and "\n" in part.value:
            exact = part.end - part.start == len(part.value)  # offsets per character
            at = part.start
            for number, piece in enumerate(part.value.split("\n")):
                if number:
                    lines.append([])
                if piece:
                    end = at + len(piece) if exact else part.end
                    lines[-1].append(Literal(piece, at if exact else part.start, end))
                at += len(piece) + 1
        else:
            lines[-1].append(part)
    return [line for line in lines if line]


def key_value(line: list[Part], file: str) -> OutputWrite | None:
    key = ""
    for index, part in enumerate(line):
        if not isinstance(part, Literal):
            return None  # the key is computed: not followed
        if "=" in part.value:
            before, _, after = part.value.partition("=")
            key += before
            exact = part.end - part.start == len(part.value)
            after_start = part.end - len(after) if exact else part.start
            rest = ([Literal(after, after_start, part.end)] if after else []) + line[index + 1 :]
            if not key.strip() or "<<" in key:
                return None
            value_start = rest[0].start if rest else part.end
            value_end = rest[-1].end if rest else part.end
            raw = "".join(shown(p) for p in rest)
            value = Word(raw, tuple(rest), value_start, value_end)
            return OutputWrite(file, key.strip(), value, line[0].start, value_end)
        key += part.value
    return None
