/** Command-line parsing: commands, global options anywhere, usage errors that name the problem. */
import { describe, expect, it } from "vitest";
import { parseCommandLine } from "../src/cli/args.js";
import { UsageError } from "../src/cli/errors.js";
import { choiceOption, integerOption, jsonOption } from "../src/cli/values.js";
import { COMMANDS } from "../src/commands/index.js";

const parse = (...argv: string[]) => parseCommandLine(argv, COMMANDS);

function usageError(fn: () => unknown): UsageError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return error as UsageError;
  }
  throw new Error("expected a usage error");
}

describe("parseCommandLine", () => {
  it("finds the command, its options and positionals, and global options anywhere", () => {
    const parsed = parse(
      "--database-url",
      "file:./x.db",
      "run",
      "document-pipeline",
      "--input",
      '{"url":"https://a.example"}',
      "--wait",
      "-q",
      "--no-color",
    );
    expect(parsed.command?.name).toBe("run");
    expect(parsed.positionals).toEqual(["document-pipeline"]);
    expect(parsed.options).toMatchObject({ input: '{"url":"https://a.example"}', wait: true });
    expect(parsed.globals).toEqual({
      databaseUrl: "file:./x.db",
      json: false,
      quiet: true,
      noColor: true,
    });
  });

  it("does not mistake an option's value for the command", () => {
    const parsed = parse("--database-url", "demo", "runs", "--limit", "3");
    expect(parsed.command?.name).toBe("runs");
    expect(parsed.globals.databaseUrl).toBe("demo");
    expect(parsed.options.limit).toBe("3");
  });

  it("asks for help: top-level, per command, and as `help <command>`", () => {
    expect(parse("--help")).toMatchObject({ help: true, command: undefined });
    expect(parse("-h")).toMatchObject({ help: true, command: undefined });
    expect(parse("demo", "--help")).toMatchObject({ help: true, command: { name: "demo" } });
    expect(parse("help", "worker")).toMatchObject({ help: true, command: { name: "worker" } });
    // --help skips the positional check, so `ratchet run --help` works without a workflow id
    expect(parse("run", "--help")).toMatchObject({ help: true, command: { name: "run" } });
  });

  it("reads --version and no command at all", () => {
    expect(parse("--version").version).toBe(true);
    expect(parse()).toMatchObject({ command: undefined, help: false, version: false });
  });

  it("rejects an unknown command, listing the commands", () => {
    const error = usageError(() => parse("frobnicate"));
    expect(error.message).toBe('unknown command "frobnicate"');
    expect(error.hint).toContain(`Commands: ${COMMANDS.map((c) => c.name).join(", ")}.`);
    for (const name of ["demo", "status", "logs", "cancel", "retry", "graph", "migrate"])
      expect(error.hint).toMatch(new RegExp(`[ ,]${name}[,.]`));
  });

  it("rejects an unknown option, naming it and the command", () => {
    const error = usageError(() => parse("demo", "--bogus"));
    expect(error.message).toBe('unknown option --bogus for "ratchet demo"');
    expect(error.field).toBe("--bogus");
    expect(error.hint).toContain("ratchet demo --help");
  });

  it("rejects an option of another command", () => {
    expect(usageError(() => parse("status", "abc", "--wait")).message).toContain("--wait");
  });

  it("rejects a missing value, a missing positional and an extra one", () => {
    expect(usageError(() => parse("run", "wf", "--input")).message).toBe(
      "option --input needs a value",
    );
    expect(usageError(() => parse("run")).message).toBe('missing <workflowId> for "ratchet run"');
    expect(usageError(() => parse("status", "a", "b")).message).toBe(
      'unexpected argument "b" for "ratchet status"',
    );
  });
});

describe("actions (ratchet runs migrate)", () => {
  const migrate = ["--workflow", "order", "--from", "1", "--to", "2"];

  it("finds the action, its options, and global options anywhere", () => {
    const parsed = parse("--json", "runs", "migrate", ...migrate, "--dry-run", "--limit", "5");
    expect(parsed.command?.name).toBe("runs migrate");
    expect(parsed.positionals).toEqual([]);
    expect(parsed.options).toMatchObject({
      workflow: "order",
      from: "1",
      to: "2",
      "dry-run": true,
      limit: "5",
    });
    expect(parsed.globals.json).toBe(true);
    // An option value that reads "migrate" is not the action.
    expect(parse("runs", "--workflow", "migrate").command?.name).toBe("runs");
  });

  it("asks for an action's help as `runs migrate --help` and `help runs migrate`", () => {
    expect(parse("runs", "migrate", "--help")).toMatchObject({
      help: true,
      command: { name: "runs migrate" },
    });
    expect(parse("help", "runs", "migrate")).toMatchObject({
      help: true,
      command: { name: "runs migrate" },
    });
    expect(parse("help", "runs")).toMatchObject({ command: { name: "runs" } });
  });

  it("names a missing required option, an unknown action, and options of the other one", () => {
    const missing = usageError(() =>
      parse("runs", "migrate", "--workflow", "order", "--from", "1"),
    );
    expect(missing.message).toBe('missing --to for "ratchet runs migrate"');
    expect(missing.field).toBe("--to");
    const unknown = usageError(() => parse("runs", "migrat"));
    expect(unknown.message).toBe('unknown action "migrat" for "ratchet runs"');
    expect(unknown.hint).toContain("Actions: migrate.");
    expect(usageError(() => parse("runs", "--dry-run")).message).toBe(
      'unknown option --dry-run for "ratchet runs"',
    );
    expect(usageError(() => parse("runs", "migrate", ...migrate, "--cursor", "x")).message).toBe(
      'unknown option --cursor for "ratchet runs migrate"',
    );
  });

  it("requires --workflows for deploy-check", () => {
    expect(usageError(() => parse("deploy-check")).message).toBe(
      'missing --workflows for "ratchet deploy-check"',
    );
    expect(parse("deploy-check", "--workflows", "./w.js", "--verbose").options).toEqual({
      workflows: "./w.js",
      verbose: true,
    });
  });
});

describe("option values", () => {
  it("parses integers within range, with a fallback", () => {
    expect(integerOption({ runs: "7" }, "runs", { min: 1, max: 50, fallback: 5 })).toBe(7);
    expect(integerOption({}, "runs", { min: 1, max: 50, fallback: 5 })).toBe(5);
    for (const bad of ["0", "51", "2.5", "x", ""]) {
      expect(
        usageError(() => integerOption({ runs: bad }, "runs", { min: 1, max: 50, fallback: 5 }))
          .message,
      ).toContain("--runs must be an integer from 1 to 50");
    }
  });

  it("parses JSON, or says why it is not JSON", () => {
    expect(jsonOption({ input: '{"a":[1,2]}' }, "input", {})).toEqual({ a: [1, 2] });
    expect(jsonOption({}, "input", {})).toEqual({});
    const error = usageError(() => jsonOption({ input: "{url:" }, "input", {}));
    expect(error.message).toMatch(/^--input is not valid JSON: /);
    expect(error.field).toBe("--input");
  });

  it("matches choices case-insensitively", () => {
    expect(choiceOption({ status: "failed" }, "status", ["COMPLETED", "FAILED"])).toBe("FAILED");
    expect(choiceOption({}, "status", ["COMPLETED"])).toBeUndefined();
    expect(usageError(() => choiceOption({ status: "x" }, "status", ["A", "B"])).message).toBe(
      '--status must be one of A, B, got "x"',
    );
  });
});
