"""``ispbot import subscribers|plans FILE.csv``: the operators' CSV imports (core/imports)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

import click

from bot.cli.context import opened, pass_settings
from bot.cli.output import fail, progress_bar
from bot.config import BotSettings

# Where the rejected rows go unless --report names a file.
REJECTS_DIR = Path("var") / "imports"

if TYPE_CHECKING:
    from core.imports.report import ImportResult


@click.command("import", help="import subscribers or plans from a CSV file")
@click.argument("kind", type=click.Choice(["subscribers", "plans"]))
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--report",
    type=click.Path(path_type=Path),
    default=None,
    help="where to write the rejected rows (default: var/imports/FILE.rejected.csv)",
)
@pass_settings
def import_command(settings: BotSettings, kind: str, file: Path, report: Path | None) -> None:
    asyncio.run(import_file(settings, kind, file, report))


async def import_file(settings: BotSettings, kind: str, file: Path, report: Path | None) -> None:
    from core.imports import plans, subscribers
    from core.imports.report import ImportFileError

    columns: tuple[str, ...]
    async with opened(settings) as wiring:
        services = wiring.services
        try:
            with progress_bar(f"importing {kind}") as progress:
                if kind == "subscribers":
                    importer = subscribers.SubscriberImporter(
                        settings, services.clock, services.subscriptions
                    )
                    result = await importer.run(file, progress)
                    columns = subscribers.COLUMNS
                else:
                    result = await plans.import_plans(file, progress)
                    columns = plans.COLUMNS
        except (ImportFileError, OSError) as error:
            fail(f"{file}: {error}")
    report_rejects(result, file, report, columns)


def report_rejects(
    result: ImportResult, source: Path, report: Path | None, columns: tuple[str, ...]
) -> None:
    from core.imports.report import write_rejects

    click.echo(f"ispbot: {result.summary()}")
    if result.rejected:
        # Under the working directory's var/ (beside the database and the demo's files), not
        # beside the input: a sample in the repository is not written next to.
        path = report or REJECTS_DIR / (source.stem + ".rejected.csv")
        path.parent.mkdir(parents=True, exist_ok=True)
        write_rejects(path, result.rejected, columns)
        fail(
            f"{len(result.rejected)} rows rejected, the others imported; the rejected rows "
            f"and their reasons are in {path}",
            code=1,
        )
