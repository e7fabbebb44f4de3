"""Registry of benchmark cases: shipped instances and generated sizes, easy and hard."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Case:
    name: str
    materialise: Callable[[Path], Path]  # writes/locates the instance folder, returns it
    objective: str = "recovery"
    time_limit_s: float | None = 600.0
    wall_limit_s: float = 1800.0


def _packaged(name: str) -> Callable[[Path], Path]:
    def make(tmp: Path) -> Path:
        from plantopt.instance.loader import packaged_instance_path

        return packaged_instance_path(name)

    return make


def _generated(size: str, hard: bool, seed: int = 0) -> Callable[[Path], Path]:
    def make(tmp: Path) -> Path:
        from plantopt.instance.generate import generate
        from plantopt.instance.writer import write_instance

        return write_instance(generate(size, seed, hard=hard), tmp / "instance")

    return make


CASES: dict[str, Case] = {}
for _name in ("tiny", "nl-2027", "nl-2031", "nl-2027-2040"):
    CASES[_name] = Case(_name, _packaged(_name))
for _size in ("S", "M", "L", "XL"):
    CASES[f"gen-{_size}"] = Case(f"gen-{_size}", _generated(_size, False))
    CASES[f"gen-{_size}-profit"] = Case(
        f"gen-{_size}-profit", _generated(_size, False), objective="profit"
    )
    CASES[f"gen-{_size}-hard"] = Case(
        f"gen-{_size}-hard", _generated(_size, True), objective="profit"
    )


def case_names() -> list[str]:
    return list(CASES)
