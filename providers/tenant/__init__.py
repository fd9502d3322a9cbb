"""HTTP clients for the tenant: ZIdentity (OneAPI) admin API and SCIM 2.0.

Public surface (see docs/architecture.md "HTTP clients" and docs/tenant-clients.md):

    settings = TenantSettings.resolve(config, env)
    tenant = Tenant.shared(settings)
    tenant.zidentity.clients_snapshot(); tenant.scim.change_members(group_id, add=[...], remove=[...])

Everything code outside this package uses is imported from here (`from providers.tenant import ...`):
the providers, `scopectl`, the benchmarks and the tests alike. The modules behind it are private to the
package and may be split or renamed without touching any caller. Three groups:

- the tenant and its clients (`Tenant`, `ZIdentityClient`, `ScimClient`, `TenantSettings`) and the
  errors they raise;
- names the callers need about the tenant's data: scopes, SCIM schemas, settings keys;
- the parts a `Tenant` is built from (`HttpTransport`, `RequestPacer`, `SharedListing`,
  `ClientCredentials`, ...), for the tests and benchmarks that exercise one part on its own.

This module must not import `providers._base` or any resource module: they import it.
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
    unknown_scope_message,
)
from providers.tenant.ratelimit import RequestPacer
from providers.tenant.records import client_fields, group_fields, user_fields
from providers.tenant.redact import REDACTED, Redactor, scrub_credentials
from providers.tenant.retry import RetryPolicy, parse_retry_after_value, retry_after_seconds
from providers.tenant.scim import (
    GROUP_SCHEMA,
    USER_SCHEMA,
    ScimClient,
    filter_string,
    member_ids,
    scim_bool,
)
from providers.tenant.settings import (
    AUDIENCE,
    CONFIG_KEYS,
    CONFIG_NAMESPACE,
    NO_SCIM_URL,
    NO_TENANT,
    NO_ZIDENTITY_ENDPOINT,
    SECRET_CONFIG_KEYS,
    SETTING_FIELDS,
    TenantSettings,
    api_url_for,
    env_name,
    token_url_for,
)
from providers.tenant.snapshot import SINGLE_READS_BEFORE_LISTING, SharedListing
from providers.tenant.tenant import Tenant
from providers.tenant.tokens import ClientCredentials, StaticBearer
from providers.tenant.transport import UNREACHABLE_ATTEMPTS, UNREACHABLE_WAIT, HttpTransport
from providers.tenant.zidentity import (
    MAX_WRITE_ATTEMPTS,
    ZIdentityClient,
    status_enabled,
    writable_client_body,
)

__all__ = [
    "AUDIENCE",
    "CONFIG_KEYS",
    "CONFIG_NAMESPACE",
    "GROUP_SCHEMA",
    "MAX_WRITE_ATTEMPTS",
    "NO_SCIM_URL",
    "NO_TENANT",
    "NO_ZIDENTITY_ENDPOINT",
    "REDACTED",
    "SECRET_CONFIG_KEYS",
    "SETTING_FIELDS",
    "SINGLE_READS_BEFORE_LISTING",
    "UNREACHABLE_ATTEMPTS",
    "UNREACHABLE_WAIT",
    "USER_SCHEMA",
    "AmbiguousMatch",
    "ApiError",
    "BadRequest",
    "ClientCredentials",
    "ConcurrentUpdate",
    "ConfigurationError",
    "Conflict",
    "ConnectionFailed",
    "Deadline",
    "DeadlineExceeded",
    "Forbidden",
    "HttpTransport",
    "NotFound",
    "OutcomeUnknown",
    "PreconditionFailed",
    "RateLimited",
    "Redactor",
    "RequestPacer",
    "RetryPolicy",
    "ScimClient",
    "Scope",
    "ScopeCatalog",
    "ServerError",
    "SharedListing",
    "StaticBearer",
    "Tenant",
    "TenantError",
    "TenantSettings",
    "Unauthorized",
    "UnknownScope",
    "Unreachable",
    "ZIdentityClient",
    "api_url_for",
    "client_fields",
    "env_name",
    "filter_string",
    "group_fields",
    "member_ids",
    "parse_retry_after_value",
    "retry_after_seconds",
    "scim_bool",
    "scrub_credentials",
    "status_enabled",
    "token_url_for",
    "unknown_scope_message",
    "user_fields",
    "writable_client_body",
]
