"""Reading a script with tree-sitter-bash into the script model.

tree-sitter never fails on bad syntax (it makes ERROR nodes, whose offsets
go to `Script.errors`); the commands it could read are still listed.
`${{ }}` spans are masked with same-length `_` runs before parsing (the
runner substitutes them before the shell sees the script) and come back as
GitHubExpression parts. Offsets: tree-sitter counts UTF-8 bytes; the model
counts str characters.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, replace

import tree_sitter_bash
from tree_sitter import Language, Node, Parser

from ..expressions import find_expressions
from .model import (
    Assignment,
    Command,
    CommandSubstitution,
    GitHubExpression,
    Literal,
    Other,
    Part,
    Redirect,
    Script,
    Variable,
    Word,
    Wrapper,
)
from .words import gcloud_command, reads_stdin_script, shell_c_script, ssh_remote, unwrap

PARSER = Parser(Language(tree_sitter_bash.language()))
MAX_NESTING = 8  # scripts inside scripts (`ssh h "bash -c '...'"`)
MAX_TREE_DEPTH = 150  # syntax nesting followed; deeper is reported as an error
MAX_NODES = 60_000  # syntax nodes read per script, nested ones included (~0.5 s)
MAX_CHARS = 256 * 1024  # longer scripts are read up to here (tree-sitter: ~0.5 s per MB)
DECLARATIONS = frozenset({"export", "local", "declare", "readonly", "typeset"})
EXPANSION = re.compile(r"(?P<prefix>[#!]?)(?P<name>[A-Za-z_][A-Za-z0-9_]*|[0-9]+|[@*#?$!-])")
OPERATORS = (":-", ":=", ":?", ":+", "##", "%%", "//", "/#", "/%", "^^", ",,")
OPERATORS_1 = ("-", "=", "?", "+", "#", "%", "/", "^", ",", ":", "@")
UNESCAPE = re.compile(r"\\(.)", re.DOTALL)
UNESCAPE_DQ = re.compile(r"\\([\"\\$`\n])")


def identity(offset: int) -> int:
    return offset


class Reader:
    """Reads one text; `outer` maps its offsets to those of the top script."""

    def __init__(self, text: str, outer: Callable[[int], int] = identity, nesting: int = 0,
                 top: str | None = None, budget: list[int] | None = None):  # fmt: skip
        self.text = text
        self.budget = [MAX_NODES] if budget is None else budget  # shared with nested readers
        self.complete = True
        self.top = text if top is None else top
        self.outer = outer
        self.nesting = nesting
        self.expressions = [e for e in find_expressions(text) if e.closed]
        self.expression_starts = [e.start for e in self.expressions]
        masked = text
        if self.expressions:
            pieces, at = [], 0
            for e in self.expressions:
                pieces += [text[at : e.start], "_" * (e.end - e.start)]
                at = e.end
            masked = "".join(pieces) + text[at:]
        data = masked.encode("utf-8", "surrogatepass")
        self.data = data
        # byte offset -> char offset: only non-ASCII characters shift them
        self.wide_bytes: list[int] = []  # byte offset after each wide character
        self.wide_extra: list[int] = []  # extra bytes up to and including it
        if len(data) != len(text):
            extra = 0
            for index, char in enumerate(masked):
                width = len(char.encode("utf-8", "surrogatepass"))
                if width > 1:
                    extra += width - 1
                    self.wide_bytes.append(index + extra + 1)
                    self.wide_extra.append(extra)
        if not self.wide_bytes:  # ASCII: bytes are characters
            self.char = identity
            if outer is identity:
                self.pos = identity
        self.commands: list[Command] = []
        self.assignments: list[Assignment] = []
        self.errors: list[int] = []
        self.depth = 0
        self.errexit_off = False

    # ------------------------------------------------------------ offsets

    def char(self, byte: int) -> int:
        found = bisect_right(self.wide_bytes, byte)
        return byte - (self.wide_extra[found - 1] if found else 0)

    def pos(self, byte: int) -> int:
        return self.outer(self.char(byte))

    def source(self, node: Node) -> str:
        return self.text[self.char(node.start_byte) : self.char(node.end_byte)]

    # ------------------------------------------------------------ reading

    def read(self) -> Script:
        tree = PARSER.parse(self.data)
        self.visit(tree.root_node, Context())
        return self.script()

    def script(self, first: int = 0, span: tuple[int, int] | None = None) -> Script:
        """The script read so far, or the part of it inside `span` (char offsets)
        whose commands start at index `first` (a command substitution)."""
        from .flow import output_writes  # flow reads the finished commands

        commands = tuple(sorted(self.commands[first:], key=lambda c: c.start))
        assignments = sorted(self.assignments, key=lambda a: a.start)
        text = self.text
        if span is not None:
            text = self.text[span[0] : span[1]]
            low, high = self.outer(span[0]), self.outer(span[1])
            assignments = [a for a in assignments if low <= a.start < high]
        writes = output_writes(commands)
        errors, complete = tuple(self.errors), self.complete
        return Script(text, commands, tuple(assignments), writes, errors, complete)

    def exhausted(self, node: Node) -> bool:
        """Past the depth or size this reader follows: note where, once."""
        self.budget[0] -= 1
        if self.depth < MAX_TREE_DEPTH and self.budget[0] >= 0:
            return False
        if self.complete:
            self.errors.append(self.pos(node.start_byte))
            self.complete = False
        return True

    def visit(self, node: Node, context: Context) -> None:
        if self.exhausted(node):
            return
        self.depth += 1
        try:
            self.visit_node(node, context)
        finally:
            self.depth -= 1

    def visit_node(self, node: Node, context: Context) -> None:
        kind = node.type
        if kind == "command":
            self.command(node, context)
        elif kind == "list":
            self.list(node, context)
        elif kind == "pipeline":
            parts = [child for child in node.named_children if child.type != "comment"]
            for index, child in enumerate(parts):
                self.visit(child, replace(context, pipeline=(index, len(parts))))
        elif kind == "redirected_statement":
            self.redirected(node, context)
        elif kind == "negated_command":
            for child in node.named_children:
                self.visit(child, replace(context, masked=True))
        elif kind in ("if_statement", "while_statement", "until_statement", "elif_clause"):
            for index, child in enumerate(node.children):
                if child.is_named:
                    test = node.field_name_for_child(index) == "condition"
                    self.visit(child, replace(context, condition=True) if test else context)
        elif kind == "function_definition":
            name = node.child_by_field_name("name")
            inner = replace(context, function=self.source(name) if name else "?")
            for child in node.children_by_field_name("body"):
                self.visit(child, inner)
        elif kind == "case_statement":
            for child in node.named_children:
                self.visit(child, context)
        elif kind == "case_item":  # patterns are text, not commands
            for index, child in enumerate(node.children):
                if child.is_named and node.field_name_for_child(index) != "value":
                    self.visit(child, context)
        elif kind in ("variable_assignment", "variable_assignments"):
            self.assignment_nodes(node, "assign", context)
        elif kind == "declaration_command":
            self.declaration(node, context)
        elif kind == "for_statement":
            variable = node.child_by_field_name("variable")
            if variable is not None:
                start, end = self.pos(variable.start_byte), self.pos(variable.end_byte)
                self.assignments.append(Assignment(self.source(variable), None, "for", start, end))
            for child in node.children_by_field_name("value"):
                self.parts(child, context)
            for child in node.children_by_field_name("body"):
                self.visit(child, context)
        elif kind in ("word", "string", "raw_string", "concatenation", "expansion"):
            self.parts(node, context)
        elif kind in ("comment", "heredoc_body"):
            pass
        else:
            if kind == "ERROR":
                self.errors.append(self.pos(node.start_byte))
            for child in node.named_children:
                self.visit(child, context)

    def list(self, node: Node, context: Context) -> None:
        children = node.children
        operator = next((c.type for c in children if not c.is_named), "&&")
        named = [c for c in children if c.is_named]
        if len(named) != 2 or operator != "||":
            for child in named:
                self.visit(child, context)
            return
        first = len(self.commands)
        self.visit(named[0], context)
        middle = len(self.commands)
        self.visit(named[1], context)
        if not any(fails_on_purpose(c) for c in self.commands[middle:]):
            for index in range(first, middle):
                self.commands[index] = replace(self.commands[index], masked=True)

    # -------------------------------------------------------------- words

    def word(self, node: Node, context: Context) -> Word:
        start, end = self.char(node.start_byte), self.char(node.end_byte)
        raw = self.text[start:end]
        if node.type == "word" and "\\" not in raw and "${{" not in raw:  # most words
            begin, stop = self.outer(start), self.outer(end)
            return Word(raw, (Literal(raw, begin, stop),), begin, stop)
        parts = merge(self.parts(node, context))
        return Word(raw, parts, self.outer(start), self.outer(end))

    def literal(self, start: int, end: int, unescape: re.Pattern[str] | None) -> list[Part]:
        """Literal text from char offsets [start, end), `${{ }}` split out."""
        parts: list[Part] = []
        found = bisect_right(self.expression_starts, start)
        if found and self.expressions[found - 1].end > start:
            found -= 1
        at = start
        for e in self.expressions[found:]:
            if e.start >= end:
                break
            parts += self.plain(at, e.start, unescape)
            ends = self.outer(e.start), self.outer(e.end)
            parts.append(GitHubExpression(e.source, *ends))
            at = e.end
        return parts + self.plain(at, end, unescape)

    def plain(self, start: int, end: int, unescape: re.Pattern[str] | None) -> list[Part]:
        if start >= end:
            return []
        raw = self.text[start:end]
        value = unescape.sub(r"\1", raw) if unescape and "\\" in raw else raw
        if unescape is UNESCAPE_DQ:
            value = value.replace("\\\n", "")
        return [Literal(value, self.outer(start), self.outer(end))]

    def parts(self, node: Node, context: Context) -> list[Part]:
        if self.exhausted(node):
            return [Other(self.source(node), self.pos(node.start_byte), self.pos(node.end_byte))]
        self.depth += 1
        try:
            return self.node_parts(node, context)
        finally:
            self.depth -= 1

    def node_parts(self, node: Node, context: Context) -> list[Part]:
        kind = node.type
        start, end = self.char(node.start_byte), self.char(node.end_byte)
        if kind in ("word", "number", "test_operator", "special_variable_name", "variable_name"):
            return self.literal(start, end, UNESCAPE if kind == "word" else None)
        if kind == "raw_string":
            return self.literal(start + 1, end - 1, None)
        if kind in ("string", "concatenation", "heredoc_body"):
            parts: list[Part] = []
            at = start + (1 if kind == "string" else 0)
            stop = end - (1 if kind == "string" else 0)
            for child in node.named_children:
                child_start = self.char(child.start_byte)
                if child.type in ("string_content", "heredoc_content", "heredoc_end"):
                    continue
                unescape = UNESCAPE if kind == "concatenation" else UNESCAPE_DQ
                if kind == "heredoc_body":
                    unescape = None
                parts += self.literal(at, child_start, unescape)
                parts += self.parts(child, context)
                at = self.char(child.end_byte)
            unescape = UNESCAPE if kind == "concatenation" else UNESCAPE_DQ
            return parts + self.literal(at, stop, None if kind == "heredoc_body" else unescape)
        if kind == "simple_expansion":
            name = self.text[start + 1 : end]
            return [Variable(name, "", "", self.outer(start), self.outer(end))]
        if kind == "expansion":
            return [self.expansion(node, start, end, context)]
        if kind == "command_substitution":
            first = len(self.commands)
            masked = context.masked or not context.assigning
            inner = replace(context, masked=masked, substituted=True, redirects=())
            for child in node.named_children:
                self.visit(child, inner)
            opening = 1 if self.text.startswith("`", start) else 2  # `...` or $(...)
            script = self.script(first, (start + opening, end - 1))
            return [CommandSubstitution(script, self.outer(start), self.outer(end))]
        if kind == "process_substitution":
            for child in node.named_children:
                self.visit(child, replace(context, masked=True, substituted=True, redirects=()))
        else:
            self.substitutions(node, context)
        return [Other(self.text[start:end], self.outer(start), self.outer(end))]

    def expansion(self, node: Node, start: int, end: int, context: Context) -> Part:
        inner = self.text[start + 2 : end - 1]
        match = EXPANSION.match(inner)
        if match is None:
            self.substitutions(node, context)
            return Other(self.text[start:end], self.outer(start), self.outer(end))
        rest = inner[match.end() :]
        operator = next((op for op in OPERATORS if rest.startswith(op)), "")
        operator = operator or next((op for op in OPERATORS_1 if rest.startswith(op)), "")
        if match.group("prefix") == "#":
            operator = "length"
        argument = rest[len(operator) :] if operator != "length" else ""
        default: list[Part] = []
        argument_start = start + 2 + match.end() + len(operator)
        for child in node.named_children:
            if self.char(child.start_byte) >= argument_start and child.type != "variable_name":
                if operator in ("-", ":-", "=", ":=", "+", ":+"):
                    default += self.parts(child, context)
                else:
                    self.substitutions(child, context)
        span = self.outer(start), self.outer(end)
        return Variable(match.group("name"), operator, argument, *span, tuple(merge(default)))

    def substitutions(self, node: Node, context: Context) -> None:
        """Visit the commands of `$(...)` anywhere under a node that is not a command."""
        for child in node.named_children:
            if child.type == "command_substitution":
                self.parts(child, context)
            elif child.type == "process_substitution":
                self.parts(child, context)
            elif child.named_child_count:
                if not self.exhausted(child):
                    self.depth += 1
                    self.substitutions(child, context)
                    self.depth -= 1

    def redirected(self, node: Node, context: Context) -> None:
        """A statement with redirects. The grammar puts the rest of a heredoc's
        first line (`cat <<EOF | ssh vm`, `<<EOF >> "$GITHUB_OUTPUT"`,
        `<<EOF && next`) inside the heredoc redirect: it is read from there."""
        redirects: list[Redirect] = []
        rest: list[tuple[str, Node]] = []  # (operator before it, statement)
        for child in node.children_by_field_name("redirect"):
            redirects.append(self.redirect(child, context))
            if child.type != "heredoc_redirect":
                continue
            operator = ""
            for inner in child.children:
                if inner.type in ("file_redirect", "herestring_redirect"):
                    redirects.append(self.redirect(inner, context))
                elif not inner.is_named:
                    operator = inner.type
                elif not inner.type.startswith("heredoc_"):
                    rest.append((operator, inner))
        piped = [n for op, n in rest if n.type == "pipeline" and op != "||" and op != "&&"]
        stages = [c for p in piped for c in p.named_children if c.type != "comment"]
        size = len(stages) + 1
        body = replace(context, redirects=context.redirects + tuple(redirects))
        if stages:
            body = replace(body, pipeline=(0, size))
        first = len(self.commands)
        for child in node.children_by_field_name("body"):
            self.visit(child, body)
        middle = len(self.commands)
        heredoc = next((r.heredoc for r in redirects if r.heredoc is not None), None)
        for index, stage in enumerate(stages):
            self.visit(stage, replace(context, pipeline=(index + 1, size)))
            if index == 0 and heredoc is not None and middle > first:
                fed = self.commands[-1] if len(self.commands) > middle else None
                if self.commands[first].name == "cat" and fed and reads_stdin_script(fed.words):
                    wrapper = Wrapper("heredoc", fed.words, fed.start, fed.end)
                    self.nested_read((heredoc,), fed.wrappers + (wrapper,), context)
        for operator, statement in rest:
            if statement.type == "pipeline" and statement in piped:
                continue
            before = len(self.commands)
            self.visit(statement, context)
            if operator == "||" and not any(map(fails_on_purpose, self.commands[before:])):
                for index in range(first, middle):
                    self.commands[index] = replace(self.commands[index], masked=True)

    def redirect(self, node: Node, context: Context) -> Redirect:
        start, end = self.pos(node.start_byte), self.pos(node.end_byte)
        if node.type == "heredoc_redirect":
            operator = node.children[0].type  # << or <<-
            body = next((c for c in node.named_children if c.type == "heredoc_body"), None)
            heredoc = self.word(body, context) if body is not None else None
            return Redirect(operator, None, start, end, heredoc)
        operator = "".join(c.type for c in node.children if not c.is_named)
        target = node.child_by_field_name("destination")
        if target is None:
            named = [c for c in node.named_children if c.type != "file_descriptor"]
            target = named[-1] if named else None
        word = self.word(target, context) if target is not None else None
        return Redirect(operator, word, start, end)

    # ----------------------------------------------------------- commands

    def assignment_nodes(self, node: Node, kind: str, context: Context) -> None:
        nodes = node.named_children if node.type == "variable_assignments" else [node]
        for child in nodes:
            if child.type != "variable_assignment":
                continue
            name = child.child_by_field_name("name")
            value = child.child_by_field_name("value")
            start, end = self.pos(child.start_byte), self.pos(child.end_byte)
            assigning = replace(context, assigning=kind == "assign")
            word = self.word(value, assigning) if value is not None else Word("", (), end, end)
            append = any(c.type == "+=" for c in child.children)
            text = self.source(name) if name is not None else "?"
            self.assignments.append(Assignment(text, word, kind, start, end, append))

    def declaration(self, node: Node, context: Context) -> None:
        keyword = node.children[0]
        kind = keyword.type if keyword.type in DECLARATIONS else "declare"
        words = [self.keyword_word(keyword)]
        for child in node.named_children:
            if child.type == "variable_assignment":
                self.assignment_nodes(child, kind, context)
                words.append(self.word(child, Context()))
            elif child.type in ("variable_name", "word"):
                word = self.word(child, context)
                words.append(word)
                if child.type == "variable_name":
                    self.assignments.append(Assignment(word.raw, None, kind, word.start, word.end))
        self.add(tuple(words), (), (), context)

    def keyword_word(self, node: Node) -> Word:
        start, end = self.pos(node.start_byte), self.pos(node.end_byte)
        text = self.source(node)
        return Word(text, (Literal(text, start, end),), start, end)

    def command(self, node: Node, context: Context) -> None:
        words, env, redirects = [], [], []
        for child in node.named_children:
            if child.type == "command_name":
                words.append(self.word(child.named_children[0], context))
            elif child.type == "variable_assignment":
                value = child.child_by_field_name("value")
                name = child.child_by_field_name("name")
                start, end = self.pos(child.start_byte), self.pos(child.end_byte)
                word = self.word(value, context) if value is not None else Word("", (), end, end)
                env.append(Assignment(self.source(name) if name else "?", word, "env", start, end))
            elif child.type in ("file_redirect", "herestring_redirect"):
                redirects.append(self.redirect(child, context))
            elif child.type != "comment":
                words.append(self.word(child, context))
        redirects = list(context.redirects) + redirects
        self.add(tuple(words), tuple(env), tuple(redirects), context)

    def add(self, words, env, redirects, context: Context) -> None:
        wrappers, argv, env_words = unwrap(words)
        for word in env_words:
            name, _, _ = (word.text or word.raw).partition("=")
            env += (Assignment(name, word, "env", word.start, word.end),)
        if not argv:
            return
        wrappers = context.wrappers + wrappers
        masked = context.masked or self.errexit_off
        command = Command(
            argv, argv[0].start, argv[-1].end, wrappers, env, redirects,
            context.pipeline, masked, context.condition, context.function, context.substituted,
        )  # fmt: skip
        self.commands.append(command)
        if command.name == "set":
            argv = command.argv
            for index, flag in enumerate(argv[1:], 1):
                errexit = argv[index + 1 : index + 2] == ("errexit",) and flag in ("-o", "+o")
                if flag and flag[0] in "+-" and (errexit or "e" in flag[1:] and "o" != flag[1:]):
                    self.errexit_off = flag[0] == "+"
        elif command.name == "read":
            self.read_names(command)
        self.nested(command, context)

    def read_names(self, command: Command) -> None:
        """`read [-r] [-p prompt] NAME...`: each NAME gets a value the script cannot know."""
        words, at = command.words, 1
        while at < len(words) and (words[at].text or "").startswith("-"):
            takes_value = (words[at].text or "")[-1:] in "adinNptu" and words[at].text != "-r"
            at += 2 if takes_value and len(words[at].text or "") == 2 else 1
        for word in words[at:]:
            if word.text and word.text.isidentifier():
                self.assignments.append(Assignment(word.text, None, "read", word.start, word.end))

    def nested(self, command: Command, context: Context) -> None:
        """Read the scripts this command hands to another shell."""
        if self.nesting >= MAX_NESTING:
            return
        argv = command.words
        inner = Context(context.masked, context.condition, context.function)
        inner = replace(inner, substituted=context.substituted)
        shell = shell_c_script(argv)
        if shell is not None:
            wrapper = Wrapper(
                "shell-c", argv[shell[0] : shell[1]], argv[shell[0]].start, argv[shell[1]].end
            )
            self.nested_read((argv[shell[1]],), command.wrappers + (wrapper,), inner)
        remote = ssh_remote(argv)
        if remote is not None and remote[1] < len(argv) and shell is None:
            wrapper = Wrapper("ssh", argv[: remote[1]], argv[0].start, argv[remote[0]].end)
            self.nested_read(argv[remote[1] :], command.wrappers + (wrapper,), inner)
        gcloud = gcloud_command(argv)
        if gcloud is not None and gcloud[1] is not None:
            wrapper = Wrapper(
                "gcloud-ssh", argv[: gcloud[0]], argv[0].start, argv[gcloud[0] - 1].end
            )
            self.nested_read((gcloud[1],), command.wrappers + (wrapper,), inner, "--command=")
        heredoc = next((r.heredoc for r in command.redirects if r.heredoc is not None), None)
        if heredoc is not None and reads_stdin_script(argv):
            wrapper = Wrapper("heredoc", argv, argv[0].start, argv[-1].end)
            self.nested_read((heredoc,), command.wrappers + (wrapper,), inner)

    def nested_read(self, words, wrappers, context: Context, prefix: str = "") -> None:
        text, segments = render(words, self.outer_text_for, prefix)
        if not text.strip():
            return
        starts = [segment[0] for segment in segments]

        def to_outer(offset: int) -> int:
            found = max(bisect_right(starts, offset) - 1, 0)
            inner_start, outer_start, exact = segments[found]
            return outer_start + (offset - inner_start) if exact else outer_start

        reader = Reader(text, to_outer, self.nesting + 1, self.top, self.budget)
        reader.read()
        nested_context = replace(context, wrappers=wrappers)
        for command in reader.commands:
            masked = command.masked or nested_context.masked
            self.commands.append(
                replace(command, wrappers=wrappers + command.wrappers, masked=masked)
            )
        self.assignments += reader.assignments
        self.errors += reader.errors
        self.complete = self.complete and reader.complete

    def outer_text_for(self, start: int, end: int) -> str:
        """The top script's text at its offsets (to tell exact parts)."""
        return self.top[start:end]


