"""The read side's types: a locking or writing call on it is a type error under mypy strict."""

import textwrap
from pathlib import Path

from mypy import api

PROJECT_ROOT = Path(__file__).resolve().parents[2]

USE_CASE = """
from shop.domain.products import NewProduct
from shop.domain.read_side import AbstractReadSide
from shop.domain.unit_of_work import AbstractUnitOfWork


async def on_the_read_side(reads: AbstractReadSide, new: NewProduct) -> None:
    async with reads:
        await reads.products.get(1)
        await reads.products.get_for_update(1)
        await reads.products.lock_many([1])
        await reads.products.add(new)
        await reads.orders.save_status(await reads.orders.get(1))
        await reads.commit()


async def on_the_write_side(uow: AbstractUnitOfWork, new: NewProduct) -> None:
    async with uow:
        await uow.products.get_for_update(1)
        await uow.products.add(new)
        await uow.commit()
"""


def test_locking_writing_or_committing_on_the_read_side_does_not_type_check(
    tmp_path: Path,
) -> None:
    use_case = tmp_path / "use_case.py"
    use_case.write_text(textwrap.dedent(USE_CASE))
    report, _, status = api.run(
        [
            "--strict",
            "--config-file",
            str(PROJECT_ROOT / "pyproject.toml"),
            "--cache-dir",
            str(tmp_path / "mypy-cache"),
            str(use_case),
        ]
    )
    errors = [line.split(": error: ")[1] for line in report.splitlines() if ": error: " in line]
    assert status == 1
    assert sorted(errors) == sorted(
        [
            '"ProductReader" has no attribute "get_for_update"  [attr-defined]',
            '"ProductReader" has no attribute "lock_many"  [attr-defined]',
            '"ProductReader" has no attribute "add"  [attr-defined]',
            '"OrderReader" has no attribute "save_status"  [attr-defined]',
            '"AbstractReadSide" has no attribute "commit"  [attr-defined]',
        ]
    )
