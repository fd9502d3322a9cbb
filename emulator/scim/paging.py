"""Sorting, paging and filter push-down helpers for the SQLite SCIM storage.

Adapted from scim2-server 0.8.3's ``scim2_server.memory`` (Apache-2.0), whose private helpers
(``_page``, ``_sort_key``, ``_equality``, ``_hashable``) may change without notice: owning them here
pins the behaviour the storage contract suite checks. Only index pagination is kept, because the
server announces no cursor pagination (neither does ZPA).
"""

from __future__ import annotations

from typing import Any, cast

from scim2_models import AttributeBinding, NotImplementedException, Resource, ScimFilter, SearchRequest
from scim2_models.path import CompareOperator, Comparison
from scim2_server.storage import SearchPage

SortKey = tuple[bool, Any, str]


def page_of(search_request: SearchRequest[Any], resources: list[Resource[Any]]) -> SearchPage:
    """Sort the matches (by sort value, missing values last, then id) and cut the page asked for."""
    if search_request.cursor is not None:
        raise NotImplementedException(detail="Pagination by cursor is not supported")
    descending = (
        search_request.sort_by is not None and search_request.sort_order == SearchRequest.SortOrder.descending
    )
    ordered = sorted(resources, key=lambda resource: sort_key(search_request, resource), reverse=descending)
    start = search_request.start_index_0 or 0
    stop = None if search_request.count is None else start + search_request.count
    return SearchPage(len(ordered), ordered[start:stop])


def sort_key(search_request: SearchRequest[Any], resource: Resource[Any]) -> SortKey:
    """The key ordering a resource: missing sort values last, then the id, so pages are stable."""
    value = search_request.sort_value(resource)
    return value is None, value if value is not None else "", cast(str, resource.id)


def equality_binding(scim_filter: ScimFilter[Any] | None) -> AttributeBinding | None:
    """The single-valued string attribute a filter compares ``eq`` to one string, if that is all it does."""
    if scim_filter is None or scim_filter.model is None:
        return None
    node = scim_filter.ast
    if not isinstance(node, Comparison) or node.op != CompareOperator.eq or not isinstance(node.value, str):
        return None
    binding = scim_filter.resolve_comparison(node.attr_path, strict=False)
    if binding is None or binding.is_multivalued or binding.target_type is not str:
        return None
    return binding


def hashable(value: Any) -> Any:
    """A form of ``value`` usable as a key (lists and models are keyed by their repr)."""
    try:
        hash(value)
    except TypeError:
        return repr(value)
    return value
