/**
 * Who is at the keyboard, for `ratchet approve` / `reject` without `--by`: `$USER` (`$USERNAME`
 * on Windows), else the login name of the process's user (`os.userInfo().username`).
 */
import { userInfo } from "node:os";

/** The current user's name, or `undefined` when neither the environment nor the OS says. */
export function currentUser(
  env: Readonly<Record<string, string | undefined>>,
  osUser: () => string = () => userInfo().username,
): string | undefined {
  const fromEnv = env.USER?.trim() || env.USERNAME?.trim();
  if (fromEnv) return fromEnv;
  try {
    return osUser().trim() || undefined;
  } catch {
    // No passwd entry for the uid (some containers): nothing to go on.
    return undefined;
  }
}
