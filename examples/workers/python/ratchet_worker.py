#!/usr/bin/env python3
"""Reference external worker for Ratchet, protocol v1 (docs/workers.md). Standard library only.

Use it as a library:

    from ratchet_worker import Worker

    def resize(job):
        job.log("info", "resizing", {"url": job.input["url"]})
        job.progress(50)
        return {"url": job.input["url"] + "?w=200"}

    Worker("http://127.0.0.1:8787", token, "py-1", {"resize-image": resize}).run()

or from the command line with a module that defines HANDLERS = {"task": function}:

    RATCHET_TOKEN=... python3 ratchet_worker.py --url http://127.0.0.1:8787 --handlers my_handlers.py

A handler gets a Job and returns the stage's output (JSON). Raising fails the attempt (retried as
the stage allows); raise NonRetryable to fail it for good. While it runs, a thread heartbeats the
lease every third of leaseMs; if the gateway answers LEASE_LOST (the lease expired, the run was
cancelled, ...), job.lease_lost is set: stop, the result would be refused anyway.
"""

import argparse
import importlib.util
import json
import os
import signal
import sys
import threading
import time
import traceback
import urllib.error
import urllib.request

PROTOCOL_VERSION = 1


class ProtocolError(Exception):
    """The gateway refused a call: HTTP status and the protocol's error code."""

    def __init__(self, status, code, message):
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code


class NonRetryable(Exception):
    """Raise from a handler to fail the attempt without retries."""


