"""The access model: what a platform engineer edits in `Pulumi.<stack>.yaml` under `scope-manager:access`.

    load_stack(path) -> AccessModel          # read + validate a stack file (raises InvalidModelError)
    validate(raw) -> list[ModelError]        # every problem at once, each with its exact path
    parse(raw) -> AccessModel                # validate + build (raises InvalidModelError)
    desired_state(model, today) -> DesiredState   # expired grants dropped, rotation values derived

The program, the policy pack's tests and scopectl all go through these functions, so a model means the
same thing everywhere.
"""

from access_model.desired import (
    WARN_WITHIN_DAYS,
    DesiredClient,
    DesiredGroup,
    DesiredSecret,
    DesiredState,
    DesiredUser,
    Notice,
    desired_state,
)
from access_model.engine_config import PULUMI_CONFIG_MAX_BYTES, PULUMI_CONFIG_WARN_SHARE, pulumi_config_bytes
from access_model.errors import InvalidModelError, ModelError
from access_model.loading import (
    ACCESS_FILE_KEY,
    ACCESS_KEY,
    AccessSource,
    access_in_config,
    load_pulumi_config,
    load_stack,
    load_yaml,
    project_dir_of,
    read_stack_access,
    read_stack_config,
)
from access_model.model import (
    AccessModel,
    Client,
    ClientSettings,
    Grant,
    Group,
    GroupSettings,
    Member,
    SecretPolicy,
    User,
    UserSettings,
    parse,
    settings_of,
)
from access_model.paths import format_path
from access_model.rotation import ROTATION_ANCHOR, next_rotation, period_start, rotation_value
from access_model.validation import schema, validate

__all__ = [
    "ACCESS_FILE_KEY",
    "ACCESS_KEY",
    "PULUMI_CONFIG_MAX_BYTES",
    "PULUMI_CONFIG_WARN_SHARE",
    "ROTATION_ANCHOR",
    "WARN_WITHIN_DAYS",
    "AccessModel",
    "AccessSource",
    "Client",
    "ClientSettings",
    "DesiredClient",
    "DesiredGroup",
    "DesiredSecret",
    "DesiredState",
    "DesiredUser",
    "Grant",
    "Group",
    "GroupSettings",
    "InvalidModelError",
    "Member",
    "ModelError",
    "Notice",
    "SecretPolicy",
    "User",
    "UserSettings",
    "access_in_config",
    "desired_state",
    "format_path",
    "load_pulumi_config",
    "load_stack",
    "load_yaml",
    "next_rotation",
    "parse",
    "period_start",
    "project_dir_of",
    "pulumi_config_bytes",
    "read_stack_access",
    "read_stack_config",
    "rotation_value",
    "schema",
    "settings_of",
    "validate",
]
