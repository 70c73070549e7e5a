"""The settings area admins run the hub from (``/agent/settings/``); see frontend/README.md."""
