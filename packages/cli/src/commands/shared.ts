/**
 * What several commands' definitions share: the `--workflows` option.
 */

import type { OptionSpec } from "../cli/options.js";

/** `--workflows <module>`. */
export const WORKFLOWS_OPTION: OptionSpec = {
  type: "string",
  value: "<module>",
  description:
    "JavaScript module exporting `workflows` (an array) or a default array; replaces the built-in demo workflows",
  defaultText: "the built-in document-pipeline",
};
