"""The rotation schedule, as the access model derives it: re-exported from ``common.rotation``.

Every rotation decision (schedule, manual, expiry, end of the overlap window) lives in
``common/rotation.py``; this module keeps the names ``access_model`` has always exported.
"""

from common.rotation import ROTATION_ANCHOR, next_rotation, period_start, rotation_value

__all__ = ["ROTATION_ANCHOR", "next_rotation", "period_start", "rotation_value"]
