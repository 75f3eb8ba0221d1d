"""Handlers of the Python workers the tests start (see ratchet_worker.py's --handlers).

Each records `start <runId> <workerId>` in the ledger file $RATCHET_LEDGER when it begins,
so the tests can count executions across processes.
"""

import os
import time

from ratchet_worker import NonRetryable

WORKER_ID = os.environ.get("RATCHET_WORKER_ID", "?")


def record(job):
    with open(os.environ["RATCHET_LEDGER"], "a") as ledger:
        ledger.write("start %s %s\n" % (job.workflow_run_id, WORKER_ID))


def starts(run_id):
    with open(os.environ["RATCHET_LEDGER"]) as ledger:
        return sum(1 for line in ledger if line.startswith("start %s " % run_id))


def greet(job):
    record(job)
    job.log("info", "greeting from python", {"name": job.input["name"]})
    job.progress(50, "halfway")
    return {"greeting": "hello " + job.input["name"], "by": WORKER_ID}


def hang_first(job):
    """The first execution of a run hangs (heartbeating) until killed; later ones answer."""
    first = starts(job.workflow_run_id) == 0
    record(job)
    if first:
        time.sleep(600)
    return {"greeting": "hello " + job.input["name"], "by": WORKER_ID}


def flaky(job):
    """Fails (retryably) on the first attempt, answers on the next."""
    record(job)
    if job.attempt == 1:
        raise RuntimeError("flaky on attempt 1")
    return {"greeting": "hello " + job.input["name"], "by": WORKER_ID}


class BadInput(NonRetryable):
    code = "BAD_INPUT"


def broken(job):
    record(job)
    raise BadInput("cannot greet " + job.input["name"])


HANDLERS = {"greet": greet, "hang-first": hang_first, "flaky": flaky, "broken": broken}
