/**
 * The browser side of the dashboard's API: JSON reads, actions (JSON POST with the action
 * header), and live data over Server-Sent Events.
 */
import { useEffect, useState } from "preact/hooks";

/** The header the server requires on actions (see server/auth.ts). */
const ACTION_HEADER = "x-ratchet-dashboard";

/** An error reply of the API. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function parse<T>(res: Response): Promise<T> {
  const body = (await res.json().catch(() => ({}))) as {
    error?: { code?: string; message?: string };
  };
  if (!res.ok)
    throw new ApiError(
      res.status,
      body.error?.code ?? "HTTP",
      body.error?.message ?? res.statusText,
    );
  return body as T;
}

/** GETs an API path. */
export async function getJson<T>(path: string): Promise<T> {
  return parse<T>(await fetch(path, { credentials: "same-origin" }));
}

/** Takes an action on a run (`cancel`, `rerun`, `retry`, `approve`, `reject`). */
export async function postAction(
  runId: string,
  action: string,
  body: Record<string, unknown>,
): Promise<unknown> {
  const res = await fetch(`/api/runs/${encodeURIComponent(runId)}/${action}`, {
    method: "POST",
    credentials: "same-origin",
    headers: { "content-type": "application/json", [ACTION_HEADER]: "1" },
    body: JSON.stringify(body),
  });
  return parse<unknown>(res);
}

/** Live data of an API path: its value, the last error, and whether the stream is connected. */
export interface Live<T> {
  data: T | undefined;
  error: ApiError | undefined;
  connected: boolean;
}

/**
 * Subscribes to `/api/stream?path=<path>&<params>`: the server sends the path's data whenever
 * it changes. When the stream fails, the path is read once to learn why (401, 404).
 */
export function useLive<T>(path: string, params: URLSearchParams | undefined): Live<T> {
  const query = params?.toString() ?? "";
  const [state, setState] = useState<Live<T>>({
    data: undefined,
    error: undefined,
    connected: false,
  });
  useEffect(() => {
    setState({ data: undefined, error: undefined, connected: false });
    const search = new URLSearchParams(query);
    search.set("path", path);
    const source = new EventSource(`/api/stream?${search.toString()}`);
    source.addEventListener("update", (event) => {
      const data = JSON.parse((event as MessageEvent<string>).data) as T;
      setState({ data, error: undefined, connected: true });
    });
    source.addEventListener("failure", (event) => {
      const { message } = JSON.parse((event as MessageEvent<string>).data) as { message: string };
      setState((s) => ({ ...s, error: new ApiError(500, "READ_FAILED", message) }));
    });
    source.onerror = () => {
      setState((s) => ({ ...s, connected: false }));
      getJson<T>(`${path}${query ? `?${query}` : ""}`).then(
        (data) => setState((s) => ({ ...s, data })),
        (error: unknown) => {
          if (error instanceof ApiError) {
            setState((s) => ({ ...s, error }));
            if (error.status === 401 || error.status === 404) source.close();
          }
        },
      );
    };
    return () => source.close();
  }, [path, query]);
  return state;
}
