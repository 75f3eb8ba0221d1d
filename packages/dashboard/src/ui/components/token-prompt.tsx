/** Asks for the dashboard's token (the server set one): opening `/?token=…` stores it in a cookie. */
import { useState } from "preact/hooks";

/** The token form. */
export function TokenPrompt() {
  const [token, setToken] = useState("");
  return (
    <section class="card narrow">
      <h2>This dashboard needs its token</h2>
      <p>
        It was started with a token (<code>--token</code> or <code>RATCHET_DASHBOARD_TOKEN</code>).
        Enter it once; the browser keeps it in a cookie for this site.
      </p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          location.href = `/?token=${encodeURIComponent(token)}`;
        }}
      >
        <input
          type="password"
          placeholder="token"
          value={token}
          onInput={(e) => setToken(e.currentTarget.value)}
        />
        <button type="submit">Open</button>
      </form>
    </section>
  );
}
