"""Hypothesis strategies for hostile input: create bodies that are anything JSON can carry (lone
surrogates, NUL, deep nesting, huge numbers, wrong types, random keys), mostly close to a valid
body so that both outcomes (created, refused) are exercised."""

from __future__ import annotations

from hypothesis import strategies as st

from tests.factories import NOW, params

#: Text of any code point, lone surrogates included (Hypothesis leaves them out by default).
any_text = st.text(st.characters(codec=None, exclude_categories=()), max_size=30)
nasty_text = st.sampled_from(
    ["\ud800", "\udcff\udcfe", "a\x00b", "\ufeff", "é", "😀", "[x]", "", " ", "drv_" + "a" * 65]
)
#: Text the store can hold (no surrogates, no NUL).
plain_text = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=20)
texts = st.one_of(plain_text, plain_text, any_text, nasty_text)
huge_ints = st.one_of(
    st.integers(min_value=2**63, max_value=10**40),
    st.integers(max_value=-(2**63) - 1, min_value=-(10**40)),
)
numbers = st.one_of(
    st.integers(-(2**70), 2**70),
    huge_ints,
    st.floats(allow_nan=True, allow_infinity=True),
)
leaves = st.one_of(st.none(), st.booleans(), numbers, texts)
json_values = st.recursive(
    leaves,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(texts, inner, max_size=4)),
    max_leaves=12,
)


def nested(depth: int) -> object:
    value: object = "x"
    for _ in range(depth):
        value = [value]
    return value


deep = st.integers(30, 5_000).map(nested)
hostile = st.one_of(json_values, deep, huge_ints, nasty_text)

FIELDS = (
    "connector_types",
    "driver",
    "vehicle",
    "preferred_start_time",
    "preferred_end_time",
    "earliest_start_time",
    "latest_end_time",
    "service_area",
    "metadata",
    "payment_method",
)


@st.composite
def create_bodies(draw) -> object:
    """A create body: a valid one with zero or more fields replaced, removed or added, or
    (rarely) anything at all."""
    if draw(st.integers(0, 19)) == 0:
        return draw(hostile)
    start = NOW + draw(st.integers(0, 3 * 86400))
    body = params(
        preferred_start_time=start,
        preferred_end_time=start + draw(st.integers(10, 180)) * 60,
        metadata=draw(st.dictionaries(texts, texts, max_size=3)),
    )
    for _ in range(draw(st.integers(0, 2))):
        how = draw(st.sampled_from(["replace", "remove", "add", "area", "meta"]))
        name = draw(st.sampled_from(FIELDS))
        if how == "replace":
            body[name] = draw(hostile)
        elif how == "remove":
            body.pop(name, None)
        elif how == "add":
            body[draw(texts)] = draw(hostile)
        elif how == "area":
            area = dict(body["service_area"]) if isinstance(body.get("service_area"), dict) else {}
            area[draw(st.sampled_from(["latitude", "longitude", "radius_meters", "x"]))] = draw(
                hostile
            )
            body["service_area"] = area
        else:
            body["metadata"] = {draw(texts): draw(st.one_of(texts, texts, hostile))}
    return body


@st.composite
def idempotency_keys(draw) -> object:
    """No key most of the time; else a plausible key (reused now and then), or anything."""
    roll = draw(st.integers(0, 9))
    if roll < 6:
        return None
    if roll < 9:
        return draw(st.sampled_from(["key-1", "key-2", "order-42"]) | plain_text)
    return draw(st.one_of(texts, st.text(min_size=250, max_size=300), hostile))
