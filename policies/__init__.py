"""The `scope-guardrails` CrossGuard policy pack.

`policies.rules` holds the rules as plain Python (also used by `scopectl report`); `policies.crossguard`
wraps them for the Pulumi policy SDK; `__main__.py` is what `pulumi ... --policy-pack policies` runs.
"""
