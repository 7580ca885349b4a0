"""One reservation in full: every field, the event timeline, the exact API JSON, and the actions
the state machine allows now (and only those). Updates live while open."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import tzinfo

from rich.json import JSON
from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import (
    Button,
    DataTable,
    Footer,
    Header,
    Static,
    TabbedContent,
    TabPane,
)

from charge_tui.domain import machine
from charge_tui.domain.enums import Action, FailureReason
from charge_tui.domain.errors import CONCURRENT_UPDATE
from charge_tui.domain.text import encodable, json_text
from charge_tui.tui import keys
from charge_tui.tui.actions import (
    ASK_FIRST,
    ActionDone,
    ActionRequest,
    consequence,
    perform,
)
from charge_tui.tui.data import ConsoleData, Detail
from charge_tui.tui.keys import ACTION_KEYS
from charge_tui.tui.messages import Restyled, StoreChanged
from charge_tui.tui.screens.confirm import ConfirmScreen
from charge_tui.tui.screens.fail import FailScreen
from charge_tui.tui.views import field_rows, format_time, status_text, timeline

TICK_SECONDS = 2.0
ACTION_VARIANT = {
    Action.CONFIRM: "primary",
    Action.REASSIGN: "primary",
    Action.COMPLETE: "success",
    Action.CANCEL: "error",
    Action.EXPIRE: "error",
    Action.FAIL: "error",
}


def timeline_table(d: Detail, zone) -> Table:
    """The event log as a table whose change column wraps."""
    table = Table(box=None, expand=True, show_edge=False, pad_edge=False, header_style="bold")
    table.add_column("time", width=11, no_wrap=True)
    table.add_column("by / event", width=13, no_wrap=True)
    table.add_column("change", ratio=1, overflow="fold")
    for entry in timeline(d.events, d.api, zone):
        change = Text("\n".join(entry.changes) or "—")
        if entry.note:
            change.append(f"\n{entry.note}", style="bold")
        event = Text(entry.type.removeprefix("reservation."), style="bold")
        table.add_row(
            format_time(entry.created, zone)[5:16],
            Text.assemble(event, "\n", Text(entry.actor, style="dim")),
            change,
        )
        table.add_row("", "", "")
    return table


class DetailLoaded(Message):
    def __init__(self, detail: Detail) -> None:
        super().__init__()
        self.detail = detail


class InspectScreen(Screen):
    CSS_PATH = "inspect.tcss"
    BINDINGS = keys.INSPECT

    def __init__(self, data: ConsoleData, zone: tzinfo, reservation_id: str) -> None:
        super().__init__()
        self.data = data
        self.zone = zone
        self.reservation_id = reservation_id
        self.detail: Detail | None = None
        self.busy = False
        self._shown_actions: tuple[Action, ...] | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(self.reservation_id, id="inspect-title")
        with Horizontal(id="inspect-body"):
            with Vertical(id="inspect-left"):
                yield DataTable(id="fields", cursor_type="none", show_header=False)
                with Horizontal(id="actions"):
                    for action, (key, label) in ACTION_KEYS.items():
                        yield Button(
                            f"{label} ({key})",
                            id=f"act-{action.value}",
                            name=action.value,
                            variant=ACTION_VARIANT[action],
                        )
                    yield Static("No action is possible now.", id="no-actions", classes="dim")
                yield Static("", id="action-result")
            with TabbedContent(id="inspect-tabs", initial="timeline"):
                with TabPane("Timeline", id="timeline"), VerticalScroll(id="events-scroll"):
                    yield Static("", id="events")
                with TabPane("API JSON", id="json"), VerticalScroll(id="json-scroll"):
                    yield Static("", id="json-body")
        yield Footer()

    def on_mount(self) -> None:
        fields = self.query_one("#fields", DataTable)
        fields.add_column("field", key="field", width=18)
        fields.add_column("value", key="value")
        self._load()
        self.set_interval(TICK_SECONDS, self._tick)

    # ------------------------------------------------------------------ data
    @work(thread=True, exclusive=True, group="detail", exit_on_error=False)
    def _load(self) -> None:
        self.post_message(DetailLoaded(self.data.detail(self.reservation_id)))

    @on(StoreChanged)
    def _store_changed(self, message: StoreChanged) -> None:
        self._load()

    def action_copy(self, what: str) -> None:
        d = self.detail
        if d is None:
            return
        if what == "id":
            self.app.copy_to_clipboard(d.reservation.id)
            self.notify(f"Copied {d.reservation.id}", timeout=2, markup=False)
        else:
            self.app.copy_to_clipboard(json_text(d.api, indent=2))
            self.notify(f"Copied the API JSON of {d.reservation.id}", timeout=2, markup=False)

    @on(Restyled)
    def _restyled(self, message: Restyled) -> None:
        if self.detail is not None:
            self._show(self.detail)

    def _tick(self) -> None:
        """The clock moves even when the store does not: what is allowed now, and the relative
        times, are asked again (the state machine is pure: no store read needed)."""
        d = self.detail
        if d is None:
            return
        now = self.data.now()
        if now // 60 == d.now // 60:
            return
        allowed = tuple(self.data.allowed(d.reservation))
        self.detail = replace(d, now=now, allowed=allowed)
        self._show(self.detail)

    @on(DetailLoaded)
    def _loaded(self, message: DetailLoaded) -> None:
        d = message.detail
        changed = self.detail is None or (
            d.api != self.detail.api
            or d.allowed != self.detail.allowed
            or d.station != self.detail.station
        )
        self.detail = d
        if changed:
            self._show(d)

    def _show(self, d: Detail) -> None:
        r = d.reservation
        zone = self.zone
        title = Text()
        title.append(f"{r.id}  ", style="bold")
        title.append_text(status_text(r.status))
        title.append(
            f"   {r.driver} · {r.vehicle} · {', '.join(c.value for c in r.connector_types)}"
        )
        self.query_one("#inspect-title", Static).update(title)

        fields = self.query_one("#fields", DataTable)
        rows = field_rows(r, d.now, zone, d.station)
        if fields.row_count == len(rows):
            for label, value in rows:
                fields.update_cell(label, "value", value)
        else:
            fields.clear()
            for label, value in rows:
                fields.add_row(Text(label, style="dim"), value, key=label)

        self.query_one("#events", Static).update(timeline_table(d, zone))

        # Rich reads the JSON again: text UTF-8 cannot encode (a row an older version stored)
        # must keep its escapes.
        text = json.dumps(d.api, ensure_ascii=False)
        self.query_one("#json-body", Static).update(
            JSON(text, indent=2, ensure_ascii=not encodable(text))
        )
        self._show_actions(d)
        self.refresh_bindings()

    def _show_actions(self, d: Detail) -> None:
        """Only the allowed actions' buttons are displayed (all are mounted once, hidden)."""
        wanted = tuple(a for a in ACTION_KEYS if a in d.allowed)
        if wanted == self._shown_actions:
            return
        self._shown_actions = wanted
        for button in self.query("#actions Button").results(Button):
            button.display = button.name is not None and Action(button.name) in wanted
        self.query_one("#no-actions", Static).display = not wanted

    # ------------------------------------------------------------------ actions
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "act":
            if self.detail is None or self.busy:
                return False
            return Action(str(parameters[0])) in self.detail.allowed
        return True

    @on(Button.Pressed, "#actions Button")
    def _button(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.name:
            self.action_act(event.button.name)

    def action_act(self, name: str) -> None:
        d = self.detail
        if d is None or self.busy:
            return
        action = Action(name)
        if action not in d.allowed:
            return
        r = d.reservation
        request = ActionRequest(r.id, action, r.version, {})
        if action is Action.FAIL:
            reasons = machine.failure_reasons_allowed(r)

            def chosen(reason: FailureReason | None) -> None:
                if reason is not None:
                    self._run(ActionRequest(r.id, action, r.version, {"reason": reason}))

            self.app.push_screen(FailScreen(r.id, reasons), chosen)
            return
        if action in (Action.CONFIRM, Action.REASSIGN):
            from charge_tui.tui.screens.picker import PickerScreen

            def picked(choice) -> None:
                if choice is not None:
                    kw = {"evse_id": choice.evse_id, "start": choice.start}
                    self._run(ActionRequest(r.id, action, r.version, kw))

            self.app.push_screen(PickerScreen(self.data, self.zone, r, action), picked)
            return
        if action in ASK_FIRST:
            body = consequence(r, action, self.data.now())

            def answered(yes: bool | None) -> None:
                if yes:
                    self._run(request)

            label = ACTION_KEYS[action][1]
            self.app.push_screen(
                ConfirmScreen(
                    f"{label} {r.id}?",
                    body,
                    yes=label,
                    destructive=action is not Action.COMPLETE,
                ),
                answered,
            )
            return
        self._run(request)

    def _run(self, request: ActionRequest) -> None:
        self.busy = True
        self.refresh_bindings()
        self.query_one("#action-result", Static).update(f"{ACTION_KEYS[request.action][1]}…")
        self._act(request)

    @work(thread=True, group="actions", exit_on_error=False)
    def _act(self, request: ActionRequest) -> None:
        try:
            self.post_message(perform(self.data, request))
        finally:
            self.app.call_from_thread(self._idle)

    def _idle(self) -> None:
        self.busy = False
        self.refresh_bindings()

    @on(ActionDone)
    def _done(self, message: ActionDone) -> None:
        result = self.query_one("#action-result", Static)
        if message.error is not None:
            e = message.error
            note = (
                " It was changed meanwhile; showing it as it is now."
                if (e.code == CONCURRENT_UPDATE)
                else ""
            )
            result.update(Text(f"Refused ({e.code}): {e.message}{note}", style="bold red"))
            result.set_class(True, "-error")
            self.notify(
                e.message, title=f"Refused: {e.code}", severity="error", timeout=6, markup=False
            )
        elif message.result is not None:
            r = message.result
            result.update(Text(f"Done: {r.id} is {r.status.value}.", style="bold green"))
            result.set_class(False, "-error")
        self._load()

    def action_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab

    def action_back(self) -> None:
        self.app.pop_screen()
