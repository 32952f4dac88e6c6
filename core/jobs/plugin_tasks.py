"""Tasks that belong to a plugin refuse units where that plugin is not enabled
(Indico's plugin tasks, per unit): a disabled plugin's jobs do nothing there."""
from __future__ import annotations

from functools import wraps

from core.db import get_session
from core.plugins.service import is_enabled


class PluginDisabledForUnit(RuntimeError):
    """A plugin task was asked to work on a unit where its plugin is disabled."""


def plugin_task(celery, plugin: str, name: str, **options):
    """Register `fn(unit_id, *args, **kwargs)` as Celery task `name` of `plugin`.

    Its first argument is the subsidiary unit it works on; the task checks, when it
    runs (not when it is queued: the plugin may be disabled in between), that the
    plugin is enabled for that unit, and raises PluginDisabledForUnit otherwise."""

    # Not shared: the task belongs to this Celery app only. Celery's default (shared) would
    # also add it to every Celery app made later (one per create_app), where it collides
    # with that app's own registration of the same name (DuplicateTaskNameWarning).
    options.setdefault("shared", False)

    def decorate(fn):
        @wraps(fn)
        def guarded(unit_id, *args, **kwargs):
            if not is_enabled(get_session(), unit_id, plugin):
                raise PluginDisabledForUnit(f"插件 {plugin} 未在单位 {unit_id} 启用，任务 {name} 拒绝执行。")
            return fn(unit_id, *args, **kwargs)

        task = celery.task(name=name, **options)(guarded)
        task.starbranch_plugin = plugin
        return task

    return decorate
