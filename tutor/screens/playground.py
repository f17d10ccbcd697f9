"""The playground: the learner types a small program, sees its graph and steps through it.

The program goes through `tutor.playground.program` (a whitelist parser that
never runs Python) and is built on the engine. The screen keeps the last
program that ran: a refused or failing program only shows its error, with
the cursor put on the column, and the previous graph stays.

Focus: the program box has it while typing (letters go into the program);
Enter runs the program and hands the keys to the graph, where f, b, n, p, e,
c, i and q work; i or Tab goes back to the box.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from rich.text import Text
from textual import on
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Vertical
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Input, Static

from engine.explain import fmt, node_names
from engine.value import Value
from lessons.api import BackwardSteps, ForwardSteps
from lessons.runner import BackwardState, ForwardState
from tutor.components.footer import KeyFooter
from tutor.components.graph_tree import GraphTree
from tutor.components.help_text import hanging
from tutor.components.program_input import ProgramInput
from tutor.playground.program import (
    FUNCTIONS,
    Built,
    GradCheck,
    Program,
    ProgramError,
    gradient_check,
    parse,
)
from tutor.screens import BREAKPOINTS
from tutor.screens.help import HelpScreen
from tutor.step_text import backward_lines, forward_lines

EXAMPLE = "a = 2.0; b = -3; c = 10; L = tanh(a*b + c)"
H = 1e-6  # the gradient check's step, relative to max(1, |x|)

ALLOWED = (
    "[b]+ - * / ** -x ( )[/b]  "
    + " ".join(f"[b]{name}[/b]" for name in FUNCTIONS)
    + ": f(x) or x.f()  [b];[/b] separates"
)

Mode = Literal["result", "forward", "backward"]


@dataclass
class Run:
    """A program that ran: its graph and what the learner is stepping through."""

    program: Program
    built: Built
    names: dict[Value, str]
    checks: list[GradCheck]
    backward: BackwardState  # finished unless the learner is stepping backward
    forward: ForwardState

    @property
    def root(self) -> Value:
        return self.built.result


class PlaygroundHelp(HelpScreen):
    """The playground's keys and language, in the help box style."""

    def compose(self) -> ComposeResult:
        from textual.containers import VerticalScroll

        functions = "\n".join(f"  [b]{name:<8}[/b] {text.split(': ', 1)[-1]}" for name, text in FUNCTIONS.items())
        keys = f"""\
[b]Playground[/b]

Type a program in the box and press Enter, e.g.
  {EXAMPLE}
Statements are separated by [b];[/b] and the last one is the result.
A name given a plain number ([b]a = 2[/b]) is an input: its grad is checked.

[b]In the program box[/b]
  Enter         run the program (the keys then go to the graph)
  ↑ ↓           earlier programs of this session
  ctrl+u        clear to the left of the cursor
  Tab           to the graph (the program stays as typed)

[b]On the graph[/b]
  b             step through the backward pass
  f             step through the forward pass
  n  →          next node          p  ←    back one node
  e             to the end of the step-through
  c             every grad, and the gradient check
  ↑ ↓  space    move in the tree, open or close a node
  i  Tab        back to the program box
  q             leave the playground

[b]Operators[/b]   + - * / **  unary -  ( )
[b]Functions[/b]   f(x) or x.f()
{functions}

Anything else (attributes, strings, imports, ...) is refused with its column.

Press q, ? or Enter to close."""
        with VerticalScroll(id="help-box"):
            yield Static(hanging(keys))


