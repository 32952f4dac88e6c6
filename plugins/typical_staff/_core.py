"""Every core name this plugin uses, from the plugin surface `core.plugins.api` (the one
module plugins import the core from). Kept as one module so the plugin's own modules
import these names from one place."""
from core.plugins.api import (  # noqa: F401  (re-exported for the plugin's modules)
    Base, Branch, MenuItem, Member, NotificationMessage, OrgNode, Panel, UnitPlugin, UploadRefused, User, admin_ids,
    audit, branch_clause, check_upload, choices_of, file_path, first_working_day, get_session, hookimpl,
    new_stored_name, notice_window, notify, options, paginate, plugin_blueprint, plugin_enabled as is_enabled,
    remove_file, requires, reviewers_of, secretaries_of, sep, today, units_enabled_in_scope, units_with_plugin, utcnow,
    visible_branches, visible_members, write_file,
)
