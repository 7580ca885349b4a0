"""Every key of the console, in one place: the screens take their bindings from here, and the help
screen lists the same ones. Each binding has an id (``list.new``), which a keymap in the
configuration file can rebind."""

from __future__ import annotations

from dataclasses import replace

from textual.binding import Binding

from charge_tui.domain.enums import Action, Status

#: Keys 1-6 filter the list by these statuses, in this order.
STATUS_KEYS: tuple[Status, ...] = (
    Status.PENDING,
    Status.CONFIRMED,
    Status.COMPLETED,
    Status.CANCELLED,
    Status.FAILED,
    Status.EXPIRED,
)

#: Key and label of each action on the inspect screen.
ACTION_KEYS: dict[Action, tuple[str, str]] = {
    Action.CONFIRM: ("a", "Confirm/assign"),
    Action.REASSIGN: ("r", "Reassign"),
    Action.COMPLETE: ("m", "Complete"),
    Action.CANCEL: ("c", "Cancel"),
    Action.EXPIRE: ("x", "Expire"),
    Action.FAIL: ("f", "Fail"),
}

APP = [
    Binding("q", "quit", "Quit", id="app.quit"),
    Binding("question_mark", "help", "Help", id="app.help"),
    Binding("plus", "speed(2.0)", "Faster", id="demo.faster"),
    Binding("minus", "speed(0.5)", "Slower", id="demo.slower"),
    Binding("p", "pause", "Pause", id="demo.pause"),
]

#: The reservations table of the list screen.
TABLE = [
    Binding("enter", "select_cursor", "Inspect", id="list.inspect"),
    Binding("home,g", "first", "Top", id="list.top", show=False),
    Binding("end,G", "last", "End", id="list.end", show=False),
]

LIST = [
    Binding("n", "new", "New", id="list.new"),
    Binding("b", "board", "Station board", id="list.board"),
    Binding("c", "cancel", "Cancel", id="list.cancel"),
    Binding("slash", "search", "Search", id="list.search"),
    Binding("r", "at_risk", "At risk", id="list.at_risk"),
    Binding("e", "export", "Export", id="list.export"),
    Binding("y", "copy('id')", "Copy id", id="list.copy_id"),
    Binding("Y", "copy('json')", "Copy JSON", id="list.copy_json", show=False),
    Binding("k", "kpis", "KPIs on/off", id="list.kpis", show=False),
    Binding("K", "kpi_period", "KPI period", id="list.kpi_period", show=False),
    Binding("s", "sort", "Sort", id="list.sort"),
    Binding("S", "reverse", "Reverse", id="list.reverse"),
    Binding("escape", "clear", "Clear filters", id="list.clear"),
    Binding("0", "filter('all')", "All statuses", id="list.filter.all", show=False),
    # The filters are shown in the counts bar rather than the footer.
    *[
        Binding(
            str(i),
            f"filter('{s.value}')",
            f"Only {s.value}",
            id=f"list.filter.{s.value}",
            show=False,
        )
        for i, s in enumerate(STATUS_KEYS, start=1)
    ],
]

INSPECT = [
    Binding("escape", "back", "Back", id="inspect.back"),
    *[
        Binding(key, f"act('{action.value}')", label, id=f"inspect.{action.value}")
        for action, (key, label) in ACTION_KEYS.items()
    ],
    Binding("y", "copy('id')", "Copy id", id="inspect.copy_id", show=False),
    Binding("Y", "copy('json')", "Copy JSON", id="inspect.copy_json", show=False),
    Binding("t", "tab('timeline')", "Timeline", id="inspect.timeline"),
    Binding("j", "tab('json')", "JSON", id="inspect.json"),
]

CREATE = [
    Binding("ctrl+s", "submit", "Create", id="create.submit", priority=True),
    Binding("escape", "back", "Back", id="create.back"),
]

