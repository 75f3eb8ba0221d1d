/**
 * Splitting an SQL script into statements, for drivers that run one statement per call
 * (better-sqlite3 through Prisma's `$executeRawUnsafe`).
 *
 * A `;` ends a statement unless it is inside a string ('…'), a quoted identifier ("…", `…`,
 * […]), a comment (-- …, /* … *\/), a PostgreSQL dollar-quoted body ($tag$ … $tag$), or the
 * body of an SQLite `CREATE TRIGGER … BEGIN … END` (there only `END;` ends the statement).
 * Statements holding nothing but comments and whitespace are dropped.
 */

const TRIGGER_START = /^\s*CREATE\s+(?:TEMP\s+|TEMPORARY\s+)?TRIGGER\b/i;

function isWordChar(char: string | undefined): boolean {
  return char !== undefined && /[A-Za-z0-9_$]/.test(char);
}

/** Splits `sql` into its statements (each trimmed, without the terminating `;`). */
export function splitSqlStatements(sql: string): string[] {
  const statements: string[] = [];
  let start = 0;
  /** The statement's text without comments, to recognise triggers and `END`. */
  let code = "";
  let i = 0;

  const finish = (end: number) => {
    const text = sql.slice(start, end).trim();
    if (code.trim() !== "") statements.push(text);
    start = end + 1;
    code = "";
  };

  while (i < sql.length) {
    const char = sql[i] as string;
    const next = sql[i + 1];
    if (char === "-" && next === "-") {
      const end = sql.indexOf("\n", i);
      i = end === -1 ? sql.length : end + 1;
      code += " ";
      continue;
    }
    if (char === "/" && next === "*") {
      const end = sql.indexOf("*/", i + 2);
      i = end === -1 ? sql.length : end + 2;
      code += " ";
      continue;
    }
    if (char === "'" || char === '"' || char === "`" || char === "[") {
      const close = char === "[" ? "]" : char;
      let j = i + 1;
      while (j < sql.length) {
        if (sql[j] === close) {
          // A doubled quote is an escaped quote, not the end.
          if (close !== "]" && sql[j + 1] === close) {
            j += 2;
            continue;
          }
          break;
        }
        j++;
      }
      code += sql.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    if (char === "$" && !isWordChar(sql[i - 1])) {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i));
      if (tag) {
        const end = sql.indexOf(tag[0], i + tag[0].length);
        const stop = end === -1 ? sql.length : end + tag[0].length;
        code += sql.slice(i, stop);
        i = stop;
        continue;
      }
    }
    if (char === ";") {
      const inTrigger = TRIGGER_START.test(code);
      if (!inTrigger || /\bEND\s*$/i.test(code)) {
        finish(i);
        i++;
        continue;
      }
    }
    code += char;
    i++;
  }
  finish(sql.length);
  return statements;
}
