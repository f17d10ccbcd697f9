"""The key bar: one line of the keys that work now, abbreviated to fit the terminal.

Textual's `Footer` mounts a widget per key and rebuilds them all whenever the
bindings may have changed (every focus change), which costs the UI thread tens
of milliseconds on each step of a lesson, and at 60 columns it cuts keys off
mid-word ("r Restar"). This is one line of text, redrawn only when the keys
change: each key with its description, then, if that is too wide, tighter,
with first words only, then the keys alone. Where there is room, the command
palette's key sits at the right edge, as in Textual's own footer.
"""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Static


class KeyFooter(Static):
    DEFAULT_CSS = """
    KeyFooter {
        dock: bottom;
        height: 1;
        background: $panel;
        color: $text;
    }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__("", **kwargs)
        self._keys: list[tuple[str, str]] = []
        self._scheduled = False

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self._bindings_changed(self.screen)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen) -> None:
        if not self._scheduled and screen is self.screen:
            self._scheduled = True
            self.call_after_refresh(self._update_keys)

    def _update_keys(self) -> None:
        self._scheduled = False
        if not self.is_attached:
            return  # the screen has gone meanwhile
        keys: list[tuple[str, str]] = []
        seen: set[str] = set()
        for _, binding, enabled, _ in self.screen.active_bindings.values():
            if binding.show and enabled and binding.action not in seen:
                seen.add(binding.action)
                keys.append((self._key_display(binding), binding.description))
        if keys != self._keys:
            self._keys = keys
            self.refresh()

    def _key_display(self, binding: Binding) -> str:
        return binding.key_display or self.app.get_key_display(binding)

    def on_resize(self) -> None:
        self.refresh()

    def render(self) -> Text:
        width = self.size.width
        # padded keys with full descriptions; then tighter; then first words; then the keys alone
        for pad, words in ((" ", None), ("", None), ("", 1), ("", 0)):
            text = Text(no_wrap=True, overflow="ellipsis")
            for key, description in self._keys:
                if words is not None:
                    description = " ".join(description.split()[:words])
                text.append(f"{pad}{key}{pad}", "bold reverse")
                text.append(f" {description}{pad} " if description else " ")
            if text.cell_len <= width:
                return self._with_palette(text, width)
        return text

    def _with_palette(self, text: Text, width: int) -> Text:
        """The keys, and `^p palette` at the right edge when it fits beside them."""
        if not self.app.ENABLE_COMMAND_PALETTE:
            return text
        hint = Text.assemble((" ^p ", "bold reverse"), " palette ")
        room = width - text.cell_len - hint.cell_len
        if room < 2:
            return text
        return Text.assemble(text, " " * room, hint, no_wrap=True)
