/**
 * The repository's publishable packages, found the way npm would publish them: every
 * `packages/<name>/package.json` without `"private": true`. Packages added later are covered
 * without editing this test.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** The repository's root folder. */
export const REPO_ROOT = join(import.meta.dirname, "..", "..", "..", "..");

/** The fields of a package.json this test reads. */
export interface PackageJson {
  name: string;
  version: string;
  private?: boolean;
  description?: string;
  license?: string;
  type?: string;
  engines?: { node?: string };
  repository?: { type?: string; url?: string; directory?: string };
  files?: string[];
  main?: string;
  types?: string;
  bin?: string | Record<string, string>;
  exports?: Record<string, { types?: string; import?: string; default?: string } | string>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

/** One publishable package of the workspace. */
export interface WorkspacePackage {
  /** Its folder, e.g. `/…/packages/kernel`. */
  dir: string;
  /** Its folder relative to the repository, e.g. `packages/kernel`. */
  path: string;
  json: PackageJson;
}

/** Every publishable package under `packages/`, sorted by folder. */
export function publishablePackages(): WorkspacePackage[] {
  const root = join(REPO_ROOT, "packages");
  return readdirSync(root)
    .sort()
    .map((name) => join(root, name))
    .filter((dir) => existsSync(join(dir, "package.json")))
    .map((dir) => ({
      dir,
      path: `packages/${dir.slice(root.length + 1)}`,
      json: JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as PackageJson,
    }))
    .filter((pkg) => pkg.json.private !== true);
}

/** The @ratchet packages a package needs at run time (dependencies and peer dependencies). */
export function ratchetRuntimeDeps(json: PackageJson): string[] {
  return Object.keys({ ...json.dependencies, ...json.peerDependencies }).filter((name) =>
    name.startsWith("@ratchet/"),
  );
}

/** `names` and every @ratchet package they need, transitively, among `packages`. */
export function closure(
  names: readonly string[],
  packages: readonly WorkspacePackage[],
): WorkspacePackage[] {
  const byName = new Map(packages.map((pkg) => [pkg.json.name, pkg]));
  const seen = new Map<string, WorkspacePackage>();
  const visit = (name: string): void => {
    if (seen.has(name)) return;
    const pkg = byName.get(name);
    if (!pkg) throw new Error(`${name} is not a publishable package of the workspace`);
    seen.set(name, pkg);
    for (const dep of ratchetRuntimeDeps(pkg.json)) visit(dep);
  };
  for (const name of names) visit(name);
  return [...seen.values()];
}

/** The files a package.json points at: main, types, bin and every export's targets. */
export function entryFiles(json: PackageJson): string[] {
  const files = new Set<string>();
  const add = (file: string | undefined) => {
    if (file) files.add(file.replace(/^\.\//, ""));
  };
  add(json.main);
  add(json.types);
  if (typeof json.bin === "string") add(json.bin);
  else for (const file of Object.values(json.bin ?? {})) add(file);
  for (const target of Object.values(json.exports ?? {})) {
    if (typeof target === "string") add(target);
    else for (const file of Object.values(target)) add(file);
  }
  return [...files].sort();
}
