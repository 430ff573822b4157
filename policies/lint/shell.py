"""The simple commands of a `run:` script, as far as a linter can tell without running it.

Heuristic, not a shell. What it understands:

- Separators: newline, `;`, `&`, `&&`, `||`, `|`, `|&`, `;;`, and `(` `)` of
  subshells. Each piece between them is one command, with the separator
  before and after it. A newline after `&&`, `||` or `|` keeps that operator.
- Redirections (`2>&1`, `&>`, `>|`, `<<<`) stay in the command's text; the `&`
  in them does not split.
- Quotes ('...', "...", `...`), backslash escapes and `$(...)`/`${...}`
  nesting: separators inside them do not split. Unbalanced quotes run to the
  end of the script (no error).
- `\\` + newline joins lines: the command text has them removed; its offset is
  where it starts in the script.
- Comments: `#` at the start of a word, to the end of the line.
- Reserved words at a command's start (`if then else elif fi do done while
  until ! { } time`) are dropped; a command after `if`, `elif`, `while`,
  `until` or `!` is marked `condition` (its failure never fails the script).
  `for`, `case`, `select` headers and lone `}` are not commands.
- Heredocs (`<<WORD`, `<<-WORD`, `<<'WORD'`, `<<"WORD"`): the body is skipped,
  except when it is itself a script (see "nested scripts").

Nested scripts: commands that another shell runs are listed too, right after
the command that carries them, with offsets into the outer script and
`via` saying where they came from:

- `via="heredoc"`: the heredoc body fed to a shell's stdin: `bash`/`sh` (no
  script file argument, or `-s`), `ssh [opts] HOST` with no remote command or
  with `bash -s`/`sh` as remote command, `gcloud compute ssh VM` without
  `--command` (or with `--command "bash -s"`); `sudo`/`env` prefixes allowed;
  also a bare `cat <<EOF | <one of those>`.
- `via="ssh"`: the remote command of `ssh [opts] HOST cmd...` (its words,
  unquoted and joined by spaces, as ssh does) and the value of
  `gcloud compute ssh ... --command "..."` / `--command=...`.
- `via="-c"`: the string after `bash -c`/`sh -c` (also `-ec`, `-lc`...),
  wherever the shell appears in the command (`docker exec ctr sh -c '...'`).
Nesting goes MAX_DEPTH levels deep. Not understood: functions, aliases,
`eval`, scripts in files (`bash deploy.sh`), other heredoc plumbing,
`case` patterns (`staging)` reads as a command named "staging"), command
substitutions (`$(...)` stays inside its command's text), and a double-quoted
string holding `$(... "..." ...)` is split at the inner quote (harmless: no
separator is read inside it).

>>> shell_commands("cd /opt && docker compose pull \\\\\\n  --quiet # fetch")
[(0, 'cd /opt'), (11, 'docker compose pull   --quiet')]
"""

import re
from bisect import bisect_right
from collections import namedtuple
from functools import lru_cache, partial
from operator import add, itemgetter

from .shellwords import (
    compose_subcommand,
    reads_script_from_stdin,
    remote_script_words,
    word_spans,
    words,
)

__all__ = [  # the shell reading API (some names live in shellwords.py)
    "Command",
    "compose_subcommand",
    "fails_on_purpose",
    "fail_suppression_offset",
    "has_fail_suppression",
    "is_compose_up",
    "parse_script",
    "reads_script_from_stdin",
    "remote_script_words",
    "shell_commands",
    "word_spans",
    "words",
]

MAX_DEPTH = 4
RESERVED = frozenset({"then", "else", "fi", "do", "done", "{", "}", "time", "esac"})
CONDITIONS = frozenset({"if", "elif", "while", "until", "!"})
NOT_COMMANDS = frozenset({"for", "case", "select", "in", "}", "fi", "done", "esac"})

