"""Status colours from the active Textual theme, made readable on its background.

Each status takes one of the theme's colours (pending the warning colour, confirmed the primary,
completed success, failed error, expired the secondary, cancelled the foreground, dimmed), then
is lightened or darkened until it stands out from the background by a contrast ratio of at
least :data:`MIN_CONTRAST` (WCAG's ratio for large text and interface parts): the default
blues of ``textual-light``, say, are too dark or too pale as they are.
"""

from __future__ import annotations

from collections.abc import Mapping

from textual.color import Color, ColorParseError

from charge_tui.domain.enums import Status

#: The theme colour each status takes.
STATUS_ROLE: dict[Status, str] = {
    Status.PENDING: "warning",
    Status.CONFIRMED: "primary",
    Status.COMPLETED: "success",
    Status.CANCELLED: "foreground",
    Status.FAILED: "error",
    Status.EXPIRED: "secondary",
}
#: Statuses shown in bold (the ones that ask for attention or mean something holds).
BOLD = frozenset({Status.PENDING, Status.CONFIRMED, Status.COMPLETED, Status.FAILED})
MIN_CONTRAST = 3.0


def luminance(c: Color) -> float:
    """Relative luminance (WCAG 2)."""

    def channel(v: int) -> float:
        s = v / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b)


def contrast(a: Color, b: Color) -> float:
    la, lb = luminance(a), luminance(b)
    hi, lo = max(la, lb), min(la, lb)
    return (hi + 0.05) / (lo + 0.05)


def readable(color: Color, background: Color, ratio: float = MIN_CONTRAST) -> Color:
    """``color`` moved away from the background's lightness until the contrast is ``ratio``."""
    dark_bg = luminance(background) < 0.5
    c = color
    for _ in range(20):
        if contrast(c, background) >= ratio:
            return c
        c = c.lighten(0.05) if dark_bg else c.darken(0.05)
    return c


def _parse(value: str | None, fallback: str) -> Color:
    try:
        return Color.parse(value or fallback)
    except ColorParseError:
        return Color.parse(fallback)


def status_styles(variables: Mapping[str, str]) -> dict[Status, str]:
    """Rich styles per status for a theme's CSS variables (``App.get_css_variables()``)."""
    background = _parse(variables.get("background"), "#121212")
    dark_bg = luminance(background) < 0.5
    out: dict[Status, str] = {}
    for status, role in STATUS_ROLE.items():
        color = _parse(variables.get(role), "#e0e0e0" if dark_bg else "#1f1f1f")
        if status is Status.CANCELLED:
            # Dimmed towards the background, but still readable.
            color = color.blend(background, 0.35)
        color = readable(color, background)
        out[status] = f"bold {color.hex6}" if status in BOLD else color.hex6
    return out
