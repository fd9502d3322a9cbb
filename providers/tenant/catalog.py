"""The tenant's scope catalog: human scope names <-> the composite ids the API wants.

Users write `scim:write`; the API takes `clientResources[].selectedScopes[].id` such as
`<serviceId>::<roleId>` under the id of the resource server that offers it. The catalog comes from
`GET /resource-servers` (read-only, fetched once per process).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any

from common.suggest import close_matches
from providers.tenant.errors import UnknownScope


@dataclasses.dataclass(frozen=True)
class Scope:
    """One grantable scope: its name, its composite id and where it lives."""

    name: str
    id: str
    resource_server_id: str
    service: str | None = None


class ScopeCatalog:
    """Immutable index of scopes by name and by id, built from resource-server records."""

    def __init__(self, scopes: Iterable[Scope]) -> None:
        self._by_name: dict[str, Scope] = {}
        self._by_id: dict[str, Scope] = {}
        for scope in scopes:
            # The first resource server to offer a name wins (the default "Zscaler APIs" comes first).
            self._by_name.setdefault(scope.name, scope)
            self._by_id.setdefault(scope.id, scope)

    @classmethod
    def from_resource_servers(cls, servers: Iterable[Mapping[str, Any]]) -> ScopeCatalog:
        """Build from `GET /resource-servers` records (`serviceScopes[].scopes[]`), default server first."""
        ordered = sorted(servers, key=lambda s: not s.get("defaultApi", False))
        scopes = []
        for server in ordered:
            server_id = str(server.get("id", ""))
            for group in server.get("serviceScopes") or []:
                service = (group.get("service") or {}).get("name")
                for scope in group.get("scopes") or []:
                    if scope.get("id") and scope.get("name"):
                        scopes.append(Scope(str(scope["name"]), str(scope["id"]), server_id, service))
        return cls(scopes)

    def __len__(self) -> int:
        return len(self._by_name)

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def all_names(self) -> list[str]:
        return sorted(self._by_name)

    def suggest(self, name: str, limit: int = 3) -> list[str]:
        """Closest known names, for 'did you mean' messages (``common.suggest``, shared with the model)."""
        return close_matches(name, self.all_names(), limit)

    def resolve(self, names: Iterable[str]) -> list[str]:
        """Scope ids for names, in the given order; one `UnknownScope` naming every unknown name."""
        names = list(names)
        unknown = {n: self.suggest(n) for n in names if n not in self._by_name}
        if unknown:
            raise UnknownScope(unknown)
        return [self._by_name[n].id for n in names]

    def name_of(self, scope_id: str) -> str | None:
        scope = self._by_id.get(scope_id)
        return scope.name if scope else None

    def names_of(self, client_record: Mapping[str, Any]) -> list[str]:
        """Sorted scope names granted to an API client record (ids the catalog does not know keep the
        name the server sent, or the raw id, so drift on them is still visible)."""
        names = set()
        for resource in client_record.get("clientResources") or []:
            for selected in resource.get("selectedScopes") or []:
                scope_id = str(selected.get("id", ""))
                name = self.name_of(scope_id) or selected.get("name") or scope_id
                if name:
                    names.add(name)
        return sorted(names)

    def client_resources(self, names: Iterable[str]) -> list[dict[str, Any]]:
        """The `clientResources` body granting exactly `names` (grouped by resource server, sorted)."""
        wanted = sorted(set(names))
        self.resolve(wanted)  # one UnknownScope naming every unknown name
        by_server: dict[str, list[str]] = {}
        for name in wanted:
            scope = self._by_name[name]
            by_server.setdefault(scope.resource_server_id, []).append(scope.id)
        return [
            {"id": server_id, "selectedScopes": [{"id": scope_id} for scope_id in sorted(ids)]}
            for server_id, ids in sorted(by_server.items())
        ]

    def __repr__(self) -> str:
        return f"ScopeCatalog({len(self)} scopes)"
