"""core.cli.refusal_exits: a CLI command's refusal rolls back what the command wrote and
exits 1 with the refusal's message (no traceback); anything else is not swallowed."""
import click
from click.testing import CliRunner
from sqlalchemy import func, select

from core.cli import refusal_exits
from core.org.models import OrgNode


class Refused(Exception):
    pass


def _command(db, error):
    @click.command()
    def cmd():
        with refusal_exits(db, Refused):
            _half_written(db)
            raise error
    return cmd


def _half_written(db):
    db.add(OrgNode(code="HALF", name="写到一半的单位", kind="unit"))
    db.flush()


def _units(db):
    return db.scalar(select(func.count(OrgNode.id)).where(OrgNode.code == "HALF"))


def test_a_refusal_rolls_back_and_exits_1_with_its_message(db):
    result = CliRunner().invoke(_command(db, Refused("该期间已结账，不能修改。")))
    assert result.exit_code == 1
    assert result.output == "Error: 该期间已结账，不能修改。\n"
    assert _units(db) == 0


def test_other_errors_are_not_taken_for_refusals(db):
    result = CliRunner().invoke(_command(db, KeyError("bug")))
    assert isinstance(result.exception, KeyError)


def test_value_error_is_the_default_refusal(db):
    @click.command()
    def cmd():
        with refusal_exits(db):
            _half_written(db)
            raise ValueError("年度不存在")
    result = CliRunner().invoke(cmd)
    assert (result.exit_code, result.output) == (1, "Error: 年度不存在\n")
    assert _units(db) == 0