_TOKEN = re.compile(
    r"""
    (?P<cont>\\\n)
    |(?P<esc>\\.)
    |(?P<sq>'[^']*'?)
    |(?P<dq>"(?:[^"\\]|\\.)*"?)
    |(?P<bt>`(?:[^`\\]|\\.)*`?)
    |(?P<herestr><<<)
    |(?P<heredoc><<(?P<dash>-?)[ \t]*(?P<delim>'[^'\n]*'|"[^"\n]*"|\\?[^\s;&|<>()'"]+))
    |(?P<redirect>&>>?|\d*(?:[<>]&\d*-?|>>|>\||<>|[<>]))
    |(?P<op>&&|\|\||;;|\|&|[;&|\n()])
    |(?P<open>\$\(|\$\{)
    |(?P<close>[)}])
    |(?P<hash>\#)
    |(?P<space>[ \t\r]+)
    |(?P<word>[^\s'"`\\;&|()<>#$}]+|.)
    """,
    re.VERBOSE | re.DOTALL,
)
_WORD_START = frozenset(" \t\n;&|()")

# A run of the tokens _scan only appends (words, spaces, quotes, escapes, redirections):
# the _TOKEN alternatives in _TOKEN's order, failing where _TOKEN would pick one that
# acts (cont, heredoc, op, open, close, hash), so each step ends where _TOKEN's would.
# Read as one stretch, so the per-token loop runs far fewer times; the raw text of a run
# is contiguous, so one segment maps its characters exactly as one per token did.
# The commonest tokens come first (blanks, a word not starting with a digit, which could
# start a redirection `2>&1`, and quoted strings): each starts with a character that no
# _TOKEN alternative before it accepts, so it reads the very token _TOKEN would. Nothing
# follows the loop, so nothing is given back: possessive quantifiers (++, *+) keep the
# regex engine from saving backtracking points, and the double-quoted string is read
# span by span rather than character by character (the same text either way).
_INERT_RUN = re.compile(
    r"""
    (?:
      [ \t\r]++
      |[^\s'"`\\;&|()<>#$}\d][^\s'"`\\;&|()<>#$}]*+
      |"[^"\\]*+(?:\\.[^"\\]*+)*+"?
      |'[^']*+'?
      |(?!\\\n)
      (?:\\.
        |`(?:[^`\\]|\\.)*`?
        |<<<
        |(?!<<-?[ \t]*(?:'[^'\n]*'|"[^"\n]*"|\\?[^\s;&|<>()'"]+))
         (?:&>>?|\d*(?:[<>]&\d*-?|>>|>\||<>|[<>])
           |(?!&&|\|\||;;|\|&|[;&|\n()]|\$\(|\$\{|[)}]|\#)
            (?:[ \t\r]+|[^\s'"`\\;&|()<>#$}]+|.)
         )
      )
    )++
    """,
    re.VERBOSE | re.DOTALL,
)


# A named tuple, not a dataclass: as immutable, and far cheaper to define at start-up.
# offset: into the outermost script; text: continuation lines joined, comments dropped;
# before/after: the separator before/after it ("", "\n", ";", "&&", "||", "|", "&", "(",
# ")"; after is "" at the end of the script); condition: tested by if/elif/while/until/!
# (its failure is not fatal); via: "" (the script itself), "heredoc", "ssh" or "-c";
# carrier: offset of the command that runs this one's script; locate: text index ->
# offset (not part of the value: left out of ==, hash and repr).
_COMMAND = "offset text before after condition via carrier locate"


class Command(namedtuple("Command", _COMMAND, defaults=("", "", False, "", None, None))):
    """One simple command: where it starts in the script, its text, its surroundings."""

    __slots__ = ()

    def __eq__(self, other):
        return isinstance(other, Command) and self[:-1] == other[:-1]

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return hash(self[:-1])

    def __repr__(self):
        fields = ", ".join(
            f"{name}={value!r}" for name, value in zip(self._fields[:-1], self[:-1], strict=True)
        )
        return f"Command({fields})"

    @property
    def words(self):
        return words(self.text)

    def offset_of(self, index):
        """The offset in the outermost script of character `index` of this command's text."""
        return self.locate(index) if self.locate is not None else self.offset + index

    def word_offset(self, word):
        """The offset of the first word equal to `word` (quotes removed), else the start."""
        for value, offsets in word_spans(self.text):
            if value == word and offsets:
                return self.offset_of(offsets[0])
        return self.offset


def shell_commands(text):
    """(offset, text) of every simple command, nested scripts included (module docstring)."""
    return [(command.offset, command.text) for command in parse_script(text)]


