"""YAML for user input with limits: no code, no duplicate keys, no bombs.

:func:`load_yaml` parses with a subclass of PyYAML's ``SafeLoader`` (so ``!!python/...`` tags
stay rejected) that checks, while the document is composed and before anything is built:

* nesting depth: at most :data:`MAX_DEPTH` levels of sequences and mappings (deeper input
  would otherwise exhaust Python's recursion limit);
* expanded size: the number of nodes the document has once every alias is expanded, at most
  :data:`MAX_NODES`. The size of a node is ``1 + sum of its children's sizes``, memoised per
  node, so an alias bomb (nine levels of nine references: 9^9 nodes from a few hundred bytes)
  is rejected after composing a few hundred nodes, in linear time;
* duplicate keys in a mapping (an error, not "the last one wins");
* integers with more than :data:`MAX_INT_DIGITS` digits (Python refuses to convert them).

The text itself is limited by the caller (see :data:`MAX_YAML_BYTES`). Every violation raises
:class:`YamlLimitError`, a ``yaml.YAMLError`` with the line of the offending node.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

MAX_DEPTH = 32
MAX_NODES = 100_000
MAX_INT_DIGITS = 400
MAX_YAML_BYTES = 256 * 1024


class YamlLimitError(yaml.MarkedYAMLError):
    """A YAML document breaks one of the limits of :mod:`plantopt.instance.safe_yaml`."""


class LimitedSafeLoader(yaml.SafeLoader):
    """``SafeLoader`` with depth, expanded-size, duplicate-key and integer-length limits."""

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._depth = 0
        self._sizes: dict[int, int] = {}

    def fetch_flow_collection_start(self, token_class: Any) -> None:
        """Flow collections (``[`` / ``{``) nest in the scanner already: stop at the limit
        before tokenising the rest (50,000 brackets would take seconds to scan)."""
        if self.flow_level >= MAX_DEPTH:
            raise YamlLimitError(
                None, None, f"nested more than {MAX_DEPTH} levels deep", self.get_mark()
            )
        super().fetch_flow_collection_start(token_class)

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise YamlLimitError(
                    None,
                    None,
                    f"nested more than {MAX_DEPTH} levels deep",
                    self.peek_event().start_mark,
                )
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        if node is not None and self._size(node) > MAX_NODES:
            raise YamlLimitError(
                None,
                None,
                f"expands to more than {MAX_NODES:,} values (aliases included)",
                node.start_mark,
            )
        return node

    def _size(self, node: Node) -> int:
        """Expanded node count of ``node``: children are composed (and memoised) first."""
        known = self._sizes.get(id(node))
        if known is not None:
            return known
        if isinstance(node, SequenceNode):
            size = 1 + sum(self._sizes.get(id(c), 1) for c in node.value)
        elif isinstance(node, MappingNode):
            size = 1 + sum(
                self._sizes.get(id(k), 1) + self._sizes.get(id(v), 1) for k, v in node.value
            )
        else:
            size = 1
        self._sizes[id(node)] = size
        return size

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict:
        if isinstance(node, MappingNode):
            seen: dict[Any, int] = {}
            for key_node, _ in node.value:
                if not isinstance(key_node, ScalarNode) or key_node.tag.endswith(":merge"):
                    continue
                key = key_node.value
                if key in seen:
                    raise YamlLimitError(
                        None,
                        None,
                        f"duplicate key {key!r} (first on line {seen[key]})",
                        key_node.start_mark,
                    )
                seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_int(self, node: ScalarNode) -> int:
        digits = sum(ch.isdigit() for ch in str(node.value))
        if digits > MAX_INT_DIGITS:
            raise YamlLimitError(
                None,
                None,
                f"a whole number with {digits:,} digits (at most {MAX_INT_DIGITS})",
                node.start_mark,
            )
        return super().construct_yaml_int(node)


LimitedSafeLoader.add_constructor("tag:yaml.org,2002:int", LimitedSafeLoader.construct_yaml_int)


def load_yaml(text: str) -> Any:
    """Parse one YAML document safely within the limits above; raises ``yaml.YAMLError``."""
    if len(text.encode("utf-8", errors="replace")) > MAX_YAML_BYTES:
        raise YamlLimitError(None, None, f"larger than {MAX_YAML_BYTES // 1024} KiB", None)
    return yaml.load(text, Loader=LimitedSafeLoader)  # noqa: S506 - a SafeLoader subclass


__all__ = [
    "LimitedSafeLoader",
    "YamlLimitError",
    "load_yaml",
    "MAX_DEPTH",
    "MAX_NODES",
    "MAX_YAML_BYTES",
]
