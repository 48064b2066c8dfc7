"""The groups a grouped search counts (``grouping.Groups``): counting the units of a
nationwide search leaves the cyclic collector nothing new to walk, and a page's groups still
get every one of their units."""

from __future__ import annotations

import gc

from ror.search.grouping import Groups


def test_units_counted_unread_make_no_object_per_group_for_the_collector() -> None:
    groups = Groups()
    refs = list(range(100_000))
    keys = [f"E:{ref % 50_000}" for ref in refs]
    gc.collect()
    before = len(gc.get_objects())
    groups.add_unread(refs, keys)
    assert len(gc.get_objects()) - before < 100  # not one set per group
    assert len(groups) == 50_000


def test_a_group_has_its_units_read_and_unread() -> None:
    groups = Groups()
    assert not groups and len(groups) == 0
    groups.add_unread([3, 9, 12], ["E:a", "E:b", "E:a"])
    groups.add("E:a", 1)
    groups.add("E:c", 5)
    assert groups and len(groups) == 3
    assert "E:b" in groups and "E:z" not in groups
    assert groups.members({"E:a", "E:c", "E:z"}) == {"E:a": [1, 3, 12], "E:c": [5], "E:z": []}
