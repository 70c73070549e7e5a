"""Viewsets of API v1: parse, scope through hub.access, call one hub.actions function."""
