/**
 * Every publishable package (found under packages/, so new ones are covered) is complete
 * enough to install: metadata (ESM, exports with types, files, engines, license, repository, a
 * README with its install line), `npm pack` includes every file its package.json points at,
 * and everything its built code and types import is a dependency or peer dependency — not a
 * devDependency, which an install leaves out — with @ratchet ranges that the packed versions
 * satisfy.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { builtinModules } from "node:module";
import { join } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { runOk } from "./support/commands.js";
import {
  entryFiles,
  publishablePackages,
  REPO_ROOT,
  type WorkspacePackage,
} from "./support/workspace.js";

const packages = publishablePackages();
const versions = new Map(packages.map((pkg) => [pkg.json.name, pkg.json.version]));

/** The package a bare import specifier names, or undefined for a relative path or a built-in. */
function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith(".") || specifier.startsWith("/")) return undefined;
  if (/^[a-z]+:/.test(specifier)) return undefined; // node:fs, cloudflare:workers, data:…
  const parts = specifier.split("/");
  const name = specifier.startsWith("@") ? parts.slice(0, 2).join("/") : (parts[0] ?? specifier);
  return builtinModules.includes(name) ? undefined : name;
}

function filesUnder(dir: string, pattern: RegExp): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory()
      ? filesUnder(path, pattern)
      : pattern.test(entry)
        ? [path]
        : [];
  });
}

/** Builds `pkg` (and what it depends on) when its dist/ is missing: a package added later. */
async function ensureBuilt(pkg: WorkspacePackage): Promise<void> {
  if (existsSync(join(pkg.dir, "dist"))) return;
  await runOk(
    "npx",
    [
      "--no-install",
      "turbo",
      "run",
      "build",
      `--filter=${pkg.json.name}`,
      "--output-logs=errors-only",
    ],
    {
      cwd: REPO_ROOT,
      timeoutMs: 300_000,
    },
  );
}

describe("publishable packages", () => {
  it("are found under packages/", () => {
    expect(packages.map((pkg) => pkg.json.name)).toEqual(
      expect.arrayContaining([
        "@ratchet/cli",
        "@ratchet/kernel",
        "@ratchet/prisma",
        "@ratchet/host-node",
      ]),
    );
  });

  describe.each(packages.map((pkg) => [pkg.path, pkg] as const))("%s", (path, pkg) => {
    const { json } = pkg;

    it("has complete metadata", () => {
      expect(json.name).toMatch(/^@ratchet\/[a-z0-9-]+$/);
      expect(json.version).toMatch(/^\d+\.\d+\.\d+/);
      expect(json.description?.length ?? 0, "description").toBeGreaterThan(20);
      expect(json.license).toBe("MIT");
      expect(json.type).toBe("module");
      expect(json.engines?.node).toBe(">=20.19");
      expect(json.repository).toEqual({
        type: "git",
        url: "https://github.com/ratchet-dev/ratchet.git",
        directory: path,
      });
      expect(json.files).toContain("dist");
      expect(Object.keys(json.exports ?? {})).toContain(".");
      for (const [subpath, target] of Object.entries(json.exports ?? {})) {
        expect(typeof target, `exports["${subpath}"] is an object with types`).toBe("object");
        if (typeof target === "object") {
          expect(Object.keys(target)[0], `exports["${subpath}"] lists types first`).toBe("types");
          expect(target.types, `exports["${subpath}"].types`).toMatch(/\.d\.ts$/);
          expect(target.import ?? target.default, `exports["${subpath}"].import`).toMatch(/\.js$/);
        }
      }
      const readme = join(pkg.dir, "README.md");
      expect(existsSync(readme), `${path}/README.md`).toBe(true);
      expect(readFileSync(readme, "utf8")).toContain(`npm install ${json.name}`);
    });

    it("depends on the @ratchet packages it needs with ranges the packed versions satisfy", () => {
      for (const field of ["dependencies", "peerDependencies"] as const) {
        for (const [name, range] of Object.entries(json[field] ?? {})) {
          if (!name.startsWith("@ratchet/")) continue;
          expect(versions.has(name), `${field}.${name} is a publishable package`).toBe(true);
          expect(range, `${field}.${name}`).toBe(`^${versions.get(name)}`);
        }
      }
    });

    it("packs every file its package.json points at, and its README", async () => {
      await ensureBuilt(pkg);
      const result = await runOk("npm", ["pack", "--dry-run", "--json"], {
        cwd: pkg.dir,
        timeoutMs: 60_000,
        quiet: true,
      });
      const [info] = JSON.parse(result.stdout) as { files: { path: string }[] }[];
      const packed = new Set(info?.files.map((file) => file.path));
      for (const file of [...entryFiles(json), "README.md", "package.json"]) {
        expect(packed.has(file), `${json.name}'s tarball has ${file}`).toBe(true);
      }
      expect([...packed].filter((file) => /(^|\/)(src|test)\//.test(file))).toEqual([]);
    });

    it("declares everything its built code and types import", async () => {
      await ensureBuilt(pkg);
      const declared = new Set([
        json.name,
        ...Object.keys({ ...json.dependencies, ...json.peerDependencies }),
      ]);
      const undeclared = new Map<string, string>();
      // import/export declarations and import() (not `require(…)` calls: the builds are ESM,
      // and a method named `require` would read as one).
      for (const file of filesUnder(join(pkg.dir, "dist"), /\.(m?js|d\.ts)$/)) {
        const info = ts.preProcessFile(readFileSync(file, "utf8"), true, false);
        for (const { fileName } of info.importedFiles) {
          const name = packageOf(fileName);
          if (name !== undefined && !declared.has(name) && !undeclared.has(name))
            undeclared.set(name, file.slice(pkg.dir.length + 1));
        }
      }
      expect(
        Object.fromEntries(undeclared),
        `${json.name} imports these without declaring them in dependencies or peerDependencies`,
      ).toEqual({});
    });
  });
});
