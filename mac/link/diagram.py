"""Regenerate the state diagram and transition table of ``docs/link.md`` from the code.

``python -m mac.link.diagram docs/link.md`` rewrites the text between the
``<!-- generated: link-states -->`` and ``<!-- end generated -->`` markers; a test fails when
the document and the table disagree.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ..csma import _TRANSITIONS as _CSMA_TRANSITIONS
from ._state import State, mermaid_diagram, transitions

__all__ = ["BEGIN", "END", "generated_section", "main", "update"]

BEGIN = "<!-- generated: link-states -->"
END = "<!-- end generated -->"


def _table() -> str:
    rows = ["| state | input | next state | action |", "|---|---|---|---|"]
    for (state, inp), (target, action) in transitions().items():
        rows.append(f"| {state.name} | {inp.value} | {target.name} | `{action}` |")
    return "\n".join(rows)


def _csma_diagram() -> str:
    lines = ["stateDiagram-v2", "    [*] --> IDLE"]
    for (state, inp), (target, _action) in _CSMA_TRANSITIONS.items():
        if state is not target or inp.value in ("draw >= p",):
            lines.append(f"    {state.name} --> {target.name}: {inp.value}")
    return "\n".join(lines) + "\n"


def generated_section() -> str:
    """The Markdown that belongs between the markers."""
    states = ", ".join(f"`{s.name}`" for s in State)
    return (
        f"{BEGIN}\n"
        f"Link states: {states}. Self-loops are in the table below.\n\n"
        f"```mermaid\n{mermaid_diagram()}```\n\n"
        "Every (state, input) pair the link accepts; any other pair is a protocol error "
        "(a local call raises `LocalProtocolError`, a received frame is dropped and counted "
        "in `stats.protocol_errors`).\n\n"
        f"{_table()}\n\n"
        "Medium access (`mac.csma`), from its own table:\n\n"
        f"```mermaid\n{_csma_diagram()}```\n"
        f"{END}"
    )


def update(path: Path) -> bool:
    """Rewrite the generated section of ``path``; returns True if the file changed."""
    text = path.read_text(encoding="utf-8")
    start, stop = text.index(BEGIN), text.index(END) + len(END)
    new = text[:start] + generated_section() + text[stop:]
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text


def main(argv: list[str] | None = None) -> int:
    """Command-line entry: ``python -m mac.link.diagram docs/link.md``."""
    args = sys.argv[1:] if argv is None else argv
    path = Path(args[0] if args else "docs/link.md")
    print(f"{path}: {'updated' if update(path) else 'up to date'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
