"""charge-tui: operator console and simulator of an EV-charging reservation service."""

__version__ = "0.1.0"
