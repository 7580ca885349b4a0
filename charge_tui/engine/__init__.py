"""Headless machinery around the store: the station network, the confirmation engine, the simulator.

Nothing in here imports Textual; every write goes through :mod:`charge_tui.service`.
"""
