"""scim2-server's ScimHandler plus the one dialect rule that needs the storage: ZPA deletes inactive users."""

from __future__ import annotations

from typing import Any

from scim2_models import PatchOp, Resource, ResourceType
from scim2_server.conditions import Conditions
from scim2_server.handler import ScimHandler
from scim2_server.storage import ScimStorage

from emulator.scim.dialect import Dialect
from emulator.scim.names import USER
from emulator.scim.service import EmulatorScimService


class EmulatorScimHandler(ScimHandler):
    """Runs every slow-path operation; in ``zpa``, a PATCH or PUT leaving ``active: false`` deletes the user.

    ZPA documents "When active=false, Zscaler deletes this user" (zscaler-api.md §3.4). The answer
    still carries the user as it was written (``active: false``), in the same transaction as the
    deletion, so a client sees its request succeed and the next GET answers 404.
    """

    def __init__(self, service: EmulatorScimService, storage: ScimStorage, dialect: Dialect) -> None:
        super().__init__(service, storage)
        self.dialect = dialect

    def replace_resource(
        self,
        resource_type: ResourceType,
        current: Resource[Any],
        replacement: Resource[Any],
        conditions: Conditions,
    ) -> Resource[Any]:
        resource = super().replace_resource(resource_type, current, replacement, conditions)
        self._delete_if_inactive(resource_type, resource)
        return resource

    def patch_resource(
        self,
        resource_type: ResourceType,
        resource_id: str,
        patch_op: PatchOp[Any],
        conditions: Conditions,
    ) -> Resource[Any]:
        """scim2-server's PATCH, except that a PATCH changing nothing answers with the stored resource.

        scim2-server answers with the object the PATCH was applied to, even when it decides nothing
        changed and stores nothing; a ``replace`` that only reorders members then shows an order
        the server never stored. Answering with what is stored keeps every answer true.
        """
        current = self.storage.get(resource_type, resource_id)
        assert current.meta is not None
        version = current.meta.version
        patched = self.service.apply_patch(current, patch_op, conditions)
        if patched is None:
            resource = self.storage.get(resource_type, resource_id)
        else:
            resource = self.storage.update(resource_type, patched, expected_version=version)
        self._delete_if_inactive(resource_type, resource)
        return resource

    def _delete_if_inactive(self, resource_type: ResourceType, resource: Resource[Any]) -> None:
        if (
            self.dialect.inactive_user_is_deleted
            and resource_type.name == USER
            and getattr(resource, "active", None) is False
        ):
            assert resource.id is not None
            self.storage.delete(resource_type, resource.id)
