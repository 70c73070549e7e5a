"""Outgoing webhooks: the company's systems told, signed and at least once, what happens to tickets.

- ``address``: the rule a webhook's URL follows, for the settings form and the API.
- ``outbox``: which timeline events a webhook hears; deliveries written in the event's transaction.
- ``payload``: the JSON body, built at the first attempt and kept for retries.
- ``send``: the signed POST, its answer kept, retries with growing pauses, the sweep.
"""
