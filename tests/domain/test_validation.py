"""Every rule of SPEC §2's validation, each with a case that passes and cases that must fail."""

from __future__ import annotations

import pytest

from charge_tui.domain.enums import ConnectorType
from charge_tui.domain.errors import ChargeError
from charge_tui.domain.validation import validate_create
from tests.factories import NOW, params


def err(p, now=NOW) -> ChargeError:
    with pytest.raises(ChargeError) as info:
        validate_create(p, now)
    e = info.value
    assert e.to_dict()["error"]["type"] == "invalid_request_error"
    return e


def test_valid_params_pass_and_default_window():
    p = validate_create(params(), NOW)
    assert p.earliest_start_time == p.preferred_start_time == NOW + 3600
    assert p.latest_end_time == p.preferred_end_time == NOW + 5400
    assert p.connector_types == (ConnectorType.CCS1, ConnectorType.J1772, ConnectorType.NACS)
    assert p.metadata == {}


@pytest.mark.parametrize(
    "field",
    [
        "connector_types",
        "driver",
        "vehicle",
        "preferred_start_time",
        "preferred_end_time",
        "service_area",
    ],
)
def test_required_parameters(field):
    p = params()
    del p[field]
    e = err(p)
    assert (e.code, e.param) == ("parameter_missing", field)
    e = err(params(**{field: None}))
    assert (e.code, e.param) == ("parameter_missing", field)


def test_optional_parameters_may_be_absent_or_null():
    p = params()
    del p["payment_method"]
    assert validate_create(p, NOW).payment_method is None
    assert validate_create(params(payment_method=None, metadata=None), NOW).metadata == {}


@pytest.mark.parametrize("key", ["foo", "status", "id", "charging_station", ""])
def test_unknown_parameter(key):
    e = err({**params(), key: 1})
    assert (e.code, e.param) == ("parameter_unknown", key)


@pytest.mark.parametrize("body", [[], "text", 3, None, True, [params()]])
def test_non_object_body(body):
    e = err(body)
    assert e.code == "parameter_invalid"
    assert e.param is None


# --------------------------------------------------------------------- times
@pytest.mark.parametrize(
    "field",
    ["preferred_start_time", "preferred_end_time", "earliest_start_time", "latest_end_time"],
)
@pytest.mark.parametrize("bad", [True, False, "1795003600", 1795003600.0, 1.5, [1], {"t": 1}])
def test_times_must_be_integers(field, bad):
    e = err(params(**{field: bad}))
    assert (e.code, e.param) == ("parameter_invalid", field)


def test_window_order():
    e = err(params(earliest_start_time=NOW + 3601))
    assert e.param == "earliest_start_time"
    e = err(params(preferred_end_time=NOW + 3600))
    assert e.param == "preferred_end_time"
    e = err(params(preferred_end_time=NOW + 3000))
    assert e.param == "preferred_end_time"
    e = err(params(latest_end_time=NOW + 5399))
    assert e.param == "latest_end_time"
    ok = validate_create(params(earliest_start_time=NOW + 3600, latest_end_time=NOW + 5400), NOW)
    assert ok.earliest_start_time == NOW + 3600


def test_start_not_in_past_with_small_skew():
    assert validate_create(
        params(preferred_start_time=NOW - 60, preferred_end_time=NOW + 1800), NOW
    )
    e = err(params(preferred_start_time=NOW - 3600, preferred_end_time=NOW + 1800))
    assert e.param == "preferred_start_time"


def test_start_at_most_14_days_ahead():
    day = 86400
    assert validate_create(
        params(preferred_start_time=NOW + 14 * day, preferred_end_time=NOW + 14 * day + 3600),
        NOW,
    )
    e = err(params(preferred_start_time=NOW + 14 * day + 1, preferred_end_time=NOW + 15 * day))
    assert e.param == "preferred_start_time"


@pytest.mark.parametrize(
    ("duration", "ok"),
    [(599, False), (600, True), (12 * 3600, True), (12 * 3600 + 1, False)],
)
def test_duration_bounds(duration, ok):
    p = params(preferred_start_time=NOW + 3600, preferred_end_time=NOW + 3600 + duration)
    if ok:
        assert validate_create(p, NOW).preferred_end_time == NOW + 3600 + duration
    else:
        assert err(p).param == "preferred_end_time"


@pytest.mark.parametrize("huge", [10**30, 2**63, -(2**63)])
def test_huge_times_are_refused(huge):
    e = err(params(preferred_start_time=huge))
    assert e.param in ("preferred_start_time", "preferred_end_time")
    e = err(params(latest_end_time=huge))
    assert e.param == "latest_end_time"
    e = err(params(earliest_start_time=-huge if huge > 0 else huge))
    assert e.param == "earliest_start_time"


