"""The inbound pipeline: receive → (worker) claim, normalize, identify, thread, store, enrich, route, notify."""

from hub.pipeline.process import ProcessResult, process
from hub.pipeline.receive import receive

__all__ = ["ProcessResult", "process", "receive"]
