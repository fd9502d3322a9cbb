"""What the emulator's SCIM server announces: RFC 7643 schemas, resource types and its configuration.

The schemas and resource types are scim2-server's defaults (User with the enterprise extension,
Group). The ServiceProviderConfig is built here rather than loaded, because it depends on the
dialect (ZPA pages 10 by default, 100 at most) and because it must announce the bearer scheme:
scim2-server derives the ``WWW-Authenticate`` challenge of every 401 from it.
"""

from __future__ import annotations

from functools import cache

from scim2_models import (
    AuthenticationScheme,
    Bulk,
    ChangePassword,
    ETag,
    External,
    Filter,
    Pagination,
    Patch,
    Reference,
    ScimPolicy,
    ScimProvider,
    ServiceProviderConfig,
    Sort,
)
from scim2_server.utils import load_default_resource_types, load_default_schemas

from emulator.scim.dialect import Dialect

BULK_MAX_OPERATIONS = 1000
BULK_MAX_PAYLOAD_BYTES = 1024 * 1024

BEARER_SCHEME = AuthenticationScheme(
    type=AuthenticationScheme.Type.oauthbearertoken,
    name="OAuth Bearer Token",
    description=(
        "An OAuth access token from the emulator's token endpoint holding scim:read (reads) or "
        "scim:write (reads and writes), or the IdP's SCIM bearer token (full access)."
    ),
    spec_uri=Reference[External]("https://www.rfc-editor.org/rfc/rfc6750"),
    primary=True,
)


def service_provider_config(dialect: Dialect) -> ServiceProviderConfig:
    """The configuration the server announces and enforces for ``dialect``."""
    pagination = None
    if dialect.default_page_size is not None:
        # Announcing a page size makes scim2-server give it to searches without count (RFC 9865 §4).
        pagination = Pagination(
            cursor=False,
            index=True,
            default_pagination_method=Pagination.DefaultPaginationMethod.index,
            default_page_size=dialect.default_page_size,
            max_page_size=dialect.max_page_size,
        )
    return ServiceProviderConfig(
        patch=Patch(supported=True),
        bulk=Bulk(
            supported=True, max_operations=BULK_MAX_OPERATIONS, max_payload_size=BULK_MAX_PAYLOAD_BYTES
        ),
        filter=Filter(supported=True, max_results=dialect.max_page_size),
        change_password=ChangePassword(supported=True),
        sort=Sort(supported=True),
        etag=ETag(supported=True),
        pagination=pagination,
        authentication_schemes=[BEARER_SCHEME],
    )


@cache
def build_provider(dialect: Dialect) -> ScimProvider:
    """The provider (schemas, resource types, configuration, policy) the server runs under.

    Built once per dialect (~0.1 s of model building): a provider is read-only once built, and one
    instance already serves every thread of a server.

    The policy applies a PATCH ``remove`` that carries a ``value`` as a filter on that value, the way
    Microsoft Entra ID removes group members, instead of refusing it: ZPA is documented to work
    with Entra as the IdP, so the emulator accepts what Entra sends.
    """
    return ScimProvider.from_discovery(
        load_default_schemas().values(),
        load_default_resource_types().values(),
        config=service_provider_config(dialect),
        policy=ScimPolicy(remove_value_as_filter=ScimPolicy.RemoveValue.apply),
    )
