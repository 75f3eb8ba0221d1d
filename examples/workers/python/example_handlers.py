"""Example handlers for ratchet_worker.py: HANDLERS maps task names to functions."""

import time


def greet(job):
    job.log("info", "greeting", {"name": job.input["name"]})
    job.progress(50, "halfway")
    time.sleep(0.1)
    return {"greeting": "hello " + job.input["name"]}


HANDLERS = {"greet": greet}