#: The station board (``b`` from the list).
BOARD = [
    Binding("escape", "back", "Back", id="board.back"),
    Binding("left_square_bracket", "shift(-3600)", "−1 h", id="board.earlier"),
    Binding("right_square_bracket", "shift(3600)", "+1 h", id="board.later"),
    Binding("left_curly_bracket", "shift(-86400)", "−1 day", id="board.day_earlier"),
    Binding("right_curly_bracket", "shift(86400)", "+1 day", id="board.day_later"),
    Binding("full_stop", "now", "Now", id="board.now"),
    Binding("z", "zoom", "Zoom", id="board.zoom"),
    Binding("tab", "switch", "Stations/EVSEs", id="board.switch", show=False),
]

#: The board's station list.
STATIONS = [
    Binding("enter", "select_cursor", "Its reservations", id="board.station.reservations"),
]

#: The board's EVSE timelines.
TIMELINE = [
    Binding("up,k", "row(-1)", "EVSE above", id="board.evse.up", show=False),
    Binding("down,j", "row(1)", "EVSE below", id="board.evse.down", show=False),
    Binding("left,h", "block(-1)", "Earlier block", id="board.block.left", show=False),
    Binding("right,l", "block(1)", "Later block", id="board.block.right", show=False),
    Binding("enter", "open", "Open reservation", id="board.block.open"),
    Binding("F", "evse('fault')", "Fault EVSE", id="board.evse.fault"),
    Binding("R", "evse('restore')", "Restore EVSE", id="board.evse.restore"),
]

#: The slot picker (reassign or confirm by choosing).
PICKER = [
    Binding("enter", "choose", "Take this slot", id="picker.choose", priority=True),
    Binding("b", "best", "Take the best", id="picker.best"),
    Binding("escape", "cancel", "Cancel", id="picker.cancel"),
]

#: The fault preview.
FAULT = [
    Binding("y", "answer(True)", "Fault it", id="fault.yes"),
    Binding("n,escape", "answer(False)", "Cancel", id="fault.no"),
]

#: The export dialog.
EXPORT = [Binding("escape", "back", "Back", id="export.back")]

#: The at-risk view (``r`` from the list).
AT_RISK = [
    Binding("escape", "back", "Back", id="atrisk.back"),
    Binding("enter", "select_cursor", "Inspect", id="atrisk.inspect"),
    Binding("y", "copy", "Copy id", id="atrisk.copy_id", show=False),
]

HELP = [Binding("escape,question_mark,q", "close", "Close", id="help.close")]

PALETTE = Binding("ctrl+p", "command_palette", "Command palette", id="palette")


def _described(bindings: list[Binding]) -> list[Binding]:
    return [b for b in bindings if b.description]


def help_sections(
    demo: bool, keymap: dict[str, str] | None = None
) -> list[tuple[str, list[Binding]]]:
    """What the help screen lists: each screen's keys (the demo's only in a demo), with the keys
    a keymap (the configuration file's) gives them."""
    everywhere = [b for b in APP if demo or not (b.id or "").startswith("demo.")] + [PALETTE]
    sections = [
        ("Reservations list", _described(LIST[:1] + TABLE + LIST[1:])),
        ("At risk", _described(AT_RISK)),
        ("Station board", _described(BOARD + STATIONS + TIMELINE)),
        ("Inspect a reservation", _described(INSPECT)),
        ("New reservation form", _described(CREATE)),
        ("Everywhere", everywhere),
    ]
    if not keymap:
        return sections
    return [
        (title, [replace(b, key=keymap.get(b.id or "", b.key)) for b in bindings])
        for title, bindings in sections
    ]


def all_bindings() -> list[Binding]:
    """Every binding of the console (each has an id: the keymap's names)."""
    return [
        *APP,
        *TABLE,
        *LIST,
        *INSPECT,
        *CREATE,
        *BOARD,
        *STATIONS,
        *TIMELINE,
        *PICKER,
        *FAULT,
        *EXPORT,
        *AT_RISK,
        *HELP,
        PALETTE,
    ]