class Client:
    """The protocol's calls, one method each."""

    def __init__(self, url, token, timeout=60.0):
        self.url = url.rstrip("/")
        self.token = token
        self.timeout = timeout

    def call(self, path, body, timeout=None):
        data = json.dumps({"protocolVersion": PROTOCOL_VERSION, **body}).encode("utf-8")
        request = urllib.request.Request(
            self.url + path,
            data=data,
            method="POST",
            headers={
                "authorization": "Bearer " + self.token,
                "content-type": "application/json",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout or self.timeout) as response:
                return json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            try:
                detail = json.loads(error.read() or b"{}").get("error", {})
            except ValueError:
                detail = {}
            raise ProtocolError(
                error.code, detail.get("code", "HTTP_%d" % error.code), detail.get("message", "")
            ) from None

    def claim(self, worker_id, tasks, wait_ms):
        body = {"workerId": worker_id, "tasks": list(tasks), "waitMs": wait_ms}
        return self.call("/v1/claim", body, timeout=wait_ms / 1000 + 30)["job"]

    def job_call(self, job_id, action, lease_token, **fields):
        return self.call("/v1/jobs/%s/%s" % (job_id, action), {"leaseToken": lease_token, **fields})


class Job:
    """One claimed attempt, as a handler sees it."""

    def __init__(self, client, claimed):
        self._client = client
        self.claimed = claimed
        self.id = claimed["jobId"]
        self.task = claimed["task"]
        self.input = claimed["input"]
        self.config = claimed["config"]
        self.outputs = claimed["outputs"]
        self.metadata = claimed["metadata"]
        self.attempt = claimed["attempt"]
        self.workflow_run_id = claimed["workflowRunId"]
        self.stage_id = claimed["stageId"]
        self.lease_lost = threading.Event()

    def _call(self, action, **fields):
        try:
            return self._client.job_call(self.id, action, self.claimed["leaseToken"], **fields)
        except ProtocolError as error:
            if error.code == "LEASE_LOST":
                self.lease_lost.set()
            raise

    def log(self, level, message, data=None):
        fields = {"level": level, "message": message}
        if data is not None:
            fields["data"] = data
        self._call("log", **fields)

    def progress(self, progress, message=None, details=None):
        fields = {"progress": progress}
        if message is not None:
            fields["message"] = message
        if details is not None:
            fields["details"] = details
        self._call("progress", **fields)

    def heartbeat(self):
        return self._call("heartbeat")


class Worker:
    """Claims jobs of `handlers`' tasks and runs them one at a time until stop() (or SIGTERM)."""

    def __init__(self, url, token, worker_id, handlers, wait_ms=20000, log=None):
        self.client = Client(url, token)
        self.worker_id = worker_id
        self.handlers = handlers
        self.wait_ms = wait_ms
        self.stopping = threading.Event()
        self.log = log or (lambda message: print(message, file=sys.stderr, flush=True))

    def stop(self, *_):
        self.stopping.set()

    def run(self, max_jobs=None):
        done = 0
        while not self.stopping.is_set() and (max_jobs is None or done < max_jobs):
            try:
                claimed = self.client.claim(self.worker_id, self.handlers.keys(), self.wait_ms)
            except (ProtocolError, OSError) as error:
                self.log("[ratchet-worker] claim failed: %s" % error)
                if isinstance(error, ProtocolError) and error.status in (400, 401, 404):
                    raise
                self.stopping.wait(1.0)
                continue
            if claimed is None:
                continue
            self.process(claimed)
            done += 1
        return done

    def process(self, claimed):
        job = Job(self.client, claimed)
        beating = threading.Event()
        interval = max(claimed["leaseMs"] / 3000.0, 0.05)

        def heartbeats():
            while not beating.wait(interval):
                try:
                    job.heartbeat()
                except ProtocolError as error:
                    self.log("[ratchet-worker] job %s: %s; stopping its heartbeats" % (job.id, error))
                    return
                except OSError as error:
                    self.log("[ratchet-worker] heartbeat of job %s failed: %s" % (job.id, error))

        thread = threading.Thread(target=heartbeats, daemon=True)
        thread.start()
        try:
            output = self.handlers[claimed["task"]](job)
            outcome = ("complete", {"output": output})
        except Exception as error:  # the handler's failure fails the attempt
            outcome = (
                "fail",
                {
                    "error": {
                        "name": type(error).__name__,
                        "message": str(error) or type(error).__name__,
                        **({"code": error.code} if isinstance(getattr(error, "code", None), str) else {}),
                    },
                    "retryable": not isinstance(error, NonRetryable),
                },
            )
            self.log("[ratchet-worker] job %s failed: %s" % (job.id, traceback.format_exc().strip()))
        finally:
            beating.set()
            thread.join()
        try:
            job._call(outcome[0], **outcome[1])
        except ProtocolError as error:
            # LEASE_LOST: another worker has (or had) the job; this result changed nothing.
            self.log("[ratchet-worker] %s of job %s refused: %s" % (outcome[0], job.id, error))
            return False
        return True


def load_handlers(path):
    # Run as a script, this module is __main__: handlers that `import ratchet_worker` must get
    # this same module (the same NonRetryable class), not a second copy.
    sys.modules.setdefault("ratchet_worker", sys.modules[__name__])
    spec = importlib.util.spec_from_file_location("ratchet_handlers", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.HANDLERS


def main(argv=None):
    parser = argparse.ArgumentParser(description="Ratchet external worker (protocol v1)")
    parser.add_argument("--url", default=os.environ.get("RATCHET_URL"), required="RATCHET_URL" not in os.environ)
    parser.add_argument("--handlers", required=True, help="a .py file defining HANDLERS = {task: fn}")
    parser.add_argument("--worker-id", default=os.environ.get("RATCHET_WORKER_ID", "py-%d" % os.getpid()))
    parser.add_argument("--wait-ms", type=int, default=20000)
    parser.add_argument("--max-jobs", type=int, default=None)
    args = parser.parse_args(argv)
    token = os.environ.get("RATCHET_TOKEN")
    if not token:
        parser.error("set RATCHET_TOKEN (kept out of argv so it does not show in ps)")
    worker = Worker(args.url, token, args.worker_id, load_handlers(args.handlers), args.wait_ms)
    signal.signal(signal.SIGTERM, worker.stop)
    signal.signal(signal.SIGINT, worker.stop)
    worker.log("[ratchet-worker] %s serving %s at %s" % (args.worker_id, ", ".join(worker.handlers), args.url))
    worker.run(args.max_jobs)


if __name__ == "__main__":
    main()
