"""The only code that speaks HTTP to a provider.

``client_for(account)`` returns an ``UpstreamClient`` (see ``base.py``) for any Account; callers
use canonical field names (SignalWire REST's) and catch ``errors.UpstreamError``.
"""
