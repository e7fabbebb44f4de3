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
        check_output_folder(out, force)
        inst = run_generate(size, seed, base, hard)
        write_instance(inst, out, force=force)
        Console().print(
            f"wrote {inst.name} to {out}/ ({len(inst['feeds'])} feeds, "
            f"{len(inst['units'])} units, {len(inst['capacity_options'])} "
            "capacity options)"
        )
