"""Serializers of API v1: what integrations and the agent UI read and send."""
