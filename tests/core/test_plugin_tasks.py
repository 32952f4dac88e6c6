"""A plugin's jobs refuse units where the plugin is disabled."""
import pytest

from core.jobs.plugin_tasks import PluginDisabledForUnit, plugin_task


@pytest.fixture
def unit_size_task(app):
    @plugin_task(app.extensions["celery"], "production", name="test.production.unit_size")
    def unit_size(unit_id, factor=1):
        return unit_id * factor

    return unit_size


def test_plugin_task_runs_for_unit_where_plugin_is_enabled(unit_size_task, make_unit, enable_plugin):
    unit = make_unit()
    enable_plugin(unit, "production")
    assert unit_size_task.delay(unit.id, factor=2).get(timeout=5) == unit.id * 2
    assert unit_size_task.starbranch_plugin == "production"


def test_plugin_task_refuses_unit_where_plugin_is_disabled(unit_size_task, make_unit, enable_plugin):
    enabled, disabled = make_unit(), make_unit()
    enable_plugin(enabled, "production")
    with pytest.raises(PluginDisabledForUnit, match="未在单位"):
        unit_size_task.delay(disabled.id).get(timeout=5)
