"""The inbound pipeline: receive → (worker) claim, normalize, identify, thread, store, enrich, route, notify."""

from hub.pipeline.process import BatchReport, ProcessResult, process, process_batch
from hub.pipeline.receive import receive
from hub.pipeline.settle import Settled, settle

__all__ = ["BatchReport", "ProcessResult", "Settled", "process", "process_batch", "receive", "settle"]
