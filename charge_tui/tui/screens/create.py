"""The create form: every create parameter of SPEC §2, errors inline by the field.

Times are typed as dates (anything python-dateutil reads, local time zone) or offsets (``+90m``,
``+2h``, ``+1d``) and shown back, parsed, as you type. The rules are the domain's (the same as
the CLI's, see ``tui/form.py``); nothing is written until they all pass, and then the service writes
it in one transaction.
"""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import (
    Button,
    Footer,
    Header,
    Input,
    Label,
    Select,
    SelectionList,
    Static,
    TextArea,
)

from charge_tui.domain.enums import ConnectorType
from charge_tui.domain.errors import ChargeError
from charge_tui.domain.model import Reservation, Station
from charge_tui.tui import keys
from charge_tui.tui.data import ConsoleData
from charge_tui.tui.form import (
    FIELDS,
    TIME_FIELDS,
    FormValues,
    build,
    describe_time,
    field_for_param,
)

CONNECTOR_LABELS = {
    ConnectorType.J1772: "J1772 (type 1, AC)",
    ConnectorType.TYPE2: "Type 2 (AC)",
    ConnectorType.CCS1: "CCS1 (combo 1, DC)",
    ConnectorType.CCS2: "CCS2 (combo 2, DC)",
    ConnectorType.CHADEMO: "CHAdeMO (DC)",
    ConnectorType.NACS: "NACS (SAE J3400)",
    ConnectorType.GBT_AC: "GB/T AC",
    ConnectorType.GBT_DC: "GB/T DC",
}

TEXT_INPUTS: dict[str, tuple[str, str, str]] = {
    # field: (label, placeholder, default)
    "driver": ("Driver", "drv_…", ""),
    "vehicle": ("Vehicle", "veh_…", ""),
    "payment_method": ("Payment method", "pm_…", "pm_card_visa"),
    "idempotency_key": ("Idempotency key", "optional", ""),
    "preferred_start": ("Preferred start", "2026-11-25 18:00, +2h, +1d…", "+1h"),
    "preferred_end": ("Preferred end", "a time, an offset (+2h) or start+45m", "+2h"),
    "earliest_start": ("Earliest start", "optional, e.g. start-15m", ""),
    "latest_end": ("Latest end", "optional, e.g. end+30m", ""),
    "latitude": ("Latitude", "e.g. 37.7749", ""),
    "longitude": ("Longitude", "e.g. -122.4194", ""),
    "radius": ("Radius (m)", "100 to 100000", "5000"),
}


class StationsLoaded(Message):
    def __init__(self, stations: list[Station]) -> None:
        super().__init__()
        self.stations = stations


class CreateDone(Message):
    def __init__(self, result: Reservation | None, error: ChargeError | None) -> None:
        super().__init__()
        self.result = result
        self.error = error


