/**
 * The dashboard's browser UI: a hash router over three pages (runs, a run, workflows) and the
 * page asking for the token when the server wants one.
 */
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { TokenPrompt } from "./components/token-prompt.js";
import { RunPage } from "./pages/run-page.js";
import { RunsPage } from "./pages/runs-page.js";
import { WorkflowsPage } from "./pages/workflows-page.js";

function useHash(): string {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const onChange = () => setHash(location.hash);
    window.addEventListener("hashchange", onChange);
    return () => window.removeEventListener("hashchange", onChange);
  }, []);
  return hash;
}

function Page({ route }: { route: string }) {
  const run = /^#\/runs\/(.+)$/.exec(route);
  if (run?.[1]) return <RunPage runId={decodeURIComponent(run[1])} />;
  if (route.startsWith("#/workflows")) return <WorkflowsPage />;
  return <RunsPage />;
}

function App() {
  const route = useHash();
  const [unauthorized, setUnauthorized] = useState(false);
  useEffect(() => {
    void fetch("/api/session", { credentials: "same-origin" }).then((res) =>
      setUnauthorized(res.status === 401),
    );
  }, []);
  const section = route.startsWith("#/workflows") ? "workflows" : "runs";
  return (
    <>
      <header class="topbar">
        <a class="brand" href="#/runs">
          Ratchet
        </a>
        <nav>
          <a class={section === "runs" ? "active" : ""} href="#/runs">
            Runs
          </a>
          <a class={section === "workflows" ? "active" : ""} href="#/workflows">
            Workflows
          </a>
        </nav>
      </header>
      <main>{unauthorized ? <TokenPrompt /> : <Page route={route} />}</main>
    </>
  );
}

const root = document.getElementById("app");
if (root) render(<App />, root);
