/**
 * The actions on a run that apply now: cancel (confirmed by a second click), retry a failed
 * run, rerun from a stage, approve or reject a pending approval. Each names who acts (kept in
 * the browser) and shows the server's answer.
 */
import { useState } from "preact/hooks";
import { postAction } from "../api.js";
import type { RunView } from "../types.js";

const NAME_KEY = "ratchet-dashboard-name";

function useName(): [string, (name: string) => void] {
  const [name, setName] = useState(() => localStorage.getItem(NAME_KEY) ?? "");
  return [
    name,
    (next) => {
      localStorage.setItem(NAME_KEY, next);
      setName(next);
    },
  ];
}

/** The bar. */
export function ActionBar({ view }: { view: RunView }) {
  const { run, actions } = view;
  const [name, setName] = useName();
  const [confirming, setConfirming] = useState(false);
  const [from, setFrom] = useState("");
  const [comment, setComment] = useState("");
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const act = async (action: string, body: Record<string, unknown> = {}) => {
    setBusy(true);
    setMessage(null);
    try {
      await postAction(run.id, action, { by: name || "anonymous", ...body });
      setMessage({ ok: true, text: `${action}: done` });
    } catch (error) {
      setMessage({
        ok: false,
        text: `${action}: ${error instanceof Error ? error.message : String(error)}`,
      });
    } finally {
      setBusy(false);
      setConfirming(false);
    }
  };
  const rerunStage = from || actions.rerunFrom[0] || "";
  const any =
    actions.cancel || actions.retry || actions.rerunFrom.length > 0 || actions.approvals.length > 0;
  if (!any && !message) return null;
  return (
    <div class="actions card" data-testid="actions">
      <label>
        Acting as
        <input
          value={name}
          placeholder="your name"
          onInput={(e) => setName(e.currentTarget.value)}
          data-testid="actor"
        />
      </label>
      {actions.cancel &&
        (confirming ? (
          <button
            type="button"
            class="danger"
            disabled={busy}
            data-testid="action-confirm-cancel"
            onClick={() => act("cancel")}
          >
            Confirm: cancel this run
          </button>
        ) : (
          <button
            type="button"
            class="danger"
            disabled={busy}
            data-testid="action-cancel"
            onClick={() => setConfirming(true)}
          >
            Cancel…
          </button>
        ))}
      {actions.retry && (
        <button
          type="button"
          disabled={busy}
          data-testid="action-retry"
          onClick={() => act("retry")}
        >
          Retry from the failed stage
        </button>
      )}
      {actions.rerunFrom.length > 0 && (
        <span class="inline">
          <select
            value={rerunStage}
            onChange={(e) => setFrom(e.currentTarget.value)}
            data-testid="rerun-stage"
          >
            {actions.rerunFrom.map((id) => (
              <option key={id} value={id}>
                {id}
              </option>
            ))}
          </select>
          <button
            type="button"
            disabled={busy}
            data-testid="action-rerun"
            onClick={() => act("rerun", { stageId: rerunStage })}
          >
            Rerun from stage
          </button>
        </span>
      )}
      {actions.approvals.map((stageId) => (
        <span class="inline" key={stageId}>
          <strong>{stageId}</strong>
          <input
            value={comment}
            placeholder="comment"
            onInput={(e) => setComment(e.currentTarget.value)}
          />
          <button
            type="button"
            disabled={busy}
            data-testid={`approve-${stageId}`}
            onClick={() => act("approve", { stageId, comment })}
          >
            Approve
          </button>
          <button
            type="button"
            class="danger"
            disabled={busy}
            data-testid={`reject-${stageId}`}
            onClick={() => act("reject", { stageId, comment })}
          >
            Reject
          </button>
        </span>
      ))}
      {message && (
        <span class={message.ok ? "ok" : "error"} data-testid="action-message">
          {message.text}
        </span>
      )}
    </div>
  );
}