@lru_cache(maxsize=512)
def parse_script(text):
    """Every Command of a script, in order of offset (several rules read the same run:)."""
    if not isinstance(text, str) or not text:
        return ()
    return tuple(sorted(_scan(str(text), 0, "", 0), key=_OFFSET))


_OFFSET = itemgetter(0)  # Command.offset
# Command(*fields) without the argument handling of namedtuple's __new__ (half the cost)
_new_tuple = tuple.__new__
_BLANKS = re.compile(r"[ \t\r]*")
_OPERATOR_CHARS = frozenset(";&|\n")
_TWO_CHAR_OPERATORS = frozenset({"&&", "||", ";;", "|&"})
_UNQUOTE = str.maketrans("", "", "\\'\"")


def _scan(text, base, via, depth, outer=None, carrier=None):
    """Commands of `text`; `outer` maps each character's index to the outer script."""

    def outer_offset(index):
        if outer is None:
            return base + index
        return outer[min(index, len(outer) - 1)] if outer else base

    found, pending_heredocs = [], []
    start, before, closers = None, "", []
    # The command being built is text[start:end] minus `gaps`, the (start, end) of the line
    # continuations and comments dropped from it: every other token between its start and
    # the separator that ends it is kept, so its text is sliced out when it ends instead
    # of being gathered token by token.
    gaps = []
    pos, size, inert_run = 0, len(text), _INERT_RUN.match
    while True:
        # Read tokens up to the separator `after` that ends the command (at `end`); "" is the
        # end of the text. Ending a command is inline, not a function: it runs per command.
        if pos >= size:
            after, end = "", size
        else:
            run = inert_run(text, pos)
            if run is not None:
                end = run.end()
                if start is None:  # leading blanks are skipped, as single space tokens were
                    first = pos
                    if text[first] in " \t\r":
                        first = _BLANKS.match(text, first, end).end()
                    if first < end:
                        start = first
                pos = end
                if pos >= size:
                    continue
                # the run stopped at a token that acts: read it (no second try of the run)
            char = text[pos]
            if char in _OPERATOR_CHARS:
                # Where a run stops, these can only start _TOKEN's op (a `&>` would be in the
                # run): read without the regex, as most tokens that act are newlines.
                after = text[pos : pos + 2]
                if after not in _TWO_CHAR_OPERATORS:
                    after = char
                end = pos
                pos += len(after)
                if closers:  # inside $(...) or ${...}: part of the command
                    if start is None:
                        start = end
                    continue
            else:
                match = _TOKEN.match(text, pos)
                kind, token = match.lastgroup, match.group()
                pos = match.end()
                if kind in ("dash", "delim"):
                    kind = "heredoc"
                if kind == "cont":
                    if start is not None:
                        gaps.append((match.start(), pos))
                    continue
                if kind == "space" and start is None:
                    continue
                if kind == "hash" and (
                    match.start() == 0 or text[match.start() - 1] in _WORD_START
                ):
                    end = text.find("\n", pos)
                    pos = len(text) if end == -1 else end
                    if start is not None:
                        gaps.append((match.start(), pos))
                    continue
                if kind != "op" or closers:
                    if kind == "open" or (kind == "op" and token == "(" and closers):
                        closers.append("}" if token == "${" else ")")
                    elif kind == "close" or (kind == "op" and token == ")"):
                        if closers and closers[-1] == token:
                            closers.pop()
                    elif kind == "heredoc":
                        # The command being built is the carrier: the next one appended.
                        delim = match.group("delim").translate(_UNQUOTE)
                        pending_heredocs.append((delim, bool(match.group("dash")), len(found)))
                    if start is None:
                        start = match.start()
                    continue
                after, end = token, match.start()
        if start is None:  # no command: a newline after &&, || or | keeps that operator
            if after != "\n" or before not in ("&&", "||", "|"):
                before = after
        else:
            if gaps:
                joined, starts, script_starts = _stitch(text, start, end, gaps)
                gaps = []
            else:
                joined, starts = text[start:end], None
            stripped = joined.lstrip()
            command_text = stripped.rstrip()
            # most commands start with no reserved word
            if command_text and command_text.partition(" ")[0] not in _SPECIAL_HEADS:
                command = 0, command_text, False
            else:
                command = _command(command_text)
            if command is not None:
                shift, command_text, condition = command
                skipped = len(joined) - len(stripped) + shift
                if starts is None and outer is None:  # one stretch, in this very script
                    offset = base + start + skipped
                    # one stretch: offset + index, as _Segments would map it
                    locate = partial(add, offset)
                else:
                    if starts is None:
                        starts, script_starts = (0,), (start,)
                    locate = _Segments(starts, script_starts, skipped, outer_offset)
                    offset = outer_offset(locate.raw(0))
                fields = (offset, command_text, before, after, condition, via, carrier, locate)
                found.append(_new_tuple(Command, fields))
                # "sh" is in every script carrier (ssh, bash/sh -c)
                if depth < MAX_DEPTH and "sh" in command_text:
                    found.extend(_nested(found[-1], depth))
            start = None
            before = after
        if not after:
            break
        if after == "\n" and pending_heredocs:
            pos = _read_heredocs(text, pos, pending_heredocs, found, outer_offset, depth)
    if pending_heredocs:
        _read_heredocs(text, size, pending_heredocs, found, outer_offset, depth)
    return found


