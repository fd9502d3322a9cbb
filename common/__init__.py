"""Facts every part of Scope Manager shares, in modules that import neither Pulumi nor jsonschema.

Why a package of its own: the access model, the providers, the policy pack and scopectl all need the
same defaults and bounds, the same property-path syntax and the same "did you mean" wording. Put in
any one of them, the others would import that package's ``__init__`` (the providers' pulls in the
Pulumi SDK; the access model's, jsonschema), so each kept its own copy and the copies drifted.

- ``common.limits``: defaults and bounds of secrets and access tokens.
- ``common.paths``: property paths printed the way the Pulumi engine prints them.
- ``common.suggest``: close matches and the one "did you mean" wording.
- ``common.rotation``: when a secret rotates (schedule, expiry) and when its overlap window ends.
"""