class CreateScreen(Screen[str | None]):
    CSS_PATH = "create.tcss"
    BINDINGS = keys.CREATE

    def __init__(self, data: ConsoleData, zone: tzinfo) -> None:
        super().__init__()
        self.data = data
        self.zone = zone
        self.stations: dict[str, Station] = {}
        self.submitting = False
        self.errors: dict[str, str] = {}
        self._echo_now = 0
        self._error_values: dict[str, str | None] = {}

    # ------------------------------------------------------------------ layout
    def _field(self, name: str, control: Any, hint: bool = False) -> ComposeResult:
        label = TEXT_INPUTS.get(name, (name.replace("_", " ").capitalize(),))[0]
        with Vertical(classes="field", id=f"field-{name}"):
            with Horizontal(classes="field-row"):
                yield Label(label, classes="field-label")
                yield control
            if hint:
                yield Static("", id=f"echo-{name}", classes="field-echo", markup=False)
            yield Static("", id=f"err-{name}", classes="field-error", markup=False)

    def _input(self, name: str) -> Input:
        _label, placeholder, default = TEXT_INPUTS[name]
        return Input(value=default, placeholder=placeholder, id=name, compact=True)

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("New reservation", id="form-title")
        with VerticalScroll(id="form"), Horizontal(id="form-columns"):
            with Vertical(classes="form-column"):
                yield Static("Who", classes="form-section")
                yield from self._field("driver", self._input("driver"))
                yield from self._field("vehicle", self._input("vehicle"))
                yield Static("Connector types (space to pick)", classes="form-section")
                yield SelectionList[str](
                    *[(CONNECTOR_LABELS[c], c.value) for c in ConnectorType],
                    id="connector_types",
                    compact=True,
                )
                yield Static("", id="err-connector_types", classes="field-error", markup=False)
                yield Static("Payment", classes="form-section")
                yield from self._field("payment_method", self._input("payment_method"))
                yield from self._field("idempotency_key", self._input("idempotency_key"))
            with Vertical(classes="form-column"):
                yield Static("When", classes="form-section")
                for name in TIME_FIELDS:
                    yield from self._field(name, self._input(name), hint=True)
                yield Static("Where", classes="form-section")
                yield from self._field(
                    "station",
                    Select[str]([], prompt="Centre on a station…", id="station", compact=True),
                )
                for name in ("latitude", "longitude", "radius"):
                    yield from self._field(name, self._input(name))
                yield Static("Metadata (key=value, one per line)", classes="form-section")
                yield TextArea("", id="metadata", soft_wrap=False, show_line_numbers=False)
                yield Static("", id="err-metadata", classes="field-error", markup=False)
        with Horizontal(id="form-buttons"):
            yield Static("", id="err-form", classes="field-error", markup=False)
            yield Button("Create (ctrl+s)", variant="primary", id="submit")
            yield Button("Back (esc)", id="back")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#driver", Input).focus()
        self._echo_now = self.data.now()
        for name in TIME_FIELDS:
            self._echo(name)
        self._load_stations()
        # Offsets are from "now", which moves (fast, in the demo): keep the echoes true.
        self.set_interval(1.0, self._refresh_echoes)

    def _refresh_echoes(self) -> None:
        now = self.data.now()
        if now // 60 != self._echo_now // 60:
            self._echo_now = now
            for name in TIME_FIELDS:
                self._echo(name)

    # ------------------------------------------------------------------ stations
    @work(thread=True, exclusive=True, group="stations", exit_on_error=False)
    def _load_stations(self) -> None:
        self.post_message(StationsLoaded(self.data.stations()))

    @on(StationsLoaded)
    def _stations_loaded(self, message: StationsLoaded) -> None:
        self.stations = {s.id: s for s in message.stations}
        options = [(f"{s.name} — {s.id}", s.id) for s in message.stations]
        self.query_one("#station", Select).set_options(options)

    @on(Select.Changed, "#station")
    def _station_picked(self, event: Select.Changed) -> None:
        station = self.stations.get(str(event.value)) if event.value is not Select.BLANK else None
        if station is not None:
            self.query_one("#latitude", Input).value = f"{station.latitude:.6f}"
            self.query_one("#longitude", Input).value = f"{station.longitude:.6f}"

    # ------------------------------------------------------------------ live echo
    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        name = event.input.id or ""
        if name in TIME_FIELDS:  # later times may be relative to this one (start+45m)
            for other in TIME_FIELDS:
                self._echo(other)
        # Editing a field clears its error (a change that happened before the error was shown
        # does not).
        if name in self.errors and event.value != self._error_values.get(name):
            self._set_error(name, None)

    def _echo(self, name: str) -> None:
        ok, message = describe_time(name, self.values(), self.data.now(), self.zone)
        echo = self.query_one(f"#echo-{name}", Static)
        echo.update(message)
        echo.set_class(not ok, "-bad")

    # ------------------------------------------------------------------ submit
    def values(self) -> FormValues:
        text = {inp.id: inp.value for inp in self.query(Input) if inp.id}
        text["metadata"] = self.query_one("#metadata", TextArea).text
        picked = list(self.query_one("#connector_types", SelectionList).selected)
        order = [c.value for c in ConnectorType]
        picked.sort(key=order.index)
        return FormValues(text, picked)

    def _set_error(self, name: str, message: str | None) -> None:
        labels = self.query(f"#err-{name}")
        label = labels.first(Static) if labels else self.query_one("#err-form", Static)
        label.update(message or "")
        label.set_class(bool(message), "-shown")
        if message:
            self.errors[name] = message
            inputs = self.query(f"Input#{name}")
            self._error_values[name] = inputs.first(Input).value if inputs else None
        else:
            self.errors.pop(name, None)
            self._error_values.pop(name, None)
        for control in self.query(f"#{name}"):
            control.set_class(bool(message), "-invalid")
        # A time field's echo says the same as its error: show one of them.
        for echo in self.query(f"#echo-{name}"):
            echo.display = not message

    def show_errors(self, errors: dict[str, str]) -> None:
        for name in list(self.errors):
            self._set_error(name, None)
        summary = self.query_one("#err-form", Static)
        summary.update("")
        summary.set_class(False, "-shown")
        order = {name: i for i, name in enumerate(FIELDS)}
        errors = dict(sorted(errors.items(), key=lambda kv: order.get(kv[0], len(order))))
        for name, message in errors.items():
            self._set_error(name, message)
        if errors:
            n = len(errors)
            if "form" not in errors:
                summary.update(f"{n} field{'s' if n > 1 else ''} to fix; nothing was saved.")
                summary.set_class(True, "-shown")
            first = next(iter(errors))
            for control in self.query(f"#{first}"):
                control.focus()

    def action_submit(self) -> None:
        if self.submitting:
            return
        result = build(self.values(), self.data.now(), self.zone)
        if not result.ok:
            self.show_errors(result.errors)
            return
        self.show_errors({})
        self.submitting = True
        self.query_one("#submit", Button).disabled = True
        self._create(result.params, result.idempotency_key)

    @work(thread=True, exclusive=True, group="create", exit_on_error=False)
    def _create(self, params: dict[str, Any], key: str | None) -> None:
        try:
            r = self.data.create(params, key)
        except ChargeError as exc:
            self.post_message(CreateDone(None, exc))
            return
        finally:
            self.app.call_from_thread(self._unlock)
        self.post_message(CreateDone(r, None))

    def _unlock(self) -> None:
        self.submitting = False
        self.query_one("#submit", Button).disabled = False

    @on(CreateDone)
    def _created(self, message: CreateDone) -> None:
        if message.error is not None:
            field = field_for_param(message.error.param) or "form"
            self.show_errors({field: message.error.message})
            return
        assert message.result is not None
        self.notify(f"Created {message.result.id}.", markup=False)
        self.dismiss(message.result.id)

    @on(Input.Submitted)
    def _input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    @on(Button.Pressed, "#submit")
    def _submit_pressed(self, event: Button.Pressed) -> None:
        self.action_submit()

    @on(Button.Pressed, "#back")
    def _back_pressed(self, event: Button.Pressed) -> None:
        self.action_back()

    def action_back(self) -> None:
        self.dismiss(None)