def _stitch(text, start, end, gaps):
    """text[start:end] minus the gaps; where each kept stretch starts in it and in `text`."""
    pieces, starts, script_starts, length = [], [], [], 0
    for gap_start, gap_end in (*gaps, (end, end)):
        if gap_start > start:  # no empty stretch: it would shadow the next one in _Segments
            pieces.append(text[start:gap_start])
            starts.append(length)
            script_starts.append(start)
            length += gap_start - start
        start = gap_end
    return "".join(pieces), starts, script_starts


class _Segments:
    """Maps an index of a command's text back to its index in the script it came from;
    called, to the offset in the outermost script (a Command's `locate`, where that is not
    a plain shift: joined lines, dropped comments, a script nested in a quoted word)."""

    # slots, and no separate locate closure: one object per command, not four (less for
    # the garbage collector to track while a run holds thousands of parsed scripts)
    __slots__ = ("starts", "script_starts", "skipped", "outer_offset")

    def __init__(self, starts, script_starts, skipped, outer_offset):
        self.starts = starts  # where each stretch of the joined text starts in it
        self.script_starts = script_starts  # where it starts in the script
        self.skipped = skipped  # characters dropped from the front of the joined text
        self.outer_offset = outer_offset  # script index -> offset in the outermost script

    def __call__(self, index):
        return self.outer_offset(self.raw(index))

    def offsets_of(self, indexes):
        """self(index) of each index (lazily); with one stretch, raw() shifts all alike."""
        if len(self.starts) == 1:
            return map(
                self.outer_offset, map((self.script_starts[0] + self.skipped).__add__, indexes)
            )
        return map(self.outer_offset, map(self.raw, indexes))

    def raw(self, index):
        index += self.skipped
        if len(self.starts) == 1:  # most commands: one stretch, starting at 0
            return self.script_starts[0] + index
        k = bisect_right(self.starts, index) - 1
        if k < 0:
            k = 0
        return self.script_starts[k] + index - self.starts[k]


_DROPPED = RESERVED | CONDITIONS
_SPECIAL_HEADS = _DROPPED | NOT_COMMANDS  # the words _command acts on


def _command(text):
    """(chars dropped, text, condition) with leading reserved words dropped; None if empty."""
    condition, shift = False, 0
    head, _, rest = text.partition(" ")
    while head in _DROPPED:
        if head in CONDITIONS:
            condition = True
        rest = rest.lstrip()
        shift += len(text) - len(rest)
        text = rest
        head, _, rest = text.partition(" ")
    if not text or head in NOT_COMMANDS:
        return None
    return shift, text, condition


