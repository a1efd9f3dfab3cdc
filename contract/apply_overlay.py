#!/usr/bin/env python3
"""Apply contract/overlay.yml to Kantata's Swagger and write the effective schema as JSON.

    apply_overlay.py SWAGGER.yml OVERLAY.yml OUT.json

Each edit of the overlay is {op: set|remove, path: POINTER, value: ..., why: ...}. POINTER is a
JSON pointer (RFC 6901, `~1` for `/`) with two additions, so that edits name what they change
rather than list positions: a segment `@NAME` picks the element of a list whose `name` is NAME
(Swagger parameters), and `*` stands for every key of a mapping or element of a list. Every edit
must reach at least one place and every `set` must land in an existing parent: a pointer that
no longer matches the Swagger fails the run instead of silently doing nothing.
"""

import json
import sys

import yaml


class OverlayError(Exception):
    pass


def unescape(segment):
    return segment.replace("~1", "/").replace("~0", "~")


def children(node, segment):
    """The (container, key) pairs one segment selects below node."""
    if segment == "*":
        if isinstance(node, dict):
            return [(node, k) for k in node]
        if isinstance(node, list):
            return [(node, i) for i in range(len(node))]
        return []
    if isinstance(node, list):
        if segment.startswith("@"):
            name = segment[1:]
            return [(node, i) for i, item in enumerate(node) if isinstance(item, dict) and item.get("name") == name]
        if segment.isdigit() and int(segment) < len(node):
            return [(node, int(segment))]
        return []
    if isinstance(node, dict):
        return [(node, segment)]
    return []


def targets(document, pointer):
    if not pointer.startswith("/"):
        raise OverlayError(f"{pointer!r} is not a JSON pointer")
    segments = [unescape(s) for s in pointer[1:].split("/")]
    frontier = [(None, None, document)]
    for depth, segment in enumerate(segments):
        last = depth == len(segments) - 1
        next_frontier = []
        for _, _, node in frontier:
            for container, key in children(node, segment):
                exists = key in container if isinstance(container, dict) else True
                if exists:
                    next_frontier.append((container, key, container[key]))
                elif last:
                    next_frontier.append((container, key, None))
        frontier = next_frontier
    return [(container, key) for container, key, _ in frontier]


def apply(document, edits):
    for number, edit in enumerate(edits, 1):
        op, pointer = edit.get("op"), edit.get("path")
        if not edit.get("why"):
            raise OverlayError(f"edit {number} ({pointer}) has no `why`")
        found = targets(document, pointer)
        if not found:
            raise OverlayError(f"edit {number}: {pointer} matches nothing in the Swagger")
        for container, key in found:
            if op == "set":
                container[key] = edit["value"]
            elif op == "remove":
                if isinstance(container, dict) and key not in container:
                    raise OverlayError(f"edit {number}: nothing to remove at {pointer}")
                del container[key]
            else:
                raise OverlayError(f"edit {number}: unknown op {op!r}")
    return document


def main(argv):
    if len(argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    _, swagger_path, overlay_path, out_path = argv
    with open(swagger_path, encoding="utf-8") as f:
        document = yaml.safe_load(f)
    with open(overlay_path, encoding="utf-8") as f:
        edits = yaml.safe_load(f)["edits"]
    try:
        apply(document, edits)
    except OverlayError as error:
        print(f"overlay: {error}", file=sys.stderr)
        return 1
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump(document, f, indent=1)
    print(f"overlay: {len(edits)} edits applied -> {out_path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
