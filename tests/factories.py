"""Helpers for building test inputs."""

from __future__ import annotations

NOW = 1_795_000_000  # 2026-11-18T11:06:40Z: a fixed "now" for reproducible tests
CENTER = (37.7749, -122.4194)


def params(**overrides):
    """Valid create parameters one hour from NOW, overridable field by field."""
    base = {
        "connector_types": ["ccs1", "j1772", "nacs"],
        "driver": "drv_alice",
        "vehicle": "veh_model3",
        "preferred_start_time": NOW + 3600,
        "preferred_end_time": NOW + 5400,
        "service_area": {"latitude": CENTER[0], "longitude": CENTER[1], "radius_meters": 5000},
        "payment_method": "pm_card_visa",
    }
    base.update(overrides)
    return base