# ---------------------------------------------------------- connector types
@pytest.mark.parametrize(
    "bad",
    [[], ["ccs1", "ccs1"], ["CCS1"], ["tesla"], "ccs1", [1], [None], {"ccs1": True}, True],
)
def test_connector_types(bad):
    e = err(params(connector_types=bad))
    assert (e.code, e.param) == ("parameter_invalid", "connector_types")


def test_every_connector_type_is_accepted():
    p = validate_create(params(connector_types=[c.value for c in ConnectorType]), NOW)
    assert len(p.connector_types) == 8


# ---------------------------------------------------------------------- ids
@pytest.mark.parametrize(
    ("field", "good", "bads"),
    [
        ("driver", "drv_A_z9", ["drv_", "veh_1", "drv-1", "drv_é", "drv_" + "x" * 65, "DRV_1", 7]),
        ("vehicle", "veh_" + "x" * 64, ["veh_", "drv_1", "veh_a b", "veh_" + "x" * 65, True]),
        ("payment_method", "pm_card_visa", ["pm_", "card_visa", "pm_x-y", "pm_" + "1" * 65, 1]),
    ],
)
def test_id_formats(field, good, bads):
    assert getattr(validate_create(params(**{field: good}), NOW), field) == good
    for bad in bads:
        e = err(params(**{field: bad}))
        assert (e.code, e.param) == ("parameter_invalid", field), bad


# -------------------------------------------------------------- service area
def area(**kw):
    a = {"latitude": 37.7, "longitude": -122.4, "radius_meters": 1000}
    a.update(kw)
    return a


@pytest.mark.parametrize(
    ("override", "param"),
    [
        ({"latitude": 90.0001}, "service_area[latitude]"),
        ({"latitude": -91}, "service_area[latitude]"),
        ({"latitude": float("nan")}, "service_area[latitude]"),
        ({"latitude": float("inf")}, "service_area[latitude]"),
        ({"latitude": True}, "service_area[latitude]"),
        ({"latitude": "37.7"}, "service_area[latitude]"),
        ({"latitude": 10**400}, "service_area[latitude]"),
        ({"longitude": 180.5}, "service_area[longitude]"),
        ({"longitude": float("-inf")}, "service_area[longitude]"),
        ({"longitude": None}, "service_area[longitude]"),
        ({"radius_meters": 99}, "service_area[radius_meters]"),
        ({"radius_meters": 100_001}, "service_area[radius_meters]"),
        ({"radius_meters": 500.0}, "service_area[radius_meters]"),
        ({"radius_meters": float("nan")}, "service_area[radius_meters]"),
        ({"radius_meters": False}, "service_area[radius_meters]"),
    ],
)
def test_service_area_invalid(override, param):
    e = err(params(service_area=area(**override)))
    assert (e.code, e.param) == ("parameter_invalid", param)


def test_service_area_shape():
    assert err(params(service_area=[37.7, -122.4, 1000])).param == "service_area"
    a = area()
    del a["radius_meters"]
    e = err(params(service_area=a))
    assert (e.code, e.param) == ("parameter_missing", "service_area[radius_meters]")
    e = err(params(service_area=area(altitude=3)))
    assert (e.code, e.param) == ("parameter_unknown", "service_area[altitude]")


def test_service_area_bounds_are_inclusive():
    for kw in (
        {"latitude": 90},
        {"latitude": -90},
        {"longitude": 180},
        {"longitude": -180},
        {"radius_meters": 100},
        {"radius_meters": 100_000},
    ):
        assert validate_create(params(service_area=area(**kw)), NOW)


# ------------------------------------------------------------------ metadata
def test_metadata_valid_limits():
    md = {f"k{i}": "v" * 500 for i in range(50)}
    md["k" * 40] = md.pop("k0")
    assert validate_create(params(metadata=md), NOW).metadata == md


@pytest.mark.parametrize(
    ("metadata", "param"),
    [
        ({f"k{i}": "v" for i in range(51)}, "metadata"),
        ({"k" * 41: "v"}, "metadata[" + "k" * 40 + "]"),
        ({"a[b": "v"}, "metadata[a[b]"),
        ({"a]": "v"}, "metadata[a]]"),
        ({"k": "v" * 501}, "metadata[k]"),
        ({"k": 1}, "metadata[k]"),
        ({"k": None}, "metadata[k]"),
        ({"k": {"n": "v"}}, "metadata[k]"),
        ({"k": True}, "metadata[k]"),
        ({"": "v"}, "metadata"),
        (["k=v"], "metadata"),
        ("k=v", "metadata"),
    ],
)
def test_metadata_invalid(metadata, param):
    e = err(params(metadata=metadata))
    assert (e.code, e.param) == ("parameter_invalid", param)


def test_first_error_names_one_parameter():
    e = err({"driver": "bad", "vehicle": "bad"})
    assert e.code == "parameter_missing"
    assert e.param == "connector_types"
