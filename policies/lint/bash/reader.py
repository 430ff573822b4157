"""Reading a script's statements with tree-sitter-bash into the script model.

tree-sitter never fails on bad syntax (it makes ERROR nodes, whose offsets
go to `Script.errors`); the commands it could read are still listed.
Scripts handed to another shell (`bash -c`, `ssh host '...'`, heredocs fed
to a shell) are read by a nested Reader whose offsets map to the top text.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from dataclasses import replace
from functools import lru_cache

import tree_sitter_bash
from tree_sitter import Language, Node, Parser

from .model import (
    Assignment,
    Command,
    Literal,
    Redirect,
    Script,
    Word,
    Wrapper,
)
from .source import MAX_NODES, Context, ScriptSource
from .words import gcloud_command, reads_stdin_script, shell_c_script, ssh_remote, unwrap

PARSER = Parser(Language(tree_sitter_bash.language()))
MAX_NESTING = 8  # scripts inside scripts (`ssh h "bash -c '...'"`)
MAX_CHARS = 128 * 1024  # longer scripts are read up to here (real ones: under 5 KB)
DECLARATIONS = frozenset({"export", "local", "declare", "readonly", "typeset"})


class Reader(ScriptSource):
    """Reads the statements of one text into commands and assignments."""

    def read(self) -> Script:
        self.read_commands(Context())
        return self.script()

    def read_commands(self, context: Context) -> None:
        """Parse the text and read its statements in `context` (a nested script starts
        inside its carrier's wrappers and masking)."""
        self.visit(PARSER.parse(self.data).root_node, context)

    def script(self, first: int = 0, span: tuple[int, int] | None = None) -> Script:
        """The script read so far, or the part of it inside `span` (char offsets)
        whose commands start at index `first` (a command substitution)."""
        from .writes import output_writes  # flow reads the finished commands

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

    def visit(self, node: Node, context: Context) -> None:
        if self.exhausted(node):
            return
        self.depth += 1
        try:
            self.visit_node(node, context)
        finally:
            self.depth -= 1

    def visit_node(self, node: Node, context: Context) -> None:
        statement = STATEMENTS.get(node.type)
        if statement is not None:
            statement(self, node, context)
            return
        if node.type == "ERROR":
            self.errors.append(self.pos(node.start_byte))
        for child in node.named_children:  # program, subshells, groups, bodies...
            self.visit(child, context)

    def pipeline(self, node: Node, context: Context) -> None:
        stages = [child for child in node.named_children if child.type != "comment"]
        for index, child in enumerate(stages):
            self.visit(child, context._replace(pipeline=(index, len(stages))))

    def negated(self, node: Node, context: Context) -> None:
        for child in node.named_children:
            self.visit(child, context._replace(masked=True))

    def conditional(self, node: Node, context: Context) -> None:
        """if/elif/while/until: the commands of the test are conditions."""
        for index, child in enumerate(node.children):
            if child.is_named:
                test = node.field_name_for_child(index) == "condition"
                self.visit(child, context._replace(condition=True) if test else context)

    def function(self, node: Node, context: Context) -> None:
        name = node.child_by_field_name("name")
        inner = context._replace(function=self.source(name) if name else "?")
        for child in node.children_by_field_name("body"):
            self.visit(child, inner)

    def case_item(self, node: Node, context: Context) -> None:
        """The commands of a case branch; its patterns are text, not commands."""
        for index, child in enumerate(node.children):
            if child.is_named and node.field_name_for_child(index) != "value":
                self.visit(child, context)

    def for_loop(self, node: Node, context: Context) -> None:
        variable = node.child_by_field_name("variable")
        if variable is not None:
            start, end = self.pos(variable.start_byte), self.pos(variable.end_byte)
            self.assignments.append(Assignment(self.source(variable), None, "for", start, end))
        for child in node.children_by_field_name("value"):
            self.parts(child, context)
        for child in node.children_by_field_name("body"):
            self.visit(child, context)

    def data(self, node: Node, context: Context) -> None:
        """A word where a statement may stand: only its `$(...)` run."""
        self.parts(node, context)

    def assign(self, node: Node, context: Context) -> None:
        self.assignment_nodes(node, "assign", context)

    def nothing(self, node: Node, context: Context) -> None:
        """Comments, and heredoc bodies read with their redirect."""

    def mask_unless_it_exits(self, left: range, right: range) -> None:
        """`left || right`: left's failure is masked unless right fails on purpose."""
        if not any(fails_on_purpose(self.commands[index]) for index in right):
            fallback = self.commands[right.start].start if right else None
            for index in left:
                command = self.commands[index]
                nearest = fallback if command.fallback is None else command.fallback
                self.commands[index] = replace(command, masked=True, fallback=nearest)

    def list(self, node: Node, context: Context) -> None:
        operator = next((c.type for c in node.children if not c.is_named), "&&")
        named = [c for c in node.named_children if c.type != "comment"]
        first = middle = len(self.commands)
        for index, child in enumerate(named):
            self.visit(child, context)
            if index == 0:
                middle = len(self.commands)
        if operator == "||":
            self.mask_unless_it_exits(range(first, middle), range(middle, len(self.commands)))

    def redirected(self, node: Node, context: Context) -> None:
        """A statement with redirects (a heredoc's first line may hold more: see heredoc_line)."""
        redirects: list[Redirect] = []
        rest: list[tuple[str, Node]] = []
        for child in node.children_by_field_name("redirect"):
            redirects.append(self.redirect(child, context))
            if child.type == "heredoc_redirect":
                rest += self.heredoc_line(child, context, redirects)
        stages = [s for op, n in rest if is_pipe(op, n) for s in n.named_children]
        stages = [stage for stage in stages if stage.type != "comment"]
        body = context._replace(redirects=context.redirects + tuple(redirects))
        if stages:
            body = body._replace(pipeline=(0, len(stages) + 1))
        first = len(self.commands)
        for child in node.children_by_field_name("body"):
            self.visit(child, body)
        middle = len(self.commands)
        heredoc = next((r.heredoc for r in redirects if r.heredoc is not None), None)
        for index, stage in enumerate(stages):
            fed = len(self.commands)  # the stage's own command comes before its nested ones
            self.visit(stage, context._replace(pipeline=(index + 1, len(stages) + 1)))
            if index == 0 and heredoc is not None and fed < len(self.commands):
                self.piped_heredoc(heredoc, self.commands[first:middle], fed, context)
        for operator, statement in rest:
            if not is_pipe(operator, statement):
                before = len(self.commands)
                self.visit(statement, context)
                if operator == "||":
                    self.mask_unless_it_exits(
                        range(first, middle), range(before, len(self.commands))
                    )

    def heredoc_line(self, node: Node, context: Context, redirects: list[Redirect]):
        """The grammar puts the rest of a heredoc's first line (`cat <<EOF | ssh vm`,
        `<<EOF >> "$GITHUB_OUTPUT"`, `<<EOF && next`) inside the heredoc redirect:
        its redirects join `redirects`; (operator, statement) pairs are returned."""
        rest, operator = [], ""
        for inner in node.children:
            if inner.type in ("file_redirect", "herestring_redirect"):
                redirects.append(self.redirect(inner, context))
            elif not inner.is_named:
                operator = inner.type
            elif not inner.type.startswith("heredoc_"):
                rest.append((operator, inner))
        return rest

    def piped_heredoc(
        self, heredoc: Word, writers: list[Command], index: int, context: Context
    ) -> None:
        """`cat <<EOF | ssh vm`: the heredoc is the script of the shell it is piped to
        (commands[index]); `cat notes <<EOF` prints the file, not the heredoc."""
        fed = self.commands[index]
        bare_cat = writers and writers[0].name == "cat" and writers[0].argv[1:] in ((), ("-",))
        if bare_cat and fed.pipeline[0] == 1:
            if reads_stdin_script(fed.words):
                wrapper = Wrapper("heredoc", fed.words, fed.start, fed.end)
                self.nested_read((heredoc,), fed.wrappers + (wrapper,), context)

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

    def assignment_nodes(self, node: Node, kind: str, context: Context) -> None:
        nodes = node.named_children if node.type == "variable_assignments" else [node]
        for child in nodes:
            if child.type != "variable_assignment":
                continue
            name = child.child_by_field_name("name")
            value = child.child_by_field_name("value")
            start, end = self.pos(child.start_byte), self.pos(child.end_byte)
            assigning = context._replace(assigning=kind == "assign")
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

    def test(self, node: Node, context: Context) -> None:
        """`[ ... ]` and `[[ ... ]]`: one command (named `[` or `[[`) whose words are the
        test's operands and operators, as `test a = b` would have them."""
        words: list[Word] = []
        self.test_words(node, context, words)
        self.add(tuple(words), (), (), context)

    def test_words(self, node: Node, context: Context, words: list[Word]) -> None:
        for child in node.children:
            if not child.is_named:  # `[[`, `==`, `&&`, `]]`...
                words.append(self.keyword_word(child))
            elif child.type.endswith("_expression"):  # binary, unary, parenthesized...
                self.test_words(child, context, words)
            elif child.type != "comment":
                words.append(self.word(child, context))

    def keyword_word(self, node: Node) -> Word:
        start, end = self.pos(node.start_byte), self.pos(node.end_byte)
        text = self.source(node)
        return Word(text, (Literal(text, start, end),), start, end)

    def command(self, node: Node, context: Context) -> None:
        words, env, redirects = [], [], []
        for child in node.named_children:
            kind = child.type
            if kind == "word":  # most arguments
                words.append(self.word(child, context))
            elif kind == "command_name":
                words.append(self.word(child.named_children[0], context))
            elif kind == "variable_assignment":
                value = child.child_by_field_name("value")
                name = child.child_by_field_name("name")
                start, end = self.pos(child.start_byte), self.pos(child.end_byte)
                word = self.word(value, context) if value is not None else Word("", (), end, end)
                env.append(Assignment(self.source(name) if name else "?", word, "env", start, end))
            elif kind in ("file_redirect", "herestring_redirect"):
                redirects.append(self.redirect(child, context))
            elif kind != "comment":
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
        name = command.name
        if name == "set":
            argv = command.argv
            for index, flag in enumerate(argv[1:], 1):
                errexit = argv[index + 1 : index + 2] == ("errexit",) and flag in ("-o", "+o")
                if flag and flag[0] in "+-" and (errexit or "e" in flag[1:] and "o" != flag[1:]):
                    self.errexit_off = flag[0] == "+"
        elif name == "read":
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
        remote = ssh_remote(argv)
        if remote is not None and remote[1] < len(argv):  # a `bash -c` in it is read there
            wrapper = Wrapper("ssh", argv[: remote[1]], argv[0].start, argv[remote[0]].end)
            self.nested_read(argv[remote[1] :], command.wrappers + (wrapper,), carried(context))
        elif (shell := shell_c_script(argv)) is not None:
            own = argv[shell[0] : shell[1]]
            wrapper = Wrapper("shell-c", own, own[0].start, own[-1].end)
            self.nested_read((argv[shell[1]],), command.wrappers + (wrapper,), carried(context))
        gcloud = gcloud_command(argv)
        if gcloud is not None and gcloud[1] is not None:
            wrapper = Wrapper(
                "gcloud-ssh", argv[: gcloud[0]], argv[0].start, argv[gcloud[0] - 1].end
            )
            inner = carried(context)
            self.nested_read((gcloud[1],), command.wrappers + (wrapper,), inner, "--command=")
        if not command.redirects:  # most commands: no heredoc
            return
        heredoc = next((r.heredoc for r in command.redirects if r.heredoc is not None), None)
        if heredoc is not None and reads_stdin_script(argv):
            wrapper = Wrapper("heredoc", argv, argv[0].start, argv[-1].end)
            self.nested_read((heredoc,), command.wrappers + (wrapper,), carried(context))

    def nested_read(self, words, wrappers, context: Context, prefix: str = "") -> None:
        text, segments = render(words, self.outer_text_for, prefix)
        if not text.strip():
            return
        reader = Reader(text, offset_map(segments), self.nesting + 1, self.top, self.budget)
        reader.read_commands(context._replace(wrappers=wrappers))
        self.commands += reader.commands
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
                value, source, start = part.value, top_text(part.start, part.end), part.start
                if prefix and length == 0 and value.startswith(prefix):
                    value = value[len(prefix) :]
                    if source.startswith(prefix):
                        source, start = source[len(prefix) :], start + len(prefix)
                runs = [(0, 0)] if value == source else aligned(value, source)
                if runs is None:  # not its source minus escapes: map it to its start
                    segments.append((length, start, False))
                segments += [(length + at, start + found, True) for at, found in runs or ()]
            else:
                value = top_text(part.start, part.end)
                segments.append((length, part.start, True))
            pieces.append(value)
            length += len(value)
    return "".join(pieces), segments or [(0, words[0].start if words else 0, False)]


def offset_map(segments: list[tuple[int, int, bool]]) -> Callable[[int], int]:
    """Offset in a rendered text -> offset in the top text, by `render`'s segments."""
    if len(segments) == 1 and segments[0][2]:  # one exact run, as a quoted heredoc: a shift
        shift = segments[0][1] - segments[0][0]
        return lambda offset: offset + shift
    starts = [segment[0] for segment in segments]

    def to_outer(offset: int) -> int:
        found = max(bisect_right(starts, offset) - 1, 0)
        inner_start, outer_start, exact = segments[found]
        return outer_start + (offset - inner_start) if exact else outer_start

    return to_outer


def aligned(value: str, source: str) -> list[tuple[int, int]] | None:
    """Where a literal's characters sit in its source text, as runs (offset in value,
    offset in source): the value is the source with escapes and line continuations
    taken out (`"a \\\n b"` -> `a  b`), so each run maps character by character.
    None when the value is not such a subsequence of the source."""
    runs: list[tuple[int, int]] = []
    at = 0
    for index, char in enumerate(value):
        found = source.find(char, at)
        if found < 0:
            return None
        if found != at or index == 0:
            runs.append((index, found))
        at = found + 1
    return runs


def is_pipe(operator: str, statement: Node) -> bool:
    """A pipeline right after the heredoc's `<<EOF` continues the heredoc's command."""
    return statement.type == "pipeline" and operator not in ("&&", "||")


STATEMENTS = {
    "command": Reader.command,
    "list": Reader.list,
    "pipeline": Reader.pipeline,
    "redirected_statement": Reader.redirected,
    "negated_command": Reader.negated,
    "if_statement": Reader.conditional,
    "elif_clause": Reader.conditional,
    "while_statement": Reader.conditional,
    "until_statement": Reader.conditional,
    "function_definition": Reader.function,
    "case_item": Reader.case_item,
    "test_command": Reader.test,
    "for_statement": Reader.for_loop,
    "variable_assignment": Reader.assign,
    "variable_assignments": Reader.assign,
    "declaration_command": Reader.declaration,
    "word": Reader.data,
    "string": Reader.data,
    "raw_string": Reader.data,
    "concatenation": Reader.data,
    "expansion": Reader.data,
    "comment": Reader.nothing,
    "heredoc_body": Reader.nothing,
}


def carried(context: Context) -> Context:
    """The context a script handed to another shell starts in: its carrier's masking,
    test and function (not its pipeline or redirects)."""
    return Context(
        context.masked, context.condition, context.function, substituted=context.substituted
    )


def fails_on_purpose(command: Command) -> bool:
    """`exit`/`return` with a non-zero (or no) status, or `false`."""
    if command.name == "false":
        return True
    if command.name in ("exit", "return"):
        return len(command.words) < 2 or command.words[1].text != "0"
    return False


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


@lru_cache(maxsize=128)  # a file's scripts (a Script of a long heredoc holds ~50 KB)
def read_script(text: str) -> Script:
    """parse_script, once per text: a dozen rules read the same `run:` script, and one
    script text recurs across steps and files."""
    return parse_script(str(text))