def render(words, top_text, prefix: str) -> tuple[str, list[tuple[int, int, bool]]]:
    """The text another shell gets from these words, with a map back to offsets.

    Segments are (offset in the rendered text, offset in the top text, exact):
    a part whose value is its own source text maps character by character;
    others (escapes, joined words) map to their start.
    """
    pieces: list[str] = []
    segments: list[tuple[int, int, bool]] = []
    length = 0
    for index, word in enumerate(words):
        if index:
            pieces.append(" ")
            segments.append((length, word.start, False))
            length += 1
        for part in word.parts:
            if isinstance(part, Literal):
                value = part.value
                source = top_text(part.start, part.end)
                exact = source == value
                if prefix and length == 0 and value.startswith(prefix):
                    value = value[len(prefix) :]
                    start = part.start + len(prefix) if exact else part.start
                else:
                    start = part.start
            else:
                value = top_text(part.start, part.end)
                start, exact = part.start, True
            segments.append((length, start, exact))
            pieces.append(value)
            length += len(value)
    return "".join(pieces), segments or [(0, words[0].start if words else 0, False)]


def fails_on_purpose(command: Command) -> bool:
    """`exit`/`return` with a non-zero (or no) status, or `false`."""
    if command.name == "false":
        return True
    if command.name in ("exit", "return"):
        return len(command.words) < 2 or command.words[1].text != "0"
    return False


