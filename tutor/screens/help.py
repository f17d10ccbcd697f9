"""Every key, on one screen."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from tutor.components.help_text import hanging

KEYS = """\
[b]Keys[/b]

[b]Lesson browser[/b]
  ↑ ↓  j k      move
  Enter         open the lesson
  x             the exercises (build it yourself)
  q             quit

[b]In a lesson[/b]
  n  space  →   next step (in a step-through: the next node)
  p  ←          back (restores the graph and grads exactly)
  e             run the current step-through to its end
  h             a hint for the quiz (or type h and Enter)
  t             train, pause, resume       s   stop training
  1 2 3 4       change a training setting (then t to train again)
  v             read the engine's source, at the operation on screen
  i             inspect a tensor node: its data and grad in full
  r             restart the lesson
  Tab           move between the graph and the answer box
  q             back to the lessons

[b]Playground[/b] (g in the lesson browser)
  Enter         run the program          ↑ ↓     earlier programs
  b  f          step backward / forward  n p e   next, back, end
  c             gradient check           i Tab   back to the program box

[b]Exercises[/b] (x in the lesson browser)
  c             check the exercise       h       the next hint
  n p           step your backward       s       the solution, once passed
  e             edit in the tutor        ctrl+s  save and check   ctrl+x  close the editor

[b]Anywhere[/b]
  ctrl+p        command palette: lessons, themes, actions
  ?             this help
  ctrl+q        quit

Press q, ? or Enter to close."""


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("q,question_mark,enter,escape", "close", "Close"),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            yield Static(hanging(KEYS))

    def action_close(self) -> None:
        self.dismiss()
