"""The console application: screens, the store watcher, the demo driver, the error boundary.

Kept small on purpose: each screen lives in ``screens/``, the list widget in ``widgets/``, the
store access in ``data.py``. The app owns three things every screen shares:

- a timer that asks the store, in a thread worker, whether anything changed (a few index
  look-ups: ``listing.change_token``), and tells the active screen with a coalesced
  ``StoreChanged``;
- the demo driver (``charge-tui demo``), which runs the simulator in a thread worker;
- one ``Worker.StateChanged`` handler that turns any failed worker into an error modal.
"""

from __future__ import annotations

import gc
import time
from dataclasses import replace
from datetime import tzinfo
from pathlib import Path
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import App
from textual.command import Provider
from textual.worker import Worker, WorkerState, get_current_worker

from charge_tui.domain.errors import ChargeError, StoreUnavailable
from charge_tui.domain.timeparse import local_zone
from charge_tui.tui import keys
from charge_tui.tui.data import ConsoleData
from charge_tui.tui.messages import DemoTick, Restyled, StoreChanged, TokenRead
from charge_tui.tui.screens.error import ErrorScreen
from charge_tui.tui.screens.list import ListScreen
from charge_tui.tui.widgets.reservation_list import ReservationList

if TYPE_CHECKING:
    from charge_tui.config import Config
    from charge_tui.service import ReservationService
    from charge_tui.tui.demo import DemoDriver

# Startup cost: what the first screen does not need (the palette's provider, the help
# screen, the demo driver and through it the simulator) is imported when first used.


#: Allocations between collections of the young generation while the console runs.
GC_YOUNG_THRESHOLD = 50_000


def _screen_commands() -> type[Provider]:
    from charge_tui.tui.commands import ScreenCommands

    return ScreenCommands


class ChargeApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "charge-tui"
    COMMANDS = App.COMMANDS | {_screen_commands}
    BINDINGS = keys.APP

    def __init__(
        self,
        store: ReservationService | ConsoleData,
        *,
        demo: DemoDriver | None = None,
        poll_interval: float = 1.0,
        zone: tzinfo | None = None,
        store_label: str | None = None,
        config: Config | None = None,
    ) -> None:
        super().__init__()
        #: The configuration file's settings (None: defaults, and a theme picked is not saved).
        self.config = config
        self.keymap: dict[str, str] = {}
        #: The console's door to the store: a service, or a ConsoleData that opens it late.
        self.data = store if isinstance(store, ConsoleData) else ConsoleData(store)
        self._store_opening = False
        self._gc_threshold: tuple[int, int, int] | None = None
        self.demo = demo
        self.poll_interval = poll_interval
        self.zone = zone or local_zone()
        self.store_label = store_label
        self._token: tuple | None = None
        self._polling = False
        self._poll_backoff = 0.0
        self._poll_resume_at = 0.0

    # ------------------------------------------------------------------ life
    def get_default_screen(self) -> ListScreen:
        """The list is the bottom of the stack (no empty default screen to build first)."""
        period = self.config.kpi_period if self.config is not None else "hour"
        return ListScreen(self.data, self.zone, kpi_period=period)

    def on_mount(self) -> None:
        self._apply_config()
        self._restyle()
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        if self.demo is not None:
            self.sub_title = self.demo.describe()
        elif self.store_label:
            self.sub_title = self.store_label
        self.set_interval(self.poll_interval, self.poll, name="store-poll")
        if self.demo is not None:
            self._run_demo()
        self.call_after_refresh(self._fewer_gc_pauses)
        if not self.data.is_open:
            # Opened late (see ConsoleData): after the first list is painted, or in a second
            # whatever happens.
            self.set_timer(1.0, self._open_store_soon)

    # ------------------------------------------------------------------ config and theme
    def _apply_config(self) -> None:
        """The configuration file's theme and keymap; one notification per line not taken."""
        if self.config is None:
            return
        from charge_tui.config import check_names

        config, lines = check_names(
            self.config, self.available_themes, (b.id for b in keys.all_bindings() if b.id)
        )
        self.config = config
        if config.theme:
            self.theme = config.theme
        if config.keymap:
            self.keymap = dict(config.keymap)
            self.set_keymap(self.keymap)
        for line in (*config.problems, *lines):
            self.notify(line, title="Configuration", severity="warning", timeout=10, markup=False)

    def _restyle(self) -> None:
        from charge_tui.tui.theming import status_styles
        from charge_tui.tui.views import set_status_styles

        set_status_styles(status_styles(self.get_css_variables()))

    def _theme_changed(self, _theme: object) -> None:
        self._restyle()
        for screen in self.screen_stack:
            screen.post_message(Restyled())
        config = self.config
        if config is not None and config.path is not None and self.theme != config.theme:
            self.config = replace(config, theme=self.theme)
            self._remember_theme(config.path, self.theme)

    @work(thread=True, exclusive=True, group="config", exit_on_error=False)
    def _remember_theme(self, path: Path, theme: str) -> None:
        """Write the theme into the configuration file (off the UI thread)."""
        from charge_tui.config import remember_theme

        try:
            remember_theme(path, theme)
        except OSError as exc:
            self.call_from_thread(
                self.notify,
                f"Could not save the theme to {path}: {exc.strerror or exc}",
                severity="warning",
                markup=False,
            )

    # ------------------------------------------------------------------ opening late
    @on(ReservationList.Changed)
    def _list_changed(self, event: ReservationList.Changed) -> None:
        if not event.loading:
            self._open_store_soon()

    def _open_store_soon(self) -> None:
        if self._store_opening or self.data.is_open:
            return
        self._store_opening = True
        self.call_after_refresh(self._open_store)

    @work(thread=True, exclusive=True, group="store-open", exit_on_error=False)
    def _open_store(self) -> None:
        """Import the store layer and open the store (SQLAlchemy, migrations check, service)."""
        self.data.release()
        self.data.open()
        self.call_from_thread(gc.freeze)

    # ------------------------------------------------------------------ the garbage collector
    def _fewer_gc_pauses(self) -> None:
        """Textual makes many short-lived objects per frame; with the default thresholds Python
        runs a full collection every few seconds, which walks every object the process holds
        (Textual, the store layer, SQLAlchemy's caches) and stalls a frame. The
        objects made while starting are frozen out of the collections (``gc.freeze``, again once
        the store is open), and the young generation is collected every 50,000 allocations
        instead of 700 (as the simulator does); both are restored when the app ends."""
        self._gc_threshold = gc.get_threshold()
        if self._gc_threshold[0] and self._gc_threshold[0] < GC_YOUNG_THRESHOLD:
            gc.set_threshold(GC_YOUNG_THRESHOLD, *self._gc_threshold[1:])
        gc.freeze()

    # ------------------------------------------------------------------ store watcher
    def poll(self) -> None:
        """Timer: ask (off the UI thread) whether the store changed. One check at a time."""
        if self._polling or not self.screen_stack or isinstance(self.screen, ErrorScreen):
            return  # (no screen: the app is shutting down)
        if time.monotonic() < self._poll_resume_at:
            return
        self._polling = True
        self._poll()

    @work(thread=True, exclusive=True, group="poll", exit_on_error=False)
    def _poll(self) -> None:
        self.post_message(TokenRead(self.data.token()))

    @on(TokenRead)
    def _token_read(self, message: TokenRead) -> None:
        self._polling = False
        self._poll_backoff = 0.0
        token = message.token
        if token != self._token:
            first = self._token is None
            self._token = token
            if not first:
                # Every screen in the stack (a modal on top must not hide the change from the
                # screen under it); each re-reads only what it shows.
                for screen in self.screen_stack:
                    screen.post_message(StoreChanged(token))

    # ------------------------------------------------------------------ demo
    @work(thread=True, exclusive=True, group="demo", exit_on_error=False)
    def _run_demo(self) -> None:
        demo = self.demo
        assert demo is not None
        worker = get_current_worker()
        demo.run(lambda: worker.is_cancelled, lambda: self.post_message(demo.tick_message()))

    def on_unmount(self) -> None:
        if self.demo is not None:
            self.demo.stop()
        if self._gc_threshold is not None:
            gc.set_threshold(*self._gc_threshold)
            gc.unfreeze()

    @on(DemoTick)
    def _demo_tick(self, message: DemoTick) -> None:
        if self.demo is not None:
            self.sub_title = self.demo.describe()

    def action_speed(self, factor: float) -> None:
        if self.demo is not None:
            self.demo.set_speed(self.demo.speed * factor)
            self.sub_title = self.demo.describe()

    def action_pause(self) -> None:
        if self.demo is not None:
            self.demo.toggle_pause()
            self.sub_title = self.demo.describe()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("speed", "pause"):
            return self.demo is not None
        return True

    # ------------------------------------------------------------------ help, errors
    def action_help(self) -> None:
        from charge_tui.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            sections = keys.help_sections(demo=self.demo is not None, keymap=self.keymap)
            self.push_screen(HelpScreen(sections))

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR and event.worker.error is not None:
            if event.worker.group == "poll":
                # The store is failing: ask again less and less often (up to every 30 s).
                self._polling = False
                self._poll_backoff = min(30.0, max(2.0, self._poll_backoff * 2))
                self._poll_resume_at = time.monotonic() + self._poll_backoff
            self.show_error(event.worker.error)

    def show_error(self, error: BaseException) -> None:
        """The error modal (one at a time: a repeat of the same error is counted, not stacked)."""
        title, message = describe_error(error)
        if isinstance(self.screen, ErrorScreen):
            self.screen.add(title, message)
            return
        self.push_screen(ErrorScreen(title, message))


def describe_error(error: BaseException) -> tuple[str, str]:
    if isinstance(error, StoreUnavailable):
        return "The store is unavailable", str(error)
    if isinstance(error, ChargeError):
        return f"Refused: {error.code}", error.message
    return f"Unexpected error: {type(error).__name__}", str(error) or repr(error)
