/**
 * The browser UI's files (built into dist/ui) and Mermaid's browser bundle (copied from the
 * `mermaid` package into dist/ui/vendor at build time), served as they are.
 */
import { existsSync, readFileSync } from "node:fs";
import type { ServerResponse } from "node:http";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { securityHeaders } from "./http.js";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json; charset=utf-8",
};

/** The UI files the server hands out, by URL path. */
const UI_FILES = ["/index.html", "/app.js", "/app.js.map", "/styles.css"];

/** Where the built UI is: beside the bundled server (dist/ui), or dist/ui when run from src. */
export function defaultUiDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, "ui"), join(here, "..", "..", "dist", "ui")];
  return candidates.find((dir) => existsSync(join(dir, "index.html"))) ?? candidates[0] ?? here;
}

/** The file of Mermaid's browser bundle (defines `window.mermaid`), in the built UI. */
export function mermaidFile(uiDir: string): string {
  return join(uiDir, "vendor", "mermaid.min.js");
}

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";

/** Serves `path` when it is one of the UI's files (or Mermaid's); false when it is not. */
export function serveStatic(res: ServerResponse, path: string, uiDir: string): boolean {
  let file: string | undefined;
  if (path === "/" || path === "/index.html") file = join(uiDir, "index.html");
  else if (UI_FILES.includes(path)) file = join(uiDir, path.slice(1));
  else if (path === "/vendor/mermaid.min.js") file = mermaidFile(uiDir);
  if (path === "/favicon.ico") {
    res.writeHead(204, securityHeaders());
    res.end();
    return true;
  }
  if (file === undefined) return false;
  if (!existsSync(file)) {
    res.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
    res.end(`the dashboard's UI is not built (${file} is missing): run npm run build`);
    return true;
  }
  const body = readFileSync(file);
  const ext = file.slice(file.lastIndexOf("."));
  res.writeHead(200, {
    ...securityHeaders(),
    "content-type": TYPES[ext] ?? "application/octet-stream",
    "content-length": body.length,
    "content-security-policy": CSP,
    ...(path.startsWith("/vendor/") ? { "cache-control": "max-age=3600" } : {}),
  });
  res.end(body);
  return true;
}
