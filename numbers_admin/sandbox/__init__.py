"""A simulated SignalWire Space and Twilio account, wire-compatible with the real APIs."""