def _read_heredocs(text, pos, pending, found, outer_offset, depth):
    """Consume the bodies of pending heredocs starting at `pos`; nested scripts for shells."""
    for delim, strip_tabs, owner in pending:
        body_start = pos
        # Only a line holding the delimiter can close the body: jump from one to the next.
        while pos < len(text) and (hit := text.find(delim, pos)) != -1:
            line_start = max(pos, text.rfind("\n", pos, hit) + 1)
            end = text.find("\n", hit)
            end = len(text) if end == -1 else end
            line = text[line_start:end].rstrip("\r")
            pos = end + 1
            if line == delim or (strip_tabs and line.lstrip("\t") == delim):
                body_end = line_start
                break
        else:
            body_end = pos = len(text)
        carrier = _script_reader(found, owner)
        if carrier is not None and depth < MAX_DEPTH:
            body = text[body_start:body_end]
            found.extend(
                _scan(body, outer_offset(body_start), "heredoc", depth + 1, None, carrier.offset)
            )
    pending.clear()
    return pos


def _script_reader(found, owner):
    """The command that runs a heredoc body as a script: its owner (`ssh host bash -s <<EOF`),
    or the shell a bare `cat <<EOF` pipes it into (`cat <<EOF | ssh host bash -s`)."""
    carrier = found[owner] if owner < len(found) else None
    if carrier is None:
        return None
    if _reads_script(carrier.text):
        return carrier
    piped = [c for c in found[owner + 1 :] if c.via == carrier.via][:1]
    bare_cat = [w for w in carrier.words if not w.startswith("<<")] in (["cat"], ["cat", "-"])
    if bare_cat and carrier.after == "|" and piped and _reads_script(piped[0].text):
        return piped[0]
    return None


@lru_cache(maxsize=4096)
def _reads_script(command_text):
    """reads_script_from_stdin() of a command's words. Cached: a workflow's heredocs tend to
    go through the same few `ssh ... <<EOF` lines, and the check costs far more than a look-up."""
    return reads_script_from_stdin(words(command_text))


def _nested(command, depth):
    """Commands of a script carried inside `command`'s words (ssh string, sh -c)."""
    script = remote_script_words(command.text)
    if script is None:
        return []
    via, spans = script
    inner, outer, locate = " ".join(value for value, _ in spans), [], command.locate
    offsets_of = locate.offsets_of if type(locate) is _Segments else partial(map, locate)
    for _, offsets in spans:
        outer.extend(offsets_of(offsets))
        outer.append(outer[-1] + 1 if outer else command.offset)  # the joining space
    return _scan(inner, 0, via, depth + 1, outer, command.offset)


def is_compose_up(command_text):
    """Whether a command is `docker compose ... up` (or docker-compose)."""
    if "compose" not in command_text or "up" not in command_text:
        return False
    found = compose_subcommand(words(command_text))
    return found is not None and found[0] == "up"


_FAILING_EXIT = re.compile(r"(exit|return)\s+([1-9][0-9]*|\"?\$\S+)|false")


def fails_on_purpose(command_text):
    """`exit 1`, `exit $rc`, `return 2`, `false`: a command that makes the script fail."""
    return _FAILING_EXIT.fullmatch(command_text.strip().rstrip(";").strip()) is not None


def has_fail_suppression(commands, index):
    """Whether the failure of commands[index] is swallowed by what follows it.

    True for a `||` fallback that does not fail on purpose: `|| true`, `|| :`,
    `|| echo ...`, `|| exit 0`, also after a pipeline the command is in
    (`curl ... | grep -q x || true`). A fallback on the same line that reaches
    `exit N` (N != 0) or `false` (`|| { echo bad; exit 1; }`) keeps the failure.
    (GitHub runs bash with -e, so `cmd; exit 0` does not hide cmd's failure.)

    >>> script = parse_script("curl -f http://x/health || echo down")
    >>> has_fail_suppression(script, 0), fail_suppression_offset(script, 0)
    (True, 27)
    """
    return fail_suppression_offset(commands, index) is not None


def fail_suppression_offset(commands, index):
    """The offset of the fallback that swallows commands[index]'s failure, or None."""
    level = [i for i in range(index, len(commands)) if commands[i].via == commands[index].via]
    position = 0
    while commands[level[position]].after in ("|", "|&") and position + 1 < len(level):
        position += 1  # a pipeline's status is its last command's
    if commands[level[position]].after != "||" or position + 1 >= len(level):
        return None
    for fallback in (commands[i] for i in level[position + 1 :]):
        if fails_on_purpose(fallback.text):
            return None
        if fallback.after in ("\n", ""):
            break
    return commands[level[position + 1]].offset
