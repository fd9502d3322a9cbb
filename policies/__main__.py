"""Entry point of the `scope-guardrails` policy pack (`pulumi up --policy-pack policies`).

The CLI runs `python -m pulumi.policy <engine> <pack dir>` with the pack directory as working
directory, which then executes this file. The project root is put on `sys.path` first so that
`policies.rules` (shared with scopectl) imports the same way here as everywhere else.
"""

import sys
from pathlib import Path

_PROJECT_ROOT = str(Path(__file__).resolve().parent.parent)
if _PROJECT_ROOT not in sys.path:
    sys.path.insert(0, _PROJECT_ROOT)

from policies.crossguard import serve  # noqa: E402 - needs the path set above

serve()
