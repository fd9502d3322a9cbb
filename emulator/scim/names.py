"""RFC 7643/7644 names the SCIM modules share: resource type names and schema URNs."""

USER = "User"
GROUP = "Group"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
LIST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
