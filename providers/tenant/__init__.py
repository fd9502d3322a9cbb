"""HTTP clients for the tenant: ZIdentity (OneAPI) admin API and SCIM 2.0.

Public surface (see docs/architecture.md "HTTP clients" and docs/tenant-clients.md):

    settings = TenantSettings.resolve(config, env)
    tenant = Tenant.shared(settings)
    tenant.zidentity.clients_snapshot(); tenant.scim.change_members(group_id, add=[...], remove=[...])

Everything else in this package is private to it.
"""

from providers.tenant.catalog import Scope, ScopeCatalog
from providers.tenant.deadline import Deadline
from providers.tenant.errors import (
    AmbiguousMatch,
    ApiError,
    BadRequest,
    ConcurrentUpdate,
    ConfigurationError,
    Conflict,
    ConnectionFailed,
    DeadlineExceeded,
    Forbidden,
    NotFound,
    OutcomeUnknown,
    PreconditionFailed,
    RateLimited,
    ServerError,
    TenantError,
    Unauthorized,
    UnknownScope,
    Unreachable,
)
from providers.tenant.records import client_fields, group_fields, user_fields
from providers.tenant.scim import ScimClient, filter_string, member_ids, scim_bool
from providers.tenant.settings import TenantSettings, api_url_for, token_url_for
from providers.tenant.tenant import Tenant
from providers.tenant.zidentity import ZIdentityClient, status_enabled, writable_client_body

__all__ = [
    "AmbiguousMatch",
    "ApiError",
    "BadRequest",
    "ConcurrentUpdate",
    "ConfigurationError",
    "Conflict",
    "ConnectionFailed",
    "Deadline",
    "DeadlineExceeded",
    "Forbidden",
    "NotFound",
    "OutcomeUnknown",
    "PreconditionFailed",
    "RateLimited",
    "ScimClient",
    "Scope",
    "ScopeCatalog",
    "ServerError",
    "Tenant",
    "TenantError",
    "TenantSettings",
    "Unauthorized",
    "UnknownScope",
    "Unreachable",
    "ZIdentityClient",
    "api_url_for",
    "client_fields",
    "filter_string",
    "group_fields",
    "member_ids",
    "scim_bool",
    "status_enabled",
    "token_url_for",
    "user_fields",
    "writable_client_body",
]