def merge(parts: list[Part]) -> tuple[Part, ...]:
    """Neighbouring literals joined into one."""
    merged: list[Part] = []
    for part in parts:
        last = merged[-1] if merged else None
        if isinstance(part, Literal) and isinstance(last, Literal) and last.end == part.start:
            merged[-1] = Literal(last.value + part.value, last.start, part.end)
        elif not (isinstance(part, Literal) and part.value == ""):
            merged.append(part)
    return tuple(merged)


@dataclass(frozen=True, slots=True)
class Context:
    """What the syntax around a command says about it."""

    masked: bool = False
    condition: bool = False
    function: str | None = None
    pipeline: tuple[int, int] = (0, 1)
    redirects: tuple[Redirect, ...] = ()
    wrappers: tuple[Wrapper, ...] = ()
    assigning: bool = False  # in `X=$(...)`, whose failure fails the script
    substituted: bool = False


def parse_script(text: str, max_chars: int = MAX_CHARS, max_nodes: int = MAX_NODES) -> Script:
    """The commands, assignments and output writes of a shell script.

    Bounded work on any input: past `max_chars` characters, `max_nodes`
    syntax nodes or MAX_TREE_DEPTH levels of nesting the rest is not read,
    and the script says so (`complete=False`, the offset in `errors`). A
    caller reading many scripts of one file can share one budget by
    passing what is left.
    """
    if len(text) <= max_chars:
        return Reader(text, budget=[max_nodes]).read()
    script = Reader(text[:max_chars], budget=[max_nodes]).read()
    return replace(script, text=text, errors=(*script.errors, max_chars), complete=False)
