/**
 * The only platform APIs the kernel uses. They exist in Node ≥ 20, Deno, Bun, browsers,
 * Cloudflare Workers and AWS Lambda; declaring them here (instead of loading the DOM or Node
 * type libraries) keeps anything else from creeping into the kernel.
 */

interface AbortSignal {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: "abort", listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: "abort", listener: () => void): void;
  throwIfAborted(): void;
}

declare var AbortSignal: { prototype: AbortSignal; abort(reason?: unknown): AbortSignal };

interface AbortController {
  readonly signal: AbortSignal;
  abort(reason?: unknown): void;
}

declare var AbortController: { prototype: AbortController; new (): AbortController };

declare class TextEncoder {
  encode(input?: string): Uint8Array;
}

declare class TextDecoder {
  decode(input?: Uint8Array): string;
}

declare var crypto: { randomUUID(): string; getRandomValues<T extends Uint8Array>(array: T): T };
