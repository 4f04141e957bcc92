"""Field masks: ``fields=sheets(properties,data.rowData)`` and update masks."""

from __future__ import annotations

import copy
from typing import Any

Mask = dict[str, "Mask | None"]


def parse(text: str) -> Mask:
    """Parse a field mask into a tree; ``None`` leaves mean "everything below"."""
    mask, rest = _parse_list(text.replace(" ", ""), 0)
    if rest != len(text.replace(" ", "")):
        raise ValueError(f"bad field mask: {text!r}")
    return mask


def _parse_list(text: str, position: int) -> tuple[Mask, int]:
    mask: Mask = {}
    while position < len(text):
        position = _parse_item(text, position, mask)
        if position < len(text) and text[position] == ",":
            position += 1
            continue
        break
    return mask, position


def _parse_item(text: str, position: int, mask: Mask) -> int:
    start = position
    while position < len(text) and text[position] not in ",()./":
        position += 1
    name = text[start:position]
    if position < len(text) and text[position] in "./":
        child = _child(mask, name)
        return _parse_item(text, position + 1, child)
    if position < len(text) and text[position] == "(":
        inner, position = _parse_list(text, position + 1)
        position += 1
        _merge(_child(mask, name), inner)
        return position
    mask[name] = None
    return position


def _child(mask: Mask, name: str) -> Mask:
    """The sub-mask for ``name``, created if needed (never narrowing a full leaf)."""
    if name in mask and mask[name] is None:
        return {}
    child = mask.get(name)
    if child is None:
        child = {}
        mask[name] = child
    return child


def _merge(target: Mask, extra: Mask) -> None:
    for key, value in extra.items():
        if value is None or target.get(key, {}) is None:
            target[key] = None
        else:
            existing = target.setdefault(key, {})
            assert existing is not None
            _merge(existing, value)


def apply(data: Any, mask: Mask) -> Any:
    """Keep only the masked fields of a response; lists are filtered item by item."""
    if isinstance(data, list):
        return [apply(item, mask) for item in data]
    if not isinstance(data, dict):
        return data
    if "*" in mask:
        return data
    kept = {}
    for key, sub in mask.items():
        if key in data:
            kept[key] = data[key] if sub is None else apply(data[key], sub)
    return kept


def mentions(mask: Mask, *path: str) -> bool:
    """Tell whether the mask reaches down into ``path`` (e.g. sheets, data)."""
    node: Mask | None = mask
    for name in path:
        if node is None or "*" in node:
            return True
        if name not in node:
            return False
        node = node[name]
    return True


def update(target: dict[str, Any], source: dict[str, Any], mask: Mask) -> None:
    """Copy masked fields from ``source`` into ``target``; absent ones are cleared."""
    if "*" in mask:
        target.clear()
        target.update(copy.deepcopy(source))
        return
    for key, sub in mask.items():
        if sub is None or not isinstance(source.get(key, {}), dict):
            if key in source:
                target[key] = copy.deepcopy(source[key])
            else:
                target.pop(key, None)
            continue
        child = target.setdefault(key, {})
        update(child, source.get(key, {}), sub)
        if not child:
            del target[key]
