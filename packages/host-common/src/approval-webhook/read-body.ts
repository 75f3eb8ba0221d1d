/**
 * Reading a request's body with a cap: a declared `Content-Length` over the cap is refused
 * before anything is read, and a body streamed without one stops being read once it passes the
 * cap — so a huge body costs at most the cap in memory.
 */

/** The body's bytes, or that it is larger than the cap. */
export type CappedBody = { kind: "ok"; bytes: Uint8Array } | { kind: "too-large" };

/** Reads `request`'s body, up to `maxBytes`. */
export async function readCappedBody(request: Request, maxBytes: number): Promise<CappedBody> {
  const declared = Number(request.headers.get("content-length") ?? Number.NaN);
  if (Number.isFinite(declared) && declared > maxBytes) return { kind: "too-large" };
  if (request.body === null) return { kind: "ok", bytes: new Uint8Array(0) };
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      return { kind: "too-large" };
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return { kind: "ok", bytes };
}
