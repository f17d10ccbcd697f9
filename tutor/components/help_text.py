"""Help text whose lines wrap under their own description, not back to column 0."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text

KEY_COLUMN = 16  # where the descriptions start in the help texts ("  Enter         run the program")


def hanging(markup: str, column: int = KEY_COLUMN) -> Group:
    """Each indented line as two cells (keys | description) so a long description wraps in its own column."""
    parts: list[Text | Table] = []
    for line in markup.splitlines():
        text = Text.from_markup(line)
        if not line.startswith("  ") or len(text) <= column or not text.plain[column - 2 : column].isspace():
            parts.append(text)
            continue
        row = Table.grid()
        row.add_column(width=column, no_wrap=True)
        row.add_column(ratio=1)
        row.add_row(text[:column], text[column:])
        parts.append(row)
    return Group(*parts)
