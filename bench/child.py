"""Entry point of a benchmark child process: ``python -m bench.child STAGE ARGS_JSON RESULT_PATH``."""

from __future__ import annotations

import json
import resource
import sys
import time
import traceback
from pathlib import Path

from bench import baselines, stages

STAGES = {
    "generate": stages.generate_data,
    "replicate": stages.replicate_data,
    "duckdb_only": baselines.duckdb_only,
    "plain_pandas": baselines.plain_pandas,
    "engine_ingest": stages.engine_ingest,
    "pipeline": stages.pipeline_run,
    "nightly": stages.nightly_run,
}


def main() -> None:
    stage, args, out = sys.argv[1], json.loads(sys.argv[2]), Path(sys.argv[3])
    started = time.perf_counter()
    try:
        result = STAGES[stage](**args)
        result["ok"] = result.get("ok", True)
    except Exception as exc:  # reported in the table, never hidden
        traceback.print_exc()
        result = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    result["inner_s"] = round(time.perf_counter() - started, 3)
    result["maxrss_bytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB
    out.write_text(json.dumps(result, default=str))


if __name__ == "__main__":
    main()
