/**
 * A user's project in a fresh folder under the system's temporary directory, outside the
 * repository (no workspace, no link into it): the needed packages are packed with `npm pack`
 * and installed from the tarballs, with zod, TypeScript and Node's types from the registry
 * (through npm's cache).
 */
import { execFileSync } from "node:child_process";
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { runOk } from "./commands.js";
import { REPO_ROOT, type WorkspacePackage } from "./workspace.js";

/** More of the user's code: src/ files that use the packed types beyond the guide's workflow. */
const FIXTURE = join(import.meta.dirname, "..", "..", "fixtures", "project");
/** The guide whose steps the project follows: its workflow and tsconfig.json are used as they are. */
const GUIDE = join(REPO_ROOT, "docs", "getting-started.md");

/** The first fenced `lang` block after the heading that starts with `heading`, in the guide. */
export function guideBlock(heading: string, lang: string): string {
  const guide = readFileSync(GUIDE, "utf8");
  const at = guide.indexOf(`\n## ${heading}`);
  const start = guide.indexOf(`\n\`\`\`${lang}\n`, at);
  if (at < 0 || start < 0)
    throw new Error(`docs/getting-started.md has no \`\`\`${lang} block under "## ${heading}"`);
  const body = start + lang.length + 5;
  return guide.slice(body, guide.indexOf("\n```", body) + 1);
}

/** The version of a package the repository itself installed (so the project gets the same). */
function repoVersion(name: string): string {
  const file = join(REPO_ROOT, "node_modules", name, "package.json");
  return (JSON.parse(readFileSync(file, "utf8")) as { version: string }).version;
}

/**
 * better-sqlite3's install script downloads a prebuilt binary, and compiles SQLite from source
 * (minutes on a busy machine) when it cannot — as here, where only the npm registry is
 * reachable. To stand in for that download, this hands prebuild-install the binary the
 * repository's own install built from the same version, through its documented offline
 * option (`local-prebuilds`: a folder of prebuilt tarballs, set in a `.prebuild-installrc` at
 * the project's root, which it finds from the package's folder). A
 * different version than the repository's falls back to compiling, which still works.
 */
function useLocalPrebuild(dir: string): void {
  const sqlite = join(REPO_ROOT, "node_modules", "better-sqlite3");
  const binary = join(sqlite, "build", "Release", "better_sqlite3.node");
  if (!existsSync(binary)) return;
  const version = repoVersion("better-sqlite3");
  const folder = join(dir, "prebuilds");
  mkdirSync(join(folder, "build", "Release"), { recursive: true });
  copyFileSync(binary, join(folder, "build", "Release", "better_sqlite3.node"));
  const tarball = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
  execFileSync("tar", ["-czf", tarball, "build"], { cwd: folder });
  rmSync(join(folder, "build"), { recursive: true });
  console.log(
    `[install-test] better-sqlite3 ${version}: prebuilt binary from the repository's install, ${tarball}`,
  );
  writeFileSync(join(dir, ".prebuild-installrc"), `local-prebuilds=${folder}\n`);
}

/** A created project. */
export interface UserProject {
  dir: string;
  /** The tarballs installed, by package name. */
  tarballs: Map<string, string>;
  remove(): void;
}

/** Packs `packages` into the project's `packs/` folder; returns the tarball of each. */
async function pack(
  packages: readonly WorkspacePackage[],
  into: string,
): Promise<Map<string, string>> {
  const tarballs = new Map<string, string>();
  for (const pkg of packages) {
    const result = await runOk("npm", ["pack", "--json", "--pack-destination", into], {
      cwd: pkg.dir,
      timeoutMs: 60_000,
      quiet: true,
    });
    const [info] = JSON.parse(result.stdout) as {
      filename: string;
      size: number;
      entryCount: number;
    }[];
    if (!info) throw new Error(`npm pack printed nothing for ${pkg.json.name}`);
    console.log(
      `[install-test] packed ${pkg.json.name}: ${info.filename}, ${info.entryCount} files, ${(info.size / 1024).toFixed(0)} kB`,
    );
    tarballs.set(pkg.json.name, join(into, info.filename));
  }
  return tarballs;
}

/** Creates the project, packs `packages` and installs their tarballs (all at once). */
export async function createUserProject(
  packages: readonly WorkspacePackage[],
): Promise<UserProject> {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "ratchet-install-test-")));
  if (!relative(REPO_ROOT, dir).startsWith(".."))
    throw new Error(`${dir} is inside the repository`);
  const remove = () => rmSync(dir, { recursive: true, force: true });
  try {
    const packs = join(dir, "packs");
    mkdirSync(packs);
    const tarballs = await pack(packages, packs);
    writeFileSync(
      join(dir, "package.json"),
      `${JSON.stringify(
        {
          name: "my-ratchet-app",
          private: true,
          type: "module",
          // better-sqlite3 builds its native module in an install script, which npm 11 runs
          // only for packages the project allows.
          allowScripts: { "better-sqlite3": true },
        },
        null,
        2,
      )}\n`,
    );
    cpSync(FIXTURE, dir, { recursive: true });
    writeFileSync(join(dir, "src", "workflows.ts"), guideBlock("3. Write a workflow", "ts"));
    writeFileSync(join(dir, "tsconfig.json"), guideBlock("4. Type-check and compile", "json"));
    useLocalPrebuild(dir);
    await runOk(
      "npm",
      [
        "install",
        "--no-audit",
        "--no-fund",
        "--prefer-offline",
        ...[...tarballs.values()].map((file) => `./${relative(dir, file)}`),
        `zod@^${repoVersion("zod")}`,
        `typescript@~${repoVersion("typescript")}`,
        `@types/node@^${repoVersion("@types/node").split(".")[0]}`,
      ],
      { cwd: dir, timeoutMs: 420_000, heartbeatMs: 10_000 },
    );
    return { dir, tarballs, remove };
  } catch (error) {
    remove();
    throw error;
  }
}
