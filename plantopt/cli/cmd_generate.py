"""``plantopt generate``: synthetic instances for benchmarks and tests."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from plantopt.atomic import FORCE_HELP


def register(app: typer.Typer) -> None:
    @app.command()
    def generate(
        size: Annotated[str, typer.Option(help="S, M, L or XL.")] = "S",
        seed: Annotated[int, typer.Option(help="Random seed (deterministic output).")] = 0,
        out: Annotated[Path, typer.Option(help="Folder to write the instance to.")] = Path(
            "generated"
        ),
        base: Annotated[
            Path | None, typer.Option(help="Base instance (default: the packaged default).")
        ] = None,
        hard: Annotated[
            bool, typer.Option(help="Minimum loads and a tight budget that force branching.")
        ] = False,
        network: Annotated[
            str | None,
            typer.Option(
                help="Spread the instance over RxS synthetic regions and sites, e.g. 12x8 "
                "(docs/network.md)."
            ),
        ] = None,
        force: Annotated[bool, typer.Option(help=FORCE_HELP)] = False,
    ) -> None:
        """Generate a synthetic instance drawn from the reference-built base instance."""
        from rich.console import Console

        from plantopt.atomic import check_output_folder
        from plantopt.instance.generate import SIZES
        from plantopt.instance.generate import generate as run_generate
        from plantopt.instance.writer import write_instance

        if size not in SIZES:
            Console(stderr=True).print(f"error: --size must be one of {', '.join(SIZES)}")
            raise typer.Exit(2)
        shape = _network_shape(network) if network else None
        if network and shape is None:
            Console(stderr=True).print(f"error: --network must be RxS, e.g. 12x8, not {network}")
            raise typer.Exit(2)
        check_output_folder(out, force)
        inst = run_generate(size, seed, base, hard)
        if shape is not None:
            from plantopt.instance.generate_network import with_network

            inst = with_network(inst, shape[0], shape[1], seed)
        write_instance(inst, out, force=force)
        Console().print(
            f"wrote {inst.name} to {out}/ ({len(inst['feeds'])} feeds, "
            f"{len(inst['units'])} units, {len(inst['capacity_options'])} "
            "capacity options)"
        )


def _network_shape(text: str) -> tuple[int, int] | None:
    """(regions, sites) of ``RxS`` with both at least 1, else None."""
    parts = text.lower().split("x")
    if len(parts) != 2 or not all(p.isdigit() and int(p) > 0 for p in parts):
        return None
    return int(parts[0]), int(parts[1])
