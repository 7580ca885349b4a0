"""The command palette's provider: the actions of the screen it was opened over.

Built from the screen's active bindings (the same ones the footer and the help screen show), so
the palette offers exactly what the keys do now: an action the state machine refuses is neither in
the footer nor here.
"""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

#: Bindings that are not commands of the screen.
SKIP_ACTIONS = frozenset({"command_palette"})


class ScreenCommands(Provider):
    def _commands(self) -> list[tuple[str, str, object, str]]:
        out = []
        seen: set[str] = set()
        for key, active in self.screen.active_bindings.items():
            b = active.binding
            if not active.enabled or not b.description or b.action in SKIP_ACTIONS:
                continue
            if b.action in seen:
                continue
            seen.add(b.action)
            keys = self.app.get_key_display(b)
            out.append((b.description, b.action, active.node, f"key: {keys or key}"))
        return out

    async def discover(self) -> Hits:
        for title, action, node, help_text in self._commands():
            yield DiscoveryHit(title, partial(self.app.run_action, action, node), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, action, node, help_text in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(title),
                    partial(self.app.run_action, action, node),
                    text=title,
                    help=help_text,
                )
