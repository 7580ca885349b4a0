"""The Textual console (SPEC §7). Only this package imports Textual."""
