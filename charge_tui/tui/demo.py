"""``charge-tui demo``: the simulator playing the world inside the console.

The :class:`DemoDriver` runs in the app's thread worker. It advances the simulator by
``speed`` simulated seconds per real second (each simulator tick is one transaction through the
same service and state machine as everything else), and can be paused or sped up from the keyboard.
The console's own service shares the simulator's clock, so "now" everywhere in the console (what an
action is allowed to do, what ``+1h`` means in the create form) is simulated time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

from charge_tui.domain.timeparse import local_zone
from charge_tui.engine.simconfig import DEMO_SPEED
from charge_tui.tui.messages import DemoTick

if TYPE_CHECKING:
    from charge_tui.engine.simulator import Simulator

MIN_SPEED = 1.0
MAX_SPEED = 7680.0
DEFAULT_SPEED = DEMO_SPEED


class DemoDriver:
    def __init__(
        self,
        simulator: Simulator,
        *,
        speed: float = DEFAULT_SPEED,
        interval: float = 0.25,
        warmup: int = 0,
        paused: bool = False,
        zone: tzinfo | None = None,
    ) -> None:
        self.simulator = simulator
        self.warmup = warmup
        self.warming = warmup > 0
        self.speed = max(MIN_SPEED, min(MAX_SPEED, speed))
        self.interval = interval
        self.zone = zone or local_zone()
        self.paused = paused
        self._wake = threading.Event()
        self._lock = threading.Lock()

    @property
    def clock(self):
        return self.simulator.clock

    def set_speed(self, speed: float) -> None:
        with self._lock:
            self.speed = max(MIN_SPEED, min(MAX_SPEED, speed))
        self._wake.set()

    def toggle_pause(self) -> None:
        with self._lock:
            self.paused = not self.paused
        self._wake.set()

    def stop(self) -> None:
        self.simulator.request_stop()
        self._wake.set()

    def describe(self) -> str:
        now = datetime.fromtimestamp(self.clock.now(), self.zone).strftime("%a %Y-%m-%d %H:%M")
        if self.warming:
            state = "warming up…"
        elif self.simulator.finished:
            state = "finished"
        else:
            state = "paused (p)" if self.paused else "running"
        return f"demo · sim time {now} · {self.speed:g}× · {state}"

    def tick_message(self) -> DemoTick:
        return DemoTick(self.clock.now(), self.speed, self.paused)

    def run(self, should_stop: Callable[[], bool], on_tick: Callable[[], None]) -> None:
        """Play until told to stop (the worker was cancelled) or the run is over."""
        sim = self.simulator
        sim.setup()
        on_tick()
        # Warm-up: play the first hours at full speed so the store is not empty, in steps small
        # enough that the list fills in as it goes.
        end = sim.clock.now() + self.warmup
        while self.warming and not should_stop() and sim.clock.now() < end and not sim.finished:
            sim.step(min(end, sim.clock.now() + 600))
            on_tick()
        self.warming = False
        last = time.monotonic()
        carry = 0.0
        while not should_stop() and not sim.finished:
            self._wake.wait(self.interval)
            self._wake.clear()
            now = time.monotonic()
            with self._lock:
                paused, speed = self.paused, self.speed
            elapsed, last = now - last, now
            if paused:
                carry = 0.0
                on_tick()
                continue
            # Never fall behind by more than two seconds' worth (a slow step must not snowball).
            carry = min(carry + elapsed * speed, speed * 2)
            whole = int(carry)
            if whole < 1:
                continue
            carry -= whole
            sim.step(sim.clock.now() + whole)
            on_tick()
        on_tick()
