#!/usr/bin/env bash
# A Ratchet external worker in shell (protocol v1, docs/workers.md), with curl and jq.
#
#   RATCHET_URL=http://127.0.0.1:8787 RATCHET_TOKEN=... \
#     ./worker.sh greet 'jq "{greeting: (\"hello \" + .name), by: \"shell\"}"'
#
# Claims jobs of the task given as $1 and runs the handler command $2 for each: it gets the
# stage's input as JSON on stdin and prints the output as JSON on stdout; a non-zero exit fails
# the attempt (retryable; exit 3 = not retryable). While the handler runs, a background loop
# heartbeats the lease every third of leaseMs. RATCHET_MAX_JOBS ends it after that many jobs.
# The token is passed to curl on stdin (-K -), so it does not show in `ps`.
set -euo pipefail

TASK="${1:?usage: worker.sh <task> <handler command>}"
HANDLER="${2:?usage: worker.sh <task> <handler command>}"
: "${RATCHET_URL:?set RATCHET_URL}" "${RATCHET_TOKEN:?set RATCHET_TOKEN}"
WORKER_ID="${RATCHET_WORKER_ID:-sh-$$}"
MAX_JOBS="${RATCHET_MAX_JOBS:-0}"

# post PATH JSON -> prints the body, then the HTTP status on the last line.
post() {
  printf 'header = "authorization: Bearer %s"\n' "$RATCHET_TOKEN" |
    curl -sS -K - -X POST -H 'content-type: application/json' \
      --data-binary "$2" -w '\n%{http_code}' --max-time 60 "$RATCHET_URL$1"
}

done_jobs=0
while [ "$MAX_JOBS" -eq 0 ] || [ "$done_jobs" -lt "$MAX_JOBS" ]; do
  claim=$(jq -nc --arg w "$WORKER_ID" --arg t "$TASK" \
    '{protocolVersion: 1, workerId: $w, tasks: [$t], waitMs: 20000}')
  answer=$(post /v1/claim "$claim") || { sleep 1; continue; }
  status=$(tail -n1 <<<"$answer")
  body=$(sed '$d' <<<"$answer")
  if [ "$status" != 200 ]; then
    echo "[worker.sh] claim refused ($status): $body" >&2
    exit 1
  fi
  job=$(jq -c '.job' <<<"$body")
  [ "$job" = null ] && continue

  job_id=$(jq -r '.jobId' <<<"$job")
  token=$(jq -r '.leaseToken' <<<"$job")
  lease=$(jq -c '{leaseToken}' <<<"$job")
  interval=$(jq -r '.leaseMs / 3000' <<<"$job")

  (while sleep "$interval"; do
    status=$(post "/v1/jobs/$job_id/heartbeat" "$lease" | tail -n1) || true
    [ "$status" = 200 ] || exit 0 # LEASE_LOST: the job is someone else's now
  done) &
  beats=$!

  set +e
  output=$(jq -c '.input' <<<"$job" | bash -c "$HANDLER")
  code=$?
  set -e
  kill "$beats" 2>/dev/null || true
  wait "$beats" 2>/dev/null || true

  if [ "$code" -eq 0 ]; then
    result=$(jq -nc --arg t "$token" --argjson o "$output" '{leaseToken: $t, output: $o}')
    answer=$(post "/v1/jobs/$job_id/complete" "$result")
  else
    result=$(jq -nc --arg t "$token" --argjson r "$([ "$code" -eq 3 ] && echo false || echo true)" \
      --arg m "handler exited with $code" '{leaseToken: $t, error: {message: $m}, retryable: $r}')
    answer=$(post "/v1/jobs/$job_id/fail" "$result")
  fi
  status=$(tail -n1 <<<"$answer")
  [ "$status" = 200 ] || echo "[worker.sh] job $job_id: result refused ($status): $(sed '$d' <<<"$answer")" >&2
  done_jobs=$((done_jobs + 1))
done
