"""Scope Manager's Pulumi dynamic resources.

``from providers import ApiClient, ScopeAssignment, ClientSecret, PreviousSecret, ScimGroup, ScimUser``.
Each resource lives in its own module with its provider; the provider classes (``ApiClientProvider``,
...) and their module paths are a stable API because Pulumi state pickles them by reference.
"""

from providers.api_client import ApiClient, ApiClientProvider
from providers.client_secret import ClientSecret, ClientSecretProvider
from providers.previous_secret import PreviousSecret, PreviousSecretProvider
from providers.scim_group import ScimGroup, ScimGroupProvider
from providers.scim_user import ScimUser, ScimUserProvider
from providers.scope_assignment import ScopeAssignment, ScopeAssignmentProvider

__all__ = [
    "ApiClient",
    "ApiClientProvider",
    "ClientSecret",
    "ClientSecretProvider",
    "PreviousSecret",
    "PreviousSecretProvider",
    "ScimGroup",
    "ScimGroupProvider",
    "ScimUser",
    "ScimUserProvider",
    "ScopeAssignment",
    "ScopeAssignmentProvider",
]
