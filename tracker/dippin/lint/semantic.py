"""The Core semantic lint catalogue, DIP101–DIP137 (DIP138 is reserved and never emitted).

Warnings and hints about workflows that run but probably not as intended. The rules
live in one module per family and register themselves on import; ``order`` keys keep
the reference's check order across modules:

* :mod:`.semantic_routing` – edges and conditions (DIP101–DIP103, DIP105, DIP120–DIP122)
* :mod:`.semantic_dataflow` – prompt references, reads and writes (DIP106, DIP107, DIP112)
* :mod:`.semantic_nodes` – field values and combinations (DIP104, DIP108–DIP111,
  DIP113–DIP119, DIP134)
* :mod:`.semantic_humans` – human gates (DIP127–DIP129)
* :mod:`.semantic_responses` – agent response format/schema and params (DIP130–DIP133)
* :mod:`.semantic_environment` – commands and files (DIP123–DIP126, DIP135–DIP137)
"""

from __future__ import annotations

from tracker.dippin.lint import (
    semantic_dataflow,
    semantic_environment,
    semantic_humans,
    semantic_nodes,
    semantic_responses,
    semantic_routing,
)

FAMILIES = (
    semantic_routing,
    semantic_dataflow,
    semantic_nodes,
    semantic_humans,
    semantic_responses,
    semantic_environment,
)
