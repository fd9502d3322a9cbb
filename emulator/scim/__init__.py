"""The emulator's SCIM 2.0 server: scim2-server on SQLite, a fast path for member PATCH, a ZPA dialect.

The emulator core mounts ``make_scim_app(db_path, dialect=...)`` at ``/scim/1/<idpId>/v2`` and puts
the authenticated caller in ``environ["emulator.principal"]``. See docs/emulator-scim.md.
"""

from emulator.scim.app import FAST_PATH_KEY, ScimApplication, make_scim_app
from emulator.scim.dialect import DIALECTS, Dialect, dialect_named

__all__ = ["DIALECTS", "FAST_PATH_KEY", "Dialect", "ScimApplication", "dialect_named", "make_scim_app"]
