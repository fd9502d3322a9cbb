"""Who may do what on the SCIM API: the one rule both the request gate and bulk operations apply.

Reads (GET, searches, discovery) need ``scim:read`` or ``scim:write``; writes need ``scim:write``;
the IdP's own SCIM bearer token may do everything. The caller was authenticated by the emulator
core, which put an ``emulator.principal.Principal`` (or ``None``) in the WSGI environ.
"""

from __future__ import annotations

from scim2_models import ForbiddenException, UnauthorizedException
from scim2_server.routing import Operation

from emulator.principal import Principal, unauthenticated_detail

READ_SCOPES = ("scim:read", "scim:write")
WRITE_SCOPES = ("scim:write",)
WRITE_OPERATIONS = frozenset(
    {Operation.create, Operation.replace, Operation.patch, Operation.delete, Operation.bulk}
)


def require_access(principal: Principal | None, operation: Operation) -> None:
    """Refuse ``operation`` to ``principal``: 401 without a caller, 403 without the scope it needs."""
    if principal is None:
        raise UnauthorizedException(detail=unauthenticated_detail(False))
    if principal.kind == "idp":
        return
    if operation in WRITE_OPERATIONS:
        if not principal.has_any(*WRITE_SCOPES):
            raise ForbiddenException(detail="This operation needs the scim:write scope")
    elif not principal.has_any(*READ_SCOPES):
        raise ForbiddenException(detail="This operation needs the scim:read or scim:write scope")
