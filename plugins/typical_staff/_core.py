"""Every core name this plugin uses, re-exported from ONE place (the plugin surface).

When `core.plugins.api` lands, each line below becomes `from core.plugins.api import X`
(or this module becomes `from core.plugins.api import *`): a one-file change. The rest of
the plugin imports core only from here."""
# ruff: noqa: F401
from core.audit.service import record as audit  # the one audit function
from core.auth.access import requires  # marks a view open to roles
from core.auth.models import User  # logins (organisers, filers of objections)
from core.auth.scoping import branch_clause  # WHERE clause: rows of the user's branches/units
from core.auth.scoping import visible_branches  # select() of the user's branches
from core.auth.scoping import visible_members  # select() of the user's members
from core.clock import today  # the app's today (FROZEN_TODAY in tests/demos)
from core.db import Base  # declarative base (naming convention)
from core.db import get_session  # the request's session
from core.db import utcnow  # naive UTC now
from core.forms_util import choices_of  # select choices from a code → label dict
from core.forms_util import options  # select choices from (value, label) pairs
from core.ledger.storage import UploadRefused  # a refused upload (message for the user)
from core.ledger.storage import check_upload  # size/extension/content check of an upload
from core.ledger.storage import file_path  # where a stored upload lives
from core.ledger.storage import new_stored_name  # a random stored name
from core.ledger.storage import remove_file  # delete a stored upload
from core.ledger.storage import write_file  # store an upload (never overwrites)
from core.org.models import Branch  # Party branches
from core.org.models import Member  # Party members
from core.org.models import OrgNode  # units (二级单位党委)
from core.plugins.hookspecs import hookimpl  # pluggy hook implementation marker
from core.plugins.models import UnitPlugin  # per-unit enabling rows
from core.plugins.service import is_enabled  # is a plugin enabled for a unit
from core.plugins.web import MenuItem  # a navigation entry
from core.plugins.web import Panel  # a dashboard block
from core.plugins.web import plugin_blueprint  # blueprint 404ing where the plugin is off
from core.plugins.web import units_enabled_in_scope  # enabled units the user may see
from core.web import paginate  # ?page=N pagination of a select()
from core.workdays.service import first_working_day  # working-day calendar (core service)
from core.workdays.service import notice_window  # (first, last) of n working days
