"""The confirmation engine's defaults, apart from the engine: the command line builds its options
from them without importing the store layer."""

#: At most this many due reservations per queue and tick.
DEFAULT_LIMIT = 5000
#: Seconds before a reservation that could not be confirmed is tried again.
DEFAULT_RETRY_INTERVAL = 300
