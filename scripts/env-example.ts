/**
 * Writes `.env.example` from lib/config.ts, the one source of the platform's settings:
 * every variable, its comment there, and its default (commented out, so copying the file
 * to `.env` changes nothing until a line is uncommented). `npm run env:example` rewrites
 * it; test/config.test.ts fails while the file and lib/config.ts disagree.
 */
import fs from "node:fs";
import path from "node:path";
import { ENV_VARIABLES, envDefault } from "../lib/config";

const ROOT = path.resolve(__dirname, "..");
export const ENV_EXAMPLE_PATH = path.join(ROOT, ".env.example");

/** The `/** … *\/` comment written right above `  NAME:` in lib/config.ts, as plain lines. */
function commentsByVariable(source: string): Map<string, string[]> {
  const comments = new Map<string, string[]>();
  for (const match of source.matchAll(/\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*\n\s{2}([A-Z][A-Z0-9_]*):/g)) {
    const lines = match[1]
      .split("\n")
      .map((line) => line.replace(/^\s*\*?\s?/, "").trimEnd())
      .filter(Boolean);
    comments.set(match[2], lines);
  }
  return comments;
}

export function renderEnvExample(): string {
  const comments = commentsByVariable(fs.readFileSync(path.join(ROOT, "lib/config.ts"), "utf8"));
  const blocks = ENV_VARIABLES.map((name) => {
    const value = envDefault(name);
    const comment = (comments.get(name) ?? []).map((line) => `# ${line}`);
    const line = value === undefined ? `# ${name}=` : `# ${name}=${value}`;
    return [...comment, line].join("\n");
  });
  return [
    "# Every setting of the platform, generated from lib/config.ts by `npm run env:example`: do not edit by hand.",
    "# Each line shows the default; uncomment and change the ones you need. The README's configuration table says more.",
    "# Nothing reads this file by itself: export the variables, or pass them to `npm start` / your container runtime.",
    "",
    blocks.join("\n\n"),
    "",
  ].join("\n");
}

if (require.main === module) {
  fs.writeFileSync(ENV_EXAMPLE_PATH, renderEnvExample());
  console.log(`wrote ${path.relative(process.cwd(), ENV_EXAMPLE_PATH)} (${ENV_VARIABLES.length} settings)`);
}