class PlaygroundScreen(Screen):
    """Type a program, run it, step through its forward and backward pass, check its grads."""

    HORIZONTAL_BREAKPOINTS = BREAKPOINTS

    mode: reactive[Mode] = reactive("result", bindings=True, always_update=True)
    """What the graph shows: the result and gradient check, or a forward or backward step-through."""

    AUTO_FOCUS = "#program"
    BINDINGS = [
        Binding("b", "backward", "Backward"),
        Binding("f", "forward", "Forward"),
        Binding("b,f", "restart_steps", "Restart", show=False),  # b in a backward step-through, f in a forward one
        Binding("n,right", "next", "Next"),
        Binding("p,left", "previous", "Back"),
        Binding("e", "to_end", "End"),
        Binding("c", "check", "Check"),
        Binding("i", "edit", "Edit"),
        Binding("escape", "leave_box", "Leave the box", show=False),
        Binding("question_mark", "help", "Help"),
        Binding("f1", "help_anywhere", "Help", show=False),  # works while typing too
        Binding("q", "leave", "Leave"),
    ]

    def __init__(self, history: list[str] | None = None, text: str | None = None) -> None:
        """`history` is kept by the caller across visits; `text` is put in the box (default: the last program)."""
        super().__init__()
        self.history: list[str] = history if history is not None else []
        # the example is only a placeholder, so the first key starts the learner's own program
        self._initial = text if text is not None else (self.history[-1] if self.history else "")
        self.last: Run | None = None  # the program on screen
        self.error: ProgramError | None = None  # the last refusal, if the last Enter was refused

    def compose(self) -> ComposeResult:
        yield Static(" Playground: your own graph  ·  type a program, Enter runs it", id="playground-title")
        box = ProgramInput(self.history, value=self._initial, placeholder=EXAMPLE, select_on_focus=False, id="program")
        box.border_title = "program"
        yield box
        yield Static("", id="playground-status")
        with Vertical(id="playground-body"):
            yield GraphTree(id="graph")
            with Vertical(id="playground-side"):
                yield Static("", id="detail")
                yield Static(ALLOWED, id="playground-allowed")
        yield KeyFooter()

    def on_mount(self) -> None:
        tree = self.query_one(GraphTree)
        tree.border_title = "graph"
        self._status(Text("Press Enter to run the example above, or type your own."))
        self._show_detail()

    # -- running --

    @on(Input.Submitted, "#program")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.run_program(event.value)

    def run_program(self, text: str) -> bool:
        """Parse, build and backprop `text`; show it, or show why not and keep the last graph."""
        box = self.query_one(ProgramInput)
        text = text.strip()
        if not text:  # Enter on the empty box runs the example shown in it
            text = EXAMPLE
            box.value = text
        box.remember(text)
        try:
            program = parse(text)
        except ProgramError as exc:
            self._refused("refused", exc)
            return False
        try:
            run = self._build(program)
        except ProgramError as exc:
            self._refused("cannot compute", exc)
            return False
        except Exception as exc:  # a bug, not the learner's fault: say so and keep going
            self._refused("unexpected error", ProgramError(f"{type(exc).__name__}: {exc}"))
            return False
        self.last, self.error = run, None
        self._status(self._ran_line(run), "-ok")
        tree = self.query_one(GraphTree)
        tree.border_title = Text("graph of: " + text)  # Text: a comment may hold [markup]
        self.mode = "result"  # shows it: see watch_mode
        tree.move_cursor(tree.root)
        tree.focus()
        return True

    def _build(self, program: Program) -> Run:
        built = program.build()  # a fresh graph: every grad is 0
        root = built.result
        backward = BackwardState(BackwardSteps("", graph=root))  # records backprop, then rewinds it
        with program.finite_grads():
            backward.finish()
        checks = gradient_check(program, H)
        return Run(program, built, node_names(root), checks, backward, ForwardState(ForwardSteps("", graph=root)))

    def _refused(self, what: str, exc: ProgramError) -> None:
        self.error = exc
        line = Text()
        line.append(f"✗ {what}: ", "bold")
        line.append(str(exc))
        self._status(line, "-error")
        box = self.query_one(ProgramInput)
        if exc.column is not None and exc.line in (None, 1):
            box.cursor_position = min(exc.column - 1, len(box.value))
        box.focus()

    def _ran_line(self, run: Run) -> Text:
        root, names = run.root, run.names
        line = Text()
        line.append("✓ ", "bold")
        line.append(f"{names[root]} = {fmt(root.data)}", "bold")
        n_inputs = len(run.built.inputs)
        line.append(f"  ·  {len(names)} nodes, {n_inputs} input{'s' if n_inputs != 1 else ''}")
        if run.checks:
            good = sum(check.ok for check in run.checks)
            line.append(f"  ·  gradient check {good}/{len(run.checks)} ✓")
        return line

    def _status(self, text: Text, kind: str = "") -> None:
        status = self.query_one("#playground-status", Static)
        status.update(text)
        status.set_class(kind == "-error", "-error")
        status.set_class(kind == "-ok", "-ok")

    # -- showing --

    def show(self) -> None:
        """Redraw the graph and the detail panel from the last run and the mode."""
        run = self.last
        tree = self.query_one(GraphTree)
        if run is None:
            self._show_detail()
            return
        tree.show_step(run.root, self._state())
        self._show_detail()

    def watch_mode(self) -> None:
        if self.is_mounted:
            self.show()

    def _show_detail(self) -> None:
        detail = self.query_one("#detail", Static)
        run = self.last
        if run is None:
            lines = [
                "Your program's graph appears here, with every node's data and grad.",
                "Then step through the backward pass (b) or the forward pass (f),",
                "and compare each input's grad with a numerical estimate (c).",
            ]
            detail.update(Text("\n".join(lines)))
            return
        if self.mode == "forward":
            state = run.forward
            lines = forward_lines(state.current, run.names, state.total)
        elif self.mode == "backward":
            state = run.backward
            lines = backward_lines(state.current, run.root, run.names, state.total)
        else:
            lines = self.check_lines(run)
        detail.update(Text("\n".join(lines)))

    def check_lines(self, run: Run, limit: int | None = None) -> list[str]:
        """The gradient check as a small table, one row per input (at most `limit` rows)."""
        root_name = run.names[run.root]
        if not run.checks:
            return [
                f"Backprop done: every grad is ∂{root_name}/∂node.",
                "No inputs to check: give a name a plain number (a = 2) to get its grad.",
                "b: step through the backward pass   f: the forward pass   i: edit",
            ]
        if limit is None:  # what fits: under the graph at 80x24, beside it when wide
            height = self.size.height
            limit = max(3, height - 14 if self.has_class("-wide") else (height - 16) // 2)
        rows = [("input", "value", "backprop", "numerical", "rel. error")]
        marks = [""]
        for check in run.checks:
            used = run.built.inputs[check.name] in run.names
            if check.numerical is None or check.rel_error is None:
                rows.append((check.name, fmt(check.value), fmt(check.analytical), "-", "-"))
                marks.append(check.note)
                continue
            rows.append(
                (check.name, fmt(check.value), fmt(check.analytical), fmt(check.numerical), f"{check.rel_error:.1e}")
            )
            mark = "✓" if check.ok else "✗ differs (a kink?)"
            marks.append(mark + ("" if used else f"  (not used by {root_name})"))
        shown = list(range(1, len(rows)))
        if len(shown) > limit:  # keep the rows that fail, then the first ones
            bad = [i for i in shown if not run.checks[i - 1].ok]
            keep = set(bad[:limit]) | set(shown[: max(0, limit - len(bad))])
            shown = sorted(keep)
        widths = [max(len(rows[i][col]) for i in [0, *shown]) for col in range(5)]
        lines = [f"Gradient check of ∂{root_name}/∂x: backprop vs numerical (f(x+h) - f(x-h)) / 2h"]
        for i in [0, *shown]:
            cells = [rows[i][0].ljust(widths[0])] + [rows[i][c].rjust(widths[c]) for c in range(1, 5)]
            lines.append(("  " + "  ".join(cells) + "  " + marks[i]).rstrip())
        hidden = [check for i, check in enumerate(run.checks, start=1) if i not in shown]
        if hidden:
            failing = sum(not check.ok for check in hidden)
            more = f"  … and {len(hidden)} more input{'s' if len(hidden) != 1 else ''}"
            lines.append(more + (f", {failing} of them ✗" if failing else ", all ✓"))
        return lines

    # -- keys --

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        typing = isinstance(self.focused, Input)
        if action in ("leave_box", "help_anywhere"):
            return True
        if action in ("help", "leave"):
            return not typing  # while typing, ? and q are text: keep them out of the footer
        if typing or self.last is None:
            return False  # the letters go into the program; nothing to step before a run
        if action in ("next", "previous", "to_end", "restart_steps"):
            return self.mode != "result"
        if action in ("backward", "forward"):  # shown unless already stepping that way (it restarts)
            return self.mode != action
        return True

    def action_backward(self) -> None:
        """Start the backward step-through: only the output's grad is known."""
        if self.last is None:
            return
        while self.last.backward.retreat():
            pass
        self.mode = "backward"

    def action_forward(self) -> None:
        if self.last is None:
            return
        self.last.backward.finish()
        self.last.forward.position = 0
        self.mode = "forward"

    def action_restart_steps(self) -> None:
        if self.mode == "backward":
            self.action_backward()
        elif self.mode == "forward":
            self.action_forward()

    def _state(self) -> BackwardState | ForwardState | None:
        if self.last is None or self.mode == "result":
            return None
        return self.last.backward if self.mode == "backward" else self.last.forward

    def action_next(self) -> None:
        state = self._state()
        if state is not None and state.advance():
            self.show()

    def action_previous(self) -> None:
        state = self._state()
        if state is not None and state.retreat():
            self.show()

    def action_to_end(self) -> None:
        state = self._state()
        if state is not None:
            state.finish()
            self.show()

    def action_check(self) -> None:
        if self.last is None:
            return
        self.last.backward.finish()
        self.mode = "result"

    def action_edit(self) -> None:
        self.query_one(ProgramInput).focus()

    def action_leave_box(self) -> None:
        self.query_one(GraphTree).focus()

    def action_help(self) -> None:
        self.app.push_screen(PlaygroundHelp())

    def action_help_anywhere(self) -> None:
        self.action_help()

    def action_leave(self) -> None:
        self.dismiss()

    def get_system_commands(self) -> Iterable[SystemCommand]:
        """Commands for the app's palette while this screen is shown."""
        yield SystemCommand("Playground: edit the program", "Put the cursor in the program box", self.action_edit)
        if self.last is not None:
            yield SystemCommand(
                "Playground: step backward", "The backward pass, one node at a time", self.action_backward
            )
            yield SystemCommand("Playground: step forward", "The forward pass, one node at a time", self.action_forward)
            yield SystemCommand(
                "Playground: gradient check", "Every grad next to a numerical estimate", self.action_check
            )
        yield SystemCommand("Playground: help", "The playground's keys and functions", self.action_help)
