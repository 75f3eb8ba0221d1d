/**
 * A Mermaid diagram, rendered in the browser by Mermaid's bundle (served by the dashboard at
 * /vendor/mermaid.min.js, loaded on first use). Shows the diagram's text when it cannot render.
 */
import { useEffect, useRef, useState } from "preact/hooks";

interface MermaidApi {
  initialize(config: Record<string, unknown>): void;
  render(id: string, text: string): Promise<{ svg: string }>;
}

let loading: Promise<MermaidApi> | undefined;

function loadMermaid(): Promise<MermaidApi> {
  loading ??= new Promise<MermaidApi>((resolve, reject) => {
    const script = document.createElement("script");
    script.src = "/vendor/mermaid.min.js";
    script.onload = () => {
      const api = (window as unknown as { mermaid?: MermaidApi }).mermaid;
      if (!api) return reject(new Error("mermaid did not load"));
      api.initialize({ startOnLoad: false, securityLevel: "strict", theme: "neutral" });
      resolve(api);
    };
    script.onerror = () => reject(new Error("mermaid could not be loaded"));
    document.head.appendChild(script);
  });
  return loading;
}

let counter = 0;

/** The diagram of `text`. */
export function MermaidGraph({ text, testId }: { text: string; testId?: string }) {
  const ref = useRef<HTMLDivElement>(null);
  const [failed, setFailed] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    loadMermaid()
      .then((api) => api.render(`mermaid-${++counter}`, text))
      .then(({ svg }) => {
        if (live && ref.current) ref.current.innerHTML = svg;
      })
      .catch(
        (error: unknown) =>
          live && setFailed(error instanceof Error ? error.message : String(error)),
      );
    return () => {
      live = false;
    };
  }, [text]);
  return (
    <div class="mermaid-graph" data-testid={testId}>
      <div ref={ref} />
      {failed && (
        <>
          <p class="error">The graph could not be drawn ({failed}); its Mermaid text:</p>
          <pre>{text}</pre>
        </>
      )}
    </div>
  );
}
